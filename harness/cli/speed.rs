//! `speed`: the suites measured in-process, `openssl speed`-style.

use super::BadInput;

/// An `openssl speed`-style table of every suite, in-process, no broker.
#[derive(Debug, clap::Args)]
pub struct SpeedArgs {
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
}

impl SpeedArgs {
    pub fn execute(self) -> anyhow::Result<()> {
        use std::io::IsTerminal;
        let samples = self.samples;
        if samples < crate::speed::MIN_SAMPLES {
            return Err(BadInput(format!(
                "--samples: expected at least {} (fewer cannot give an interval), got {samples}",
                crate::speed::MIN_SAMPLES
            ))
            .into());
        }
        if self.time.is_zero() {
            return Err(
                BadInput("--time: expected a positive duration, e.g. 300ms, got 0".into()).into(),
            );
        }
        let suites = self
            .suites
            .iter()
            .map(|s| {
                s.parse::<crate::crypto::Suite>()
                    .map_err(|e| BadInput(format!("--suites: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(bad) = self
            .sizes
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
            min_time: self.time,
            samples,
            progress: std::io::stderr().is_terminal(),
            ..Default::default()
        };
        if !self.sizes.is_empty() {
            opts.sizes = self.sizes;
        }
        let report = crate::speed::run(&opts);
        let mut out = std::io::stdout().lock();
        if self.json {
            serde_json::to_writer_pretty(&mut out, &report)?;
            use std::io::Write;
            writeln!(out)?;
        } else {
            crate::speed::print_table(&report, &mut out)?;
        }
        Ok(())
    }
}
