//! Caches and the shared state behind them: one [`Cache`] interface with two backends,
//! Redis (through [`RedisLink`], shared by every instance) when `redis.url` is set and
//! Redis answers, and this process's memory otherwise.
//!
//! Keys follow the architecture document (`video:metadata:{id}`, `video:popular`,
//! `user:recently_watched:{user_id}`, `user:preferences:{user_id}`), under the
//! `redis.key_prefix`. Values are JSON. Every kind has its TTL; writers invalidate what
//! they change (in both backends, so a Redis outage cannot resurrect a stale entry),
//! and hits and misses are counted per kind for the metrics.
//!
//! When Redis returns after an outage the cached kinds are flushed from it once, since
//! changes made meanwhile reached only memory.

pub mod breaker;
pub mod redis;

pub use self::redis::{RedisHealth, RedisLink};
use deadpool_redis::redis::cmd;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Entries the in-memory backend holds before it drops expired ones, then the oldest.
const MEMORY_CAPACITY: usize = 20_000;

/// What is cached, which decides the key and the time to live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheKind {
    /// A catalog entry, written through by the scanner (1 hour).
    VideoMetadata,
    /// The most watched videos (5 minutes).
    PopularVideos,
    /// A user's continue-watching list (30 minutes, invalidated by progress).
    RecentlyWatched,
    /// A user's streaming preferences (1 hour, invalidated when saved).
    Preferences,
}

impl CacheKind {
    pub const ALL: [CacheKind; 4] = [
        Self::VideoMetadata,
        Self::PopularVideos,
        Self::RecentlyWatched,
        Self::Preferences,
    ];

    /// The name used in keys and metrics.
    pub fn name(self) -> &'static str {
        match self {
            Self::VideoMetadata => "video:metadata",
            Self::PopularVideos => "video:popular",
            Self::RecentlyWatched => "user:recently_watched",
            Self::Preferences => "user:preferences",
        }
    }

    pub fn ttl(self) -> Duration {
        Duration::from_secs(match self {
            Self::VideoMetadata | Self::Preferences => 3600,
            Self::PopularVideos => 300,
            Self::RecentlyWatched => 1800,
        })
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The key of one entry; `id` is empty for kinds with a single entry.
    fn key(self, id: &str) -> String {
        if id.is_empty() {
            self.name().to_owned()
        } else {
            format!("{}:{id}", self.name())
        }
    }
}

/// Hits and misses of one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheStats {
    pub kind: &'static str,
    pub hits: u64,
    pub misses: u64,
}

#[derive(Debug, Default)]
struct Counters {
    hits: [AtomicU64; 4],
    misses: [AtomicU64; 4],
}

/// Stores `text` in Redis as the entry `id` of `kind`, for the kind's TTL; `None` when
/// Redis did not take it.
async fn set(link: &RedisLink, kind: CacheKind, id: &str, text: String) -> Option<()> {
    let k = link.key(&kind.key(id));
    let ttl = kind.ttl().as_secs();
    link.run("cache put", |mut c| async move {
        cmd("SET")
            .arg(k)
            .arg(text)
            .arg("EX")
            .arg(ttl)
            .query_async::<()>(&mut c)
            .await
    })
    .await
}

/// The cache every service uses.
#[derive(Debug)]
pub struct Cache {
    redis: Option<Arc<RedisLink>>,
    memory: Mutex<HashMap<String, (Instant, Arc<str>)>>,
    counters: Counters,
    /// The link's recovery count when the shared copies were last flushed.
    flushed_at: AtomicU64,
}

impl Cache {
    pub fn new(redis: Option<Arc<RedisLink>>) -> Self {
        Self {
            redis,
            memory: Mutex::default(),
            counters: Counters::default(),
            flushed_at: AtomicU64::new(0),
        }
    }

    /// An entry, if cached and not expired.
    pub async fn get<T: DeserializeOwned>(&self, kind: CacheKind, id: &str) -> Option<T> {
        let key = kind.key(id);
        let text = match self.shared().await {
            Some(link) => {
                let k = link.key(&key);
                link.run("cache get", |mut c| async move {
                    cmd("GET")
                        .arg(k)
                        .query_async::<Option<String>>(&mut c)
                        .await
                })
                .await
                .map(|v| v.map(Arc::from))
            }
            None => None,
        };
        let text = match text {
            Some(found) => found,
            None => self.memory_get(&key),
        };
        let value = text.and_then(|t| serde_json::from_str(&t).ok());
        let counter = if value.is_some() {
            &self.counters.hits
        } else {
            &self.counters.misses
        };
        counter[kind.index()].fetch_add(1, Ordering::Relaxed);
        value
    }

