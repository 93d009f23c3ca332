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
    /// An `openssl speed`-style table of every suite, in-process, no broker.
    Speed {
        /// Suites to measure, comma-separated (default: all).
        #[arg(long, value_delimiter = ',')]
        suites: Vec<String>,
        /// Plaintext sizes in bytes, comma-separated (default: 2,16,20,50,64,100,200,256,1024,8192,16384).
        #[arg(long, value_delimiter = ',')]
        sizes: Vec<usize>,
        /// Measuring time per suite and size, e.g. 100ms or 1s.
        #[arg(long, default_value = "100ms", value_parser = humantime::parse_duration)]
        time: std::time::Duration,
        /// Print JSON instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// Robustness probes: malformed MQTT packets from a sacrificial client, with a bystander
    /// subscriber watching (loopback, or the broker named here).
    Probe {
        /// The broker: mqtt://host:port, host:port, or `embedded`.
        #[arg(long)]
        broker: String,
        /// How long to wait for the broker's reaction to each probe, e.g. 2s.
        #[arg(long, default_value = "2s", value_parser = humantime::parse_duration)]
        observe: std::time::Duration,
        /// Print JSON instead of the table.
        #[arg(long)]
        json: bool,
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
        Command::Probe {
            broker,
            observe,
            json,
        } => cmd_probe(&broker, observe, json),
        Command::Speed {
            suites,
            sizes,
            time,
            json,
        } => cmd_speed(suites, sizes, time, json),
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

fn cmd_speed(
    suites: Vec<String>,
    sizes: Vec<usize>,
    time: std::time::Duration,
    json: bool,
) -> anyhow::Result<()> {
    let suites = suites
        .iter()
        .map(|s| {
            s.parse::<crate::crypto::Suite>()
                .map_err(|e| BadInput(format!("--suites: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(bad) = sizes
        .iter()
        .find(|&&n| n == 0 || n > crate::scenario::schema::MAX_SIZE)
    {
        return Err(BadInput(format!(
            "--sizes: expected 1 to {} bytes, got {bad}",
            crate::scenario::schema::MAX_SIZE
        ))
        .into());
    }
    let mut opts = crate::speed::SpeedOptions {
        suites,
        min_time: time,
        ..Default::default()
    };
    if !sizes.is_empty() {
        opts.sizes = sizes;
    }
    let report = crate::speed::run(&opts);
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        use std::io::Write;
        writeln!(out)?;
    } else {
        crate::speed::print_table(&report, &mut out)?;
    }
    Ok(())
}

fn cmd_probe(broker: &str, observe: std::time::Duration, json: bool) -> anyhow::Result<()> {
    use crate::probe;
    let to_anyhow = |e: probe::ProbeError| {
        if e.is_input_error() {
            anyhow::Error::new(BadInput(e.to_string()))
        } else {
            anyhow::Error::new(e)
        }
    };
    let opts = probe::ProbeOptions {
        observe,
        ..Default::default()
    };
    let report = runtime()?.block_on(async {
        // The URL came from the command line: explicit, so a remote broker is allowed.
        let target = probe::Target::resolve(broker, true).await?;
        probe::run(&target, &opts).await
    });
    let report = report.map_err(to_anyhow)?;
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        use std::io::Write;
        writeln!(out)?;
    } else {
        probe::print_table(&report, &mut out)?;
    }
    Ok(())
}
