//! The probe report as a plain-text table, one row per probe.

use super::ProbeReport;

/// The table: one row per probe.
pub fn print_table(r: &ProbeReport, out: &mut impl std::io::Write) -> std::io::Result<()> {
    writeln!(
        out,
        "Broker probes against {} ({}), observe {} ms, after {} ms",
        r.broker, r.addr, r.observe_ms, r.after_ms
    )?;
    let rows: Vec<[String; 5]> = r
        .probes
        .iter()
        .map(|p| {
            let b = &p.bystander;
            let by = if !b.ready {
                "not ready".to_string()
            } else if b.unharmed() {
                format!("ok ({}+{} msgs)", b.received_during, b.received_after)
            } else {
                format!(
                    "HARMED: {}",
                    b.error
                        .clone()
                        .unwrap_or_else(|| "stopped receiving".into())
                )
            };
            let by = if b.forwarded_to_bystander > 0 {
                format!("{by}; {} forwarded", b.forwarded_to_bystander)
            } else {
                by
            };
            [
                p.name.clone(),
                p.field.name().to_owned(),
                p.offender.label(),
                if p.broker_alive { "yes" } else { "NO" }.to_owned(),
                by,
            ]
        })
        .collect();
    let head = [
        "probe",
        "field",
        "broker did (to offender)",
        "alive",
        "bystander",
    ];
    let mut w = head.map(str::len);
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
    writeln!(out, "{}", line(&head.map(String::from)))?;
    writeln!(out, "{}", line(&w.map(|n| "-".repeat(n))))?;
    for r in &rows {
        writeln!(out, "{}", line(r).trim_end())?;
    }
    Ok(())
}