    /// Stores an entry for its kind's TTL.
    pub async fn put<T: Serialize>(&self, kind: CacheKind, id: &str, value: &T) {
        let Ok(text) = serde_json::to_string(value) else {
            return;
        };
        if let Some(link) = self.shared().await {
            if set(link, kind, id, text.clone()).await.is_some() {
                return;
            }
        }
        self.memory_put(kind.key(id), kind.ttl(), text.into());
    }

    /// Stores an entry in Redis only, for its kind's TTL: for entries the caller keeps
    /// its own copy of (a copy in this cache's memory would be a second one); nothing
    /// without Redis or while it is away.
    pub async fn share<T: Serialize>(&self, kind: CacheKind, id: &str, value: &T) {
        let Some(link) = self.shared().await else {
            return;
        };
        if let Ok(text) = serde_json::to_string(value) {
            set(link, kind, id, text).await;
        }
    }

    /// Drops an entry from both backends.
    pub async fn invalidate(&self, kind: CacheKind, id: &str) {
        let key = kind.key(id);
        self.lock().remove(&key);
        if let Some(link) = self.shared().await {
            let k = link.key(&key);
            link.run("cache invalidate", |mut c| async move {
                cmd("DEL").arg(k).query_async::<()>(&mut c).await
            })
            .await;
        }
    }

    /// Hits and misses per kind since start-up.
    pub fn stats(&self) -> Vec<CacheStats> {
        CacheKind::ALL
            .iter()
            .map(|k| CacheStats {
                kind: k.name(),
                hits: self.counters.hits[k.index()].load(Ordering::Relaxed),
                misses: self.counters.misses[k.index()].load(Ordering::Relaxed),
            })
            .collect()
    }

    /// The Redis link when it is usable (see [`RedisLink::usable`]).
    async fn shared(&self) -> Option<&RedisLink> {
        let kinds = CacheKind::ALL.map(CacheKind::name);
        self.redis.as_ref()?.usable(&self.flushed_at, &kinds).await
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, Arc<str>)>> {
        self.memory.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn memory_get(&self, key: &str) -> Option<Arc<str>> {
        let mut memory = self.lock();
        match memory.get(key) {
            Some((expires, text)) if *expires > Instant::now() => Some(text.clone()),
            Some(_) => {
                memory.remove(key);
                None
            }
            None => None,
        }
    }

    fn memory_put(&self, key: String, ttl: Duration, text: Arc<str>) {
        let now = Instant::now();
        let mut memory = self.lock();
        if memory.len() >= MEMORY_CAPACITY {
            memory.retain(|_, (expires, _)| *expires > now);
            if memory.len() >= MEMORY_CAPACITY {
                let oldest = memory
                    .iter()
                    .min_by_key(|(_, (e, _))| *e)
                    .map(|(k, _)| k.clone());
                if let Some(oldest) = oldest {
                    memory.remove(&oldest);
                }
            }
        }
        memory.insert(key, (now + ttl, text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_entries_are_counted_invalidated_and_expire() {
        let cache = Cache::new(None);
        assert_eq!(cache.get::<u32>(CacheKind::Preferences, "u1").await, None);
        cache.put(CacheKind::Preferences, "u1", &7u32).await;
        assert_eq!(
            cache.get::<u32>(CacheKind::Preferences, "u1").await,
            Some(7)
        );
        cache.invalidate(CacheKind::Preferences, "u1").await;
        assert_eq!(cache.get::<u32>(CacheKind::Preferences, "u1").await, None);
        let stats = cache.stats();
        let prefs = stats.iter().find(|s| s.kind == "user:preferences").unwrap();
        assert_eq!((prefs.hits, prefs.misses), (1, 2));
        cache.memory_put("x".into(), Duration::ZERO, "1".into());
        assert_eq!(
            cache.memory_get("x"),
            None,
            "expired entries are not served"
        );
    }
}
