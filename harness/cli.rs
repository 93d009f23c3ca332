//! The command line: clap types and one function per command. Errors carry their exit code:
//! [`BadInput`] (2) for anything the user can fix in a file or flag, anything else 1.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::run::{self, Progress, RunOptions};
use crate::scenario;

#[derive(Debug, Parser)]
#[command(
    name = "mqtt-cipher-bench",
    version,
    about = "What does it cost to secure MQTT? Measures ciphers, block modes, signatures and transports against a real broker."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario: every case against the broker, then results.json and the report.
    Run {
        /// Scenario file (TOML), e.g. scenarios/quick.toml.
        scenario: PathBuf,
        /// Broker URL replacing the scenario's [broker] url (e.g. mqtt://192.168.1.20:1883).
        #[arg(long)]
        broker: Option<String>,
        /// Results root: the run goes to DIR/<scenario>/<UTC timestamp>/.
        #[arg(long, default_value = "results")]
        out: PathBuf,
        /// Override a scenario field, e.g. --set load.rate=50 --set matrix.qos=[0,1].
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// No progress output (the summary table is still printed).
        #[arg(long, short)]
        quiet: bool,
    },
    /// Re-render the report of a results folder from its results.json.
    Report {
        /// A run folder (holding results.json).
        run_dir: PathBuf,
    },
}

/// An error the user fixes in their input: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// Exit code for an error returned by [`execute`].
pub fn exit_code(e: &anyhow::Error) -> u8 {
    if e.downcast_ref::<BadInput>().is_some()
        || e.downcast_ref::<scenario::ScenarioError>().is_some()
    {
        2
    } else {
        1
    }
}

pub fn execute(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Run {
            scenario,
            broker,
            out,
            set,
            quiet,
        } => cmd_run(scenario, broker, out, set, quiet),
        Command::Report { run_dir } => cmd_report(run_dir),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("mcb-worker")
        .build()
        .context("cannot start the async runtime")
}

fn cmd_run(
    path: PathBuf,
    broker: Option<String>,
    out: PathBuf,
    set: Vec<String>,
    quiet: bool,
) -> anyhow::Result<()> {
    let scenario = scenario::load(&path, &set, broker.as_deref())?;
    let opts = RunOptions {
        out_root: out,
        progress: if quiet {
            Progress::Quiet
        } else {
            Progress::auto()
        },
    };
    let outcome = runtime()?
        .block_on(run::run(&scenario, &opts))
        .map_err(|e| {
            if e.is_input_error() {
                anyhow::Error::new(BadInput(e.to_string()))
            } else {
                anyhow::Error::new(e)
            }
        })?;
    crate::present::after_run(&outcome)
}

fn cmd_report(dir: PathBuf) -> anyhow::Result<()> {
    let results = crate::results::reader::read(&dir).map_err(|e| BadInput(e.to_string()))?;
    crate::present::render(&dir, &results)
}
