//! Stream slots shared by every instance through Redis, so two instances behind one
//! nginx enforce one `streaming.max_concurrent_streams` and one per-user limit.
//!
//! The slots are the architecture document's `streaming:active`: a sorted set whose
//! members are streams (`{session}:{video}`, so one session's stream of a video is one
//! slot on whichever instances it is served) scored by when they expire, plus one set
//! per user. A Lua script admits a stream atomically: it drops expired members and the
//! session's streams of other videos (a session plays one video at a time), then
//! checks both limits and adds the stream. Each instance renews its open streams for
//! [`SLOT_LEASE`] every [`REFRESH_EVERY`] and removes those it closed, so the streams of
//! an instance that died expire within [`SLOT_LEASE`].
//!
//! Beside the slots, each instance publishes what the admin view shows of its streams
//! (`streaming:info`, a hash by member), and reads `streaming:ending` at each refresh:
//! a sorted set of the members whose end was asked for through another instance (an
//! administrator's end, a player's `stopped` report), with when, to the microsecond.
//! The instance serving such a stream ends it only if no request came after that
//! moment, or at it (a player that
//! reported `stopped` and opened the video again is a new playback, not cut), and only
//! the instance that holds a slot frees it, so a slot is never free on Redis while an
//! instance still serves its stream: the limits hold at every moment.

use super::limits::{LimitReached, Published, SlotKey, StreamInfo, SLOT_LEASE};
use crate::cache::redis::redis;
use crate::cache::RedisLink;
use chrono::Utc;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

/// How long an asked end is kept in `streaming:ending`: longer than any slot lives
/// unrenewed, so every instance serving the stream sees it.
fn ending_ms() -> i64 {
    i64::try_from(SLOT_LEASE.as_millis() * 4).unwrap_or(i64::MAX / 2)
}

/// How often open streams are re-scored and closed ones removed.
pub const REFRESH_EVERY: Duration = Duration::from_secs(1);

