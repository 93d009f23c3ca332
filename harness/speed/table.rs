//! The terminal table of a speed report: ns per operation with its interval, then `openssl
//! speed`'s kB/s rows, key setup, signatures, ECDH and which implementation ran.

use std::io::{self, Write};

use super::{Rate, SIGNED_LEN, SpeedReport};
use crate::crypto::Provider;

const NAME: usize = 30;

/// A row's name: the suite or algorithm, then its provider, e.g. "aes-128-gcm aws-lc".
fn label(name: &str, provider: Option<Provider>) -> String {
    match provider {
        Some(p) => format!("{name} {p}"),
        None => name.to_owned(),
    }
}
const CELL: usize = 15;

/// One ns/op cell: "174.2 ±3.1%", prefixed with `~` when the interval is wide.
fn ns_cell(r: &Rate) -> String {
    let v = r.median_ns;
    let value = if v < 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    };
    let pct = r.half_width() * 100.0;
    let pct = if pct < 10.0 {
        format!("{pct:.1}")
    } else {
        format!("{pct:.0}")
    };
    format!("{}{value} ±{pct}%", if r.wide { "~" } else { "" })
}

fn micros(r: Option<&Rate>) -> String {
    r.map_or("-".to_owned(), |r| {
        format!(
            "{}{:.1}µs ±{:.1}%",
            if r.wide { "~" } else { "" },
            r.median_ns / 1e3,
            r.half_width() * 100.0
        )
    })
}

/// The header row: "type" and one column per size.
fn size_header(report: &SpeedReport, out: &mut impl Write) -> io::Result<()> {
    write!(out, "{:<NAME$}", "type")?;
    for size in &report.sizes {
        write!(out, " {:>CELL$}", format!("{size} bytes"))?;
    }
    writeln!(out)
}

/// A row per suite (and per MAC) for one direction, one column per size.
fn direction(
    report: &SpeedReport,
    out: &mut impl Write,
    title: &str,
    forward: bool,
    cell: impl Fn(&Rate) -> String,
) -> io::Result<()> {
    writeln!(out, "{title}")?;
    size_header(report, out)?;
    for suite in &report.suites {
        write!(out, "{:<NAME$}", label(suite.suite.name(), suite.provider))?;
        for c in &suite.sizes {
            let r = if forward { &c.encrypt } else { &c.decrypt };
            write!(out, " {:>CELL$}", cell(r))?;
        }
        if let Some(e) = &suite.error {
            write!(out, "  error: {e}")?;
        }
        writeln!(out)?;
    }
    for mac in &report.macs {
        let label = if forward { "tag" } else { "verify" };
        write!(out, "{:<NAME$}", format!("{} ({label})", mac.mac.name()))?;
        for c in &mac.sizes {
            write!(
                out,
                " {:>CELL$}",
                cell(if forward { &c.tag } else { &c.verify })
            )?;
        }
        if let Some(e) = &mac.error {
            write!(out, "  error: {e}")?;
        }
        writeln!(out)?;
    }
    writeln!(out)
}

