//! Viewing analytics: every playback recorded as a `started` and a `stopped` event,
//! written in batches by a task of its own so the stream path never waits for the
//! database, and the figures administrators (and each user, of their own) read.
//!
//! [`Recorder::record`] never blocks: events queue in a bounded channel
//! ([`QUEUE`]); when the database is slow and the queue is full, an event is dropped
//! and counted ([`Recorder::dropped`], `homestream_analytics_events_dropped_total`).
//! A batch the database cannot take for an outage is retried (every 0.5 s doubling to
//! 10 s) while later events wait in the queue; at shutdown [`Recorder::close`] drains
//! the queue within the shutdown timeout, so the `stopped` events of the streams the
//! stop ends are written too.

use crate::db::analytics::{self, EventRow};
use crate::db::{Database, DbError};
use chrono::{DateTime, Duration, DurationRound, Utc};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;
use uuid::Uuid;

/// Events waiting for the writer at most.
pub const QUEUE: usize = 8192;
/// Events written in one transaction at most.
const BATCH: usize = 512;

/// How a playback reached the player.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum PlayMode {
    /// The file as it is.
    #[default]
    Direct,
    /// Repackaged, streams copied.
    Remux,
    /// Encoded anew (HLS variants, progressive transcodes).
    Transcode,
}

impl PlayMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Remux => "remux",
            Self::Transcode => "transcode",
        }
    }
}

/// A playback, as the stream registry knows it.
#[derive(Debug, Clone)]
pub struct Playback {
    pub id: Uuid,
    pub user_id: Uuid,
    pub session_id: Uuid,
    pub video_id: Uuid,
    pub mode: PlayMode,
    /// The HLS variant it started on (`720p`), for transcodes.
    pub variant: Option<String>,
    /// `desktop`, `mobile` or `tv`, from the player's `User-Agent`.
    pub device_type: Option<&'static str>,
}

/// Queues events for the writer.
#[derive(Debug)]
pub struct Recorder {
    tx: mpsc::Sender<EventRow>,
    dropped: AtomicU64,
    /// Tells the writer to write what is queued and stop.
    closing: Arc<tokio::sync::Notify>,
    /// Answered by the writer when it has stopped.
    finished: std::sync::Mutex<Option<tokio::sync::oneshot::Receiver<()>>>,
}

/// The writer's end of a [`Recorder`]: what [`write`] drains.
#[derive(Debug)]
pub struct EventQueue {
    rx: mpsc::Receiver<EventRow>,
    closing: Arc<tokio::sync::Notify>,
    finished: tokio::sync::oneshot::Sender<()>,
}

impl Recorder {
    /// A recorder and the queue its writer ([`write`]) drains.
    pub fn new() -> (Arc<Self>, EventQueue) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let (finished, done) = tokio::sync::oneshot::channel();
        let closing = Arc::new(tokio::sync::Notify::new());
        let recorder = Arc::new(Self {
            tx,
            dropped: AtomicU64::new(0),
            closing: closing.clone(),
            finished: std::sync::Mutex::new(Some(done)),
        });
        let queue = EventQueue {
            rx,
            closing,
            finished,
        };
        (recorder, queue)
    }

    /// Has the writer write every event queued so far and stop, waiting up to
    /// `within`; returns whether it finished. Events recorded after this are dropped.
    pub async fn close(&self, within: std::time::Duration) -> bool {
        self.closing.notify_one();
        let finished = self
            .finished
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        match finished {
            Some(done) => tokio::time::timeout(within, done).await.is_ok(),
            None => true,
        }
    }

    /// A playback began.
    pub fn started(&self, p: &Playback) {
        self.record(p, "started", 0, 0.0);
    }

    /// A playback ended, having sent `bytes` over `seconds`.
    pub fn stopped(&self, p: &Playback, bytes: u64, seconds: f64) {
        self.record(p, "stopped", bytes, seconds);
    }

    fn record(&self, p: &Playback, kind: &str, bytes: u64, seconds: f64) {
        let row = EventRow {
            id: Uuid::new_v4(),
            at: Utc::now(),
            kind: kind.to_owned(),
            playback_id: p.id,
            user_id: p.user_id,
            session_id: p.session_id,
            video_id: p.video_id,
            mode: p.mode.as_str().to_owned(),
            variant: p.variant.clone(),
            device_type: p.device_type.map(str::to_owned),
            bytes: i64::try_from(bytes).unwrap_or(i64::MAX),
            seconds: seconds.max(0.0),
        };
        if self.tx.try_send(row).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Events dropped since start-up because the queue was full (or the writer gone).
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// Writes queued events in batches until every recorder is gone or
/// [`Recorder::close`] asks it to finish. A batch the database cannot take for an
/// outage is retried until it can (or, once closing, tried once more); one it refuses
/// otherwise is logged and dropped (counted in `failed`). The stream path never waits.
pub async fn write(db: Database, queue: EventQueue, failed: Arc<AtomicU64>) {
    let EventQueue {
        mut rx,
        closing,
        finished,
    } = queue;
    let mut batch = Vec::with_capacity(BATCH);
    let mut stopping = false;
    loop {
        if stopping {
            if rx.recv_many(&mut batch, BATCH).await == 0 {
                break;
            }
        } else {
            tokio::select! {
                n = rx.recv_many(&mut batch, BATCH) => if n == 0 { break },
                () = closing.notified() => {
                    stopping = true;
                    rx.close();
                    continue;
                }
            }
        }
        insert_retrying(&db, &batch, &failed, &closing, &mut stopping).await;
        batch.clear();
    }
    let _ = finished.send(());
}

/// Inserts one batch, retrying through an outage (until `stopping`, which a close
/// request sets while it waits).
async fn insert_retrying(
    db: &Database,
    batch: &[EventRow],
    failed: &AtomicU64,
    closing: &tokio::sync::Notify,
    stopping: &mut bool,
) {
    let mut wait = std::time::Duration::from_millis(500);
    loop {
        match analytics::insert_batch(db, batch).await {
            // A retry after a commit whose answer was lost: the rows are there.
            Ok(()) | Err(DbError::Duplicate(_)) => return,
            Err(e @ (DbError::Unreachable(_) | DbError::Busy)) if !*stopping => {
                tracing::warn!(error = %e, events = batch.len(), retry_in = ?wait, "analytics events wait for the database");
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    () = closing.notified() => *stopping = true,
                }
                wait = (wait * 2).min(std::time::Duration::from_secs(10));
            }
            Err(e) => {
                failed.fetch_add(batch.len() as u64, Ordering::Relaxed);
                tracing::warn!(error = %e, events = batch.len(), "analytics events not written");
                return;
            }
        }
    }
}

