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
        /// Run slice i of n of the clients (1-based, e.g. 2/3), for multi-machine runs against
        /// one broker; combine the folders with `merge`.
        #[arg(long, value_name = "I/N")]
        shard: Option<crate::scenario::Shard>,
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
    },
    /// Combine run folders (the shards of one multi-machine run) into one result and report.
    Merge {
        /// Two or more run folders of the same scenario.
        #[arg(required = true, num_args = 2..)]
        run_dirs: Vec<PathBuf>,
        /// Results root for the merged folder (DIR/<scenario>-merged/<timestamp>/).
        #[arg(long, default_value = "results")]
        out: PathBuf,
    },
    /// An `openssl speed`-style table of every suite, in-process, no broker.
    Speed {
        /// Suites to measure, comma-separated (default: all).
        #[arg(long, value_delimiter = ',')]
        suites: Vec<String>,
        /// Plaintext sizes in bytes, comma-separated (default: 2,16,20,50,64,100,200,256,1024,8192,16384).
        #[arg(long, value_delimiter = ',')]
        sizes: Vec<usize>,
        /// Measuring time per cell (suite x size x direction), split over the samples, e.g.
        /// 300ms or 1s; a warm-up of max(time/10, 20ms) comes first.
        #[arg(long, default_value = "300ms", value_parser = humantime::parse_duration)]
        time: std::time::Duration,
        /// Timed samples per cell (at least 5): each cell reports their median and 95% interval.
        #[arg(long, default_value_t = 10)]
        samples: u32,
        /// Print JSON instead of the table (fields: results/README.md, "speed --json").
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
    /// The tamper matrix: real envelopes of each protection, damaged (bit flips, truncation,
    /// extension, header fields, header and topic swaps) and opened; prints what was rejected
    /// and which forgeries got through.
    Tamper {
        /// Suites, comma-separated (default: every suite of the catalogue).
        #[arg(long, value_delimiter = ',')]
        suite: Vec<String>,
        /// Trials per tamper kind and protection.
        #[arg(long, default_value_t = 1000)]
        trials: u64,
        /// Seed of the tamper choices (same seed, same trials).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// MAC added to every suite: none or hmac-sha256.
        #[arg(long, default_value = "none")]
        mac: String,
        /// Signature added to every suite: none, ecdsa-p256, ed25519, rsa-2048-pss, rsa-3072-pss.
        #[arg(long, default_value = "none")]
        signature: String,
        /// Plaintext bytes per envelope.
        #[arg(long, default_value_t = 64)]
        size: usize,
        /// Print JSON instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// Run the embedded broker (rumqttd) standalone, e.g. on a second machine, until Ctrl-C.
    Broker {
        /// Address to listen on (0.0.0.0: every interface).
        #[arg(long, default_value = "0.0.0.0")]
        bind: std::net::IpAddr,
        /// Plain MQTT port.
        #[arg(long, default_value_t = 1883)]
        port: u16,
        /// Also listen for MQTT over TLS on this port (certificate from a private CA).
        #[arg(long, value_name = "PORT")]
        tls_port: Option<u16>,
        /// Also serve MQTT 5 on this port (rumqttd serves each version on its own port).
        #[arg(long, value_name = "PORT")]
        v5_port: Option<u16>,
        /// Also serve MQTT 5 over TLS on this port.
        #[arg(long, value_name = "PORT")]
        v5_tls_port: Option<u16>,
        /// Where the CA and server certificate live (made on first start, reused after).
        #[arg(long, default_value = "broker-certs")]
        cert_dir: PathBuf,
        /// Names the TLS certificate is valid for (repeatable; default: localhost, 127.0.0.1
        /// and this machine's hostname).
        #[arg(long = "name", value_name = "HOST")]
        names: Vec<String>,
        /// Require a username and password: a file of `username:password` lines.
        #[arg(long, value_name = "FILE")]
        auth: Option<PathBuf>,
    },
    /// Write Security Center identities: the center's key, each client's signing and
    /// key-agreement keys (PKCS#8 PEM, 0600), registry.txt, and center.toml/acl.txt templates.
    Keygen {
        /// Folder to write to (created if needed; an existing center key is kept).
        dir: PathBuf,
        /// A client to make keys for, ID or ID:CLASS (repeatable).
        #[arg(long = "client", value_name = "ID[:CLASS]", required = true)]
        clients: Vec<String>,
        /// Device class of clients given without one.
        #[arg(long, default_value = "light")]
        class: String,
        /// The clients' signing algorithm: ed25519 or ecdsa-p256.
        #[arg(long, default_value = "ed25519")]
        signature: String,
    },
    /// Run the Security Center standalone next to a broker until Ctrl-C.
    Center {
        /// center.toml (written by keygen): registry, ACL, key, classes, window, TTL, grace.
        #[arg(long)]
        config: PathBuf,
        /// The broker: mqtt://host:port, mqtts://host:port, or `embedded`.
        #[arg(long)]
        broker: String,
        /// Broker username.
        #[arg(long)]
        username: Option<String>,
        /// Environment variable holding the broker password.
        #[arg(long)]
        password_env: Option<String>,
    },
    /// Re-render the report of a results folder from its results.json.
    Report {
        /// A run folder (holding results.json).
        run_dir: PathBuf,
    },
    /// Compare two run folders case by case: B/A ratios with intervals, and BETTER/WORSE
    /// verdicts from the repetitions (Welch's t-test on log values against a minimum effect,
    /// corrected for the number of rows); writes compare.html, compare.md and a ratio chart.
    Compare {
        /// The reference run folder (A).
        run_a: PathBuf,
        /// The run folder compared with it (B).
        run_b: PathBuf,
        /// Output folder (default: RUN_B/compare-<A's folder name>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Pair cases by these case parameters instead of by id, comma-separated (qos, size,
        /// suite, suite_id, mac, signature, transport, protocol); needed for runs of
        /// different scenarios.
        #[arg(long = "match", value_delimiter = ',', value_name = "FIELDS")]
        match_fields: Vec<String>,
        /// Smallest change a verdict must show, as a fraction or a percentage: below it two
        /// runs differ anyway (two processes, two heap layouts).
        #[arg(long, default_value = "5%", value_parser = parse_min_effect, value_name = "FRACTION")]
        min_effect: f64,
        /// Correction for the number of rows tested: bh (Benjamini–Hochberg, false discovery
        /// rate) or holm (family-wise error rate, under any dependence; less power).
        #[arg(long, default_value = "bh", value_parser = crate::report::compare::parse_correction)]
        correction: crate::stats::Correction,
        /// Print the comparison as JSON instead of the table (the files are still written).
        #[arg(long)]
        json: bool,
    },
}

/// `run --order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OrderArg {
    Shuffled,
    Matrix,
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
            shard,
            order,
            order_seed,
            speed,
        } => {
            if order == OrderArg::Matrix && order_seed.is_some() {
                return Err(BadInput(
                    "--order-seed: seeds the shuffle, but --order matrix does not shuffle (drop one of them)"
                        .into(),
                )
                .into());
            }
            let order = run::OrderSpec {
                kind: match order {
                    OrderArg::Shuffled => crate::results::OrderKind::Shuffled,
                    OrderArg::Matrix => crate::results::OrderKind::Matrix,
                },
                seed: order_seed,
            };
            cmd_run(RunFlags {
                scenario,
                broker,
                out,
                set,
                quiet,
                shard,
                order,
                speed,
            })
        }
        Command::Merge { run_dirs, out } => cmd_merge(run_dirs, out),
        Command::Report { run_dir } => cmd_report(run_dir),
        Command::Keygen {
            dir,
            clients,
            class,
            signature,
        } => cmd_keygen(&dir, &clients, &class, &signature),
        Command::Center {
            config,
            broker,
            username,
            password_env,
        } => cmd_center(&config, &broker, username, password_env),
        Command::Broker {
            bind,
            port,
            tls_port,
            v5_port,
            v5_tls_port,
            cert_dir,
            names,
            auth,
        } => cmd_broker(crate::broker::standalone::StandaloneOptions {
            bind,
            port,
            tls_port,
            v5_port,
            v5_tls_port,
            cert_dir,
            names,
            auth,
        }),
        Command::Compare {
            run_a,
            run_b,
            out,
            match_fields,
            min_effect,
            correction,
            json,
        } => {
            let settings = crate::report::compare::Settings {
                match_fields,
                rule: crate::report::compare::Rule {
                    min_effect,
                    correction,
                    ..Default::default()
                },
            };
            cmd_compare(run_a, run_b, out, &settings, json)
        }
        Command::Probe {
            broker,
            observe,
            json,
        } => cmd_probe(&broker, observe, json),
        Command::Tamper {
            suite,
            trials,
            seed,
            mac,
            signature,
            size,
            json,
        } => crate::security::command::tamper(&suite, trials, seed, &mac, &signature, size, json)
            .map_err(|e| match e {
                crate::security::command::CommandError::Input(m) => anyhow::Error::new(BadInput(m)),
                e => anyhow::Error::new(e),
            }),
        Command::Speed {
            suites,
            sizes,
            time,
            samples,
            json,
        } => cmd_speed(suites, sizes, time, samples, json),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("mcb-worker")
        .build()
        .context("cannot start the async runtime")
}

