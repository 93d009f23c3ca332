//! Encryption throughput per suite in MB/s (10^6 bytes/s), one bar per message size:
//! plaintext size / mean encrypt time. The mean, not the median, because throughput is total
//! bytes over total time. From the case with the most encrypt samples at each size, as crypto
//! time does not depend on QoS. The `none` baseline is left out: its "encryption" is a copy,
//! and a bar ten times longer than any cipher's would squash every real suite into a sliver.
//! Encrypt time on the thread CPU clock when the run recorded it, else the wall clock.

use super::bars::{self, BarChart};
use super::{ReportError, data};
use crate::results::{RunResults, phase};

pub const NAME: &str = "crypto_throughput";
pub const TITLE: &str = "Encryption throughput";

pub fn render(results: &RunResults) -> Result<Option<String>, ReportError> {
    let sizes = data::sizes(data::ok_cases(results));
    let (enc_phase, clock) = data::crypto_clock(results, phase::ENCRYPT);
    let mut groups = bars::groups_by_series(results, &sizes, |cases, &size| {
        let at = cases.iter().copied().filter(|c| c.params.size == size);
        let case = data::representative(at, enc_phase)?;
        let mean_ns = data::phase(case, enc_phase)?.mean;
        // bytes per ns x 1e9 = bytes/s; / 1e6 = MB/s.
        (mean_ns > 0.0).then(|| size as f64 / mean_ns * 1e3)
    });
    groups.retain(|g| g.suite != "none");
    let chart = BarChart {
        title: TITLE.into(),
        x_desc: "plaintext encrypted per second (MB/s, size ÷ mean encrypt time)".into(),
        y_desc: "suite, bars by plaintext size".into(),
        kinds: sizes.iter().map(|&s| data::fmt_bytes(s)).collect(),
        groups,
        value_label: data::fmt_rate,
        caption: format!("{} · encrypt time on the {clock}", data::caption(results)),
        reference: None,
    };
    chart.render()
}
