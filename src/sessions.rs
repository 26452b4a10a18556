//! Session lifecycle: a login opens a session, each authenticated request checks and
//! touches it, and logout, revocation, the per-user cap, deactivation or a password
//! reset end it; a background sweep ends the idle and expired ones.
//!
//! A session ends when it is revoked, when `auth.reauth_after` has passed since login,
//! or when no request came for `auth.session_timeout`. At most
//! `auth.max_sessions_per_user` are open per user: a login beyond that ends the user's
//! least recently used session (refusing the login instead would lock a person out
//! of their own account because of a phone they lost, until its session timed out).
//!
//! Three copies, fastest first:
//! - **Memory**: this instance's map, trusted for [`RECHECK`] when Redis is not
//!   configured (with Redis configured but not answering, the database is read).
//! - **Redis** (`user:session:{user_id}`, a hash of session id to JSON): the shared
//!   copy every instance reads on every request, so a session opened on one instance
//!   works on the others and one ended anywhere stops working everywhere at once.
//!   Filled from the database on a miss (cache-aside).
//! - **Database** (`user_sessions`): the durable record, so sessions survive restarts.
//!   It decides whenever a copy is in doubt.
//!
//! # Ends are final
//! An end (logout, revocation, the cap, a password or role change, deactivation,
//! deletion, the idle sweep) is written to the database first. Then, in one Redis
//! script, an end marker `session:ended:{id}` (kept for a whole session lifetime) is
//! set and the shared copy removed; the script that writes a copy back refuses when
//! the marker exists, so a request that read the session just before the end cannot
//! put it back. In memory, an ended id is kept as a tombstone that the same lock
//! checks before a copy is stored.
//!
//! Redis may not answer when an end happens. So every end with Redis configured is
//! also recorded in `pending_session_ends` before Redis is asked. Each instance runs a
//! pass every [`SYNC_EVERY`] (100 ms): a PING, and, every second or after any doubt,
//! the pending ends applied to Redis and cleared. An instance trusts the shared copy
//! only while a quick pass started within [`SYNC_VALID`] (250 ms) with no Redis call
//! failing since; otherwise (just started, Redis slow, stopped or just back) it reads
//! the database. Any Redis stop long enough to fail the ending instance's call (300 ms)
//! therefore leaves every instance reading the database until the end has reached
//! Redis. The bound across instances: at once while Redis answers, also after an
//! outage; only an end that failed to reach a Redis everyone else still reached (one
//! instance cut off alone) can be trusted elsewhere for up to a second; without Redis,
//! [`RECHECK`].
//!
//! Activity is written to the database at most every minute (or a tenth of the
//! timeout), so the idle timeout stays accurate without a write per request.

use crate::cache::RedisLink;
use crate::clock::Clock;
use crate::config::AuthSettings;
use crate::db::{self, Database, DbError};
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use deadpool_redis::redis::cmd;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// How long the in-memory copy of a session is trusted, when Redis is not in use,
/// before the row is read again: a session ended on another instance stops working
/// here within this bound.
pub const RECHECK: std::time::Duration = std::time::Duration::from_secs(5);

/// How long the records of ended sessions are kept.
const KEEP_ENDED: ChronoDuration = ChronoDuration::days(30);

/// How often [`Sessions::sync_shared`] runs: a PING, and the pending ends when due.
pub const SYNC_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// The shared copies are trusted while a pass that *started* this recently succeeded.
/// Shorter than [`crate::cache::redis::CALL_TIMEOUT`], so when Redis stops for long
/// enough to fail anyone's call, no pass started before the stop is still recent by
/// the time that call has failed.
pub const SYNC_VALID: std::time::Duration = std::time::Duration::from_millis(250);

/// A PING slower than this puts the shared copies in doubt until a full pass.
const SLOW_PING: std::time::Duration = std::time::Duration::from_millis(100);

/// How often a pass reads the pending ends when nothing was in doubt.
const FULL_PASS_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// How long an ended id stays a tombstone in memory: longer than any request that
/// read the session before its end can take to store it back.
const TOMBSTONE: std::time::Duration = std::time::Duration::from_secs(600);

/// Writes a shared copy unless the session's end marker exists.
/// KEYS: the user's hash, the marker; ARGV: session id, JSON, hash TTL in seconds.
const SHARE: &str = r"
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
";

