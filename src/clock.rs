//! [`Clock`]: the time the services decide by (session activity and idleness, stream
//! graces and idle timeouts). It reads the system's time, moved forward by
//! [`Clock::advance`], which only tests call: they step over a 15 s grace in an
//! instant instead of sleeping through it, while the server keeps serving real
//! sockets. (tokio's paused clock cannot do this here: paused, a runtime waiting on a
//! socket jumps every timer it holds, the server's own timeouts included.)

use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The system's time, plus however far it has been moved forward. Clones share it.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// Nanoseconds moved forward.
    ahead: Arc<AtomicU64>,
}

impl Clock {
    /// The system's time, not moved.
    pub fn system() -> Self {
        Self::default()
    }

    /// Moves this clock (and every clone of it) forward by `by`.
    pub fn advance(&self, by: Duration) {
        let nanos = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.ahead.fetch_add(nanos, Ordering::Relaxed);
    }

    fn ahead(&self) -> Duration {
        Duration::from_nanos(self.ahead.load(Ordering::Relaxed))
    }

    /// The wall-clock time now.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.ahead()
    }

    /// The monotonic time now, for deadlines.
    pub fn instant(&self) -> Instant {
        Instant::now() + self.ahead()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_both_times_and_every_clone() {
        let clock = Clock::system();
        let other = clock.clone();
        let (wall, mono) = (Utc::now(), Instant::now());
        assert!((clock.now() - wall).num_milliseconds() < 1_000);
        clock.advance(Duration::from_secs(15));
        let moved = (other.now() - wall).num_milliseconds();
        assert!((15_000..16_000).contains(&moved), "{moved}");
        let moved = other.instant() - mono;
        assert!(moved >= Duration::from_secs(15) && moved < Duration::from_secs(16));
    }
}
