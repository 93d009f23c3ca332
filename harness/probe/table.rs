//! The probe report as plain text: the bystanders, one row per probe with one column per
//! bystander, then seed 004's finding as measured.

use super::bystander::Fate;
use super::{Field, Offender, ProbeReport, Side};

/// What happened to one bystander, in a few words.
fn cell(f: &Fate) -> String {
    if !f.ready {
        return match &f.said {
            Some(s) => format!("not ready: {}", short(s)),
            None => "not ready".into(),
        };
    }
    let mut parts: Vec<String> = Vec::new();
    let harmed = f.exited.is_some() || f.disconnect.is_some();
    match (f.delivered_ms.is_some(), f.app_received, harmed) {
        (true, true, _) => parts.push("got it".into()),
        (true, false, true) => parts.push("KNOCKED OFF: refused it".into()),
        (true, false, false) => parts.push("got it, dropped it".into()),
        (false, _, true) => parts.push("KNOCKED OFF".into()),
        (false, _, false) => {}
    }
    if f.exited.is_some() && f.reconnected_ms.is_none() {
        let why = f.said.as_deref().map(short).unwrap_or_default();
        parts.push(format!("crashed {why}").trim_end().to_owned());
    } else if let Some(d) = &f.disconnect {
        let who = match d.by {
            Side::Client => "closed itself",
            Side::Broker => "broker closed it",
        };
        match d.after_delivery_ms {
            Some(t) => parts.push(format!("{who} +{t:.2} ms")),
            None => parts.push(format!("{who} {:.1} ms after the probe", d.after_ms)),
        }
        match f.reconnected_ms {
            Some(r) => parts.push(format!("back in {:.1} s", r / 1e3)),
            None => parts.push("gone".into()),
        }
    }
    if f.canary_ms.is_none() {
        parts.push("no canary".into());
    } else if parts.is_empty() {
        parts.push("ok".into());
    }
    parts.join(", ")
}

/// An error line, cut to what fits a cell.
fn short(s: &str) -> String {
    let s = s.strip_prefix("on_message raised ").unwrap_or(s);
    let head = s.split(':').next().unwrap_or(s);
    head.chars().take(40).collect()
}

pub fn print_table(r: &ProbeReport, out: &mut impl std::io::Write) -> std::io::Result<()> {
    writeln!(
        out,
        "Broker probes against {} ({}), observe {} ms, after {} ms",
        r.broker, r.addr, r.observe_ms, r.after_ms
    )?;
    writeln!(
        out,
        "Bystanders (each subscribed to '#' through its own relay):"
    )?;
    for b in &r.bystanders {
        match (&b.implementation, &b.skipped) {
            (Some(v), _) => writeln!(out, "  {:<13} {v}", b.name)?,
            (None, Some(why)) => writeln!(out, "  {:<13} skipped: {why}", b.name)?,
            (None, None) => writeln!(out, "  {}", b.name)?,
        }
    }
    let ran: Vec<&str> = r
        .bystanders
        .iter()
        .filter(|b| b.implementation.is_some())
        .map(|b| b.name.as_str())
        .collect();
    let mut head: Vec<String> = ["probe", "field", "broker did (to offender)", "alive"]
        .map(String::from)
        .to_vec();
    head.extend(ran.iter().map(|n| n.to_string()));
    let rows: Vec<Vec<String>> = r
        .probes
        .iter()
        .map(|p| {
            let mut row = vec![
                p.name.clone(),
                p.field.name().to_owned(),
                p.offender.label(),
                if p.broker_alive { "yes" } else { "NO" }.to_owned(),
            ];
            row.extend(p.bystanders.iter().map(cell));
            row.resize(head.len(), String::new());
            row
        })
        .collect();
    let mut w: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<width$}", width = w[i]))
            .collect::<Vec<_>>()
            .join("  ")
    };
    writeln!(out, "{}", line(&head).trim_end())?;
    let rule: Vec<String> = w.iter().map(|n| "-".repeat(*n)).collect();
    writeln!(out, "{}", line(&rule))?;
    for r in &rows {
        writeln!(out, "{}", line(r).trim_end())?;
    }
    writeln!(
        out,
        "(bystander cells: got it = the broker forwarded the probe's message and the application took it; +ms = from its delivery to the close; back in = reconnected, from the probe; no canary = nothing received after the probe)"
    )?;
    for p in r.probes.iter().filter(|p| p.canary_error.is_some()) {
        writeln!(
            out,
            "note: {}: {}",
            p.name,
            p.canary_error.as_deref().unwrap_or_default()
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Seed 004, measured: this broker {}.",
        r.finding.summary
    )?;
    if let Some(t0) = r.probes.iter().find(|p| p.field == Field::PacketType) {
        let so = if matches!(t0.offender, Offender::Disconnected { .. }) {
            "this broker drops the connection, so it cannot carry DETECT"
        } else {
            "not dropped, but type 0 has no topic, so it is not routed to anyone either"
        };
        writeln!(
            out,
            "Reserved packet type 0 (S-MQTT's DETECT packet): {}: {so}.",
            t0.offender.label()
        )?;
    }
    Ok(())
}
