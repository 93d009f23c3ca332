//! `histograms.hlog`: every case's phase histograms in HdrHistogram's interval-log format, so
//! HdrHistogram's own tools (HistogramLogAnalyzer, hdr-plot) can read the full distributions.
//! One entry per case and phase, tagged `<case id>:<phase>` (`<case id>#<repetition>:<phase>`
//! for repetitions after the first); values in nanoseconds. A run appends each case's entries
//! when the case ends ([`append`]), in the order the cases ran.

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

const COMMENT: &str =
    "mqtt-cipher-bench phase histograms; values in nanoseconds; tag = <case id>:<phase>";

/// The log's header: the comment, StartTime and BaseTime (the run's start).
fn header(run_start: SystemTime) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut serializer = V2DeflateSerializer::new();
    IntervalLogWriterBuilder::new()
        .add_comment(COMMENT)
        .with_start_time(run_start)
        .with_base_time(run_start)
        .begin_log_with(&mut buf, &mut serializer)?;
    Ok(buf)
}

/// One case's interval lines (a builder with no comment or times writes no header).
fn lines(run_start: SystemTime, c: &CaseHistograms) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut serializer = V2DeflateSerializer::new();
    {
        let mut log = IntervalLogWriterBuilder::new().begin_log_with(&mut buf, &mut serializer)?;
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
    Ok(buf)
}

/// Writes `dir/histograms.hlog` with `cases` (via a temporary file and a rename): a merge's
/// whole log at once.
pub fn write(dir: &Path, run_start: SystemTime, cases: &[CaseHistograms]) -> std::io::Result<()> {
    let mut buf = header(run_start)?;
    for c in cases {
        buf.extend_from_slice(&lines(run_start, c)?);
    }
    let tmp = dir.join(".histograms.hlog.tmp");
    std::fs::write(&tmp, &buf)?;
    std::fs::rename(tmp, dir.join(HLOG_FILE))
}

/// Starts a run's `dir/histograms.hlog`: the header, no case yet.
pub fn begin(dir: &Path, run_start: SystemTime) -> std::io::Result<()> {
    write(dir, run_start, &[])
}

/// Appends one case's histograms to the log [`begin`] started (one write of whole lines, so
/// a crash loses at most this case): a run writes each case once, as it ends, and keeps none.
pub fn append(dir: &Path, run_start: SystemTime, case: &CaseHistograms) -> std::io::Result<()> {
    use std::io::Write;
    let buf = lines(run_start, case)?;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join(HLOG_FILE))?;
    f.write_all(&buf)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn case(id: &str, at: SystemTime, ns: u64) -> CaseHistograms {
        let mut phases = Phases::default();
        phases.record(Phase::ALL[0], ns);
        phases.record(Phase::ALL[1], ns * 2);
        CaseHistograms {
            case_id: id.into(),
            repetition: 1,
            start: at,
            duration: Duration::from_secs(1),
            phases,
        }
    }

    #[test]
    fn appended_cases_read_back_like_a_whole_log() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let t0 = SystemTime::now();
        let cases = [
            case("c1", t0, 1_000),
            case("c2", t0 + Duration::from_secs(2), 5_000),
        ];
        begin(a.path(), t0).unwrap();
        let header = std::fs::metadata(a.path().join(HLOG_FILE)).unwrap().len();
        for c in &cases {
            append(a.path(), t0, c).unwrap();
        }
        write(b.path(), t0, &cases).unwrap();
        let (ra, rb) = (read(a.path()).unwrap(), read(b.path()).unwrap());
        assert_eq!(ra.len(), 4);
        assert_eq!(ra, rb, "appending writes what a whole rewrite would");
        assert_eq!(
            std::fs::read(a.path().join(HLOG_FILE)).unwrap(),
            std::fs::read(b.path().join(HLOG_FILE)).unwrap()
        );
        assert!(header > 0 && header < 200, "{header}");
        assert_eq!(ra[2].0, "c2");
        assert!(ra[2].2.max() >= 5_000 && ra[0].2.max() < 5_000);
    }
}
