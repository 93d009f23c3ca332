//! The closed-loop in-flight window: a counting semaphore shared between a publisher thread
//! (which takes a slot per message) and its event-loop task (which returns it on the ack).

use std::sync::{Condvar, Mutex};
use std::time::Duration;

pub struct Window {
    free: Mutex<usize>,
    cv: Condvar,
}

impl Window {
    pub fn new(slots: usize) -> Self {
        Self {
            free: Mutex::new(slots),
            cv: Condvar::new(),
        }
    }

    /// Takes a slot, waiting at most `timeout`; false when none freed up in time.
    pub fn acquire(&self, timeout: Duration) -> bool {
        let guard = self.free.lock().unwrap_or_else(|p| p.into_inner());
        let (mut free, _) = self
            .cv
            .wait_timeout_while(guard, timeout, |f| *f == 0)
            .unwrap_or_else(|p| p.into_inner());
        if *free == 0 {
            return false;
        }
        *free -= 1;
        true
    }

    pub fn release(&self) {
        let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
        *free += 1;
        self.cv.notify_one();
    }
}
