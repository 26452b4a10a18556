//! The one connection to Redis every shared part goes through: a deadpool-redis pool,
//! a key prefix (so several deployments, or tests, can share one Redis), a timeout on
//! each call, and the [`CircuitBreaker`].
//!
//! Every call returns `None` when Redis cannot answer; callers then take their
//! in-memory path. A probe task pings a dead Redis every [`PROBE_EVERY`] and closes
//! the breaker when it answers; [`RedisLink::recoveries`] lets callers notice and
//! resynchronise what they changed in the meantime.

use super::breaker::CircuitBreaker;
use deadpool_redis::TimeoutType;
use deadpool_redis::{Config, Connection, Pool, PoolConfig, PoolError, Runtime, Timeouts};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

pub use deadpool_redis::redis;

/// How long one call may take before it counts as a failure.
pub const CALL_TIMEOUT: Duration = Duration::from_millis(300);
/// How often a dead Redis is probed.
pub const PROBE_EVERY: Duration = Duration::from_millis(500);

/// Why a call got no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unanswered {
    /// The breaker is open: Redis is away, and was not asked.
    Away,
    /// Every pooled connection stayed in use for [`CALL_TIMEOUT`]: Redis was not asked.
    Busy,
    /// Redis was asked and failed or did not answer in time.
    Failed,
}

/// A pooled, guarded connection to Redis.
pub struct RedisLink {
    pool: Pool,
    prefix: String,
    breaker: CircuitBreaker,
    /// Calls that did not get an answer (refused by the breaker, failed or too slow).
    failures: AtomicU64,
}

impl std::fmt::Debug for RedisLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLink")
            .field("prefix", &self.prefix)
            .field("available", &self.available())
            .finish_non_exhaustive()
    }
}

impl RedisLink {
    /// Builds the pool (connections open on first use) and starts the probe task.
    ///
    /// # Errors
    /// When the URL is not a Redis URL.
    pub fn connect(url: &str, prefix: &str) -> anyhow::Result<Arc<Self>> {
        let mut config = Config::from_url(url);
        let mut pool = PoolConfig::new(16);
        pool.timeouts = Timeouts {
            wait: Some(CALL_TIMEOUT),
            create: Some(CALL_TIMEOUT),
            recycle: Some(CALL_TIMEOUT),
        };
        config.pool = Some(pool);
        let pool = config
            .create_pool(Some(Runtime::Tokio1))
            .map_err(|e| anyhow::anyhow!("redis.url: {e}"))?;
        let link = Arc::new(Self {
            pool,
            prefix: prefix.to_owned(),
            breaker: CircuitBreaker::default(),
            failures: AtomicU64::new(0),
        });
        tokio::spawn(probe(Arc::downgrade(&link)));
        Ok(link)
    }

    /// A key under this deployment's prefix.
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// Whether calls are being attempted (the breaker is closed).
    pub fn available(&self) -> bool {
        self.breaker.allows()
    }

    /// How many times Redis came back after being unavailable.
    pub fn recoveries(&self) -> u64 {
        self.breaker.recoveries()
    }