/// Prints the report: per direction a table of ns/op (median ± the interval's larger half
/// around it) and openssl's table of 1000s of bytes per second at the median; then key setup,
/// signatures, ECDH and the implementations.
pub fn print_table(report: &SpeedReport, out: &mut impl Write) -> io::Result<()> {
    let env = &report.environment;
    writeln!(
        out,
        "{} samples per cell of {:.0} ms together, after {:.0} ms warm-up; {} build on {}",
        report.samples,
        report.min_time_ms,
        report.warm_up_ms,
        env.profile,
        env.cpu_model.as_deref().unwrap_or("an unknown CPU")
    )?;
    writeln!(
        out,
        "± is the 95% interval of the sample means around their median (distribution-free); \
         ~ marks a cell whose interval is wider than {:.0}% of its median (a noisy machine: \
         do not rank by it)",
        report.wide_limit * 100.0
    )?;
    writeln!(out)?;
    for (name, forward) in [("encrypt", true), ("decrypt", false)] {
        direction(
            report,
            out,
            &format!("{name}: ns per operation (median ±95% interval)"),
            forward,
            ns_cell,
        )?;
    }
    encode_decode(report, out)?;
    for (name, forward) in [("encrypt", true), ("decrypt", false)] {
        direction(
            report,
            out,
            &format!(
                "{name}: the 'numbers' are in 1000s of bytes per second processed (at the median)"
            ),
            forward,
            |r| format!("{}{:.2}k", if r.wide { "~" } else { "" }, r.kbytes_per_s),
        )?;
    }

    if report.stream {
        stream_tables(report, out)?;
    }

    if let Some(cold) = &report.cold {
        cold_tables(report, cold, out)?;
    }

    if report.suites.iter().any(|s| s.key_setup.is_some()) {
        writeln!(out, "key setup per topic")?;
        writeln!(
            out,
            "{:<NAME$} {:>CELL$} {:>CELL$}",
            "type", "sealer", "opener"
        )?;
        for s in &report.suites {
            writeln!(
                out,
                "{:<NAME$} {:>CELL$} {:>CELL$}",
                label(s.suite.name(), s.provider),
                micros(s.key_setup.as_ref()),
                micros(s.opener_setup.as_ref())
            )?;
        }
        writeln!(out)?;
    }

    if !report.signatures.is_empty() {
        writeln!(out, "signatures over {SIGNED_LEN} bytes")?;
        writeln!(
            out,
            "{:<NAME$} {:>CELL$} {:>CELL$} {:>10} {:>10} {:>11}",
            "type", "sign", "verify", "sign/s", "verify/s", "keygen"
        )?;
        for sig in &report.signatures {
            let per_s =
                |r: Option<&Rate>| r.map_or("-".to_owned(), |r| format!("{:.1}", r.ops_per_s));
            write!(
                out,
                "{:<NAME$} {:>CELL$} {:>CELL$} {:>10} {:>10} {:>9.1}ms",
                label(sig.alg.name(), sig.provider),
                micros(sig.sign.as_ref()),
                micros(sig.verify.as_ref()),
                per_s(sig.sign.as_ref()),
                per_s(sig.verify.as_ref()),
                sig.keygen_ms
            )?;
            if let Some(e) = &sig.error {
                write!(out, "  error: {e}")?;
            }
            writeln!(out)?;
        }
        writeln!(out)?;
    }
    for e in &report.ecdh {
        let name = label("ecdh-p256", Some(e.provider));
        match (&e.rate, &e.error) {
            (Some(r), _) => writeln!(
                out,
                "{name:<NAME$} {:>CELL$} {:>10.1} op/s",
                micros(Some(r)),
                r.ops_per_s
            )?,
            (None, e) => writeln!(
                out,
                "{name:<NAME$}  error: {}",
                e.as_deref().unwrap_or("not measured")
            )?,
        }
    }
    if !report.ecdh.is_empty() {
        writeln!(out)?;
    }

    writeln!(out, "implementations")?;
    for s in &report.suites {
        let name = label(s.suite.name(), s.provider);
        writeln!(out, "{name:<NAME$} {}", s.implementation)?;
    }
    for m in &report.macs {
        writeln!(out, "{:<NAME$} {}", m.mac.name(), m.implementation)?;
    }
    for s in &report.signatures {
        let name = label(s.alg.name(), s.provider);
        writeln!(out, "{name:<NAME$} {}", s.implementation)?;
    }
    for e in &report.ecdh {
        let name = label("ecdh-p256", Some(e.provider));
        writeln!(out, "{name:<NAME$} {}", e.implementation)?;
    }
    Ok(())
}

/// The encode and decode steps of the suites that have them (s-mqtt), ns per operation; such
/// a suite's encrypt and decrypt rows above leave them out.
fn encode_decode(report: &SpeedReport, out: &mut impl Write) -> io::Result<()> {
    let staged: Vec<_> = report
        .suites
        .iter()
        .filter(|s| s.sizes.iter().any(|c| c.encode.is_some()))
        .collect();
    if staged.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "encode (bytes onto curve points) and decode (points to bytes, hash comparison): ns per \
         operation; encrypt and decrypt above exclude them"
    )?;
    size_header(report, out)?;
    for (step, pick) in [
        (
            "encode",
            (|c| c.encode.as_ref()) as fn(&super::SizeSpeed) -> Option<&Rate>,
        ),
        ("decode", |c| c.decode.as_ref()),
    ] {
        for suite in &staged {
            write!(
                out,
                "{:<NAME$}",
                format!("{} ({step})", label(suite.suite.name(), suite.provider))
            )?;
            for c in &suite.sizes {
                write!(out, " {:>CELL$}", pick(c).map_or("-".to_owned(), ns_cell))?;
            }
            writeln!(out)?;
        }
    }
    writeln!(out)
}