const ADMIT: &str = r"
local now = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZREM', KEYS[3], ARGV[1])
local session = ARGV[7]
for _, m in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if m ~= ARGV[1] and string.sub(m, 1, #session) == session then
    redis.call('ZREM', KEYS[1], m)
    redis.call('ZREM', KEYS[2], m)
    redis.call('ZADD', KEYS[3], ARGV[8], m)
    redis.call('PEXPIRE', KEYS[3], ARGV[6])
  end
end
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
  return {0, 0}
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {1, tonumber(first[2]) - now}
end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then
  local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return {2, tonumber(first[2]) - now}
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
return {0, 0}
";

/// The shared limits.
#[derive(Debug)]
pub struct SharedSlots {
    link: Arc<RedisLink>,
    max_total: u32,
    max_per_user: u32,
    idle: Duration,
    script: redis::Script,
    /// The streams this instance last published.
    published: Mutex<HashSet<SlotKey>>,
}

impl SharedSlots {
    pub fn new(link: Arc<RedisLink>, max_total: u32, max_per_user: u32, idle: Duration) -> Self {
        Self {
            link,
            max_total,
            max_per_user,
            idle,
            script: redis::Script::new(ADMIT),
            published: Mutex::default(),
        }
    }

    fn keys(&self, user_id: Uuid) -> (String, String) {
        (
            self.link.key("streaming:active"),
            self.link.key(&format!("streaming:active:user:{user_id}")),
        )
    }

    /// Admits a stream under the shared limits. `None` when Redis cannot answer: the
    /// caller then relies on this instance's own limits.
    pub async fn admit(&self, slot: &SlotKey) -> Option<Result<(), LimitReached>> {
        let now = Utc::now().timestamp_millis();
        let lease_ms = i64::try_from(SLOT_LEASE.as_millis()).unwrap_or(i64::MAX / 4);
        let idle_ms = i64::try_from(self.idle.as_millis()).unwrap_or(i64::MAX / 4);
        let (all, mine) = self.keys(slot.user_id);
        let member = slot.member();
        let mut invocation = self.script.prepare_invoke();
        invocation
            .key(all)
            .key(mine)
            .key(self.link.key("streaming:ending"))
            .arg(member)
            .arg(now)
            .arg(now + lease_ms)
            .arg(self.max_total)
            .arg(self.max_per_user)
            .arg(idle_ms.max(lease_ms) * 2)
            .arg(format!("{}:", slot.session_id))
            .arg(Utc::now().timestamp_micros());
        let (verdict, wait_ms): (i64, i64) = self
            .link
            .run("stream admit", |mut c| async move {
                invocation.invoke_async(&mut c).await
            })
            .await?;
        let retry_after = Duration::from_millis(u64::try_from(wait_ms).unwrap_or(0).max(1));
        Some(match verdict {
            1 => Err(LimitReached {
                limit: "streaming.max_concurrent_streams",
                max: self.max_total,
                retry_after,
            }),
            2 => Err(LimitReached {
                limit: "streaming.max_streams_per_user",
                max: self.max_per_user,
                retry_after,
            }),
            _ => {
                self.lock().insert(slot.clone());
                Ok(())
            }
        })
    }

    /// Frees a stream's slot at once (its player stopped).
    /// Frees the slot of a stream this instance has closed, and forgets an end asked
    /// for it.
    pub async fn release(&self, slot: &SlotKey) {
        let (all, mine) = self.keys(slot.user_id);
        let member = slot.member();
        let mut p = redis::pipe();
        p.cmd("ZREM").arg(all).arg(&member).ignore();
        p.cmd("ZREM").arg(mine).arg(&member).ignore();
        p.cmd("HDEL")
            .arg(self.link.key("streaming:info"))
            .arg(&member)
            .ignore();
        p.cmd("ZREM")
            .arg(self.link.key("streaming:ending"))
            .arg(&member)
            .ignore();
        let _ = self
            .link
            .run("stream release", |mut c| async move {
                p.query_async::<()>(&mut c).await
            })
            .await;
        self.lock().remove(slot);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<SlotKey>> {
        self.published.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Publishes this instance's open streams with their expiry and what the admin
    /// view shows of them, removes the ones it closed since the last call, and returns
    /// those of its streams whose end was asked for through another instance with no
    /// request since, with when it was asked (the caller ends them unless a request came
    /// meanwhile, and [`Self::release`]s their slots).
    pub async fn refresh(&self, open: Vec<Published>) -> Vec<(SlotKey, f64)> {
        let current: HashSet<SlotKey> = open.iter().map(|p| p.slot.clone()).collect();
        let closed: Vec<SlotKey> = self.lock().difference(&current).cloned().collect();
        if open.is_empty() && closed.is_empty() {
            return Vec::new();
        }
        let info = self.link.key("streaming:info");
        let ending = self.link.key("streaming:ending");
        let mut p = redis::pipe();
        for s in &open {
            let (all, mine) = self.keys(s.slot.user_id);
            let score = s.expires.timestamp_millis();
            let member = s.slot.member();
            p.cmd("ZADD").arg(all).arg(score).arg(&member).ignore();
            p.cmd("ZADD").arg(mine).arg(score).arg(&member).ignore();
            let json = serde_json::to_string(&s.info).unwrap_or_default();
            p.cmd("HSET").arg(&info).arg(&member).arg(json).ignore();
        }
        for slot in &closed {
            let (all, mine) = self.keys(slot.user_id);
            p.cmd("ZREM").arg(all).arg(slot.member()).ignore();
            p.cmd("ZREM").arg(mine).arg(slot.member()).ignore();
            p.cmd("HDEL").arg(&info).arg(slot.member()).ignore();
        }
        // Ends asked longer ago than any slot lives are moot: the set stays small.
        let moot = Utc::now().timestamp_micros() - ending_ms() * 1000;
        p.cmd("ZREMRANGEBYSCORE")
            .arg(&ending)
            .arg("-inf")
            .arg(moot)
            .ignore();
        let members: Vec<String> = open.iter().map(|s| s.slot.member()).collect();
        if !members.is_empty() {
            p.cmd("ZMSCORE").arg(&ending).arg(&members);
        }
        let answer = self
            .link
            .run("stream refresh", |mut c| async move {
                p.query_async::<Vec<Vec<Option<f64>>>>(&mut c).await
            })
            .await;
        let Some(answer) = answer else {
            return Vec::new();
        };
        *self.lock() = current;
        let asked = answer.into_iter().next().unwrap_or_default();
        let mut ended = Vec::new();
        let mut superseded = Vec::new();
        for (s, at) in open.iter().zip(asked) {
            match at {
                Some(at) if (s.info.last_activity_at.timestamp_micros() as f64) < at => {
                    ended.push((s.slot.clone(), at));
                }
                // A request came after the end was asked for: a new playback.
                Some(_) => superseded.push(s.slot.member()),
                None => {}
            }
        }
        if !superseded.is_empty() {
            self.link
                .run("stream end superseded", |mut c| async move {
                    redis::cmd("ZREM")
                        .arg(&ending)
                        .arg(&superseded)
                        .query_async::<()>(&mut c)
                        .await
                })
                .await;
        }
        ended
    }

    /// Every instance's open streams, as they last published them. `None` when Redis
    /// cannot answer.
    pub async fn list(&self) -> Option<Vec<StreamInfo>> {
        let all = self.link.key("streaming:active");
        let info = self.link.key("streaming:info");
        let now = Utc::now().timestamp_millis();
        let (live, published): (Vec<String>, HashMap<String, String>) = self
            .link
            .run("stream list", |mut c| async move {
                redis::pipe()
                    .cmd("ZRANGEBYSCORE")
                    .arg(&all)
                    .arg(now)
                    .arg("+inf")
                    .cmd("HGETALL")
                    .arg(&info)
                    .query_async(&mut c)
                    .await
            })
            .await?;
        let live: HashSet<String> = live.into_iter().collect();
        Some(
            published
                .into_iter()
                .filter(|(member, _)| live.contains(member))
                .filter_map(|(_, json)| serde_json::from_str(&json).ok())
                .collect(),
        )
    }

    /// Asks every instance serving a session's stream of a video to end it, unless a
    /// request of it comes after now: each ends it at its next refresh and frees the
    /// slot. The slot stays taken until then.
    pub async fn request_end(&self, slot: &SlotKey) {
        let member = slot.member();
        let ending = self.link.key("streaming:ending");
        // To the microsecond: a player's report and its next request can fall in one
        // millisecond, and the request must win.
        let now = Utc::now().timestamp_micros();
        self.link
            .run("stream end", |mut c| async move {
                redis::pipe()
                    .cmd("ZADD")
                    .arg(&ending)
                    .arg(now)
                    .arg(&member)
                    .ignore()
                    .cmd("PEXPIRE")
                    .arg(&ending)
                    .arg(ending_ms())
                    .ignore()
                    .query_async::<()>(&mut c)
                    .await
            })
            .await;
    }
}
