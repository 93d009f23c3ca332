//! `histograms.hlog`: every case's phase histograms in HdrHistogram's interval-log format, so
//! HdrHistogram's own tools (HistogramLogAnalyzer, hdr-plot) can read the full distributions.
//! One entry per case and phase, tagged `<case id>:<phase>` (`<case id>#<repetition>:<phase>`
//! for repetitions after the first); values in nanoseconds.

use std::path::Path;
use std::time::{Duration, SystemTime};

use hdrhistogram::serialization::V2DeflateSerializer;
use hdrhistogram::serialization::interval_log::{IntervalLogWriterBuilder, Tag};

use super::histograms::{Phase, Phases};

pub const HLOG_FILE: &str = "histograms.hlog";

/// One case's histograms and when it ran.
pub struct CaseHistograms {
    pub case_id: String,
    /// 1-based; tags carry it (`<id>#<rep>:<phase>`) when above 1.
    pub repetition: u32,
    pub start: SystemTime,
    pub duration: Duration,
    pub phases: Phases,
}

/// Rewrites `dir/histograms.hlog` with every case so far (small, and a crash leaves a whole
/// file rather than a half-appended one).
pub fn write(dir: &Path, run_start: SystemTime, cases: &[CaseHistograms]) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut serializer = V2DeflateSerializer::new();
    {
        let mut log = IntervalLogWriterBuilder::new()
            .add_comment("mqtt-cipher-bench phase histograms; values in nanoseconds; tag = <case id>:<phase>")
            .with_start_time(run_start)
            .with_base_time(run_start)
            .begin_log_with(&mut buf, &mut serializer)?;
        for c in cases {
            let offset = c.start.duration_since(run_start).unwrap_or_default();
            for p in Phase::ALL {
                if c.phases.is_empty(p) {
                    continue;
                }
                let h = c.phases.histogram(p);
                // Tags may not hold spaces or commas; case ids never do, but be safe.
                let tag_text = format!("{}:{}", case_key(&c.case_id, c.repetition), p.name())
                    .replace([' ', ','], "_");
                log.write_histogram(&h, offset, c.duration, Tag::new(&tag_text))
                    .map_err(|e| std::io::Error::other(format!("{e:?}")))?;
            }
        }
    }
    let tmp = dir.join(".histograms.hlog.tmp");
    std::fs::write(&tmp, &buf)?;
    std::fs::rename(tmp, dir.join(HLOG_FILE))
}

/// The tag prefix of one case's repetition.
pub fn case_key(id: &str, repetition: u32) -> String {
    if repetition > 1 {
        format!("{id}#{repetition}")
    } else {
        id.to_owned()
    }
}

/// Reads `dir/histograms.hlog` back: (case key, phase) → histogram.
pub fn read(dir: &Path) -> std::io::Result<Vec<(String, Phase, hdrhistogram::Histogram<u64>)>> {
    use base64::Engine;
    use hdrhistogram::serialization::Deserializer;
    use hdrhistogram::serialization::interval_log::{IntervalLogIterator, LogEntry};

    let bytes = std::fs::read(dir.join(HLOG_FILE))?;
    let mut out = Vec::new();
    let mut de = Deserializer::new();
    for entry in IntervalLogIterator::new(&bytes) {
        let entry = entry.map_err(|e| std::io::Error::other(format!("{HLOG_FILE}: {e:?}")))?;
        let LogEntry::Interval(h) = entry else {
            continue;
        };
        let Some((key, phase)) = h.tag().and_then(|t| t.as_str().rsplit_once(':')) else {
            continue;
        };
        let Some(phase) = Phase::from_name(phase) else {
            continue;
        };
        let raw = base64::engine::general_purpose::STANDARD
            .decode(h.encoded_histogram())
            .map_err(|e| std::io::Error::other(format!("{HLOG_FILE}: bad base64: {e}")))?;
        let hist: hdrhistogram::Histogram<u64> = de
            .deserialize(&mut std::io::Cursor::new(raw))
            .map_err(|e| std::io::Error::other(format!("{HLOG_FILE}: bad histogram: {e:?}")))?;
        out.push((key.to_owned(), phase, hist));
    }
    Ok(out)
}