/// The stream figures of the block modes (`--stream`), apart from the per-message tables so the
/// two are never read as one: ns per piece, then 1000s of bytes per second.
fn stream_tables(report: &SpeedReport, out: &mut impl Write) -> io::Result<()> {
    let streamed: Vec<_> = report
        .suites
        .iter()
        .filter(|s| s.sizes.iter().any(|c| c.stream_encrypt.is_some()))
        .collect();
    writeln!(
        out,
        "STREAM (not per message): each call is N more bytes of one long message through one \
         mode context, no IV, key schedule or padding per call, as `openssl speed -evp` \
         measures; the tables above are per message"
    )?;
    fn pick(c: &super::SizeSpeed, forward: bool) -> Option<&Rate> {
        if forward {
            c.stream_encrypt.as_ref()
        } else {
            c.stream_decrypt.as_ref()
        }
    }
    type Cell = fn(&Rate) -> String;
    let units: [(&str, Cell); 2] = [
        ("ns per call (median ±95% interval)", ns_cell),
        ("1000s of bytes per second (at the median)", |r| {
            format!("{}{:.2}k", if r.wide { "~" } else { "" }, r.kbytes_per_s)
        }),
    ];
    for (unit, cell) in units {
        for (name, forward) in [("stream encrypt", true), ("stream decrypt", false)] {
            writeln!(out, "{name}: {unit}")?;
            size_header(report, out)?;
            for suite in &streamed {
                write!(
                    out,
                    "{:<NAME$}",
                    label(&format!("{} stream", suite.suite.name()), suite.provider)
                )?;
                for c in &suite.sizes {
                    write!(out, " {:>CELL$}", pick(c, forward).map_or("-".into(), cell))?;
                }
                writeln!(out)?;
            }
            writeln!(out)?;
        }
    }
    Ok(())
}

/// The cold figures: one call per sample after the private caches were evicted.
fn cold_tables(
    report: &SpeedReport,
    cold: &super::ColdSetup,
    out: &mut impl Write,
) -> io::Result<()> {
    writeln!(
        out,
        "cold: each call timed alone after {} KiB were written and read back (the core's L1d \
         and L2 evicted; code stays warm); floor of an empty call {}",
        cold.evict_bytes >> 10,
        ns_cell(&cold.baseline)
    )?;
    if cold.tick_ns > 0.0 {
        writeln!(
            out,
            "the clock steps in {:.0} ns here: each cold figure is a whole number of steps, and \
             ±0.0% means the middle samples fell within one step (the figure is good to ±{:.0} ns)",
            cold.tick_ns, cold.tick_ns
        )?;
    }
    for (name, forward) in [("encrypt", true), ("decrypt", false)] {
        writeln!(out, "{name} (cold): ns per call (median ±95% interval)")?;
        size_header(report, out)?;
        for suite in &report.suites {
            write!(out, "{:<NAME$}", suite.suite.name())?;
            for c in &suite.sizes {
                let r = if forward {
                    &c.encrypt_cold
                } else {
                    &c.decrypt_cold
                };
                write!(out, " {:>CELL$}", r.as_ref().map_or("-".into(), ns_cell))?;
            }
            writeln!(out)?;
        }
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_show_median_and_interval_and_mark_wide_ones() {
        let steady = Rate::from_samples(vec![174.0, 175.0, 173.0, 174.5, 174.2], 100, 16);
        assert_eq!(ns_cell(&steady), "174 ±0.7%");
        let noisy = Rate::from_samples(vec![10.0, 15.0, 9.0, 13.0, 10.0], 100, 16);
        assert_eq!(ns_cell(&noisy), "~10.0 ±50%");
    }
}
