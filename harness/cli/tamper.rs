//! The `tamper` command: parses its flags into protections, runs the matrix, prints it.

use crate::crypto::Suite;
use crate::crypto::mac::MacAlg;
use crate::crypto::protect::Protection;
use crate::crypto::provider::{self, Provider};
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

/// Which providers `tamper --provider` asks for.
#[derive(Debug, Clone, Copy)]
enum Providers {
    /// Each part on its default provider (no flag).
    Default,
    Only(Provider),
    All,
}

fn parse_provider(flag: Option<&str>) -> Result<Providers, CommandError> {
    Ok(match flag {
        None => Providers::Default,
        Some(p) if p.eq_ignore_ascii_case("all") => Providers::All,
        Some(p) => Providers::Only(
            p.parse()
                .map_err(|e| CommandError::Input(format!("--provider: {e}, or all")))?,
        ),
    })
}

/// The protections of `suites` under `providers`: one per suite on the default, the suites
/// the one provider has (a named suite or the signature it lacks: the pointed error `speed`
/// gives), or one per provider that has both the suite and the signature.
fn protections(
    suites: &[Suite],
    named: bool,
    mac: MacAlg,
    signature: SigAlg,
    providers: Providers,
) -> Result<Vec<Protection>, CommandError> {
    let on = |suite, p| Protection {
        provider: p,
        ..Protection::new(suite, mac, signature)
    };
    let mut out = Vec::new();
    for &suite in suites {
        match providers {
            Providers::Default => out.push(on(suite, None)),
            Providers::Only(p) => {
                let lacks =
                    |e: provider::Unsupported| CommandError::Input(format!("--provider: {e}"));
                provider::for_signature(signature, Some(p)).map_err(lacks)?;
                match suite.provider(Some(p)) {
                    Ok(_) => out.push(on(suite, Some(p))),
                    Err(e) if named => return Err(lacks(e)),
                    Err(_) => {}
                }
            }
            Providers::All => out.extend(
                suite
                    .providers()
                    .into_iter()
                    .filter(|p| p.has_signature(signature))
                    .map(|p| on(suite, Some(p))),
            ),
        }
    }
    Ok(out)
}

/// The command's flags, as given.
pub struct Flags<'a> {
    pub suites: &'a [String],
    pub trials: u64,
    pub seed: u64,
    pub mac: &'a str,
    pub signature: &'a str,
    pub size: usize,
    pub provider: Option<&'a str>,
    pub json: bool,
}

pub fn tamper(flags: &Flags<'_>) -> Result<(), CommandError> {
    let &Flags {
        suites,
        trials,
        seed,
        mac,
        signature,
        size,
        provider,
        json,
    } = flags;
    let mac = pick("--mac", mac, &MacAlg::ALL, MacAlg::name)?;
    let signature = pick("--signature", signature, &SigAlg::ALL, SigAlg::name)?;
    let providers = parse_provider(provider)?;
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
    let named = !suites.is_empty();
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
    let versions = crate::measure::env::crate_versions();
    let mut reports = Vec::with_capacity(suites.len());
    for p in protections(&suites, named, mac, signature, providers)? {
        let mut report = tamper::run(&keys, p, &opts)?;
        report.implementation = crate::speed::implementation::protection(&p, &versions);
        reports.push(report);
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