/// Sets the end markers of sessions and removes their shared copies.
/// KEYS: the user's hash, then one marker per session; ARGV: marker TTL in seconds,
/// `all` to drop the whole hash or `some`, then the session ids in the markers' order.
const END: &str = r"
for i = 2, #KEYS do
  redis.call('SET', KEYS[i], '1', 'EX', ARGV[1])
  redis.call('HDEL', KEYS[1], ARGV[i + 1])
end
if ARGV[2] == 'all' then redis.call('DEL', KEYS[1]) end
return 1
";

/// A session as the memory and Redis copies hold it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Cached {
    user_id: Uuid,
    expires_at: DateTime<Utc>,
    /// The last request seen.
    last_activity: DateTime<Utc>,
    /// The `last_activity` written to the row.
    stored_activity: DateTime<Utc>,
    /// When this copy was read from the database.
    #[serde(skip, default = "Utc::now")]
    checked_at: DateTime<Utc>,
}

/// The Redis hash of a user's shared session copies (under the key prefix).
fn shared_key(user_id: Uuid) -> String {
    format!("user:session:{user_id}")
}

/// The Redis end marker of a session (under the key prefix).
fn end_marker(session_id: Uuid) -> String {
    format!("session:ended:{session_id}")
}

/// Why a session cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("the session does not exist")]
    Unknown,
    #[error("the session was ended (logged out, revoked or replaced by a newer login)")]
    Revoked,
    #[error("the session expired; log in again")]
    Expired,
    #[error("the session ended after inactivity; log in again")]
    Idle,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Why a session was ended, as recorded on its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    Logout,
    /// Ended from another of the user's sessions, or by an administrator.
    Revoked,
    Password,
    Deactivated,
    /// The account's role or libraries changed.
    AccessChanged,
    /// The account was deleted.
    Deleted,
}

impl EndReason {
    fn as_str(self) -> &'static str {
        match self {
            Self::Logout => "logout",
            Self::Revoked => "revoked",
            Self::Password => "password",
            Self::Deactivated => "deactivated",
            Self::AccessChanged => "access_changed",
            Self::Deleted => "deleted",
        }
    }
}

/// Opens, checks and ends sessions.
#[derive(Debug, Clone)]
pub struct Sessions {
    db: Database,
    idle_timeout: ChronoDuration,
    lifetime: ChronoDuration,
    /// A guest's sessions' lifetime (`auth.guest_session_lifetime`).
    guest_lifetime: ChronoDuration,
    max_per_user: i64,
    local: Arc<Mutex<Local>>,
    redis: Option<Arc<RedisLink>>,
    /// The link's recovery count when the Redis copies were last flushed.
    flushed_at: Arc<AtomicU64>,
    /// What the passes over Redis found.
    sync: Arc<Mutex<SyncState>>,
    share_script: Arc<deadpool_redis::redis::Script>,
    end_script: Arc<deadpool_redis::redis::Script>,
    /// Woken whenever sessions end here, for whoever stops their streams.
    ended: Arc<tokio::sync::Notify>,
    /// The time sessions idle and expire by.
    clock: Clock,
}

/// What the passes of [`Sessions::sync_shared`] found.
#[derive(Debug, Default)]
struct SyncState {
    /// When the last successful pass started.
    synced_at: Option<std::time::Instant>,
    /// The link's failure count at that pass.
    failures: u64,
    /// When the pending ends were last applied.
    full_at: Option<std::time::Instant>,
    /// A pass failed or was slow: the next must apply the pending ends.
    full_due: bool,
}

/// This instance's copies, and the ids ended here recently.
#[derive(Debug, Default)]
struct Local {
    live: HashMap<Uuid, Cached>,
    ended: HashMap<Uuid, std::time::Instant>,
}

impl Local {
    /// Stores a copy unless the session has ended; returns whether it did.
    fn store(&mut self, id: Uuid, entry: Cached) -> bool {
        if self.ended.contains_key(&id) {
            return false;
        }
        self.live.insert(id, entry);
        true
    }

    fn end(&mut self, id: Uuid) {
        self.live.remove(&id);
        self.ended.insert(id, std::time::Instant::now());
    }
}

