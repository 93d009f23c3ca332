//! What the user sees after a run: the report files and the summary table.

use std::path::Path;

use crate::results::{CaseStatus, RunResults, RunStatus};
use crate::run::RunOutcome;

/// Renders the report of a finished run and prints the summary and where everything is.
pub fn after_run(outcome: &RunOutcome) -> anyhow::Result<()> {
    render(&outcome.dir, &outcome.results)?;
    let r = &outcome.results;
    match r.status {
        RunStatus::Interrupted => eprintln!(
            "interrupted: {} of the cases were measured and written",
            r.cases.len()
        ),
        RunStatus::Failed => anyhow::bail!(
            "every case failed; see {}",
            outcome.dir.join("results.json").display()
        ),
        _ => {}
    }
    if r.cases.iter().any(|c| c.status == CaseStatus::Failed) {
        eprintln!("some cases failed; their errors are in the report");
    }
    Ok(())
}

/// Writes the report files for `results` into `dir` and prints the summary table.
pub fn render(dir: &Path, results: &RunResults) -> anyhow::Result<()> {
    let rendered = crate::report::render_run(dir, results)?;
    println!("{}", crate::report::terminal_table(results));
    println!(
        "results: {}",
        dir.join(crate::results::writer::RESULTS_FILE).display()
    );
    println!("report:  {}", rendered.html.display());
    Ok(())
}
