//! Stream limits and tracking.
//!
//! A stream is one login session playing one video, and a session plays one video at a
//! time: opening a stream of another video ends the session's previous one (a player
//! walking a playlist holds one slot, not one per entry). A stream opens with the first
//! media request, stays open while requests keep coming (a player's many range
//! requests, parallel ones included, share it), and closes [`RELEASE_GRACE`] after its
//! last request ended, or [`ABORT_GRACE`] after a client vanished mid-transfer (a seek
//! aborts one request and sends the next at once, so the grace keeps the slot through a
//! seek but frees it soon after a player is closed). A progress report keeps it open
//! for `streaming.idle_timeout` (a player playing from its buffer); a report of
//! `stopped` closes it at once. Closed streams are swept lazily when a slot is asked
//! for, so a freed slot is usable the moment it is due.
//!
//! Each request holds a [`StreamLease`]; dropping it (the body finished, or the client
//! disconnected and the body was dropped) is what ends its part in the stream, so no
//! path can leave a slot behind.

use crate::analytics::{PlayMode, Playback, Recorder};
use crate::clock::Clock;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long a stream whose only request was aborted keeps its slot.
pub const ABORT_GRACE: Duration = Duration::from_secs(2);
/// How long a stream whose last request finished keeps its slot: longer than the gaps
/// between a player's requests and than its ~10 s progress reports (a paused player
/// keeps its slot by reporting).
pub const RELEASE_GRACE: Duration = Duration::from_secs(15);
/// How long a stream published to the other instances (see [`super::shared`]) stays
/// counted without this instance renewing it.
pub const SLOT_LEASE: Duration = Duration::from_secs(5);

/// Who is streaming, for limits and for the admin view.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user_id: Uuid,
    pub username: String,
    pub session_id: Uuid,
    pub client_addr: Option<IpAddr>,
    pub user_agent: Option<String>,
    /// How the playback reaches the player, for the analytics.
    pub mode: PlayMode,
    /// The HLS variant requested, for transcodes.
    pub variant: Option<String>,
    /// `desktop`, `mobile` or `tv`.
    pub device_type: Option<&'static str>,
}

/// A limit that refused a stream, and when a slot may be free.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitReached {
    pub limit: &'static str,
    pub max: u32,
    pub retry_after: Duration,
}

/// One open stream, as the admin view shows it (and as instances publish it to one
/// another through Redis).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StreamInfo {
    pub id: Uuid,
    pub user_id: Uuid,
    pub session_id: Uuid,
    pub username: String,
    pub video_id: Uuid,
    pub started_at: DateTime<Utc>,
    pub last_activity_at: DateTime<Utc>,
    pub bytes_sent: u64,
    pub connections: usize,
    pub client_addr: Option<IpAddr>,
    pub user_agent: Option<String>,
}

#[derive(Debug)]
struct Entry {
    info: StreamInfo,
    session_id: Uuid,
    bytes: Arc<AtomicU64>,
    ended: Arc<Ended>,
    /// When the stream closes if no request comes; `None` while a request runs.
    closes_at: Option<Instant>,
    /// The playback, as the analytics record it.
    playback: Playback,
}

impl Entry {
    /// Records the end of the playback: its bytes, and its time from start to last
    /// request.
    fn record_stop(&self, recorder: Option<&Recorder>) {
        if let Some(r) = recorder {
            let seconds = (self.info.last_activity_at - self.info.started_at).num_milliseconds()
                as f64
                / 1000.0;
            r.stopped(&self.playback, self.bytes.load(Ordering::Relaxed), seconds);
        }
    }
}

#[derive(Debug, Default)]
struct Inner {
    streams: HashMap<Uuid, Entry>,
    by_key: HashMap<(Uuid, Uuid), Uuid>,
    /// What sessions streamed since the last [`StreamRegistry::take_activity`].
    activity: HashMap<Uuid, SessionActivity>,
    /// Where playbacks are recorded for the analytics.
    recorder: Option<Arc<Recorder>>,
}

/// Streams opened and bytes sent by one session, for its record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionActivity {
    pub streams_opened: u64,
    pub bytes: u64,
}

