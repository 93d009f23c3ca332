//! `histograms.hlog`: every case's phase histograms in HdrHistogram's interval-log format, so
//! HdrHistogram's own tools (HistogramLogAnalyzer, hdr-plot) can read the full distributions.
//! One entry per case and phase, tagged `<case id>:<phase>`; values in nanoseconds.

use std::path::Path;
use std::time::{Duration, SystemTime};

use hdrhistogram::serialization::V2DeflateSerializer;
use hdrhistogram::serialization::interval_log::{IntervalLogWriterBuilder, Tag};

use crate::measure::histograms::{Phase, Phases};

pub const HLOG_FILE: &str = "histograms.hlog";

/// One case's histograms and when it ran.
pub struct CaseHistograms {
    pub case_id: String,
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
                let tag_text = format!("{}:{}", c.case_id, p.name()).replace([' ', ','], "_");
                log.write_histogram(&h, offset, c.duration, Tag::new(&tag_text))
                    .map_err(|e| std::io::Error::other(format!("{e:?}")))?;
            }
        }
    }
    let tmp = dir.join(".histograms.hlog.tmp");
    std::fs::write(&tmp, &buf)?;
    std::fs::rename(tmp, dir.join(HLOG_FILE))
}
