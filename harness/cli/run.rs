//! `run`: a scenario's cases against the broker, then results.json and the report.

use std::path::PathBuf;

use super::{BadInput, runtime};
use crate::run::{self, Progress, RunOptions};
use crate::scenario;

/// Run a scenario: every case against the broker, then results.json and the report.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
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
    /// Run slice I of N of the clients (1-based, e.g. 2/3), for multi-machine runs against
    /// one broker; combine the folders with `merge`. `auto/N` takes I from Kubernetes' Indexed
    /// Job variable JOB_COMPLETION_INDEX, which is 0-based: I = JOB_COMPLETION_INDEX + 1.
    /// Without --shard, MCB_SHARD_COUNT=N means auto/N.
    #[arg(long, value_name = "I/N|auto/N", env = "MCB_SHARD")]
    shard: Option<scenario::ShardSpec>,
    /// Start the first case at this instant (RFC 3339: 2026-12-02T12:00:00Z, or with an
    /// offset), after set-up (pre-flight, results folder, Security Center): give every shard
    /// the same one.
    #[arg(long, value_name = "TIME")]
    start_at: Option<String>,
    /// Like --start-at, this long after the flag is read (e.g. 30s).
    #[arg(long, value_name = "DURATION")]
    start_in: Option<String>,
    /// How late a shard may begin its first case before results.json and the terminal say
    /// so; also how far in the past --start-at may be.
    #[arg(long, value_name = "DURATION", default_value = "1s")]
    start_tolerance: String,
    /// Order of the cases: `shuffled` (each repetition round a fresh random permutation of
    /// every case, so no matrix axis lines up with time) or `matrix` (the scenario's order,
    /// for debugging).
    #[arg(long, value_enum, default_value_t = OrderArg::Shuffled)]
    order: OrderArg,
    /// Seed of the shuffle (a u64), to replay a run's order (results.json `order.seed`).
    /// Default: random, or with --shard derived from the scenario text so every shard
    /// runs the same order.
    #[arg(long, value_name = "SEED")]
    order_seed: Option<u64>,
    /// The `speed` figures the report ranks the in-run figures against: `auto` measures
    /// the scenario's suites and sizes after the cases (seconds), `none` skips it, or the
    /// path of a `speed --json` file of this tool from this machine.
    #[arg(long, value_name = "auto|none|FILE", default_value = "auto")]
    speed: run::speed_ref::SpeedSource,
    /// Print every column of the summary (default: what fits 100 columns).
    #[arg(long)]
    wide: bool,
    /// Serve live Prometheus metrics at http://ADDR/metrics while the run goes (e.g.
    /// 127.0.0.1:9464); see README "Live metrics".
    #[arg(long, value_name = "ADDR")]
    metrics: Option<std::net::SocketAddr>,
}

/// `run --order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OrderArg {
    Shuffled,
    Matrix,
}

impl RunArgs {
    pub fn execute(self) -> anyhow::Result<()> {
        if self.order == OrderArg::Matrix && self.order_seed.is_some() {
            return Err(BadInput(
                "--order-seed: seeds the shuffle, but --order matrix does not shuffle (drop one of them)"
                    .into(),
            )
            .into());
        }
        // Read before the scenario: a start time is checked against the clock as given.
        let start = super::fleet::start_plan(
            self.start_at.as_deref(),
            self.start_in.as_deref(),
            &self.start_tolerance,
            std::time::SystemTime::now(),
        )?;
        let (shard, warning) = super::fleet::resolve_shard(self.shard, |k| std::env::var(k).ok())?;
        if let Some(w) = warning {
            eprintln!("warning: {w}");
        }
        let mut scenario = scenario::load(&self.scenario, &self.set, self.broker.as_deref())?;
        if let Some(s) = shard {
            s.apply(&mut scenario)?;
        }
        let rt = runtime()?;
        // Bound before the run starts, so a port in use stops the command before any case.
        let metrics = match self.metrics {
            Some(addr) => Some(
                rt.block_on(run::metrics::Exporter::start(addr))
                    .map_err(|e| BadInput(e.to_string()))?,
            ),
            None => None,
        };
        let opts = RunOptions {
            out_root: self.out,
            progress: if self.quiet {
                Progress::Quiet
            } else {
                Progress::auto()
            },
            shard,
            order: run::OrderSpec {
                kind: match self.order {
                    OrderArg::Shuffled => crate::results::OrderKind::Shuffled,
                    OrderArg::Matrix => crate::results::OrderKind::Matrix,
                },
                seed: self.order_seed,
            },
            speed: self.speed,
            start,
            metrics,
        };
        let outcome = rt.block_on(run::run(&scenario, &opts)).map_err(|e| {
            if e.is_input_error() {
                anyhow::Error::new(BadInput(e.to_string()))
            } else {
                anyhow::Error::new(e)
            }
        })?;
        crate::present::after_run(&outcome, self.wide)
    }
}
