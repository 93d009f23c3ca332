//! The `tamper` command: parses its flags into protections, runs the matrix, prints it.

use crate::crypto::Suite;
use crate::crypto::mac::MacAlg;
use crate::crypto::protect::Protection;
use crate::crypto::signature::SigAlg;
use crate::scenario::schema::MAX_SIZE;

use crate::security::tamper::{self, TamperError, TamperOptions};

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// A flag names something that does not exist (exit 2).
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Tamper(#[from] TamperError),
    #[error("cannot write the table: {0}")]
    Io(#[from] std::io::Error),
}

/// `name` among `all`, or an error suggesting the closest.
fn pick<T: Copy>(
    flag: &str,
    name: &str,
    all: &[T],
    name_of: fn(T) -> &'static str,
) -> Result<T, CommandError> {
    if let Some(x) = all.iter().find(|x| name_of(**x).eq_ignore_ascii_case(name)) {
        return Ok(*x);
    }
    let names: Vec<&str> = all.iter().map(|x| name_of(*x)).collect();
    let hint = crate::scenario::error::did_you_mean(name, &names);
    Err(CommandError::Input(format!(
        "{flag}: unknown value \"{name}\" (expected one of {}{hint})",
        names.join(", ")
    )))
}

pub fn tamper(
    suites: &[String],
    trials: u64,
    seed: u64,
    mac: &str,
    signature: &str,
    size: usize,
    json: bool,
) -> Result<(), CommandError> {
    let mac = pick("--mac", mac, &MacAlg::ALL, MacAlg::name)?;
    let signature = pick("--signature", signature, &SigAlg::ALL, SigAlg::name)?;
    if trials == 0 {
        return Err(CommandError::Input(
            "--trials: expected at least 1 trial per kind".into(),
        ));
    }
    if size == 0 || size > MAX_SIZE {
        return Err(CommandError::Input(format!(
            "--size: expected 1 to {MAX_SIZE} bytes, got {size}"
        )));
    }
    let suites: Vec<Suite> = if suites.is_empty() {
        // Every suite that combines with --mac and --signature (s-mqtt takes neither).
        Suite::all()
            .filter(|s| s.incompatibility(mac.name(), signature.name()).is_none())
            .collect()
    } else {
        suites
            .iter()
            .map(|s| {
                s.parse::<Suite>()
                    .map_err(|e| CommandError::Input(format!("--suite: {e}")))
            })
            .collect::<Result<_, _>>()?
    };
    if let Some(e) = suites
        .iter()
        .find_map(|s| s.incompatibility(mac.name(), signature.name()))
    {
        return Err(CommandError::Input(format!("--suite: {e}")));
    }
    let keys =
        crate::crypto::keys::KeyRing::from_seed(crate::crypto::keys::DEFAULT_SEED.as_bytes());
    let opts = TamperOptions {
        trials,
        seed,
        size,
        ..Default::default()
    };
    let mut reports = Vec::with_capacity(suites.len());
    for suite in suites {
        let p = Protection::new(suite, mac, signature);
        reports.push(tamper::run(&keys, p, &opts)?);
    }
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &reports).map_err(std::io::Error::from)?;
        use std::io::Write;
        writeln!(out)?;
    } else {
        tamper::print_table(&reports, &mut out)?;
    }
    Ok(())
}
