//! A circuit breaker for Redis: after [`FAILURES_TO_OPEN`] failures in a row, calls
//! stop trying (they answer "unavailable" at once, and the caller takes its in-memory
//! path) until a probe finds Redis answering again.
//!
//! Without it, every request would wait out a timeout on a dead Redis.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

/// Failures in a row that open the breaker.
pub const FAILURES_TO_OPEN: u32 = 3;

/// The breaker's state, shared by every caller.
#[derive(Debug, Default)]
pub struct CircuitBreaker {
    failures: AtomicU32,
    open: AtomicBool,
    /// Counts the times the breaker closed again; callers compare it to resynchronise.
    recoveries: AtomicU64,
}

impl CircuitBreaker {
    /// Whether calls should be attempted.
    pub fn allows(&self) -> bool {
        !self.open.load(Ordering::Acquire)
    }

    /// Records a successful call.
    pub fn succeeded(&self) {
        self.failures.store(0, Ordering::Release);
    }

    /// Records a failed call; returns whether this failure opened the breaker.
    pub fn failed(&self) -> bool {
        let n = self.failures.fetch_add(1, Ordering::AcqRel) + 1;
        n >= FAILURES_TO_OPEN && !self.open.swap(true, Ordering::AcqRel)
    }

    /// Closes the breaker after a probe succeeded; returns whether it was open.
    pub fn recovered(&self) -> bool {
        self.failures.store(0, Ordering::Release);
        let was_open = self.open.swap(false, Ordering::AcqRel);
        if was_open {
            self.recoveries.fetch_add(1, Ordering::AcqRel);
        }
        was_open
    }

    /// How many times the breaker has closed after being open.
    pub fn recoveries(&self) -> u64 {
        self.recoveries.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_failures_in_a_row_and_closes_on_recovery() {
        let b = CircuitBreaker::default();
        assert!(!b.failed());
        b.succeeded();
        assert!(!b.failed());
        assert!(!b.failed());
        assert!(b.allows());
        assert!(b.failed(), "the third failure in a row opens it");
        assert!(!b.allows());
        assert!(!b.failed(), "already open");
        assert!(b.recovered());
        assert!(b.allows());
        assert_eq!(b.recoveries(), 1);
        assert!(!b.recovered());
    }
}