/// The width of a report's buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Hour,
    Day,
    Week,
}

impl Bucket {
    fn width(self) -> Duration {
        match self {
            Self::Hour => Duration::hours(1),
            Self::Day => Duration::days(1),
            Self::Week => Duration::weeks(1),
        }
    }

    /// The start of the bucket `at` falls in (UTC; weeks start on Monday).
    pub fn start(self, at: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Self::Hour => at.duration_trunc(Duration::hours(1)).unwrap_or(at),
            Self::Day => at.duration_trunc(Duration::days(1)).unwrap_or(at),
            Self::Week => {
                let day = at.duration_trunc(Duration::days(1)).unwrap_or(at);
                let back = chrono::Datelike::weekday(&day).num_days_from_monday();
                day - Duration::days(i64::from(back))
            }
        }
    }
}

/// The figures of one period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub active_users: u64,
    pub sessions: u64,
    pub plays: u64,
    /// The most playbacks open at once.
    pub peak_concurrent_streams: u64,
    pub watch_hours: f64,
    pub bytes: u64,
    /// Playbacks started by mode.
    pub direct: u64,
    pub remux: u64,
    pub transcode: u64,
}

/// A report over a period.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub buckets: Vec<(DateTime<Utc>, Figures)>,
    pub total: Figures,
    /// Videos by playbacks started, most first (at most 10).
    pub top_videos: Vec<(Uuid, u64, f64)>,
    /// Users by watch time, most first: (user, plays, hours, bytes).
    pub users: Vec<(Uuid, u64, f64, u64)>,
}

/// Reads the events.
#[derive(Debug, Clone)]
pub struct Analytics {
    db: Database,
}

impl Analytics {
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    /// The figures from `from` to `to`, per bucket and in total; with `user`, that
    /// user's own.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub async fn report(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        bucket: Bucket,
        user: Option<Uuid>,
    ) -> Result<Report, DbError> {
        let events = analytics::between(&self.db, from, to, user).await?;
        Ok(summarise(&events, from, to, bucket))
    }

    /// Deletes events older than `retention`; returns how many.
    ///
    /// # Errors
    /// When the database cannot be written.
    pub async fn sweep(&self, retention: std::time::Duration) -> Result<u64, DbError> {
        let keep = Duration::from_std(retention).unwrap_or(Duration::MAX);
        analytics::purge_before(&self.db, Utc::now() - keep).await
    }
}

