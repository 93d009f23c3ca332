//! Median encrypt and decrypt time per message against message size, log-log, one panel each
//! (the shape of seed 004's Figs. 4-6). Both panels share the y scale so they compare directly.
//!
//! Crypto time does not depend on QoS, so each point comes from the case with the most samples
//! at that size (see [`data::representative`]), never from an average of cases.

use super::ReportError;
use super::data;
use super::lines::{self, Series};
use crate::results::{RunResults, phase};

pub const NAME: &str = "crypto_vs_size";
pub const TITLE: &str = "Encrypt and decrypt time vs message size";

fn median_us(results: &RunResults, phase_name: &str) -> Vec<Series> {
    let mut series = lines::by_size(results, |cases| {
        let c = data::representative(cases.iter().copied(), phase_name)?;
        let p50 = data::phase(c, phase_name)?.p50 as f64;
        // A zero median is below the clock's resolution; a log axis cannot show it.
        (p50 > 0.0).then(|| data::ns_to_us(p50))
    });
    // Nor can it show an empty (0-byte) message.
    for s in &mut series {
        s.points.retain(|p| p.0 > 0.0);
    }
    series.retain(|s| !s.points.is_empty());
    series
}

pub fn render(results: &RunResults) -> Result<Option<String>, ReportError> {
    let encrypt = median_us(results, phase::ENCRYPT);
    let decrypt = median_us(results, phase::DECRYPT);
    lines::render_log_log(
        &lines::LogLog {
            title: TITLE,
            caption: data::caption(results),
            x_desc: "message size (bytes, log)",
            y_desc: "median time per message (µs, log)",
            x_ticks: data::size_ticks(results),
        },
        &[
            (Some("encrypt (publisher)"), &encrypt),
            (Some("decrypt (subscriber)"), &decrypt),
        ],
    )
}