    /// How many calls have gone unanswered since start-up: a caller that saw the same
    /// count before and after some work knows Redis answered every call in between.
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Acquire)
    }

    /// Runs one call with a connection from the pool; `None` when Redis is unavailable,
    /// the call failed or it took longer than [`CALL_TIMEOUT`] ([`Self::call`] says
    /// which).
    pub async fn run<T, F, Fut>(&self, what: &'static str, call: F) -> Option<T>
    where
        F: FnOnce(Connection) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        self.call(what, call).await.ok()
    }

    /// [`Self::run`], saying why there is no answer. Only a failure of Redis itself (an
    /// error, no connection, no answer within [`CALL_TIMEOUT`]) counts towards the
    /// breaker: every connection of this instance's pool being in use for
    /// [`CALL_TIMEOUT`] is this instance's own burst, not an outage.
    ///
    /// # Errors
    /// [`Unanswered`]: the breaker is open, the pool stayed busy, or the call failed.
    pub async fn call<T, F, Fut>(&self, what: &'static str, call: F) -> Result<T, Unanswered>
    where
        F: FnOnce(Connection) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        if !self.breaker.allows() {
            self.failures.fetch_add(1, Ordering::AcqRel);
            return Err(Unanswered::Away);
        }
        // One deadline for the whole call, the pool's wait, connect and recycle included.
        let deadline = tokio::time::Instant::now() + CALL_TIMEOUT;
        let late = || format!("no answer within {CALL_TIMEOUT:?}");
        let conn = match tokio::time::timeout_at(deadline, self.pool.get()).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(PoolError::Timeout(TimeoutType::Wait))) => return Err(self.busy(what)),
            // Out of time with every connection made and in use: still a wait for one.
            Err(_) if self.all_in_use() => return Err(self.busy(what)),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(late()),
        };
        let outcome = match conn {
            Ok(conn) => match tokio::time::timeout_at(deadline, call(conn)).await {
                Ok(result) => result.map_err(|e| e.to_string()),
                Err(_) => Err(late()),
            },
            Err(e) => Err(e),
        };
        match outcome {
            Ok(value) => {
                self.breaker.succeeded();
                Ok(value)
            }
            Err(error) => {
                self.failures.fetch_add(1, Ordering::AcqRel);
                if self.breaker.failed() {
                    tracing::warn!(%error, call = what, "Redis unavailable; using in-memory state until it returns");
                } else {
                    tracing::debug!(%error, call = what, "Redis call failed");
                }
                Err(Unanswered::Failed)
            }
        }
    }

    /// A call skipped because the pool stayed full: unanswered, but no failure of Redis.
    fn busy(&self, what: &'static str) -> Unanswered {
        self.failures.fetch_add(1, Ordering::AcqRel);
        tracing::debug!(call = what, "every Redis connection busy; call skipped");
        Unanswered::Busy
    }

    fn all_in_use(&self) -> bool {
        let status = self.pool.status();
        status.size >= status.max_size && status.available == 0
    }

    /// The link when calls are attempted, after deleting the keys starting with one of
    /// `prefixes` once each time Redis came back (a caller's shared copies may have
    /// gone stale while only memory and the database saw its changes). `flushed`
    /// is the caller's record of the recoveries it has flushed after.
    pub async fn usable(&self, flushed: &AtomicU64, prefixes: &[&str]) -> Option<&Self> {
        if !self.available() {
            return None;
        }
        let recoveries = self.recoveries();
        if flushed.swap(recoveries, Ordering::AcqRel) != recoveries {
            for prefix in prefixes {
                self.delete_matching(&format!("{prefix}*")).await;
            }
        }
        Some(self)
    }

    /// Whether Redis answers now, counted like any call (so a dead Redis opens the
    /// breaker even before a request needed it); `false` at once while the breaker is
    /// open.
    pub async fn check(&self) -> bool {
        self.run("check", |mut c| async move {
            redis::cmd("PING").query_async::<String>(&mut c).await
        })
        .await
        .is_some()
    }

    /// Whether Redis answers a PING now, whatever the breaker says.
    pub async fn ping(&self) -> bool {
        let attempt = async {
            let mut conn = self.pool.get().await.ok()?;
            redis::cmd("PING")
                .query_async::<String>(&mut conn)
                .await
                .ok()
        };
        matches!(
            tokio::time::timeout(CALL_TIMEOUT, attempt).await,
            Ok(Some(_))
        )
    }

    /// Deletes every key matching `pattern` (under the prefix); used to drop shared
    /// copies that may have gone stale while Redis was away.
    pub async fn delete_matching(&self, pattern: &str) -> Option<u64> {
        let pattern = self.key(pattern);
        self.run("delete_matching", |mut conn| async move {
            let mut cursor: u64 = 0;
            let mut deleted = 0;
            loop {
                let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                    .arg(cursor)
                    .arg("MATCH")
                    .arg(&pattern)
                    .arg("COUNT")
                    .arg(500)
                    .query_async(&mut conn)
                    .await?;
                if !keys.is_empty() {
                    deleted += redis::cmd("UNLINK")
                        .arg(&keys)
                        .query_async::<u64>(&mut conn)
                        .await?;
                }
                if next == 0 {
                    return Ok(deleted);
                }
                cursor = next;
            }
        })
        .await
    }
}

/// Redis's state for readiness and the metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RedisHealth {
    /// It answered a PING now.
    Ok,
    /// It did not, or the breaker is open (it is probed in the background).
    Unavailable,
    /// No `redis.url`.
    #[default]
    Disabled,
}

impl RedisHealth {
    /// Every state, in the order the metrics list them.
    pub const ALL: [Self; 3] = [Self::Ok, Self::Unavailable, Self::Disabled];

    /// The state of `link` now: a PING counted like any call (so a dead Redis opens
    /// the breaker even before a request needed it), answered at once while the
    /// breaker is open.
    pub async fn of(link: Option<&RedisLink>) -> Self {
        match link {
            None => Self::Disabled,
            Some(link) if link.check().await => Self::Ok,
            Some(_) => Self::Unavailable,
        }
    }

    /// The state's name (`ok`, `unavailable`, `disabled`), as `/ready` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Unavailable => "unavailable",
            Self::Disabled => "disabled",
        }
    }
}

/// Pings a Redis the breaker gave up on, and closes the breaker when it answers.
/// Ends when the link is dropped.
async fn probe(link: Weak<RedisLink>) {
    loop {
        tokio::time::sleep(PROBE_EVERY).await;
        let Some(link) = link.upgrade() else { return };
        if !link.breaker.allows() && link.ping().await && link.breaker.recovered() {
            tracing::info!("Redis is back; shared state resynchronises");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tests' Redis (`HS_TEST_REDIS_URL`, default the local one), or `None` outside
    /// CI when it does not answer (under `CI=true` that fails).
    async fn local() -> Option<Arc<RedisLink>> {
        let url = std::env::var("HS_TEST_REDIS_URL")
            .unwrap_or_else(|_| "redis://127.0.0.1:6379/0".to_owned());
        let link = RedisLink::connect(&url, "hs-unit-busy:").unwrap();
        if link.ping().await {
            return Some(link);
        }
        assert!(
            std::env::var("CI").is_err(),
            "Redis at {url} does not answer"
        );
        eprintln!("SKIPPED redis::tests: Redis at {url} does not answer");
        None
    }

    #[tokio::test]
    async fn a_full_pool_is_busy_within_the_call_timeout_and_never_opens_the_breaker() {
        let Some(link) = local().await else {
            return;
        };
        let mut held = Vec::new();
        for _ in 0..link.pool.status().max_size {
            held.push(link.pool.get().await.unwrap());
        }
        for _ in 0..super::super::breaker::FAILURES_TO_OPEN + 2 {
            let started = std::time::Instant::now();
            let answer = link
                .call("test", |mut c| async move {
                    redis::cmd("PING").query_async::<String>(&mut c).await
                })
                .await;
            assert_eq!(answer, Err(Unanswered::Busy));
            assert!(
                started.elapsed() < CALL_TIMEOUT * 2,
                "{:?}",
                started.elapsed()
            );
        }
        assert!(
            link.available(),
            "this instance's own burst opened the breaker"
        );
        drop(held);
        assert!(link.check().await);
    }
}