/// A newly opened session.
#[derive(Debug, Clone)]
pub struct OpenedSession {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Older sessions of the user this login ended to stay within the cap.
    pub replaced: Vec<Uuid>,
}

/// An open session, for the session lists.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub id: Uuid,
    pub user_id: Uuid,
    pub username: String,
    pub data: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub last_activity: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub streams_started: i64,
    pub bytes_streamed: i64,
}

/// What a lookup in the shared copy found.
enum Shared {
    Found(Cached),
    Missing,
    /// Redis answers, but ends may be missing from it: the database decides.
    Doubtful,
    Unavailable,
}

impl Sessions {
    pub fn new(
        db: Database,
        auth: &AuthSettings,
        redis: Option<Arc<RedisLink>>,
        clock: Clock,
    ) -> Self {
        let to_chrono =
            |d: std::time::Duration| ChronoDuration::from_std(d).unwrap_or(ChronoDuration::MAX);
        Self {
            db,
            idle_timeout: to_chrono(auth.session_timeout.get()),
            lifetime: to_chrono(auth.reauth_after.get()),
            guest_lifetime: to_chrono(auth.guest_session_lifetime.get()),
            max_per_user: i64::from(auth.max_sessions_per_user.get()),
            local: Arc::default(),
            flushed_at: Arc::new(AtomicU64::new(redis.as_ref().map_or(0, |l| l.recoveries()))),
            redis,
            sync: Arc::default(),
            share_script: Arc::new(deadpool_redis::redis::Script::new(SHARE)),
            end_script: Arc::new(deadpool_redis::redis::Script::new(END)),
            ended: Arc::default(),
            clock,
        }
    }

    /// Completes when sessions next end on this instance (ends on others are found by
    /// [`Self::ended_among`]).
    pub async fn next_end(&self) {
        self.ended.notified().await;
    }

    /// How long a session lives at most, which is also how long its tokens live.
    pub fn lifetime(&self) -> ChronoDuration {
        self.lifetime
    }

    /// How often activity is written to the row.
    fn granularity(&self) -> ChronoDuration {
        (self.idle_timeout / 10).min(ChronoDuration::seconds(60))
    }

    /// Rows whose stored activity is older than this are idle for sure.
    fn idle_before(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - self.idle_timeout - self.granularity()
    }

    /// Opens a session for a user, ending the user's least recently used sessions
    /// beyond `auth.max_sessions_per_user`. A guest's session is temporary: it lives
    /// `auth.guest_session_lifetime` at most, and ends the guest's other one. No session
    /// lives past `ends_by`.
    ///
    /// # Errors
    /// When it cannot be stored.
    pub async fn open(
        &self,
        user_id: Uuid,
        guest: bool,
        ends_by: Option<DateTime<Utc>>,
        data: &serde_json::Value,
    ) -> Result<OpenedSession, DbError> {
        let now = self.clock.now();
        let id = Uuid::new_v4();
        let (lifetime, max_per_user) = if guest {
            (self.lifetime.min(self.guest_lifetime), 1)
        } else {
            (self.lifetime, self.max_per_user)
        };
        let expires_at = ends_by.map_or(now + lifetime, |by| by.min(now + lifetime));
        db::sessions::sweep(&self.db, now, self.idle_before(now), Some(user_id)).await?;
        self.write_activity(user_id).await?;
        db::sessions::insert(&self.db, id, user_id, data, now, expires_at).await?;
        let replaced = db::sessions::cap(&self.db, user_id, max_per_user, now).await?;
        for old in &replaced {
            tracing::info!(session = %old, user = %user_id, "session replaced by a newer login");
        }
        self.ended_everywhere(user_id, &replaced, false).await?;
        let entry = Cached {
            user_id,
            expires_at,
            last_activity: now,
            stored_activity: now,
            checked_at: now,
        };
        self.local().store(id, entry);
        self.share(id, &entry).await;
        Ok(OpenedSession {
            id,
            created_at: now,
            expires_at,
            replaced,
        })
    }

