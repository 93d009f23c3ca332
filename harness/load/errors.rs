//! The errors a publisher or subscriber reports for its case, bounded.

/// Errors worth reporting, without letting a long outage fill memory with copies.
#[derive(Default)]
pub struct ErrorLog {
    entries: Vec<String>,
    suppressed: u64,
}

impl ErrorLog {
    const MAX: usize = 20;

    pub fn push(&mut self, e: String) {
        if self.entries.len() < Self::MAX {
            self.entries.push(e);
        } else {
            self.suppressed += 1;
        }
    }

    pub fn into_vec(mut self) -> Vec<String> {
        if self.suppressed > 0 {
            self.entries
                .push(format!("… and {} more errors", self.suppressed));
        }
        self.entries
    }
}