impl Inner {
    /// Records a new stream of `video_id` for `viewer`; returns its id.
    fn open(&mut self, viewer: &Viewer, video_id: Uuid) -> Uuid {
        let id = Uuid::new_v4();
        let started = Utc::now();
        let playback = Playback {
            id,
            user_id: viewer.user_id,
            session_id: viewer.session_id,
            video_id,
            mode: viewer.mode,
            variant: viewer.variant.clone(),
            device_type: viewer.device_type,
        };
        if let Some(r) = &self.recorder {
            r.started(&playback);
        }
        self.streams.insert(
            id,
            Entry {
                info: StreamInfo {
                    id,
                    user_id: viewer.user_id,
                    session_id: viewer.session_id,
                    username: viewer.username.clone(),
                    video_id,
                    started_at: started,
                    last_activity_at: started,
                    bytes_sent: 0,
                    connections: 0,
                    client_addr: viewer.client_addr,
                    user_agent: viewer.user_agent.clone(),
                },
                session_id: viewer.session_id,
                bytes: Arc::new(AtomicU64::new(0)),
                ended: Arc::default(),
                closes_at: None,
                playback,
            },
        );
        self.by_key.insert((viewer.session_id, video_id), id);
        self.activity
            .entry(viewer.session_id)
            .or_default()
            .streams_opened += 1;
        // With the stream's end, the one line a playback leaves at `info` (its range
        // requests are logged at `debug`).
        tracing::info!(
            stream = %id,
            user = %viewer.username,
            session_id = %viewer.session_id,
            video = %video_id,
            "stream opened"
        );
        id
    }

    /// Closes stream `id` now: its slot is freed and its transfers stop at their next
    /// chunk.
    fn close(&mut self, id: Uuid, why: &str) -> bool {
        let Some(e) = self.streams.remove(&id) else {
            return false;
        };
        e.ended.set();
        e.record_stop(self.recorder.as_deref());
        self.by_key.remove(&(e.session_id, e.info.video_id));
        self.activity.entry(e.session_id).or_default().bytes += e.bytes.load(Ordering::Relaxed);
        tracing::info!(
            stream = %id,
            video = %e.info.video_id,
            bytes = e.bytes.load(Ordering::Relaxed),
            reason = why,
            "stream ended"
        );
        true
    }

    /// Closes the session's streams of videos other than `video_id`.
    fn close_others(&mut self, session_id: Uuid, video_id: Uuid) {
        let others: Vec<Uuid> = self
            .streams
            .values()
            .filter(|e| e.session_id == session_id && e.info.video_id != video_id)
            .map(|e| e.info.id)
            .collect();
        for id in others {
            self.close(id, "the session started another video");
        }
    }

    fn sweep(&mut self, now: Instant) {
        let by_key = &mut self.by_key;
        let activity = &mut self.activity;
        let recorder = self.recorder.as_deref();
        self.streams.retain(|id, e| {
            let open = e.info.connections > 0 || e.closes_at.is_some_and(|t| t > now);
            if !open {
                e.record_stop(recorder);
                by_key.remove(&(e.session_id, e.info.video_id));
                activity.entry(e.session_id).or_default().bytes += e.bytes.load(Ordering::Relaxed);
                tracing::info!(
                    stream = %id,
                    video = %e.info.video_id,
                    bytes = e.bytes.load(Ordering::Relaxed),
                    "stream closed"
                );
            }
            open
        });
    }

    /// When the soonest stream that is open only by its grace or idle time closes.
    fn next_close(&self, now: Instant, user: Option<Uuid>) -> Option<Duration> {
        self.streams
            .values()
            .filter(|e| e.info.connections == 0 && user.is_none_or(|u| e.info.user_id == u))
            .filter_map(|e| e.closes_at)
            .map(|t| t.saturating_duration_since(now))
            .min()
    }
}

/// Every open stream of this instance.
#[derive(Debug)]
pub struct StreamRegistry {
    inner: Mutex<Inner>,
    /// Bytes sent by every stream since start-up.
    bytes_sent: AtomicU64,
    /// File transfers since start-up by the path that sent them: sendfile, hyper.
    transfers: [AtomicU64; 2],
    max_total: u32,
    max_per_user: u32,
    idle: Duration,
    /// The time graces and idle timeouts run by.
    clock: Clock,
}

impl StreamRegistry {
    pub fn new(max_total: u32, max_per_user: u32, idle: Duration) -> Arc<Self> {
        Self::recording(max_total, max_per_user, idle, None, Clock::system())
    }

