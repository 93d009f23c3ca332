//! One requirement against one protection: met, failed (with the measured reason) or not
//! measured. Claims by design (recorded in results.json `protections`) decide only where
//! they are certain (no tag means no integrity); the tamper matrix and the block-repeat
//! sample decide the rest, and a measurement always beats a claim.

use super::Protection;
use super::figures::Measured;
use crate::report::data::{self, sig3};
use crate::results::{ProtectionProperties, ProtectionSecurity, Requirements, RunResults, Writer};

#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    Met(String),
    Failed(String),
    NotMeasured(String),
}

impl Check {
    pub fn text(&self) -> &str {
        match self {
            Check::Met(s) | Check::Failed(s) | Check::NotMeasured(s) => s,
        }
    }
}

/// What the checks of one protection at one condition read.
pub struct Inputs<'a> {
    pub run: &'a RunResults,
    pub protection: &'a Protection,
    pub props: Option<&'a ProtectionProperties>,
    pub tamper: Option<&'a ProtectionSecurity>,
    pub measured: &'a Measured,
    /// Security bytes per message (envelope overhead, plus TLS bytes on TLS), or why not.
    pub overhead: &'a Result<f64, String>,
}

/// Every requirement `req` asks for, in [`crate::results::REQUIREMENT_FIELDS`] order.
pub fn all(req: &Requirements, i: &Inputs) -> Vec<(&'static str, Check)> {
    let mut out = Vec::new();
    if req.confidentiality {
        out.push(("confidentiality", confidentiality(i)));
    }
    if req.integrity {
        out.push(("integrity", integrity(i)));
    }
    if let Some(w) = req.authenticity {
        out.push(("authenticity", authenticity(i, w)));
    }
    if req.replay {
        out.push(("replay", replay(i)));
    }
    if let Some(max) = req.max_overhead_bytes {
        out.push(("max_overhead_bytes", overhead(i, max)));
    }
    if let Some(max) = req.max_cpu_us {
        out.push(("max_cpu_us", cpu(i, max)));
    }
    if let Some(max) = req.max_latency_p99_ns {
        out.push(("max_latency_p99", latency(i, max)));
    }
    out
}

fn no_props(i: &Inputs) -> Check {
    Check::NotMeasured(format!(
        "nothing recorded about {} (a suite this build does not know)",
        i.protection.suite
    ))
}

fn confidentiality(i: &Inputs) -> Check {
    let Some(p) = i.props else {
        return no_props(i);
    };
    if !p.confidentiality {
        let tls = if super::figures::plain_twin(&i.protection.transport).is_some() {
            " (TLS encrypts each hop, but the broker reads the plaintext)"
        } else {
            ""
        };
        return Check::Failed(format!("no encryption: plaintext payload{tls}"));
    }
    let payload = &i.run.load.payload;
    let what = if p.deterministic {
        "ECB"
    } else {
        p.suite.as_str()
    };
    match i.measured.repeats_per_msg {
        Some((within, across)) if within > 0.0 || across > 0.0 => {
            let (n, place) = if across >= within {
                (across, "repeat an earlier message's")
            } else {
                (within, "repeat within the message")
            };
            Check::Failed(format!(
                "{what}: {} repeated blocks per message with {payload} ({place})",
                sig3(n)
            ))
        }
        _ if p.deterministic => Check::Failed(format!(
            "ECB: equal plaintext blocks give equal ciphertext blocks (none repeated with \
             {payload} payloads{})",
            if i.measured.repeats_per_msg.is_none() {
                ", not sampled"
            } else {
                ""
            }
        )),
        Some(_) => Check::Met(format!("encrypted; 0 repeated blocks with {payload}")),
        None => Check::Met("encrypted (blocks not sampled)".into()),
    }
}

/// "1,689 of 7,000".
fn of(n: u64, total: u64) -> String {
    format!("{} of {}", thousands(n), thousands(total))
}

pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (k, ch) in s.chars().enumerate() {
        if k > 0 && (s.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn forged(t: &ProtectionSecurity) -> (u64, u64) {
    (
        t.kinds.iter().map(|k| k.forged).sum(),
        t.kinds.iter().map(|k| k.trials).sum(),
    )
}

fn integrity(i: &Inputs) -> Check {
    let Some(p) = i.props else {
        return no_props(i);
    };
    match i.tamper {
        Some(t) => {
            let (forged, trials) = forged(t);
            if forged > 0 {
                Check::Failed(format!(
                    "forgeries accepted: {} (tamper matrix)",
                    of(forged, trials)
                ))
            } else if !p.integrity || !t.authenticated {
                let accepted: u64 = t.kinds.iter().map(|k| k.accepted_identical).sum();
                Check::Failed(format!(
                    "no tag, MAC or signature: changed envelopes accepted: {} (tamper matrix)",
                    of(accepted, trials)
                ))
            } else {
                Check::Met(format!(
                    "forgeries accepted: {} (tamper matrix)",
                    of(0, trials)
                ))
            }
        }
        None if !p.integrity => {
            Check::Failed("no tag, MAC or signature (by design; tamper matrix not run)".into())
        }
        None => Check::NotMeasured("tamper matrix not run".into()),
    }
}

fn authenticity(i: &Inputs, wanted: Writer) -> Check {
    let Some(p) = i.props else {
        return no_props(i);
    };
    if let Some(t) = i.tamper
        && let (f @ 1.., trials) = forged(t)
    {
        return Check::Failed(format!(
            "forgeries accepted: {} (tamper matrix)",
            of(f, trials)
        ));
    }
    let who = match p.writer {
        Writer::Anyone => "anyone can write a message",
        Writer::PublicKeyHolder => "anyone holding the topic's public key can write a message",
        Writer::KeyHolder => "every holder of the topic key can write a message",
        Writer::Publisher => "only the signing publisher can write a message",
    };
    if p.writer >= wanted {
        Check::Met(who.into())
    } else {
        Check::Failed(format!("{who} (by design; required: {})", wanted.name()))
    }
}

fn replay(i: &Inputs) -> Check {
    let Some(p) = i.props else {
        return no_props(i);
    };
    match i.tamper {
        Some(t) if t.unauthenticated_fields.iter().any(|f| f == "seq") => Check::Failed(
            "seq not authenticated: flipped seq bits accepted (tamper matrix), so a re-sent \
             copy cannot be told from a new message"
                .into(),
        ),
        Some(t) if forged(t).0 > 0 || !p.integrity => Check::Failed(
            "nothing authenticates seq: a copy with a new seq passes (tamper matrix)".into(),
        ),
        Some(_) => {
            Check::Met("seq authenticated: no flipped header bit accepted (tamper matrix)".into())
        }
        None if !p.integrity => {
            Check::Failed("nothing authenticates seq (by design; tamper matrix not run)".into())
        }
        None => Check::NotMeasured("tamper matrix not run".into()),
    }
}

fn overhead(i: &Inputs, max: u64) -> Check {
    match i.overhead {
        Err(why) => Check::NotMeasured(why.clone()),
        Ok(b) if *b > max as f64 => Check::Failed(format!("overhead {} > {max} B", bytes(*b))),
        Ok(b) => Check::Met(format!("overhead {} ≤ {max} B", bytes(*b))),
    }
}

/// Whole bytes without decimals (envelope sizes), a fraction with three digits (TLS records
/// averaged over messages).
pub fn bytes(b: f64) -> String {
    if b.fract() == 0.0 {
        format!("{b:.0} B")
    } else {
        format!("{} B", sig3(b))
    }
}

fn cpu(i: &Inputs, max: f64) -> Check {
    let Some(f) = i.measured.cpu_us else {
        return Check::NotMeasured(
            "no thread CPU per message (the run predates it, or a client was not measured)".into(),
        );
    };
    let (low, high) = f.bounds();
    let shown = if f.interval.is_some() {
        format!("{} µs [{}, {}]", sig3(f.median), sig3(low), sig3(high))
    } else {
        format!("{} µs", sig3(f.median))
    };
    if f.median > max {
        Check::Failed(format!("CPU {shown} > {} µs per message", sig3(max)))
    } else if high > max {
        Check::Met(format!(
            "CPU {shown} ≤ {} µs per message (the interval crosses the limit)",
            sig3(max)
        ))
    } else {
        Check::Met(format!("CPU {shown} ≤ {} µs per message", sig3(max)))
    }
}

fn latency(i: &Inputs, max: u64) -> Check {
    let Some(f) = i.measured.latency_p99_ns else {
        return Check::NotMeasured(format!(
            "latency p99 needs {} samples per repetition, had {}",
            crate::report::table::P99_MIN_SAMPLES,
            i.measured.latency_samples.unwrap_or(0)
        ));
    };
    let (shown, limit) = (data::fmt_duration(f.median), data::fmt_duration(max as f64));
    if f.median > max as f64 {
        Check::Failed(format!("latency p99 {shown} > {limit}"))
    } else {
        Check::Met(format!("latency p99 {shown} ≤ {limit}"))
    }
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_get_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1689), "1,689");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