    /// Checks that a session is open and belongs to `user_id`, and records the activity.
    ///
    /// # Errors
    /// A [`SessionError`] saying why it cannot be used; an idle session is ended.
    pub async fn check(&self, id: Uuid, user_id: Uuid) -> Result<(), SessionError> {
        let now = self.clock.now();
        let local = self.local().live.get(&id).copied();
        let (mut entry, shared) = match self.shared(id, user_id).await {
            Shared::Found(mut found) => {
                if let Some(l) = local.filter(|l| l.user_id == user_id) {
                    found.last_activity = found.last_activity.max(l.last_activity);
                    found.stored_activity = found.stored_activity.max(l.stored_activity);
                }
                (found, Some(found.last_activity))
            }
            Shared::Missing | Shared::Doubtful => (self.load(id, user_id, now).await?, None),
            // Redis configured but not answering: ends made meanwhile on other
            // instances reached only the database, which decides.
            Shared::Unavailable if self.redis.is_some() => {
                (self.load(id, user_id, now).await?, Some(now))
            }
            Shared::Unavailable => {
                let recheck = ChronoDuration::from_std(RECHECK).unwrap_or_default();
                match local {
                    Some(c) if c.user_id == user_id && now - c.checked_at < recheck => {
                        (c, Some(c.last_activity))
                    }
                    _ => (self.load(id, user_id, now).await?, Some(now)),
                }
            }
        };
        if now >= entry.expires_at {
            self.forget_everywhere(user_id, id).await;
            return Err(SessionError::Expired);
        }
        if now - entry.last_activity >= self.idle_timeout {
            self.forget_everywhere(user_id, id).await;
            let ended =
                db::sessions::sweep(&self.db, now, now - self.idle_timeout, Some(user_id)).await?;
            let ids: Vec<Uuid> = ended.into_iter().map(|(id, _)| id).collect();
            self.ended_everywhere(user_id, &ids, false).await?;
            return Err(SessionError::Idle);
        }
        entry.last_activity = now;
        if now - entry.stored_activity >= self.granularity() {
            db::sessions::touch(&self.db, id, now).await?;
            entry.stored_activity = now;
        }
        if !self.local().store(id, entry) {
            // Ended while this request was reading it.
            return Err(SessionError::Revoked);
        }
        // The shared copy's activity is moved at most once a second.
        if shared.is_none_or(|seen| now - seen >= ChronoDuration::seconds(1)) {
            self.share(id, &entry).await;
        }
        Ok(())
    }

    /// Writes the user's activity not yet in the database (seen here, or by any
    /// instance through Redis), so the cap ends the session least recently used.
    async fn write_activity(&self, user_id: Uuid) -> Result<(), DbError> {
        let mut fresher: HashMap<Uuid, (DateTime<Utc>, DateTime<Utc>)> = self
            .local()
            .live
            .iter()
            .filter(|(_, c)| c.user_id == user_id)
            .map(|(id, c)| (*id, (c.last_activity, c.stored_activity)))
            .collect();
        if let Some(link) = self.link().await {
            let key = link.key(&shared_key(user_id));
            let shared = link
                .run("session activity", |mut c| async move {
                    cmd("HGETALL")
                        .arg(key)
                        .query_async::<HashMap<String, String>>(&mut c)
                        .await
                })
                .await
                .unwrap_or_default();
            for (id, text) in shared {
                let (Ok(id), Ok(c)) = (id.parse::<Uuid>(), serde_json::from_str::<Cached>(&text))
                else {
                    continue;
                };
                let e = fresher
                    .entry(id)
                    .or_insert((c.last_activity, c.stored_activity));
                e.0 = e.0.max(c.last_activity);
                e.1 = e.1.max(c.stored_activity);
            }
        }
        for (id, (seen, stored)) in fresher {
            if seen > stored {
                db::sessions::touch(&self.db, id, seen).await?;
            }
        }
        Ok(())
    }

