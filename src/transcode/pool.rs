//! The ffmpeg worker pool: at most `transcode.max_concurrent_jobs` processes run, at
//! most `transcode.max_queued_jobs` requests wait for one, and the rest are told to come
//! back later (503 with `Retry-After`); plus the per-video circuit breaker that stops
//! starting doomed jobs after repeated failures.

use super::error::TranscodeError;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use uuid::Uuid;

/// A running ffmpeg's place in the pool; dropping it frees the place.
pub type Slot = OwnedSemaphorePermit;

/// Bounded slots and a bounded queue in front of them.
#[derive(Debug)]
pub struct Pool {
    slots: Arc<Semaphore>,
    limit: usize,
    queued: AtomicUsize,
    max_queued: usize,
    wait: Duration,
    /// Requests refused since start-up: the queue was full or the wait ran out.
    refused: AtomicU64,
}

/// Counts one waiter for as long as it waits, even when its request is dropped.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Pool {
    pub fn new(limit: usize, max_queued: usize, wait: Duration) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(limit)),
            limit,
            queued: AtomicUsize::new(0),
            max_queued,
            wait,
            refused: AtomicU64::new(0),
        }
    }

    /// A free slot, after waiting in the queue if need be.
    ///
    /// # Errors
    /// [`TranscodeError::Busy`] when the queue is full or the wait runs out.
    pub async fn slot(&self) -> Result<Slot, TranscodeError> {
        if let Some(slot) = self.try_slot() {
            return Ok(slot);
        }
        let busy = |reason: String| {
            self.refused.fetch_add(1, Ordering::Relaxed);
            TranscodeError::Busy {
                retry_after: Duration::from_secs(5),
                reason,
            }
        };
        if self.queued.fetch_add(1, Ordering::AcqRel) >= self.max_queued {
            self.queued.fetch_sub(1, Ordering::AcqRel);
            return Err(busy(format!(
                "all {} transcoding slots are busy and {} requests are already waiting \
                 (transcode.max_queued_jobs)",
                self.limit, self.max_queued
            )));
        }
        let _waiting = Waiting(&self.queued);
        match tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await {
            Ok(Ok(slot)) => Ok(slot),
            _ => Err(busy(format!(
                "no transcoding slot came free within transcode.queue_timeout ({} s)",
                self.wait.as_secs_f64()
            ))),
        }
    }

    /// A free slot now, if there is one.
    pub fn try_slot(&self) -> Option<Slot> {
        self.slots.clone().try_acquire_owned().ok()
    }

    /// ffmpeg processes holding a slot.
    pub fn running(&self) -> usize {
        self.limit - self.slots.available_permits()
    }

    /// Requests waiting for a slot.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Acquire)
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// `transcode.max_queued_jobs`: requests that may wait for a slot.
    pub fn max_queued(&self) -> usize {
        self.max_queued
    }

    /// Requests refused since start-up because no slot came free.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Failures {
    in_a_row: u32,
    open_until: Option<Instant>,
}

/// One breaker per source video: after `threshold` failures in a row, requests for it
/// are refused at once for `cooldown`; then one attempt is let through, and another
/// failure opens it again.
#[derive(Debug)]
pub struct Breakers {
    threshold: u32,
    cooldown: Duration,
    videos: Mutex<HashMap<Uuid, Failures>>,
}

impl Breakers {
    pub fn new(threshold: u32, cooldown: Duration) -> Self {
        Self {
            threshold,
            cooldown,
            videos: Mutex::default(),
        }
    }

    fn videos(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Failures>> {
        self.videos
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// # Errors
    /// [`TranscodeError::BreakerOpen`] with the time left while the breaker is open.
    pub fn check(&self, video: Uuid) -> Result<(), TranscodeError> {
        let now = Instant::now();
        match self.videos().get(&video).and_then(|f| f.open_until) {
            Some(until) if until > now => Err(TranscodeError::BreakerOpen {
                retry_after: (until - now).max(Duration::from_secs(1)),
            }),
            _ => Ok(()),
        }
    }

    /// Records a failure; returns whether the breaker is open now.
    pub fn failed(&self, video: Uuid) -> bool {
        let mut videos = self.videos();
        let f = videos.entry(video).or_default();
        f.in_a_row += 1;
        if f.in_a_row >= self.threshold {
            f.open_until = Some(Instant::now() + self.cooldown);
            true
        } else {
            false
        }
    }

    pub fn succeeded(&self, video: Uuid) {
        self.videos().remove(&video);
    }

    /// Videos whose breaker is open now.
    pub fn open(&self) -> usize {
        let now = Instant::now();
        self.videos()
            .values()
            .filter(|f| f.open_until.is_some_and(|u| u > now))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_queue_is_refused_at_once_and_a_freed_slot_goes_to_the_waiter() {
        let pool = Arc::new(Pool::new(1, 1, Duration::from_secs(5)));
        let first = pool.slot().await.expect("a free slot");
        let waiter = tokio::spawn({
            let pool = pool.clone();
            async move { pool.slot().await.map(|_| ()) }
        });
        while pool.queued() == 0 {
            tokio::task::yield_now().await;
        }
        assert!(matches!(
            pool.slot().await,
            Err(TranscodeError::Busy { .. })
        ));
        assert_eq!(pool.refused(), 1, "the refusal is counted for the metrics");
        drop(first);
        waiter
            .await
            .expect("joins")
            .expect("the waiter gets the slot");
        assert_eq!((pool.running(), pool.queued()), (0, 0));
        assert_eq!(pool.refused(), 1, "a served waiter is no refusal");
    }

    #[test]
    fn the_breaker_opens_after_the_threshold_and_lets_one_try_after_the_cooldown() {
        // A cooldown far longer than the steps before it (a loaded machine cannot end
        // it early), slept past in full.
        let b = Breakers::new(2, Duration::from_millis(1000));
        let v = Uuid::new_v4();
        assert!(!b.failed(v));
        assert!(b.check(v).is_ok());
        assert!(b.failed(v));
        assert!(matches!(
            b.check(v),
            Err(TranscodeError::BreakerOpen { .. })
        ));
        assert!(
            b.check(Uuid::new_v4()).is_ok(),
            "other videos are not affected"
        );
        std::thread::sleep(Duration::from_millis(1100));
        assert!(b.check(v).is_ok(), "one try after the cooldown");
        assert!(b.failed(v), "and one more failure opens it again");
        b.succeeded(v);
        assert!(b.check(v).is_ok());
    }
}