/// Folds events into a [`Report`]. A playback counts in the bucket it started in;
/// its watch time and bytes in the bucket it stopped in; the peak of open playbacks
/// is followed through every start and stop, in time order.
pub fn summarise(
    events: &[EventRow],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    bucket: Bucket,
) -> Report {
    #[derive(Default)]
    struct Acc {
        users: HashSet<Uuid>,
        sessions: HashSet<Uuid>,
        figures: Figures,
    }
    let mut buckets: BTreeMap<DateTime<Utc>, Acc> = BTreeMap::new();
    let mut start = bucket.start(from);
    while start < to && from < to {
        buckets.entry(start).or_default();
        start += bucket.width();
    }
    let mut total = Acc::default();
    let mut open: HashSet<Uuid> = HashSet::new();
    let mut videos: HashMap<Uuid, (u64, f64)> = HashMap::new();
    let mut users: HashMap<Uuid, (u64, f64, u64)> = HashMap::new();
    for e in events {
        let acc = buckets.entry(bucket.start(e.at)).or_default();
        for a in [&mut *acc, &mut total] {
            a.users.insert(e.user_id);
            a.sessions.insert(e.session_id);
        }
        if e.kind == "started" {
            open.insert(e.playback_id);
            let peak = open.len() as u64;
            for f in [&mut acc.figures, &mut total.figures] {
                f.plays += 1;
                f.peak_concurrent_streams = f.peak_concurrent_streams.max(peak);
                match e.mode.as_str() {
                    "direct" => f.direct += 1,
                    "remux" => f.remux += 1,
                    _ => f.transcode += 1,
                }
            }
            videos.entry(e.video_id).or_default().0 += 1;
            users.entry(e.user_id).or_default().0 += 1;
        } else {
            open.remove(&e.playback_id);
            let hours = e.seconds / 3600.0;
            let bytes = u64::try_from(e.bytes).unwrap_or(0);
            for f in [&mut acc.figures, &mut total.figures] {
                f.watch_hours += hours;
                f.bytes += bytes;
            }
            videos.entry(e.video_id).or_default().1 += hours;
            let u = users.entry(e.user_id).or_default();
            u.1 += hours;
            u.2 += bytes;
        }
    }
    let finish = |a: Acc| Figures {
        active_users: a.users.len() as u64,
        sessions: a.sessions.len() as u64,
        ..a.figures
    };
    let mut top_videos: Vec<(Uuid, u64, f64)> =
        videos.into_iter().map(|(v, (n, h))| (v, n, h)).collect();
    top_videos.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.total_cmp(&a.2)).then(a.0.cmp(&b.0)));
    top_videos.truncate(10);
    let mut users: Vec<(Uuid, u64, f64, u64)> = users
        .into_iter()
        .map(|(u, (n, h, b))| (u, n, h, b))
        .collect();
    users.sort_by(|a, b| b.2.total_cmp(&a.2).then(b.1.cmp(&a.1)).then(a.0.cmp(&b.0)));
    Report {
        from,
        to,
        buckets: buckets.into_iter().map(|(at, a)| (at, finish(a))).collect(),
        total: finish(total),
        top_videos,
        users,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, playback: u128, user: u128, at: &str, mode: &str) -> EventRow {
        EventRow {
            id: Uuid::new_v4(),
            at: at.parse().unwrap(),
            kind: kind.into(),
            playback_id: Uuid::from_u128(playback),
            user_id: Uuid::from_u128(user),
            session_id: Uuid::from_u128(user + 100),
            video_id: Uuid::from_u128(playback % 2),
            mode: mode.into(),
            variant: None,
            device_type: None,
            bytes: if kind == "stopped" { 1000 } else { 0 },
            seconds: if kind == "stopped" { 1800.0 } else { 0.0 },
        }
    }

    #[test]
    fn buckets_peaks_shares_and_totals() {
        let events = [
            event("started", 1, 1, "2026-12-01T10:05:00Z", "direct"),
            event("started", 2, 2, "2026-12-01T10:10:00Z", "transcode"),
            event("stopped", 1, 1, "2026-12-01T10:35:00Z", "direct"),
            event("started", 3, 1, "2026-12-01T11:00:00Z", "remux"),
            event("stopped", 2, 2, "2026-12-01T11:40:00Z", "transcode"),
            event("stopped", 3, 1, "2026-12-01T11:50:00Z", "remux"),
        ];
        let from = "2026-12-01T10:00:00Z".parse().unwrap();
        let to = "2026-12-01T13:00:00Z".parse().unwrap();
        let r = summarise(&events, from, to, Bucket::Hour);
        assert_eq!(r.buckets.len(), 3, "every bucket, empty ones too");
        let (ten, eleven, twelve) = (&r.buckets[0].1, &r.buckets[1].1, &r.buckets[2].1);
        assert_eq!(
            (ten.plays, ten.peak_concurrent_streams, ten.active_users),
            (2, 2, 2)
        );
        assert_eq!((ten.direct, ten.transcode, ten.remux), (1, 1, 0));
        assert!((ten.watch_hours - 0.5).abs() < 1e-9);
        assert_eq!((eleven.plays, eleven.peak_concurrent_streams), (1, 2));
        assert_eq!(eleven.bytes, 2000);
        assert_eq!(twelve, &Figures::default());
        assert_eq!(r.total.plays, 3);
        assert_eq!(r.total.active_users, 2);
        assert_eq!(r.total.sessions, 2);
        assert!((r.total.watch_hours - 1.5).abs() < 1e-9);
        assert_eq!(r.total.bytes, 3000);
        assert_eq!(r.top_videos[0].1, 2, "video 1 (playbacks 1 and 3) first");
        assert_eq!(r.users[0].0, Uuid::from_u128(1), "user 1 watched an hour");
    }

    #[test]
    fn weeks_start_on_monday() {
        let wednesday = "2026-12-02T15:00:00Z".parse().unwrap();
        let monday: DateTime<Utc> = "2026-11-30T00:00:00Z".parse().unwrap();
        assert_eq!(Bucket::Week.start(wednesday), monday);
        assert_eq!(
            Bucket::Day.start(wednesday),
            "2026-12-02T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }
}
