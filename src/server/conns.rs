//! Open connections as a bounded resource.
//!
//! Every accepted connection is admitted here first. Past `server.max_connections`
//! (kept below the file-descriptor limit, so the process can still open files,
//! database connections and ffmpeg pipes), the connection that has been idle longest
//! (waiting for a request head: between requests, or a head still arriving) is told to
//! close and the new one takes its place; when every connection is in the middle of a
//! request, the new one is closed at once. So a flood of idle or half-sent connections
//! cannot keep `/health` or a real player out.
//!
//! The registry's lock is taken when a connection opens and closes; a request only
//! counts itself on its own connection (atomics), so requests never wait for each other.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;
use tokio::sync::Notify;

/// The admitted connections.
#[derive(Debug)]
pub struct Registry {
    max: usize,
    state: Mutex<State>,
    /// Signalled when an evicted connection has closed.
    closed: Notify,
}

/// Evicted connections that may still hold their socket before the accept loop waits
/// for them: descriptors stay within `max + CLOSING_SLACK` plus the process's own.
const CLOSING_SLACK: usize = 8;

#[derive(Debug, Default)]
struct State {
    next: u64,
    open: HashMap<u64, Arc<Slot>>,
    /// Evicted, still closing.
    closing: usize,
    evicted: u64,
    refused: u64,
}

/// What the registry and the connection both see of it.
#[derive(Debug)]
struct Slot {
    /// Requests in progress.
    busy: AtomicUsize,
    /// Since when no request has been in progress ([`now_ms`]).
    idle_since: AtomicU64,
    close: Notify,
}

/// One admitted connection; leaves the registry when dropped.
#[derive(Debug)]
pub struct Tracked {
    id: u64,
    registry: Arc<Registry>,
    slot: Arc<Slot>,
    /// Whether the connection is to be reset, not closed, when it ends.
    reset: AtomicBool,
}

/// Milliseconds on a process-wide monotonic clock: when a connection last moved a byte
/// or went idle.
pub fn now_ms() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    u64::try_from(EPOCH.get_or_init(Instant::now).elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// A request in progress on a connection; the connection is idle again when the last
/// one is dropped.
#[derive(Debug)]
pub struct Busy {
    conn: Arc<Tracked>,
}

impl Registry {
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            max: max.max(1),
            state: Mutex::default(),
            closed: Notify::new(),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Admits a new connection, closing the longest idle one when full; `None` when
    /// full of connections that are all serving requests.
    pub fn admit(self: &Arc<Self>) -> Option<Tracked> {
        let mut state = self.state();
        if state.open.len() >= self.max {
            let victim = state
                .open
                .iter()
                .filter(|(_, slot)| slot.busy.load(Ordering::Acquire) == 0)
                .min_by_key(|(_, slot)| slot.idle_since.load(Ordering::Relaxed))
                .map(|(id, _)| *id);
            let Some(victim) = victim else {
                state.refused += 1;
                return None;
            };
            if let Some(slot) = state.open.remove(&victim) {
                slot.close.notify_one();
                state.evicted += 1;
                state.closing += 1;
            }
        }
        state.next += 1;
        let id = state.next;
        let slot = Arc::new(Slot {
            busy: AtomicUsize::new(0),
            idle_since: AtomicU64::new(now_ms()),
            close: Notify::new(),
        });
        state.open.insert(id, slot.clone());
        Some(Tracked {
            id,
            registry: self.clone(),
            slot,
            reset: AtomicBool::new(false),
        })
    }

    /// Waits while more than a few evicted connections are still closing, so a flood
    /// cannot take descriptors faster than evicted connections give theirs back.
    pub async fn settle(&self) {
        loop {
            let notified = self.closed.notified();
            if self.state().closing <= CLOSING_SLACK {
                return;
            }
            // Bounded: a connection task stuck elsewhere must not stop the accepts.
            let _ = tokio::time::timeout(std::time::Duration::from_millis(100), notified).await;
            if self.state().closing <= CLOSING_SLACK {
                return;
            }
        }
    }

    /// Open connections, and how many were evicted and refused since start-up.
    pub fn counts(&self) -> (usize, u64, u64) {
        let state = self.state();
        (state.open.len(), state.evicted, state.refused)
    }
}

impl Tracked {
    /// Marks a request in progress until the guard is dropped.
    pub fn busy(self: &Arc<Self>) -> Busy {
        self.slot.busy.fetch_add(1, Ordering::AcqRel);
        Busy { conn: self.clone() }
    }

    /// Whether no request is in progress.
    pub fn is_idle(&self) -> bool {
        self.slot.busy.load(Ordering::Acquire) == 0
    }

    /// Asks for the connection to be reset when it ends (its transfer was cut because
    /// its stream ended).
    pub fn reset_on_close(&self) {
        self.reset.store(true, Ordering::Relaxed);
    }

    /// Ends the connection now with a reset: it is told to close as an evicted one is.
    pub fn abort(&self) {
        self.reset_on_close();
        self.slot.close.notify_one();
    }

    /// Whether [`Self::reset_on_close`] was asked for.
    pub fn resets_on_close(&self) -> bool {
        self.reset.load(Ordering::Relaxed)
    }

    /// Completes when the registry wants this connection closed to make room.
    pub async fn evicted(&self) {
        self.slot.close.notified().await;
    }
}

impl Busy {
    /// The connection this request is on.
    pub fn conn(&self) -> &Tracked {
        &self.conn
    }

    /// The connection this request is on, to keep.
    pub fn conn_arc(&self) -> Arc<Tracked> {
        self.conn.clone()
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let slot = &self.conn.slot;
        // The idle time is set before the count says idle, so an eviction that sees the
        // connection idle sees since when.
        if slot.busy.load(Ordering::Acquire) == 1 {
            slot.idle_since.store(now_ms(), Ordering::Relaxed);
        }
        slot.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        let mut state = self.registry.state();
        if state.open.remove(&self.id).is_none() {
            // Evicted earlier: its socket is closed now.
            state.closing = state.closing.saturating_sub(1);
            drop(state);
            self.registry.closed.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_registry_evicts_the_longest_idle_and_refuses_when_all_are_busy() {
        let registry = Registry::new(2);
        let first = Arc::new(registry.admit().unwrap());
        let second = Arc::new(registry.admit().unwrap());
        let _serving = second.busy();
        // Full: the idle first one is told to close, the third takes its place.
        let third = Arc::new(registry.admit().unwrap());
        assert!(futures_util::FutureExt::now_or_never(first.evicted()).is_some());
        assert_eq!(registry.counts(), (2, 1, 0));
        // Both remaining serve a request: nobody to evict.
        let _also = third.busy();
        assert!(registry.admit().is_none());
        assert_eq!(registry.counts(), (2, 1, 1));
        drop(_also);
        assert!(third.is_idle());
        assert!(registry.admit().is_some());
    }
}
