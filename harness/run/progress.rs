//! What the terminal shows while a run goes: a progress bar on a TTY, one plain line per case
//! otherwise (logs, CI), nothing when quiet.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::results::{CaseResult, CaseStatus};

pub enum Progress {
    Bar(Mutex<Option<ProgressBar>>),
    Plain,
    Quiet,
}

impl Progress {
    /// A bar when stderr is a terminal, plain lines otherwise.
    pub fn auto() -> Self {
        if std::io::stderr().is_terminal() {
            Progress::Bar(Mutex::new(None))
        } else {
            Progress::Plain
        }
    }

    pub fn start(&self, cases: usize, per_case: Duration) {
        match self {
            Progress::Bar(slot) => {
                let bar = ProgressBar::new(cases as u64);
                bar.set_style(
                    ProgressStyle::with_template(
                        "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} cases  {msg}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                bar.enable_steady_tick(Duration::from_millis(200));
                *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(bar);
            }
            Progress::Plain => eprintln!(
                "running {cases} cases of {} each (about {} in all)",
                humantime::format_duration(per_case),
                humantime::format_duration(per_case * cases as u32)
            ),
            Progress::Quiet => {}
        }
    }

    pub fn case_started(&self, index: usize, total: usize, id: &str) {
        match self {
            Progress::Bar(slot) => {
                if let Some(bar) = slot.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
                    bar.set_message(id.to_owned());
                }
            }
            Progress::Plain => eprintln!("[{}/{total}] {id} …", index + 1),
            Progress::Quiet => {}
        }
    }

    pub fn case_finished(&self, index: usize, total: usize, r: &CaseResult) {
        let line = summary_line(r);
        match self {
            Progress::Bar(slot) => {
                if let Some(bar) = slot.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
                    bar.println(format!("[{}/{total}] {line}", index + 1));
                    bar.inc(1);
                }
            }
            Progress::Plain => eprintln!("[{}/{total}] {line}", index + 1),
            Progress::Quiet => {}
        }
    }

    /// A fact about the run worth a line (the case order and its seed); not when quiet.
    pub fn info(&self, msg: &str) {
        match self {
            Progress::Bar(slot) => match slot.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
                Some(bar) => bar.println(msg),
                None => eprintln!("{msg}"),
            },
            Progress::Plain => eprintln!("{msg}"),
            Progress::Quiet => {}
        }
    }

    pub fn warn(&self, msg: &str) {
        match self {
            Progress::Bar(slot) => {
                // Before the bar exists (or after it is gone) a warning still reaches the user.
                match slot.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
                    Some(bar) => bar.println(format!("warning: {msg}")),
                    None => eprintln!("warning: {msg}"),
                }
            }
            Progress::Plain | Progress::Quiet => eprintln!("warning: {msg}"),
        }
    }

    pub fn finish(&self) {
        if let Progress::Bar(slot) = self
            && let Some(bar) = slot.lock().unwrap_or_else(|p| p.into_inner()).take()
        {
            bar.finish_and_clear();
        }
    }
}

fn summary_line(r: &CaseResult) -> String {
    if r.status == CaseStatus::Failed {
        return format!(
            "{}: FAILED: {}",
            r.id,
            r.error.as_deref().unwrap_or("unknown error")
        );
    }
    let c = &r.counts;
    let p50 = r.phases.get("latency").map_or("n/a".to_owned(), |s| {
        format!("{:.3} ms", s.p50 as f64 / 1e6)
    });
    let loss = if c.lost > 0 {
        format!(", LOST {}", c.lost)
    } else {
        String::new()
    };
    let degraded = match (r.status, &r.error) {
        (CaseStatus::Degraded, Some(why)) => format!("; DEGRADED: {why}"),
        _ => String::new(),
    };
    format!(
        "{}: sent {}, delivered {}/{}{loss}, latency p50 {p50}{degraded}",
        r.id, c.sent, c.delivered, c.expected
    )
}