    async fn load(
        &self,
        id: Uuid,
        user_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Cached, SessionError> {
        let row = db::sessions::find(&self.db, id)
            .await?
            .filter(|row| row.user_id == user_id);
        let Some(row) = row else {
            self.forget(id);
            return Err(SessionError::Unknown);
        };
        if row.revoked_at.is_some() {
            self.forget(id);
            return Err(SessionError::Revoked);
        }
        // Activity seen here but not yet written counts too.
        let seen = self.local().live.get(&id).map(|c| c.last_activity);
        Ok(Cached {
            user_id,
            expires_at: row.expires_at,
            last_activity: seen.map_or(row.last_activity, |s| s.max(row.last_activity)),
            stored_activity: row.last_activity,
            checked_at: now,
        })
    }

    /// Which of these sessions have ended: here (this instance's tombstones), or on any
    /// instance (Redis's end markers), so that their running transfers can be stopped.
    /// While Redis is away only this instance's ends are known; a transfer's next
    /// request is checked against the database as every request is.
    pub async fn ended_among(&self, ids: &[Uuid]) -> Vec<Uuid> {
        let (mut ended, unknown): (Vec<Uuid>, Vec<Uuid>) = {
            let local = self.local();
            ids.iter().partition(|id| local.ended.contains_key(id))
        };
        if unknown.is_empty() {
            return ended;
        }
        let Some(link) = self.link().await else {
            return ended;
        };
        let keys: Vec<String> = unknown
            .iter()
            .map(|id| link.key(&end_marker(*id)))
            .collect();
        let markers = link
            .run("session ended", |mut c| async move {
                cmd("MGET")
                    .arg(&keys)
                    .query_async::<Vec<Option<String>>>(&mut c)
                    .await
            })
            .await
            .unwrap_or_default();
        ended.extend(
            unknown
                .iter()
                .zip(markers)
                .filter(|(_, marker)| marker.is_some())
                .map(|(id, _)| *id),
        );
        ended
    }

    /// Ends one of a user's sessions; returns whether it was open.
    ///
    /// # Errors
    /// When the store cannot be written.
    pub async fn end(&self, user_id: Uuid, id: Uuid, reason: EndReason) -> Result<bool, DbError> {
        let was_open =
            db::sessions::revoke(&self.db, id, self.clock.now(), reason.as_str()).await?;
        self.ended_everywhere(user_id, &[id], false).await?;
        Ok(was_open)
    }

    /// Ends every session of a user; returns how many were open.
    ///
    /// # Errors
    /// When the store cannot be written.
    pub async fn end_all(&self, user_id: Uuid, reason: EndReason) -> Result<u64, DbError> {
        let ended =
            db::sessions::revoke_all_for_user(&self.db, user_id, self.clock.now(), reason.as_str())
                .await?;
        {
            // Copies held here that the database no longer counts as open (idle,
            // expired) go too; `ended_everywhere` takes the rest.
            let mut local = self.local();
            let mine: Vec<Uuid> = local
                .live
                .iter()
                .filter(|(id, c)| c.user_id == user_id && !ended.contains(id))
                .map(|(id, _)| *id)
                .collect();
            for id in mine {
                local.end(id);
            }
        }
        self.ended_everywhere(user_id, &ended, true).await?;
        Ok(ended.len() as u64)
    }

    /// After the database recorded these ends: tombstones here, and in Redis the end
    /// markers and the copies removed, recorded as pending first so that an end Redis
    /// missed is applied by whichever instance next finds it answering.
    async fn ended_everywhere(
        &self,
        user_id: Uuid,
        ids: &[Uuid],
        whole_user: bool,
    ) -> Result<(), DbError> {
        {
            let mut local = self.local();
            for id in ids {
                local.end(*id);
            }
        }
        self.ended.notify_waiters();
        if self.redis.is_none() || (ids.is_empty() && !whole_user) {
            return Ok(());
        }
        let ends: Vec<(Uuid, Uuid)> = ids.iter().map(|id| (*id, user_id)).collect();
        db::sessions::add_pending_ends(&self.db, &ends, self.clock.now()).await?;
        if let Some(link) = self.link().await {
            self.apply_ends(link, user_id, ids, whole_user).await;
        }
        Ok(())
    }

    /// Runs the end script for some of one user's sessions; whether Redis answered.
    async fn apply_ends(
        &self,
        link: &RedisLink,
        user_id: Uuid,
        ids: &[Uuid],
        whole_user: bool,
    ) -> bool {
        let mut invocation = self.end_script.prepare_invoke();
        invocation.key(link.key(&shared_key(user_id)));
        for id in ids {
            invocation.key(link.key(&end_marker(*id)));
        }
        invocation
            .arg(self.lifetime.num_seconds().max(1))
            .arg(if whole_user { "all" } else { "some" });
        for id in ids {
            invocation.arg(id.to_string());
        }
        link.run("session end", |mut c| async move {
            invocation.invoke_async::<i64>(&mut c).await
        })
        .await
        .is_some()
    }

    /// One pass over Redis, run every [`SYNC_EVERY`]: a PING, and (every
    /// [`FULL_PASS_EVERY`], or after any doubt) the pending ends applied and cleared.
    /// A pass that was quick and saw no failure lets this instance trust the shared
    /// copies for [`SYNC_VALID`] from its start.
    ///
    /// # Errors
    /// When the database cannot be read or written.
    pub async fn sync_shared(&self) -> Result<(), DbError> {
        let Some(link) = self.link().await else {
            return Ok(());
        };
        let started = std::time::Instant::now();
        let failures = link.failures();
        let answered = link.check().await;
        let quick = answered && started.elapsed() < SLOW_PING;
        let full_due = {
            let mut sync = self.sync_state();
            if !quick || failures != sync.failures {
                sync.full_due = true;
            }
            sync.full_due || sync.full_at.is_none_or(|t| t.elapsed() >= FULL_PASS_EVERY)
        };
        if !quick {
            return Ok(());
        }
        if full_due {
            loop {
                let pending = db::sessions::pending_ends(&self.db, 500).await?;
                let mut by_user: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
                for (session, user) in &pending {
                    by_user.entry(*user).or_default().push(*session);
                }
                for (user, sessions) in by_user {
                    if !self.apply_ends(link, user, &sessions, false).await {
                        return Ok(());
                    }
                    db::sessions::clear_pending_ends(&self.db, &sessions).await?;
                }
                if pending.len() < 500 {
                    break;
                }
            }
        }
        let mut sync = self.sync_state();
        if link.failures() == failures {
            sync.synced_at = Some(started);
            sync.failures = failures;
            if full_due {
                sync.full_at = Some(started);
                sync.full_due = false;
            }
        } else {
            sync.full_due = true;
        }
        Ok(())
    }

    fn sync_state(&self) -> std::sync::MutexGuard<'_, SyncState> {
        self.sync.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether the shared copies can be trusted: a quick pass (after the pending ends
    /// were applied) started within [`SYNC_VALID`], and no Redis call failed since.
    fn in_sync(&self, link: &RedisLink) -> bool {
        let sync = self.sync_state();
        !sync.full_due
            && sync.failures == link.failures()
            && sync.synced_at.is_some_and(|at| at.elapsed() < SYNC_VALID)
    }

    /// The open sessions of one user, or of everyone, most recently used first.
    ///
    /// # Errors
    /// When the store cannot be read.
    pub async fn list(&self, user_id: Option<Uuid>) -> Result<Vec<SessionInfo>, DbError> {
        let now = self.clock.now();
        let rows = db::sessions::list_open(&self.db, now, self.idle_before(now), user_id).await?;
        let local = self.local();
        Ok(rows
            .into_iter()
            .map(|r| {
                let seen = local.live.get(&r.id).map(|c| c.last_activity);
                SessionInfo {
                    id: r.id,
                    user_id: r.user_id,
                    username: r.username,
                    data: r.session_data.0,
                    created_at: r.created_at,
                    last_activity: seen.map_or(r.last_activity, |s| s.max(r.last_activity)),
                    expires_at: r.expires_at,
                    streams_started: r.streams_started,
                    bytes_streamed: r.bytes_streamed,
                }
            })
            .filter(|s| now - s.last_activity < self.idle_timeout)
            .collect())
    }

    /// The device type a session was opened with (sent at login, else guessed from
    /// the User-Agent, else the user's preference then); `None` for an unknown session.
    ///
    /// # Errors
    /// When the store cannot be read.
    pub async fn device_type(
        &self,
        id: Uuid,
    ) -> Result<Option<crate::preferences::DeviceType>, DbError> {
        let row = db::sessions::find(&self.db, id).await?;
        Ok(row.and_then(|r| {
            r.session_data
                .0
                .get("device_type")
                .and_then(|d| serde_json::from_value(d.clone()).ok())
        }))
    }

    /// How many sessions are open, and how many users they belong to, for the metrics.
    ///
    /// # Errors
    /// When the store cannot be read.
    pub async fn count_open(&self) -> Result<(i64, i64), DbError> {
        let now = self.clock.now();
        db::sessions::count_open(&self.db, now, self.idle_before(now)).await
    }

    /// Ends idle and expired sessions and deletes records of long-ended ones; returns
    /// how many it ended. Run periodically by the server.
    ///
    /// # Errors
    /// When the store cannot be written.
    pub async fn sweep(&self) -> Result<usize, DbError> {
        let now = self.clock.now();
        let ended = db::sessions::sweep(&self.db, now, self.idle_before(now), None).await?;
        let mut by_user: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for (id, user_id) in &ended {
            by_user.entry(*user_id).or_default().push(*id);
        }
        for (user_id, ids) in by_user {
            self.ended_everywhere(user_id, &ids, false).await?;
        }
        self.local().ended.retain(|_, at| at.elapsed() < TOMBSTONE);
        // Sessions idle by this instance's fresher view, not yet by the row's.
        let idle: Vec<(Uuid, Uuid)> = self
            .local()
            .live
            .iter()
            .filter(|(_, c)| now - c.last_activity >= self.idle_timeout || now >= c.expires_at)
            .map(|(id, c)| (*id, c.user_id))
            .collect();
        for (id, user_id) in &idle {
            self.forget_everywhere(*user_id, *id).await;
        }
        db::sessions::purge_ended(&self.db, now - KEEP_ENDED).await?;
        let forgotten = db::progress::forget_guests_without_session(&self.db, now).await?;
        if forgotten > 0 {
            tracing::info!(forgotten, "guests' watch data deleted with their sessions");
        }
        if !ended.is_empty() {
            tracing::info!(ended = ended.len(), "session sweep");
        }
        Ok(ended.len())
    }

    /// Adds what a session streamed to its record.
    ///
    /// # Errors
    /// When the store cannot be written.
    pub async fn record_streaming(
        &self,
        id: Uuid,
        streams: i64,
        bytes: i64,
    ) -> Result<(), DbError> {
        db::sessions::add_streaming(&self.db, id, streams, bytes).await
    }

    fn local(&self) -> std::sync::MutexGuard<'_, Local> {
        self.local.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn forget(&self, id: Uuid) {
        self.local().live.remove(&id);
    }

    async fn forget_everywhere(&self, user_id: Uuid, id: Uuid) {
        self.forget(id);
        if let Some(link) = self.link().await {
            let key = link.key(&shared_key(user_id));
            link.run("session forget", |mut c| async move {
                cmd("HDEL")
                    .arg(key)
                    .arg(id.to_string())
                    .query_async::<()>(&mut c)
                    .await
            })
            .await;
        }
    }

    /// The Redis link when usable; the shared copies are flushed once each time Redis
    /// comes back (ends recorded while it was away reached only the database).
    async fn link(&self) -> Option<&RedisLink> {
        self.redis
            .as_ref()?
            .usable(&self.flushed_at, &["user:session:"])
            .await
    }

    async fn shared(&self, id: Uuid, user_id: Uuid) -> Shared {
        let Some(link) = self.link().await else {
            return Shared::Unavailable;
        };
        if !self.in_sync(link) {
            return Shared::Doubtful;
        }
        let key = link.key(&shared_key(user_id));
        let found = link
            .run("session get", |mut c| async move {
                cmd("HGET")
                    .arg(key)
                    .arg(id.to_string())
                    .query_async::<Option<String>>(&mut c)
                    .await
            })
            .await;
        match found {
            None => Shared::Unavailable,
            Some(None) => Shared::Missing,
            Some(Some(text)) => match serde_json::from_str::<Cached>(&text) {
                Ok(c) if c.user_id == user_id => Shared::Found(c),
                _ => Shared::Missing,
            },
        }
    }

    async fn share(&self, id: Uuid, entry: &Cached) {
        let Some(link) = self.link().await else {
            return;
        };
        let Ok(text) = serde_json::to_string(entry) else {
            return;
        };
        let mut invocation = self.share_script.prepare_invoke();
        invocation
            .key(link.key(&shared_key(entry.user_id)))
            .key(link.key(&end_marker(id)))
            .arg(id.to_string())
            .arg(text)
            .arg(self.lifetime.num_seconds().max(1));
        link.run("session put", |mut c| async move {
            invocation.invoke_async::<i64>(&mut c).await
        })
        .await;
    }
}
