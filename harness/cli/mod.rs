//! The command line: clap types, one file per group of commands, each command an `Args`
//! struct with its own `execute`. Errors carry their exit code: [`BadInput`] (2) for anything
//! the user can fix in a file or flag, anything else 1.

mod fleet;
mod recommend;
mod results;
mod run;
mod security;
mod services;
mod speed;
mod tamper;

use clap::{Parser, Subcommand};

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
    Run(run::RunArgs),
    Merge(results::MergeArgs),
    Speed(speed::SpeedArgs),
    Probe(security::ProbeArgs),
    Tamper(security::TamperArgs),
    Broker(services::BrokerArgs),
    Keygen(services::KeygenArgs),
    Center(services::CenterArgs),
    Report(results::ReportArgs),
    Compare(results::CompareArgs),
    Recommend(recommend::RecommendArgs),
}

/// An error the user fixes in their input: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// Exit code for an error returned by [`execute`].
pub fn exit_code(e: &anyhow::Error) -> u8 {
    if e.downcast_ref::<BadInput>().is_some()
        || e.downcast_ref::<crate::scenario::ScenarioError>().is_some()
    {
        2
    } else {
        1
    }
}

pub fn execute(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Run(a) => a.execute(),
        Command::Merge(a) => a.execute(),
        Command::Speed(a) => a.execute(),
        Command::Probe(a) => a.execute(),
        Command::Tamper(a) => a.execute(),
        Command::Broker(a) => a.execute(),
        Command::Keygen(a) => a.execute(),
        Command::Center(a) => a.execute(),
        Command::Report(a) => a.execute(),
        Command::Compare(a) => a.execute(),
        Command::Recommend(a) => a.execute(),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    use anyhow::Context;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("mcb-worker")
        .build()
        .context("cannot start the async runtime")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `speed`'s flags are checked before anything is measured: exit 2, naming the flag.
    #[test]
    fn speed_refuses_bad_flags_with_exit_2() {
        for (args, flag) in [
            (&["--samples", "4"][..], "--samples"),
            (&["--time", "0s"][..], "--time"),
            (&["--sizes", "0"][..], "--sizes"),
            (&["--suites", "aes-128-cbx"][..], "--suites"),
        ] {
            let cli = Cli::try_parse_from(["mqtt-cipher-bench", "speed"].iter().chain(args))
                .unwrap_or_else(|e| panic!("{args:?}: {e}"));
            let err = execute(cli).expect_err("refused");
            assert_eq!(exit_code(&err), 2, "{args:?}: {err:#}");
            assert!(err.to_string().starts_with(flag), "{args:?}: {err:#}");
        }
    }
}