/// The `run` subcommand's flags, as parsed.
struct RunFlags {
    scenario: PathBuf,
    broker: Option<String>,
    out: PathBuf,
    set: Vec<String>,
    quiet: bool,
    shard: Option<scenario::Shard>,
    order: run::OrderSpec,
    speed: run::speed_ref::SpeedSource,
}

fn cmd_run(flags: RunFlags) -> anyhow::Result<()> {
    let mut scenario = scenario::load(&flags.scenario, &flags.set, flags.broker.as_deref())?;
    let shard = flags.shard;
    if let Some(s) = shard {
        s.apply(&mut scenario)?;
    }
    let opts = RunOptions {
        out_root: flags.out,
        progress: if flags.quiet {
            Progress::Quiet
        } else {
            Progress::auto()
        },
        shard,
        order: flags.order,
        speed: flags.speed,
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

fn center_error(e: crate::center::CenterError) -> anyhow::Error {
    match e {
        crate::center::CenterError::Input(m) => anyhow::Error::new(BadInput(m)),
        e => anyhow::Error::new(e),
    }
}

fn cmd_keygen(
    dir: &std::path::Path,
    clients: &[String],
    class: &str,
    signature: &str,
) -> anyhow::Result<()> {
    let kind = crate::center::protocol::SigKind::from_name(signature).ok_or_else(|| {
        BadInput(format!(
            "--signature: expected ed25519 or ecdsa-p256, got \"{signature}\""
        ))
    })?;
    let r = crate::center::command::keygen(dir, clients, class, kind).map_err(center_error)?;
    println!(
        "center key: {} ({}); public: {}",
        r.center_key.display(),
        if r.center_key_created { "new" } else { "kept" },
        r.center_public
    );
    for (id, class, path) in &r.clients {
        println!(
            "client {id} ({class}): {} and .kex.pem (0600)",
            path.display()
        );
    }
    println!("registry: {}", r.registry.display());
    for p in &r.created {
        println!("template: {}", p.display());
    }
    Ok(())
}

fn cmd_center(
    config: &std::path::Path,
    broker: &str,
    username: Option<String>,
    password_env: Option<String>,
) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let sc = crate::center::command::start(config, broker, username, password_env)
            .await
            .map_err(center_error)?;
        println!(
            "Security Center on {broker}: requests on {p}/req/<client id>, answers on {p}/resp/<client id> (QoS 0); {} client(s) registered; center key {}",
            sc.clients,
            sc.public,
            p = sc.prefix
        );
        println!("Ctrl-C stops it.");
        tokio::signal::ctrl_c()
            .await
            .context("cannot listen for Ctrl-C")?;
        let s = sc.authority.take_stats();
        println!(
            "answered {} request(s): {} granted, {} denied {:?}",
            s.requests,
            s.granted,
            s.denied_total(),
            s.denied
        );
        sc.service.stop().await;
        Ok(())
    })
}

