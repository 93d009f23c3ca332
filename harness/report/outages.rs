//! Broker outages seen during a run, one line per outage, with the case's accounting beside it
//! so a reader sees at once what the outage cost.

use crate::results::RunResults;

/// One sentence per outage, in run order.
pub fn lines(results: &RunResults) -> Vec<String> {
    let mut out = Vec::new();
    for c in &results.cases {
        for o in &c.outages {
            let n = &c.counts;
            out.push(format!(
                "{}: broker unreachable for {:.2} s from {:+.2} s ({} client{}{}); \
                 expected {} = delivered {} + lost {}",
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
                n.lost
            ));
        }
    }
    out
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
        assert_eq!(l.len(), 1);
        assert!(l[0].starts_with(&r.cases[0].id), "{}", l[0]);
        assert!(
            l[0].contains("1.25 s from +2.50 s (3 clients, all reconnected)"),
            "{}",
            l[0]
        );
        assert!(l[0].contains("delivered"), "{}", l[0]);
    }
}
