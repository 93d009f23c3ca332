//! The `security` section of results.json: the tamper matrix of every distinct protection of
//! a run, bounded in time so it never dominates the run.

use std::time::Duration;

use crate::crypto::keys::KeyRing;
use crate::crypto::protect::Protection;
use crate::results::SecurityResults;
use crate::scenario::Scenario;

use crate::security::tamper::{self, TamperError, TamperOptions};

/// Trials per kind and protection in a run.
pub const RUN_TRIALS: u64 = 1000;
/// Time per protection (RSA suites stop here, long before 1000 trials of every kind).
pub const RUN_BUDGET: Duration = Duration::from_secs(2);
/// Seed of the run's tamper trials.
pub const RUN_SEED: u64 = 0x6d63_622d_7461_6d70;

/// Each distinct protection of the scenario's cases, in first-seen order.
pub fn protections(scenario: &Scenario) -> Vec<Protection> {
    let mut out: Vec<Protection> = Vec::new();
    for c in &scenario.cases {
        let p = Protection {
            provider: c.provider,
            ..Protection::new(c.suite, c.mac, c.signature)
        };
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// Runs the tamper matrix for every protection of `scenario`, with envelopes of the
/// scenario's smallest size (at most 1 KiB: the properties do not depend on it, the time does).
///
/// `keys` is the run's key ring, so the signature key pairs made for the run are reused.
pub fn measure(scenario: &Scenario, keys: &KeyRing) -> Result<SecurityResults, TamperError> {
    let size = scenario
        .cases
        .iter()
        .map(|c| c.size)
        .min()
        .unwrap_or(64)
        .clamp(1, 1024);
    let opts = TamperOptions {
        trials: RUN_TRIALS,
        seed: RUN_SEED,
        size,
        budget: Some(RUN_BUDGET),
        ..Default::default()
    };
    let versions = crate::measure::env::crate_versions();
    let protections = protections(scenario)
        .into_iter()
        .map(|p| {
            let mut r = tamper::run(keys, p, &opts)?;
            r.implementation = crate::speed::implementation::protection(&p, &versions);
            Ok(r)
        })
        .collect::<Result<Vec<_>, TamperError>>()?;
    Ok(SecurityResults {
        seed: opts.seed,
        trials_per_kind: opts.trials,
        budget_s: RUN_BUDGET.as_secs_f64(),
        protections,
    })
}
