//! `report --index DIR`: `DIR/index.html`, one row per run folder found under DIR (scenario,
//! started, commit, machine, status, cases, a link to its report), newest first, so a folder
//! of runs opens as one page. Folders whose results.json cannot be read are listed with the
//! reason instead of being skipped silently.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use super::ReportError;
use super::html::{CSS, esc};
use crate::results::{CaseStatus, RunResults, reader, writer::RESULTS_FILE};

/// One run folder under the indexed directory.
pub struct Listed {
    /// Relative to the indexed directory, `/`-separated.
    pub rel: String,
    pub run: Result<Box<RunResults>, String>,
    pub has_report: bool,
}

/// Deepest folder level searched (results/<scenario>/<timestamp>/ is 2; merges and
/// compare folders sit a level or two below).
const MAX_DEPTH: usize = 6;

/// Every folder under `dir` holding a results.json, newest run first (unreadable ones last).
pub fn scan(dir: &Path) -> Result<Vec<Listed>, ReportError> {
    let mut found: Vec<PathBuf> = Vec::new();
    walk(dir, 0, &mut found)?;
    let mut out: Vec<Listed> = found
        .into_iter()
        .map(|d| {
            let rel = d
                .strip_prefix(dir)
                .unwrap_or(&d)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            Listed {
                has_report: d.join("report.html").is_file(),
                run: reader::read(&d).map(Box::new).map_err(|e| e.to_string()),
                rel,
            }
        })
        .collect();
    // RFC 3339 UTC timestamps sort as text.
    out.sort_by(|a, b| match (&a.run, &b.run) {
        (Ok(x), Ok(y)) => y.started_at.cmp(&x.started_at).then(a.rel.cmp(&b.rel)),
        (Ok(_), Err(_)) => std::cmp::Ordering::Less,
        (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
        (Err(_), Err(_)) => a.rel.cmp(&b.rel),
    });
    Ok(out)
}

fn walk(dir: &Path, depth: usize, found: &mut Vec<PathBuf>) -> Result<(), ReportError> {
    let io = |source| ReportError::Io {
        path: dir.to_path_buf(),
        source,
    };
    if dir.join(RESULTS_FILE).is_file() {
        found.push(dir.to_path_buf());
    }
    if depth >= MAX_DEPTH {
        return Ok(());
    }
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .filter(|p| {
            !matches!(
                p.file_name().and_then(|n| n.to_str()),
                Some("charts" | "keys")
            )
        })
        .collect();
    subdirs.sort();
    for d in subdirs {
        walk(&d, depth + 1, found)?;
    }
    Ok(())
}

/// The index page.
pub fn render(dir: &Path, listed: &[Listed]) -> String {
    let mut h = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Runs under {0} — mqtt-cipher-bench</title>\n<style>{CSS}</style>\n</head>\n\
         <body>\n<main>\n<h1>Runs under {0}</h1>\n<p>{1} run folder(s), newest first.</p>\n",
        esc(&dir.display().to_string()),
        listed.len()
    );
    h.push_str(
        "<div class=\"scroll\">\n<table>\n<thead><tr><th>scenario</th><th>started</th>\
         <th>commit</th><th>machine</th><th>status</th><th class=\"num\">cases</th>\
         <th>report</th></tr></thead>\n<tbody>\n",
    );
    for l in listed {
        let link = if l.has_report {
            format!("{}/report.html", l.rel)
        } else {
            format!("{}/{RESULTS_FILE}", l.rel)
        };
        let anchor = format!(
            "<a href=\"{}\">{}</a>",
            esc(&link),
            esc(if l.rel.is_empty() { "." } else { &l.rel })
        );
        match &l.run {
            Ok(r) => {
                let env = &r.environment;
                let commit = env.git_commit.as_deref().map_or("n/a".to_owned(), |c| {
                    if env.git_dirty == Some(true) {
                        format!("{c} (dirty)")
                    } else {
                        c.to_owned()
                    }
                });
                let machine = format!(
                    "{}, {} cores",
                    env.cpu_model.as_deref().unwrap_or("unknown CPU"),
                    env.logical_cores
                );
                let ok = r
                    .cases
                    .iter()
                    .filter(|c| c.status == CaseStatus::Ok)
                    .count();
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
                     <td class=\"num\">{ok} of {}</td><td>{anchor}</td></tr>",
                    esc(&r.scenario.name),
                    esc(&r.started_at),
                    esc(&commit),
                    esc(&machine),
                    format!("{:?}", r.status).to_lowercase(),
                    r.cases.len(),
                );
            }
            Err(e) => {
                let _ = writeln!(
                    h,
                    "<tr class=\"loss\"><td colspan=\"6\">unreadable: {}</td><td>{anchor}</td></tr>",
                    esc(e)
                );
            }
        }
    }
    h.push_str("</tbody>\n</table>\n</div>\n</main>\n</body>\n</html>\n");
    h
}

/// Scans `dir` and writes `dir/index.html`; returns its path and the number of runs.
pub fn write(dir: &Path) -> Result<(PathBuf, usize), ReportError> {
    let listed = scan(dir)?;
    let path = dir.join("index.html");
    std::fs::write(&path, render(dir, &listed)).map_err(|source| ReportError::Io {
        path: path.clone(),
        source,
    })?;
    Ok((path, listed.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_runs_newest_first_and_unreadable_ones_with_the_reason() {
        let root = tempfile::tempdir().unwrap();
        let mut old = crate::report::fixture::run();
        old.started_at = "2026-01-01T00:00:00Z".into();
        old.scenario.name = "older".into();
        let mut new = old.clone();
        new.started_at = "2026-06-01T00:00:00Z".into();
        new.scenario.name = "newer".into();
        for (sub, r) in [("a/1", &old), ("b/2", &new)] {
            let d = root.path().join(sub);
            std::fs::create_dir_all(&d).unwrap();
            crate::results::writer::write(&d, r).unwrap();
        }
        let bad = root.path().join("c/3");
        std::fs::create_dir_all(&bad).unwrap();
        std::fs::write(bad.join(RESULTS_FILE), "{").unwrap();
        let (path, n) = write(root.path()).unwrap();
        assert_eq!(n, 3);
        let html = std::fs::read_to_string(path).unwrap();
        let (newer, older) = (
            html.find("<td>newer<").unwrap(),
            html.find("<td>older<").unwrap(),
        );
        assert!(newer < older, "newest first");
        assert!(
            html.contains("href=\"b/2/results.json\""),
            "no report yet: results.json"
        );
        assert!(html.contains("unreadable: "), "{html}");
        assert!(html.contains("66250c6"), "commit");
        assert!(html.contains(&format!("{} of {}", old.cases.len() - 1, old.cases.len())));
    }
}
