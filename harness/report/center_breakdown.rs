//! Where the Security Center's time goes, per suite: authentication (parse, registry,
//! freshness, signature, nonce), authorization (ACL), key generation + ECIES wrap, and the
//! whole request (those plus signing the answer), p50 in µs, the median over the suite's
//! cases. Only rendered when the run has Security Center data.

use super::bars::{BarChart, Group};
use super::{ReportError, data};
use crate::results::{RunResults, phase};

pub const NAME: &str = "center_breakdown";
pub const TITLE: &str = "Security Center: time per request by step (p50)";

const STEPS: [(&str, &str); 4] = [
    ("authn", phase::CENTER_AUTHN),
    ("authz", phase::CENTER_AUTHZ),
    ("keygen + wrap", phase::CENTER_KEYGEN),
    ("whole request (+ signing)", phase::CENTER_SERVICE),
];

pub fn render(results: &RunResults) -> Result<Option<String>, ReportError> {
    let suites = data::center_suites(results);
    if suites.is_empty() {
        return Ok(None);
    }
    let groups = suites
        .iter()
        .map(|suite| {
            let class = data::ok_cases(results)
                .filter(|c| &c.params.suite == suite)
                .find_map(|c| c.center.as_ref().map(|x| x.class.clone()))
                .unwrap_or_default();
            Group {
                label: format!("{suite} ({class})"),
                suite: suite.clone(),
                values: STEPS
                    .iter()
                    .map(|(_, name)| {
                        data::median(
                            data::ok_cases(results)
                                .filter(|c| &c.params.suite == suite)
                                .filter_map(|c| data::phase(c, name))
                                .map(|p| data::ns_to_us(p.p50 as f64))
                                .collect(),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    BarChart {
        title: TITLE.into(),
        x_desc: "time per request at the center, p50 (µs)".into(),
        y_desc: "suite (device class)".into(),
        kinds: STEPS.iter().map(|(k, _)| (*k).to_owned()).collect(),
        groups,
        value_label: |v| format!("{} µs", data::sig3(v)),
        caption: data::caption(results),
        reference: None,
    }
    .render()
}