fn cmd_report(dir: PathBuf) -> anyhow::Result<()> {
    let results = crate::results::reader::read(&dir).map_err(|e| BadInput(e.to_string()))?;
    crate::present::render(&dir, &results)
}

fn parse_min_effect(s: &str) -> Result<f64, String> {
    crate::report::compare::parse_min_effect(s).map_err(|e| e.to_string())
}

fn cmd_compare(
    run_a: PathBuf,
    run_b: PathBuf,
    out: Option<PathBuf>,
    settings: &crate::report::compare::Settings,
    json: bool,
) -> anyhow::Result<()> {
    use crate::report::compare;
    let read = |dir: &PathBuf| {
        crate::results::reader::read(dir).map_err(|e| BadInput(format!("{}: {e}", dir.display())))
    };
    let (a, b) = (read(&run_a)?, read(&run_b)?);
    let comparison = compare::compare(&a, &b, settings).map_err(|e| BadInput(e.to_string()))?;
    let out = out.unwrap_or_else(|| compare::default_out(&run_a, &run_b, &a));
    let rendered = compare::render(&out, &comparison, &a, &b)?;
    if json {
        println!("{}", compare::json(&comparison)?);
    } else {
        print!("{}", compare::terminal(&comparison));
        println!("comparison: {}", rendered.html.display());
    }
    Ok(())
}