    /// [`Self::new`], recording each playback's start and stop with `recorder`, its
    /// graces and idle timeouts running by `clock`.
    pub fn recording(
        max_total: u32,
        max_per_user: u32,
        idle: Duration,
        recorder: Option<Arc<Recorder>>,
        clock: Clock,
    ) -> Arc<Self> {
        Arc::new(Self {
            inner: Mutex::new(Inner {
                recorder,
                ..Inner::default()
            }),
            bytes_sent: AtomicU64::new(0),
            transfers: [AtomicU64::new(0), AtomicU64::new(0)],
            max_total,
            max_per_user,
            idle,
            clock,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Joins the viewer's open stream of this video, or opens one if the limits allow.
    ///
    /// # Errors
    /// [`LimitReached`] naming the server-wide or per-user limit.
    pub fn acquire(
        self: &Arc<Self>,
        viewer: &Viewer,
        video_id: Uuid,
    ) -> Result<StreamLease, LimitReached> {
        let now = self.clock.instant();
        let mut inner = self.lock();
        inner.sweep(now);
        let id = match inner.by_key.get(&(viewer.session_id, video_id)) {
            Some(id) => *id,
            None => {
                inner.close_others(viewer.session_id, video_id);
                self.admit(&inner, viewer, now)?;
                inner.open(viewer, video_id)
            }
        };
        let entry = inner
            .streams
            .get_mut(&id)
            .expect("stream present under lock");
        entry.info.connections += 1;
        entry.info.last_activity_at = Utc::now();
        entry.closes_at = None;
        Ok(StreamLease {
            registry: self.clone(),
            id,
            bytes: entry.bytes.clone(),
            ended: entry.ended.clone(),
            completed: false,
        })
    }

    /// Whether one more stream fits the server-wide and the viewer's limits.
    fn admit(&self, inner: &Inner, viewer: &Viewer, now: Instant) -> Result<(), LimitReached> {
        if inner.streams.len() >= self.max_total as usize {
            return Err(LimitReached {
                limit: "streaming.max_concurrent_streams",
                max: self.max_total,
                retry_after: inner.next_close(now, None).unwrap_or(self.idle),
            });
        }
        let mine = inner
            .streams
            .values()
            .filter(|e| e.info.user_id == viewer.user_id)
            .count();
        if mine >= self.max_per_user as usize {
            return Err(LimitReached {
                limit: "streaming.max_streams_per_user",
                max: self.max_per_user,
                retry_after: inner
                    .next_close(now, Some(viewer.user_id))
                    .unwrap_or(self.idle),
            });
        }
        Ok(())
    }

    /// Keeps a viewer's stream of a video open without a media request (players report
    /// progress while playing from their buffer). Returns whether one was open.
    pub fn touch(&self, session_id: Uuid, video_id: Uuid) -> bool {
        let now = self.clock.instant();
        let mut inner = self.lock();
        // Looked up before the sweep: a report arriving just past the grace keeps it.
        let Some(id) = inner.by_key.get(&(session_id, video_id)).copied() else {
            return false;
        };
        if let Some(e) = inner.streams.get_mut(&id) {
            e.info.last_activity_at = Utc::now();
            if e.info.connections == 0 {
                e.closes_at = Some(now + self.idle);
            }
        }
        inner.sweep(now);
        true
    }

    fn release(&self, id: Uuid, completed: bool) {
        let now = self.clock.instant();
        let mut inner = self.lock();
        if let Some(e) = inner.streams.get_mut(&id) {
            e.info.connections = e.info.connections.saturating_sub(1);
            e.info.last_activity_at = Utc::now();
            if e.info.connections == 0 {
                let wait = if completed {
                    RELEASE_GRACE.min(self.idle)
                } else {
                    ABORT_GRACE.min(self.idle)
                };
                e.closes_at = Some(now + wait);
            }
        }
    }

    /// Bytes sent by every stream since start-up.
    /// File transfers since start-up: (by sendfile, through hyper's body).
    pub fn transfers(&self) -> (u64, u64) {
        (
            self.transfers[0].load(Ordering::Relaxed),
            self.transfers[1].load(Ordering::Relaxed),
        )
    }

    pub fn bytes_sent(&self) -> u64 {
        self.bytes_sent.load(Ordering::Relaxed)
    }

    /// `streaming.max_concurrent_streams`: streams this instance plays at once.
    pub fn max_total(&self) -> u32 {
        self.max_total
    }

    /// Whether the viewer's stream of this video is open (a request joins it without
    /// taking a new slot).
    pub fn is_open(&self, session_id: Uuid, video_id: Uuid) -> bool {
        let mut inner = self.lock();
        inner.sweep(self.clock.instant());
        inner.by_key.contains_key(&(session_id, video_id))
    }

    /// Every open stream with when its published slot lapses unless renewed: when it
    /// closes if no request comes, at most [`SLOT_LEASE`] from now.
    pub fn open_slots(&self) -> Vec<Published> {
        let now = self.clock.instant();
        let wall = Utc::now();
        let mut inner = self.lock();
        inner.sweep(now);
        inner
            .streams
            .values()
            .map(|e| {
                // Renewed every refresh: a dead instance's streams lapse soon.
                let left = e
                    .closes_at
                    .map_or(SLOT_LEASE, |t| t.saturating_duration_since(now))
                    .min(SLOT_LEASE);
                let left = chrono::Duration::from_std(left).unwrap_or_default();
                let slot = SlotKey {
                    session_id: e.session_id,
                    video_id: e.info.video_id,
                    user_id: e.info.user_id,
                };
                Published {
                    slot,
                    expires: wall + left,
                    info: StreamInfo {
                        bytes_sent: e.bytes.load(Ordering::Relaxed),
                        ..e.info.clone()
                    },
                }
            })
            .collect()
    }

    /// What each session streamed since the last call: streams opened, and bytes of
    /// the streams that closed.
    pub fn take_activity(&self) -> HashMap<Uuid, SessionActivity> {
        let mut inner = self.lock();
        inner.sweep(self.clock.instant());
        std::mem::take(&mut inner.activity)
    }

    /// The open streams, oldest first.
    pub fn list(&self) -> Vec<StreamInfo> {
        let mut inner = self.lock();
        inner.sweep(self.clock.instant());
        let mut out: Vec<StreamInfo> = inner
            .streams
            .values()
            .map(|e| StreamInfo {
                bytes_sent: e.bytes.load(Ordering::Relaxed),
                ..e.info.clone()
            })
            .collect();
        out.sort_by_key(|s| s.started_at);
        out
    }

    /// Ends a stream now: its slot is freed and its transfers stop at their next chunk.
    /// Returns whether it was open.
    pub fn end(&self, id: Uuid) -> bool {
        self.lock().close(id, "ended by an administrator")
    }

    /// Ends every stream (the server is stopping): each records its `stopped` event.
    pub fn end_all(&self, why: &str) {
        let mut inner = self.lock();
        let ids: Vec<Uuid> = inner.streams.keys().copied().collect();
        for id in ids {
            inner.close(id, why);
        }
    }

    /// The sessions with a stream open here.
    pub fn sessions(&self) -> Vec<Uuid> {
        let mut inner = self.lock();
        inner.sweep(self.clock.instant());
        let mut ids: Vec<Uuid> = inner.streams.values().map(|e| e.session_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Ends every stream of a session that has ended (a logout, a deactivation, a
    /// deletion, a change of role or libraries): their slots are freed and their
    /// transfers stop at once. Returns the slots they held.
    pub fn end_session(&self, session_id: Uuid) -> Vec<SlotKey> {
        let mut inner = self.lock();
        let ended: Vec<(Uuid, SlotKey)> = inner
            .streams
            .iter()
            .filter(|(_, e)| e.session_id == session_id)
            .map(|(id, e)| {
                let slot = SlotKey {
                    session_id,
                    video_id: e.info.video_id,
                    user_id: e.info.user_id,
                };
                (*id, slot)
            })
            .collect();
        for (id, _) in &ended {
            inner.close(*id, "its session ended");
        }
        ended.into_iter().map(|(_, slot)| slot).collect()
    }

    /// Stops a session's stream of a video whose end was asked for at `asked_us` (Unix
    /// microseconds), unless a request of it came at or after that: `false` then (a player
    /// that reported `stopped` and opened the video again, its request arriving while
    /// the end was being read from Redis). Checked under the registry's lock, against
    /// the stream as it is now.
    pub fn stop_unless_active_since(
        &self,
        session_id: Uuid,
        video_id: Uuid,
        asked_us: f64,
    ) -> bool {
        let mut inner = self.lock();
        let Some(id) = inner.by_key.get(&(session_id, video_id)).copied() else {
            return true;
        };
        let since = inner
            .streams
            .get(&id)
            .is_some_and(|e| e.info.last_activity_at.timestamp_micros() as f64 >= asked_us);
        if since {
            return false;
        }
        inner.close(id, "the player stopped");
        true
    }

    /// Ends the session's stream of a video (its player reported that it stopped).
    /// Returns whether one was open.
    pub fn stop(&self, session_id: Uuid, video_id: Uuid) -> bool {
        let mut inner = self.lock();
        match inner.by_key.get(&(session_id, video_id)).copied() {
            Some(id) => inner.close(id, "the player stopped"),
            None => false,
        }
    }
}

/// Whether a stream has ended, and a wake-up for whoever waits for its end (a
/// connection whose transfer waits for a slow client to make room).
#[derive(Debug, Default)]
pub struct Ended {
    flag: AtomicBool,
    notify: tokio::sync::Notify,
}

impl Ended {
    fn set(&self) {
        self.flag.store(true, Ordering::Release);
        self.notify.notify_waiters();
    }

    pub fn is_set(&self) -> bool {
        self.flag.load(Ordering::Acquire)
    }

    /// Completes once the stream has ended.
    pub async fn wait(&self) {
        loop {
            let notified = self.notify.notified();
            if self.is_set() {
                return;
            }
            notified.await;
        }
    }
}

/// A stream's end, for a connection to watch while it transfers: carried in the
/// response's extensions.
#[derive(Debug, Clone)]
pub struct EndSignal(pub Arc<Ended>);

/// The error a transfer of an ended stream stops with (an administrator ended it, its
/// session ended, or the session moved on). The server resets such a connection
/// rather than closing it: the client's queued bytes are dropped too, so a
/// signed-out reader stops at once instead of after its socket buffers drain.
#[derive(Debug)]
pub struct StreamEnded;

impl std::fmt::Display for StreamEnded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "stream ended (by an administrator, its session's end, or the session moving on)",
        )
    }
}

impl std::error::Error for StreamEnded {}

impl StreamEnded {
    /// The error a transfer stops with.
    pub fn error() -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::ConnectionAborted, Self)
    }

    /// Whether `e` is that error.
    pub fn is(e: &std::io::Error) -> bool {
        e.get_ref().is_some_and(|inner| inner.is::<Self>())
    }
}

/// One request's share in a stream; dropping it releases the share.
#[derive(Debug)]
pub struct StreamLease {
    registry: Arc<StreamRegistry>,
    id: Uuid,
    bytes: Arc<AtomicU64>,
    ended: Arc<Ended>,
    completed: bool,
}

/// Which server path sent a file transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferPath {
    /// The HTTP/1.1 sendfile(2) path.
    Sendfile,
    /// hyper, from user-space chunks.
    Hyper,
}

