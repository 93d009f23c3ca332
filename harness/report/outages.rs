//! Broker outages seen during a run, one line per outage, with the case's accounting beside it
//! so a reader sees at once what the outage cost.

use std::collections::BTreeMap;

use crate::results::RunResults;

/// One sentence per outage, in run order, then one on whether the run delivered everything
/// across them (seed 003's "without any loss of data") and under which settings.
pub fn lines(results: &RunResults) -> Vec<String> {
    let mut out = Vec::new();
    for c in &results.cases {
        for o in &c.outages {
            let n = &c.counts;
            let session = match &c.session_resumes {
                Some(r) => format!(
                    "; persistent session: {} of {} reconnects resumed it",
                    r.resumed, r.reconnects
                ),
                None => format!("; {} session", c.params.session),
            };
            out.push(format!(
                "{}: broker unreachable for {:.2} s from {:+.2} s ({} client{}{}); \
                 expected {} = delivered {} + lost {}, duplicated {}{session}",
                c.id,
                o.duration_s,
                o.start_s,
                o.clients,
                if o.clients == 1 { "" } else { "s" },
                if o.recovered {
                    ", all reconnected"
                } else {
                    ", NOT reconnected by the end of the case"
                },
                n.expected,
                n.delivered,
                n.lost,
                n.duplicated
            ));
        }
    }
    out.extend(claim(results));
    out
}

/// Whether "no message lost" held across the outages, per QoS and session kind: the
/// settings under which it held and those under which it did not, with what was lost.
fn claim(results: &RunResults) -> Option<String> {
    // (qos, session) -> (cases, expected, lost, duplicated)
    let mut groups: BTreeMap<(u8, &str), (u32, u64, u64, u64)> = BTreeMap::new();
    for c in results.cases.iter().filter(|c| !c.outages.is_empty()) {
        let g = groups
            .entry((c.params.qos, c.params.session.as_str()))
            .or_default();
        g.0 += 1;
        g.1 += c.counts.expected;
        g.2 += c.counts.lost;
        g.3 += c.counts.duplicated;
    }
    if groups.is_empty() {
        return None;
    }
    let name = |(qos, session): (u8, &str), cases: u32| {
        format!(
            "QoS {qos} {session} session ({cases} case{})",
            if cases == 1 { "" } else { "s" }
        )
    };
    let (mut held, mut broke) = (Vec::new(), Vec::new());
    for (k, (cases, expected, lost, duplicated)) in groups {
        if lost == 0 {
            held.push(format!("{}, {duplicated} duplicated", name(k, cases)));
        } else {
            broke.push(format!("{}: lost {lost} of {expected}", name(k, cases)));
        }
    }
    let list = |v: Vec<String>| {
        if v.is_empty() {
            "none".to_owned()
        } else {
            v.join("; ")
        }
    };
    Some(format!(
        "No message lost across these outages held for: {}. It did not hold for: {}.",
        list(held),
        list(broke)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::Outage;

    #[test]
    fn names_the_case_duration_and_accounting() {
        let mut r = super::super::fixture::run();
        assert!(lines(&r).is_empty());
        r.cases[0].outages.push(Outage {
            start_s: 2.5,
            duration_s: 1.25,
            clients: 3,
            recovered: true,
        });
        let l = lines(&r);
        assert_eq!(l.len(), 2, "{l:?}");
        assert!(l[0].starts_with(&r.cases[0].id), "{}", l[0]);
        assert!(
            l[0].contains("1.25 s from +2.50 s (3 clients, all reconnected)"),
            "{}",
            l[0]
        );
        assert!(l[0].contains("delivered"), "{}", l[0]);
        assert!(l[0].contains("clean session"), "{}", l[0]);
    }

    #[test]
    fn says_under_which_settings_nothing_was_lost() {
        let mut r = super::super::fixture::run();
        let outage = Outage {
            start_s: 1.0,
            duration_s: 1.5,
            clients: 3,
            recovered: true,
        };
        let qos1: Vec<usize> = (0..r.cases.len())
            .filter(|&i| r.cases[i].params.qos == 1)
            .take(2)
            .collect();
        assert_eq!(qos1.len(), 2, "the fixture has two QoS 1 cases");
        for (k, &i) in qos1.iter().enumerate() {
            let c = &mut r.cases[i];
            c.outages.push(outage.clone());
            if k == 0 {
                c.params.session = "persistent".into();
                c.session_resumes = Some(crate::results::SessionResumes {
                    reconnects: 3,
                    resumed: 3,
                });
                c.counts.lost = 0;
                c.counts.duplicated = 4;
            } else {
                c.counts.expected = 1200;
                c.counts.lost = 150;
            }
        }
        let l = lines(&r);
        let last = l.last().expect("a claim line");
        assert!(
            last.contains("held for: QoS 1 persistent session (1 case), 4 duplicated"),
            "{last}"
        );
        assert!(
            last.contains("did not hold for: QoS 1 clean session (1 case): lost 150 of 1200"),
            "{last}"
        );
        assert!(l[0].contains("3 of 3 reconnects resumed"), "{}", l[0]);
    }
}