fn cmd_speed(
    suites: Vec<String>,
    sizes: Vec<usize>,
    time: std::time::Duration,
    samples: u32,
    json: bool,
) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    if samples < crate::speed::MIN_SAMPLES {
        return Err(BadInput(format!(
            "--samples: expected at least {} (fewer cannot give an interval), got {samples}",
            crate::speed::MIN_SAMPLES
        ))
        .into());
    }
    if time.is_zero() {
        return Err(
            BadInput("--time: expected a positive duration, e.g. 300ms, got 0".into()).into(),
        );
    }
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
        samples,
        progress: std::io::stderr().is_terminal(),
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

fn cmd_merge(dirs: Vec<PathBuf>, out: PathBuf) -> anyhow::Result<()> {
    let merged = crate::results::merge::merge(&dirs).map_err(|e| BadInput(e.to_string()))?;
    let dir = crate::results::merge::write(&out, &merged).map_err(BadInput)?;
    crate::present::render(&dir, &merged.results)
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

fn cmd_broker(mut opts: crate::broker::standalone::StandaloneOptions) -> anyhow::Result<()> {
    use crate::broker::standalone::{self, StandaloneError};
    if opts.names.is_empty() {
        opts.names = vec!["localhost".into(), "127.0.0.1".into()];
        if let Some(h) = hostname() {
            opts.names.push(h);
        }
    }
    if let Some(a) = &opts.auth
        && standalone::readable_by_others(a)
    {
        eprintln!(
            "warning: {} holds passwords and is readable by other users (chmod 600 it)",
            a.display()
        );
    }
    let listening = standalone::start(&opts).map_err(|e| match e {
        StandaloneError::Input(m) => anyhow::Error::new(BadInput(m)),
        e => anyhow::Error::new(e),
    })?;
    println!(
        "rumqttd {} (MQTT 3.1.1) listening on mqtt://{}",
        crate::broker::embedded::version().unwrap_or_default(),
        listening.plain
    );
    if let (Some(tls), Some(ca)) = (listening.tls, &listening.ca) {
        println!(
            "TLS on mqtts://{tls}, certificate for {}; clients trust {}",
            opts.names.join(", "),
            ca.display()
        );
    }
    if let Some(v5) = listening.v5 {
        println!("MQTT 5 on mqtt://{v5} (scenario: protocol = \"v5\")");
    }
    if let (Some(v5_tls), Some(ca)) = (listening.v5_tls, &listening.ca) {
        println!(
            "MQTT 5 over TLS on mqtts://{v5_tls}; clients trust {}",
            ca.display()
        );
    }
    if listening.users > 0 {
        println!(
            "{} user(s) from the auth file; anonymous clients are refused",
            listening.users
        );
    }
    println!("Ctrl-C stops it.");
    runtime()?.block_on(async {
        tokio::signal::ctrl_c()
            .await
            .context("cannot listen for Ctrl-C")
    })
}

/// This machine's hostname, for the TLS certificate's names.
fn hostname() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
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
