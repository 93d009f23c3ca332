//! `results.json` while a run goes: each case is written once, when it ends, instead of the
//! whole file after every case (which is quadratic in cases: a 1,000-case run would write the
//! file a thousand times over). The run keeps no case in memory; [`ResultsStream::cases`]
//! reads them back when it ends, and the run then writes the final file once, atomically
//! ([`super::writer::write`]), in matrix order.
//!
//! The file is always one complete JSON document: `head` (everything before `cases`, fixed
//! while the run goes), the cases so far in the order they ran, then `tail` (everything
//! after: noise, order, ...). Adding a case is one positioned write of the case and a new tail
//! over the old tail, padded with spaces (JSON whitespace) to at least the old length, so the
//! file never ends with a piece of an older tail and a reader never sees a torn file after a
//! crash of the process (each update is a single `pwrite` followed by `fdatasync`).

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::writer::{RESULTS_FILE, WriteError};
use super::{CaseResult, RunResults};

/// Where `cases` sits in the pretty-printed file: `"cases": []` at the top level (two spaces
/// in; a raw newline can only be formatting, inside strings it is escaped).
const MARKER: &str = "\n  \"cases\": []";

pub struct ResultsStream {
    path: PathBuf,
    file: File,
    head: String,
    /// Offset of the end of the last case (where the next one, then the tail, go).
    cases_end: u64,
    /// Bytes of the file now (the tail may have been padded).
    len: u64,
    count: usize,
}

/// `results` pretty-printed and cut at `cases`: (head up to and including `[`, tail from `]`).
fn split(results: &RunResults) -> Result<(String, String), WriteError> {
    if !results.cases.is_empty() {
        return Err(WriteError::Accounting(
            "a streamed results.json keeps its cases on disk, not in memory".into(),
        ));
    }
    let json = serde_json::to_string_pretty(results)?;
    let at = json.find(MARKER).ok_or_else(|| {
        WriteError::Accounting("results.json has no top-level `cases` to stream into".into())
    })?;
    let open = at + MARKER.len() - 1;
    Ok((json[..open].to_owned(), json[open..].to_owned()))
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl ResultsStream {
    /// Writes `dir/results.json` for `results` (whose `cases` must be empty) atomically and
    /// opens it for the cases to come.
    pub fn create(dir: &Path, results: &RunResults) -> Result<ResultsStream, WriteError> {
        let (head, tail) = split(results)?;
        let path = dir.join(RESULTS_FILE);
        let tmp = dir.join(".results.json.tmp");
        {
            let mut f = File::create(&tmp).map_err(io(&tmp))?;
            f.write_all(head.as_bytes()).map_err(io(&tmp))?;
            f.write_all(tail.as_bytes()).map_err(io(&tmp))?;
            f.sync_all().map_err(io(&tmp))?;
        }
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(io(&path))?;
        Ok(ResultsStream {
            cases_end: head.len() as u64,
            len: (head.len() + tail.len()) as u64,
            path,
            file,
            head,
            count: 0,
        })
    }

    /// Adds `case` (checked like every written case) and replaces the tail with `results`'s
    /// (whose part before `cases` must be unchanged and whose `cases` must be empty).
    pub fn append(&mut self, case: &CaseResult, results: &RunResults) -> Result<(), WriteError> {
        if let Some(v) = super::invariants::check_case(case) {
            return Err(WriteError::Accounting(v.to_string()));
        }
        let (head, tail) = split(results)?;
        if head != self.head {
            return Err(WriteError::Accounting(
                "the part of results.json before `cases` changed while streaming".into(),
            ));
        }
        // Indented like the rest (raw newlines are formatting only).
        let case_json = serde_json::to_string_pretty(case)?.replace('\n', "\n    ");
        let mut buf = String::with_capacity(case_json.len() + tail.len() + 16);
        buf.push_str(if self.count == 0 { "\n    " } else { ",\n    " });
        buf.push_str(&case_json);
        let case_len = buf.len() as u64;
        buf.push_str("\n  ");
        buf.push_str(&tail);
        let end = self.cases_end + buf.len() as u64;
        if end < self.len {
            buf.extend(std::iter::repeat_n(' ', (self.len - end) as usize));
        }
        let p = self.path.clone();
        self.file
            .write_all_at(buf.as_bytes(), self.cases_end)
            .map_err(io(&p))?;
        self.file.sync_data().map_err(io(&p))?;
        self.cases_end += case_len;
        self.len = self.len.max(self.cases_end + (buf.len() as u64 - case_len));
        self.count += 1;
        Ok(())
    }

    /// Cases written so far.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Every case written, in the order they were appended (read back from the file).
    pub fn cases(&self) -> Result<Vec<CaseResult>, WriteError> {
        let bytes = std::fs::read(&self.path).map_err(io(&self.path))?;
        let r: RunResults = serde_json::from_slice(&bytes)?;
        Ok(r.cases)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json<T: serde::Serialize + ?Sized>(v: &T) -> serde_json::Value {
        serde_json::to_value(v).unwrap()
    }

    fn sample() -> RunResults {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("results/reference/quick/results.json");
        super::super::reader::read(&path).unwrap()
    }

    #[test]
    fn every_state_of_the_streamed_file_is_whole_json_with_the_cases_so_far() {
        let dir = tempfile::tempdir().unwrap();
        let mut full = sample();
        let cases = std::mem::take(&mut full.cases);
        full.noise = None;
        let mut s = ResultsStream::create(dir.path(), &full).unwrap();
        let read = |d: &Path| -> RunResults {
            serde_json::from_slice(&std::fs::read(d.join(RESULTS_FILE)).unwrap()).unwrap()
        };
        assert!(read(dir.path()).cases.is_empty());
        let mut sizes = Vec::new();
        for (i, c) in cases.iter().take(5).enumerate() {
            // A tail that grows and shrinks: padding keeps the file whole either way.
            if let Some(o) = full.order.as_mut() {
                o.rand_version = "x".repeat(if i % 2 == 0 { 300 } else { 1 });
            }
            s.append(c, &full).unwrap();
            let back = read(dir.path());
            assert_eq!(back.cases.len(), i + 1);
            assert_eq!(json(&back.cases[i]), json(c));
            assert_eq!(back.order, full.order);
            sizes.push(
                std::fs::metadata(dir.path().join(RESULTS_FILE))
                    .unwrap()
                    .len(),
            );
        }
        assert_eq!(json(&s.cases().unwrap()), json(&cases[..5]));
        assert_eq!(s.len(), 5);
        // The head may not change under a stream.
        full.started_at = "later".into();
        assert!(s.append(&cases[5], &full).is_err());
        // Growth per case is about the case, not the file so far.
        assert!(sizes.windows(2).all(|w| w[1] > w[0]), "{sizes:?}");
    }

    #[test]
    fn a_case_whose_accounting_does_not_add_up_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut full = sample();
        let mut c = full.cases.remove(0);
        full.cases.clear();
        let mut s = ResultsStream::create(dir.path(), &full).unwrap();
        c.counts.scheduled = Some(c.counts.sent + c.counts.unsent + 1);
        let e = s.append(&c, &full).unwrap_err().to_string();
        assert!(e.contains("unaccounted"), "{e}");
    }
}
