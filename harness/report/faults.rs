//! The faults table: one row per case run under a `[link] faults` fault, with what the fault
//! cost in messages (sent, delivered, lost, duplicated, failed authentication, corrupted) and
//! how the clients came back (reconnects, time to recover from each fault event).
//!
//! A corrupted byte on an authenticated suite (AEAD, hybrid, HMAC, signature) fails the
//! message's check and the message is lost (`failed_auth`); on an unauthenticated one it opens
//! to the wrong plaintext and is delivered, counted `corrupted`. Corruption in MQTT framing
//! breaks the connection instead (reconnects).

use super::table::{Row, Table};
use crate::results::RunResults;

pub const TITLE: &str = "Faults injected by the link";

pub const LEGEND: &str = "Each row is one case on a link with one fault (`[link] faults`). \
sent = delivered + lost at every row. failed auth: messages whose authentication failed \
(lost); corrupted: messages delivered with a wrong plaintext (unauthenticated suites). \
recover: from each fault event to the last affected client's reconnection, median / worst \
(over the outages the clients recovered from; \"none\" when no client lost its connection).";

const HEADERS: [(&str, bool); 12] = [
    ("case", false),
    ("fault", false),
    ("events", true),
    ("sent", true),
    ("delivered", true),
    ("lost", true),
    ("duplicated", true),
    ("failed auth", true),
    ("corrupted", true),
    ("reconnects", true),
    ("recover median / max", true),
    ("not recovered", true),
];

/// None when no case ran under a fault.
pub fn table(results: &RunResults) -> Option<Table> {
    let rows: Vec<Row> = results
        .cases
        .iter()
        .filter_map(|c| c.fault.as_ref().map(|f| (c, f)))
        .map(|(c, f)| {
            let n = &c.counts;
            let recover = match f.recovery() {
                Some((m, x)) => format!("{} / {} s", secs(m), secs(x)),
                None => "none".into(),
            };
            let events = match f.kind.as_str() {
                "corrupt" => format!("{} B", f.corrupted_bytes),
                _ => f.events.to_string(),
            };
            Row {
                cells: vec![
                    c.id.clone(),
                    f.description.clone(),
                    events,
                    n.sent.to_string(),
                    n.delivered.to_string(),
                    n.lost.to_string(),
                    n.duplicated.to_string(),
                    n.failed_auth.to_string(),
                    n.corrupted.to_string(),
                    f.reconnects.to_string(),
                    recover,
                    f.unrecovered.to_string(),
                ],
                lossy: c.params.qos > 0 && n.lost > 0,
            }
        })
        .collect();
    (!rows.is_empty()).then(|| Table {
        headers: HEADERS.iter().map(|h| h.0).collect(),
        numeric: HEADERS.iter().map(|h| h.1).collect(),
        rows,
    })
}

fn secs(s: f64) -> String {
    if s < 10.0 {
        format!("{s:.2}")
    } else {
        format!("{s:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::FaultOutcome;

    #[test]
    fn one_row_per_faulted_case_with_counts_and_recovery() {
        let mut r = super::super::fixture::run();
        assert!(table(&r).is_none(), "no fault, no table");
        r.cases[0].counts.failed_auth = 7;
        r.cases[0].fault = Some(FaultOutcome {
            name: "reset".into(),
            kind: "reset".into(),
            description: "TCP reset of every connection every 2s".into(),
            events: 4,
            connections_reset: 8,
            reconnects: 8,
            recover_s: vec![0.4, 0.2, 1.5],
            ..Default::default()
        });
        let t = table(&r).expect("a table");
        assert_eq!(t.rows.len(), 1);
        let row = &t.rows[0].cells;
        assert_eq!(row.len(), t.headers.len());
        assert_eq!(row[0], r.cases[0].id);
        assert_eq!(row[2], "4");
        assert_eq!(row[7], "7");
        assert_eq!(row[9], "8");
        assert_eq!(row[10], "0.40 / 1.50 s");
        assert_eq!(row[3], r.cases[0].counts.sent.to_string());
    }
}
