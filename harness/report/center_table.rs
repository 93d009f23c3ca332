//! The Security Center's numbers per case, for the HTML and Markdown reports: key request
//! (miss/hit), the center's steps, requests and denials. Empty when the run has none.

use super::data::{self, sig3};
use super::table::{Row, Table};
use crate::results::{RunResults, phase};

pub fn table(results: &RunResults) -> Table {
    let headers: [(&str, bool); 12] = [
        ("case", false),
        ("class", false),
        ("miss p50 (ms)", true),
        ("miss p99 (ms)", true),
        ("hit p50 (µs)", true),
        ("authn p50 (µs)", true),
        ("authz p50 (µs)", true),
        ("keygen+wrap p50 (µs)", true),
        ("center p50 (µs)", true),
        ("requests", true),
        ("denied", true),
        ("N at once: response p50 (ms)", false),
    ];
    let mut rows = Vec::new();
    for c in data::ok_cases(results) {
        let Some(center) = &c.center else { continue };
        let p = |name: &str,
                 pick: fn(&crate::results::PhaseStats) -> u64,
                 scale: fn(f64) -> f64| {
            data::phase(c, name).map_or_else(|| "n/a".to_owned(), |s| sig3(scale(pick(s) as f64)))
        };
        let levels: Vec<String> = center
            .concurrency
            .iter()
            .map(|l| {
                let r = l
                    .response
                    .as_ref()
                    .map_or_else(|| "n/a".to_owned(), |s| sig3(data::ns_to_ms(s.p50 as f64)));
                format!("{}: {r}", l.clients)
            })
            .collect();
        rows.push(Row {
            cells: vec![
                c.id.clone(),
                center.class.clone(),
                p(phase::KEY_REQUEST_MISS, |s| s.p50, data::ns_to_ms),
                p(phase::KEY_REQUEST_MISS, |s| s.p99, data::ns_to_ms),
                p(phase::KEY_REQUEST_HIT, |s| s.p50, data::ns_to_us),
                p(phase::CENTER_AUTHN, |s| s.p50, data::ns_to_us),
                p(phase::CENTER_AUTHZ, |s| s.p50, data::ns_to_us),
                p(phase::CENTER_KEYGEN, |s| s.p50, data::ns_to_us),
                p(phase::CENTER_SERVICE, |s| s.p50, data::ns_to_us),
                center.requests.to_string(),
                center.denied.to_string(),
                levels.join(", "),
            ],
            lossy: false,
        });
    }
    Table {
        headers: headers.iter().map(|h| h.0).collect(),
        numeric: headers.iter().map(|h| h.1).collect(),
        rows,
    }
}

/// How to read the table, shared by HTML and Markdown.
pub const LEGEND: &str = "miss: a client asks the Security Center over MQTT (sign, round trip, \
verify the signed answer, unwrap the key); hit: the same key again from the client's cache; \
authn/authz/keygen+wrap/center: the center's own time per request (center = the whole request \
including signing the answer); N at once: the concurrency probe, N fresh clients asking together.";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{CenterCase, CenterConcurrency};

    fn names(r: &RunResults) -> Vec<String> {
        super::super::charts(r)
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect()
    }

    #[test]
    fn center_charts_and_table_appear_only_with_center_data() {
        let mut r = super::super::fixture::run();
        assert!(table(&r).rows.is_empty());
        assert!(!names(&r).iter().any(|n| n.starts_with("center")));
        let md = super::super::markdown::render(&r, &[]);
        assert!(!md.contains("Security Center"));
        for c in &mut r.cases {
            for (name, ns) in [
                (phase::KEY_REQUEST_MISS, 2.0e6),
                (phase::KEY_REQUEST_HIT, 150.0),
                (phase::CENTER_AUTHN, 40e3),
                (phase::CENTER_AUTHZ, 900.0),
                (phase::CENTER_KEYGEN, 330e3),
                (phase::CENTER_SERVICE, 400e3),
            ] {
                c.phases
                    .insert(name.into(), super::super::fixture::stats(ns, 0.1));
            }
            c.center = Some(CenterCase {
                class: "light".into(),
                suite: c.params.suite.clone(),
                requests: 6,
                granted: 6,
                denied: 0,
                denials: Default::default(),
                cache_hits: 6,
                cache_misses: 6,
                timeouts: 0,
                concurrency: [1u32, 4, 16]
                    .iter()
                    .map(|&n| CenterConcurrency {
                        clients: n,
                        rounds: 2,
                        answered: 2 * u64::from(n),
                        failed: 0,
                        response: Some(super::super::fixture::stats(1e6 * f64::from(n), 0.2)),
                        service: Some(super::super::fixture::stats(4e5, 0.1)),
                    })
                    .collect(),
            });
        }
        let n = names(&r);
        for chart in ["center_vs_size", "center_vs_clients", "center_breakdown"] {
            assert!(n.iter().any(|x| x == chart), "{chart} missing from {n:?}");
        }
        let t = table(&r);
        let ok = r
            .cases
            .iter()
            .filter(|c| c.status == crate::results::CaseStatus::Ok)
            .count();
        assert_eq!(t.rows.len(), ok);
        let row = &t.rows[0].cells;
        let first = &r.cases[0];
        let miss = first.phases[phase::KEY_REQUEST_MISS].p50 as f64;
        assert_eq!(row[2], sig3(miss / 1e6), "miss p50 in ms: {row:?}");
        let levels = &first.center.as_ref().unwrap().concurrency;
        let one = levels[0].response.as_ref().unwrap().p50 as f64 / 1e6;
        assert!(
            row[11].starts_with(&format!("1: {}, 4: ", sig3(one))),
            "{row:?}"
        );
        let charts = super::super::charts(&r).unwrap();
        let md = super::super::markdown::render(&r, &charts);
        assert!(md.contains("## Security Center") && md.contains("charts/center_vs_clients.svg"));
        let html = super::super::html::render(&r, &charts);
        assert!(html.contains("id=\"center\"") && html.contains("id=\"center_breakdown\""));
        let svg = &charts
            .iter()
            .find(|c| c.name == "center_vs_size")
            .unwrap()
            .svg;
        assert!(svg.contains("request p50") && svg.contains("center p50"));
    }
}