impl StreamLease {
    pub fn stream_id(&self) -> Uuid {
        self.id
    }

    /// Counts a transfer as sent by `path`.
    pub fn sent_by(&self, path: TransferPath) {
        let i = match path {
            TransferPath::Sendfile => 0,
            TransferPath::Hyper => 1,
        };
        self.registry.transfers[i].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts bytes handed to the connection.
    pub fn sent(&self, n: u64) {
        self.bytes.fetch_add(n, Ordering::Relaxed);
        self.registry.bytes_sent.fetch_add(n, Ordering::Relaxed);
    }

    /// Whether an administrator ended the stream.
    pub fn is_ended(&self) -> bool {
        self.ended.is_set()
    }

    /// The stream's end, for the connection serving this lease to watch.
    pub fn end_signal(&self) -> EndSignal {
        EndSignal(self.ended.clone())
    }

    /// Marks the transfer as finished normally (the idle timeout applies, not the
    /// abort grace).
    pub fn complete(&mut self) {
        self.completed = true;
    }
}

impl Drop for StreamLease {
    fn drop(&mut self) {
        self.registry.release(self.id, self.completed);
    }
}

/// One open stream as the shared set knows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SlotKey {
    pub session_id: Uuid,
    pub video_id: Uuid,
    pub user_id: Uuid,
}

