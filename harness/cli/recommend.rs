//! `recommend RUN_DIR…`: the report's Recommendation from one or several runs, printed and
//! written as recommend.md, recommend.html and charts/tradeoff.svg.

use std::path::PathBuf;

use super::BadInput;
use crate::report::{recommend, tradeoff};

/// Which protections meet the requirements, cheapest first, from one or several run
/// folders (each run's protections side by side per message size); writes recommend.md,
/// recommend.html and charts/tradeoff.svg.
#[derive(Debug, clap::Args)]
pub struct RecommendArgs {
    /// Run folders (holding results.json); the first one's requirements apply.
    #[arg(required = true, num_args = 1..)]
    run_dirs: Vec<PathBuf>,
    /// Override a requirement, e.g. --require integrity=false --require max_overhead_bytes=64
    /// (the keys of the scenario's [requirements]).
    #[arg(long = "require", value_name = "KEY=VALUE")]
    require: Vec<String>,
    /// Output folder (default: the first run folder).
    #[arg(long)]
    out: Option<PathBuf>,
}

impl RecommendArgs {
    pub fn execute(self) -> anyhow::Result<()> {
        let runs = self
            .run_dirs
            .iter()
            .map(|d| super::results::read_run(d))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let base = runs
            .first()
            .and_then(|r| r.requirements.clone())
            .unwrap_or_default();
        let requirements = crate::scenario::requirements::apply_flags(&base, &self.require)?;
        let refs: Vec<&crate::results::RunResults> = runs.iter().collect();
        let overrides = self
            .require
            .iter()
            .map(|r| format!("--require {r}"))
            .collect();
        let rec = recommend::of_runs(&refs, requirements, overrides);
        let out = self.out.unwrap_or_else(|| self.run_dirs[0].clone());
        let charts = out.join("charts");
        std::fs::create_dir_all(&charts)
            .map_err(|e| BadInput(format!("--out {}: {e}", out.display())))?;
        let caption = refs
            .first()
            .map(|r| crate::report::data::caption(r))
            .unwrap_or_default();
        let svg = tradeoff::render(&rec, caption)?;
        let mut md = recommend::text::markdown(&rec);
        if let Some(svg) = &svg {
            let path = charts.join(format!("{}.svg", tradeoff::NAME));
            write(&path, svg)?;
            md.push_str(&format!(
                "![{}](charts/{}.svg)\n",
                tradeoff::TITLE,
                tradeoff::NAME
            ));
        }
        write(&out.join("recommend.md"), &md)?;
        let html = out.join("recommend.html");
        write(&html, &recommend::html::page(&rec, svg.as_deref()))?;
        print!("{}", recommend::text::terminal(&rec));
        println!("recommendation: {}", html.display());
        Ok(())
    }
}

fn write(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text)
        .map_err(|e| BadInput(format!("cannot write {}: {e}", path.display())).into())
}
