//! Sorting a section's entries: qualifying ones by thread CPU per message (ties where the
//! 95% intervals overlap), the Pareto front of CPU against bytes on the wire, and when
//! nothing qualifies, which requirement is to blame.

use super::checks::Check;
use super::{Condition, Entry, NoneQualifies, Ranked, Section};
use crate::results::REQUIREMENT_FIELDS;

/// Splits `entries` of one condition into qualified (ranked), not measured and rejected.
pub fn section(condition: Condition, mut entries: Vec<Entry>) -> Section {
    mark_front(&mut entries);
    let (mut qualified, mut unmeasured, mut rejected) = (Vec::new(), Vec::new(), Vec::new());
    for e in entries {
        if e.failed().next().is_some() {
            rejected.push(e);
        } else if e.unmeasured().next().is_some() {
            unmeasured.push(e);
        } else {
            qualified.push(e);
        }
    }
    let cost = |e: &Entry| e.measured.cpu_us.map_or(f64::INFINITY, |f| f.median);
    qualified.sort_by(|a, b| {
        cost(a)
            .total_cmp(&cost(b))
            .then_with(|| a.protection.cmp(&b.protection))
    });
    rejected.sort_by(|a, b| a.protection.cmp(&b.protection));
    unmeasured.sort_by(|a, b| a.protection.cmp(&b.protection));
    // With some unchecked, "none qualifies" would be a guess: they are listed as not measured.
    let none = (qualified.is_empty() && unmeasured.is_empty() && !rejected.is_empty())
        .then(|| none_qualifies(&rejected));
    Section {
        condition,
        qualified: rank(qualified),
        unmeasured,
        rejected,
        none,
    }
}

/// Ranks in cost order: an entry whose interval overlaps the interval of its rank's first
/// entry shares that rank (a tie); one that does not opens the next rank. Entries without
/// intervals (one repetition) never tie: the order is then the point estimates'.
pub fn rank(sorted: Vec<Entry>) -> Vec<Ranked> {
    let mut out: Vec<Ranked> = Vec::with_capacity(sorted.len());
    let mut leader: Option<usize> = None;
    for e in sorted {
        let tie = leader.is_some_and(|l| {
            let lead = &out[l].entry;
            match (lead.measured.cpu_us, e.measured.cpu_us) {
                (Some(a), Some(b)) => a.ties(&b),
                _ => false,
            }
        });
        let rank = match (tie, leader) {
            (true, Some(l)) => out[l].rank,
            _ => {
                leader = Some(out.len());
                out.len() + 1
            }
        };
        out.push(Ranked {
            rank,
            tie,
            entry: e,
        });
    }
    // The leader of a rank with ties is tied too.
    let tied: Vec<usize> = out.iter().filter(|r| r.tie).map(|r| r.rank).collect();
    for r in &mut out {
        r.tie |= tied.contains(&r.rank);
    }
    out
}

/// Marks the entries no other entry beats on both CPU per message and bytes on the wire
/// (medians; lower is better on both).
pub fn mark_front(entries: &mut [Entry]) {
    let point = |e: &Entry| Some((e.measured.cpu_us?.median, e.measured.bytes_on_wire()?.0));
    let points: Vec<Option<(f64, f64)>> = entries.iter().map(point).collect();
    for (i, e) in entries.iter_mut().enumerate() {
        e.on_front = points[i].is_some_and(|(x, y)| {
            !points.iter().enumerate().any(|(j, q)| {
                j != i && q.is_some_and(|(qx, qy)| qx <= x && qy <= y && (qx < x || qy < y))
            })
        });
    }
}

fn none_qualifies(rejected: &[Entry]) -> NoneQualifies {
    let fails = |e: &Entry, field: &str| e.failed().any(|(f, _)| *f == field);
    let mut out = NoneQualifies::default();
    for field in REQUIREMENT_FIELDS {
        let n = rejected.iter().filter(|e| fails(e, field)).count();
        if n == 0 {
            continue;
        }
        out.rejects.push((field, n));
        if n == rejected.len() {
            out.cuts_all.push(field);
        }
        let mut alone: Vec<&Entry> = rejected
            .iter()
            .filter(|e| {
                e.checks
                    .iter()
                    .all(|(f, c)| *f == field || matches!(c, Check::Met(_)))
            })
            .collect();
        let cost = |e: &Entry| e.measured.cpu_us.map_or(f64::INFINITY, |f| f.median);
        alone.sort_by(|a, b| cost(a).total_cmp(&cost(b)));
        let alone: Vec<String> = alone.iter().map(|e| e.protection.label()).collect();
        if !alone.is_empty() {
            out.without.push((field, alone));
        }
    }
    out
}
