//! Median encrypt and decrypt time per message against message size, log-log, one panel each
//! (the shape of seed 004's Figs. 4-6). Both panels share the y scale so they compare directly.
//! On the thread CPU clock when the run recorded it (so preemption does not bend the curves),
//! else on the wall clock; the axis says which.
//!
//! Crypto time does not depend on QoS, so each point comes from the case with the most samples
//! at that size (see [`data::representative`]), never from an average of cases; a repeated
//! case gives the median of its repetitions' medians, as the mode heat map does.

use super::ReportError;
use super::data;
use super::lines::{self, Series};
use crate::results::{RunResults, phase};

pub const NAME: &str = "crypto_vs_size";
pub const TITLE: &str = "Encrypt and decrypt time vs message size";

fn median_us(results: &RunResults, phase_name: &str) -> Vec<Series> {
    let mut series = lines::by_size(results, |cases| {
        let c = data::representative(cases.iter().copied(), phase_name)?;
        let reps: Vec<_> = cases.iter().copied().filter(|r| r.id == c.id).collect();
        let p50 = data::median_of(&reps, |r| data::phase(r, phase_name).map(|p| p.p50 as f64))?;
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
    let (enc_phase, clock) = data::crypto_clock(results, phase::ENCRYPT);
    let (dec_phase, _) = data::crypto_clock(results, phase::DECRYPT);
    let encrypt = median_us(results, enc_phase);
    let decrypt = median_us(results, dec_phase);
    let (enc_title, dec_title) = (
        format!("encrypt (publisher, {clock})"),
        format!("decrypt (subscriber, {clock})"),
    );
    lines::render_log_log(
        &lines::LogLog {
            title: TITLE,
            caption: data::caption(results),
            x_desc: "message size (bytes, log)",
            y_desc: "median time per message (µs, log)",
            x_ticks: data::size_ticks(results),
        },
        &[
            (Some(enc_title.as_str()), &encrypt),
            (Some(dec_title.as_str()), &decrypt),
        ],
    )
}
