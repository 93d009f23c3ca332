//! Accounting rules every case of a results.json keeps, checked when the file is written and
//! when it is read: a file that breaks them has numbers that do not add up, and a report
//! built on it would say so nowhere.

use super::{CaseResult, RunResults};

/// One broken rule: which case (id and repetition) and what does not add up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("case {id} (repetition {repetition}): {rule}")]
pub struct Violation {
    pub id: String,
    pub repetition: u32,
    pub rule: String,
}

/// Every rule broken by a case of `results`, in case order (empty when all hold).
pub fn check(results: &RunResults) -> Vec<Violation> {
    results.cases.iter().filter_map(check_case).collect()
}

/// `scheduled = sent + unsent`, where `scheduled` was recorded (runs before it was, have
/// nothing to check it against).
pub fn check_case(c: &CaseResult) -> Option<Violation> {
    let n = &c.counts;
    let scheduled = n.scheduled?;
    let accounted = n.sent.checked_add(n.unsent);
    (accounted != Some(scheduled)).then(|| Violation {
        id: c.id.clone(),
        repetition: c.repetition,
        rule: format!(
            "scheduled {scheduled} != sent {} + unsent {}: messages unaccounted for",
            n.sent, n.unsent
        ),
    })
}

/// All violations as one message.
pub fn describe(v: &[Violation]) -> String {
    v.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
