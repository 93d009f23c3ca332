//! Connection outages: when each client lost its broker and when it got it back, merged into
//! the case's outages (the broker restarting, a network cut) with their durations.
//!
//! A client is down from its first connection error until its next CONNACK. The case's
//! outages are the union of its clients' down intervals, so a broker restart that every
//! client notices within a few milliseconds is one outage, not one per client.

use crate::results::Outage;

/// One client's connection history over a case.
#[derive(Debug, Default, Clone)]
pub struct ConnectionLog {
    down_since: Option<u64>,
    /// Closed down intervals, [from, to) in clock ns.
    intervals: Vec<(u64, u64)>,
    /// Reconnects whose CONNACK said the broker still had this client's session.
    resumed: u64,
}

impl ConnectionLog {
    /// The client saw a connection error at `t` (a no-op while already down: every failed
    /// reconnect attempt reports again).
    pub fn down(&mut self, t: u64) {
        self.down_since.get_or_insert(t);
    }

    /// The client got a CONNACK at `t` whose session-present flag was `session_present`.
    pub fn up(&mut self, t: u64, session_present: bool) {
        if let Some(from) = self.down_since.take() {
            self.intervals.push((from, t.max(from)));
            if session_present {
                self.resumed += 1;
            }
        }
    }

    /// Reconnects that found the client's session still on the broker.
    pub fn resumed(&self) -> u64 {
        self.resumed
    }

    /// Times the client got its connection back.
    pub fn reconnects(&self) -> u64 {
        self.intervals.len() as u64
    }

    /// True if the client ever lost its connection.
    pub fn any(&self) -> bool {
        self.down_since.is_some() || !self.intervals.is_empty()
    }

    /// Down intervals, an unfinished one ending at `end` and marked as never recovered.
    fn spans(&self, end: u64) -> impl Iterator<Item = Span> + '_ {
        self.intervals
            .iter()
            .map(|&(from, to)| Span {
                from,
                to,
                recovered: true,
            })
            .chain(self.down_since.map(|from| Span {
                from,
                to: end.max(from),
                recovered: false,
            }))
    }
}

#[derive(Debug, Clone, Copy)]
struct Span {
    from: u64,
    to: u64,
    recovered: bool,
}

/// Merges every client's log into the case's outages, times relative to `start_ns` (the first
/// scheduled message), in order. `end_ns` closes intervals still open when the case ended.
pub fn merge(logs: &[ConnectionLog], start_ns: u64, end_ns: u64) -> Vec<Outage> {
    let mut spans: Vec<(Span, usize)> = logs
        .iter()
        .enumerate()
        .flat_map(|(client, log)| log.spans(end_ns).map(move |s| (s, client)))
        .collect();
    spans.sort_by_key(|(s, _)| s.from);
    let mut out: Vec<(Span, Vec<usize>)> = Vec::new();
    for (s, client) in spans {
        match out.last_mut() {
            // Overlapping or touching: the same outage seen by another client.
            Some((m, clients)) if s.from <= m.to => {
                m.to = m.to.max(s.to);
                // Recovered only if every client that lost the broker got it back.
                m.recovered &= s.recovered;
                if !clients.contains(&client) {
                    clients.push(client);
                }
            }
            _ => out.push((s, vec![client])),
        }
    }
    out.into_iter()
        .map(|(s, clients)| Outage {
            start_s: (s.from as f64 - start_ns as f64) / 1e9,
            duration_s: (s.to - s.from) as f64 / 1e9,
            clients: clients.len() as u32,
            recovered: s.recovered,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000_000;

    #[test]
    fn one_restart_seen_by_every_client_is_one_outage() {
        let mut a = ConnectionLog::default();
        let mut b = ConnectionLog::default();
        a.down(10 * S);
        a.down(11 * S); // a failed reconnect attempt reports again
        b.down(10 * S + 5);
        a.up(12 * S, false);
        b.up(12 * S + 200_000_000, false);
        let o = merge(&[a, b], 8 * S, 20 * S);
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].clients, 2);
        assert!((o[0].start_s - 2.0).abs() < 1e-9);
        assert!((o[0].duration_s - 2.2).abs() < 1e-9);
        assert!(o[0].recovered);
    }

    #[test]
    fn separate_outages_stay_separate_and_an_open_one_is_unrecovered() {
        let mut a = ConnectionLog::default();
        a.down(2 * S);
        a.up(3 * S, false);
        a.down(5 * S);
        let o = merge(&[a, ConnectionLog::default()], 0, 9 * S);
        assert_eq!(o.len(), 2);
        assert!(o[0].recovered && !o[1].recovered);
        assert!((o[1].duration_s - 4.0).abs() < 1e-9);
        assert_eq!(o[1].clients, 1);
    }

    #[test]
    fn a_client_that_never_dropped_reports_nothing() {
        let mut a = ConnectionLog::default();
        a.up(5 * S, false);
        assert!(!a.any());
        assert!(merge(&[a], 0, 9 * S).is_empty());
    }
}