/// An open stream as this instance publishes it: its slot, when the slot lapses unless
/// renewed, and what the admin view shows.
#[derive(Debug, Clone)]
pub struct Published {
    pub slot: SlotKey,
    pub expires: DateTime<Utc>,
    pub info: StreamInfo,
}

impl SlotKey {
    /// The member naming it in the shared sets.
    pub(super) fn member(&self) -> String {
        format!("{}:{}", self.session_id, self.video_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(user: u128, session: u128) -> Viewer {
        Viewer {
            user_id: Uuid::from_u128(user),
            username: format!("u{user}"),
            session_id: Uuid::from_u128(session),
            client_addr: None,
            user_agent: None,
            mode: PlayMode::Direct,
            variant: None,
            device_type: None,
        }
    }

    #[test]
    fn parallel_requests_of_one_stream_take_one_slot() {
        let r = StreamRegistry::new(1, 1, Duration::from_secs(60));
        let video = Uuid::from_u128(7);
        let a = r.acquire(&viewer(1, 1), video).unwrap();
        let b = r.acquire(&viewer(1, 1), video).unwrap();
        assert_eq!(a.stream_id(), b.stream_id());
        assert_eq!(r.list()[0].connections, 2);
        let refused = r.acquire(&viewer(2, 2), video).unwrap_err();
        assert_eq!(refused.limit, "streaming.max_concurrent_streams");
    }

    #[test]
    fn an_end_asked_before_the_last_request_leaves_the_stream_playing() {
        let r = StreamRegistry::new(10, 10, Duration::from_secs(60));
        let video = Uuid::from_u128(7);
        let first = r.acquire(&viewer(1, 1), video).unwrap();
        let asked = Utc::now().timestamp_micros() as f64;
        // The player opens the video again after the end was asked for elsewhere, in
        // the same millisecond (CI saw it: a report and the next request 0 ms apart).
        let again = r.acquire(&viewer(1, 1), video).unwrap();
        assert!(!r.stop_unless_active_since(Uuid::from_u128(1), video, asked));
        assert!(!first.is_ended() && !again.is_ended());
        // An end asked after its last request stops it.
        let later = Utc::now().timestamp_micros() as f64 + 1.0;
        assert!(r.stop_unless_active_since(Uuid::from_u128(1), video, later));
        assert!(again.is_ended());
    }

    #[test]
    fn the_per_user_limit_counts_streams_not_requests() {
        let r = StreamRegistry::new(10, 2, Duration::from_secs(60));
        let a = r.acquire(&viewer(1, 1), Uuid::from_u128(1)).unwrap();
        let _b = r.acquire(&viewer(1, 2), Uuid::from_u128(1)).unwrap();
        let refused = r.acquire(&viewer(1, 3), Uuid::from_u128(2)).unwrap_err();
        assert_eq!(refused.limit, "streaming.max_streams_per_user");
        assert!(r.acquire(&viewer(2, 4), Uuid::from_u128(2)).is_ok());
        // A session plays one video at a time: its next video takes the same slot.
        let next = r.acquire(&viewer(1, 1), Uuid::from_u128(2)).unwrap();
        assert!(a.is_ended(), "the session's previous stream ended");
        assert_ne!(next.stream_id(), a.stream_id());
        assert_eq!(r.list().len(), 3);
        // A stopped player frees its slot at once.
        assert!(r.stop(Uuid::from_u128(1), Uuid::from_u128(2)));
        assert!(next.is_ended());
        assert!(r.acquire(&viewer(1, 3), Uuid::from_u128(2)).is_ok());
    }

    #[test]
    fn slots_come_back_after_idle_and_after_an_abort() {
        // Windows far longer than the steps between them: a loaded machine cannot make
        // the "still held" check late enough to see the slot free.
        let r = StreamRegistry::new(1, 1, Duration::from_millis(1000));
        let mut lease = r.acquire(&viewer(1, 1), Uuid::from_u128(1)).unwrap();
        lease.complete();
        drop(lease);
        assert!(
            r.acquire(&viewer(2, 2), Uuid::from_u128(1)).is_err(),
            "idle stream still holds its slot"
        );
        std::thread::sleep(Duration::from_millis(1100));
        let aborted = r.acquire(&viewer(2, 2), Uuid::from_u128(1)).unwrap();
        drop(aborted);
        std::thread::sleep(Duration::from_millis(1100));
        assert!(r.acquire(&viewer(3, 3), Uuid::from_u128(1)).is_ok());
    }

    #[test]
    fn retry_after_is_when_the_soonest_idle_stream_closes_and_progress_extends_it() {
        let r = StreamRegistry::new(2, 1, Duration::from_secs(60));
        let mut done = r.acquire(&viewer(1, 1), Uuid::from_u128(1)).unwrap();
        done.sent(100);
        done.complete();
        drop(done);
        let _busy = r.acquire(&viewer(2, 2), Uuid::from_u128(2)).unwrap();
        // The server is full: the finished stream closes after its grace.
        let full = r.acquire(&viewer(3, 3), Uuid::from_u128(3)).unwrap_err();
        assert_eq!(full.limit, "streaming.max_concurrent_streams");
        assert!(
            full.retry_after <= RELEASE_GRACE && full.retry_after > RELEASE_GRACE / 2,
            "{:?}",
            full.retry_after
        );
        // The per-user limit counts only that user's streams' closing times.
        let mine = r.acquire(&viewer(1, 4), Uuid::from_u128(3)).unwrap_err();
        assert!(mine.retry_after <= RELEASE_GRACE, "{:?}", mine.retry_after);
        // A progress report keeps a stream playing from its buffer open for the idle
        // timeout; one of a stream not open says so.
        assert!(r.touch(Uuid::from_u128(1), Uuid::from_u128(1)));
        assert!(!r.touch(Uuid::from_u128(1), Uuid::from_u128(9)));
        let later = r.acquire(&viewer(3, 3), Uuid::from_u128(3)).unwrap_err();
        assert!(
            later.retry_after > RELEASE_GRACE * 2,
            "{:?}",
            later.retry_after
        );
        assert_eq!(r.bytes_sent(), 100);
        let activity = r.take_activity();
        assert_eq!(activity[&Uuid::from_u128(1)].streams_opened, 1);
        assert_eq!(activity[&Uuid::from_u128(2)].streams_opened, 1);
    }

    #[test]
    fn a_user_s_retry_after_is_their_own_and_closed_streams_bytes_are_recorded() {
        let r = StreamRegistry::new(10, 1, Duration::from_secs(60));
        // User 1 finished a request (closes after the grace); user 2 aborted one
        // (closes sooner). User 1's next device waits for user 1's stream only.
        let mut mine = r.acquire(&viewer(1, 1), Uuid::from_u128(1)).unwrap();
        mine.sent(7);
        mine.complete();
        drop(mine);
        drop(r.acquire(&viewer(2, 2), Uuid::from_u128(1)).unwrap());
        let refused = r.acquire(&viewer(1, 3), Uuid::from_u128(2)).unwrap_err();
        assert_eq!(refused.limit, "streaming.max_streams_per_user");
        assert!(
            refused.retry_after > ABORT_GRACE,
            "{:?}",
            refused.retry_after
        );
        // Bytes of a stream are recorded for its session when it closes.
        assert!(r.stop(Uuid::from_u128(1), Uuid::from_u128(1)));
        assert_eq!(r.take_activity()[&Uuid::from_u128(1)].bytes, 7);
        // ... also when it closes by time.
        let r = StreamRegistry::new(10, 10, Duration::from_millis(50));
        let mut short = r.acquire(&viewer(1, 1), Uuid::from_u128(1)).unwrap();
        short.sent(5);
        short.complete();
        drop(short);
        std::thread::sleep(Duration::from_millis(100));
        assert!(r.list().is_empty(), "closed by time");
        assert_eq!(r.take_activity()[&Uuid::from_u128(1)].bytes, 5);
    }

    #[test]
    fn ending_a_stream_frees_its_slot_and_flags_its_leases() {
        let r = StreamRegistry::new(1, 1, Duration::from_secs(60));
        let lease = r.acquire(&viewer(1, 1), Uuid::from_u128(1)).unwrap();
        assert!(r.end(lease.stream_id()));
        assert!(lease.is_ended());
        assert!(r.acquire(&viewer(2, 2), Uuid::from_u128(1)).is_ok());
        drop(lease);
        assert_eq!(r.list().len(), 1);
    }
}
