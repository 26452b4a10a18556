//! Failed-login throttle: after `auth.max_failed_logins` failures for one username
//! within `auth.failed_login_window`, further attempts are answered with 429 until the
//! oldest failure leaves the window. One address gets four times that budget across
//! all usernames, which slows password spraying without letting one person lock a
//! whole household out by typing names.
//!
//! The counts live in this process, and with Redis also in shared counters
//! (`auth:failures:user:{name}`, `auth:failures:addr:{ip}`, each expiring one window
//! after its first failure), so several instances enforce one budget. When Redis is
//! away the local counts still hold.

use crate::cache::RedisLink;
use deadpool_redis::redis::{cmd, pipe};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many times the per-username budget one address gets.
const ADDRESS_FACTOR: usize = 4;

/// Counts recent failures per username and per address.
#[derive(Debug)]
pub struct LoginThrottle {
    max_failures: usize,
    window: Duration,
    // A std Mutex: held for a few map operations, never across an await.
    state: Mutex<State>,
    redis: Option<Arc<RedisLink>>,
}

#[derive(Debug, Default)]
struct State {
    by_user: HashMap<String, VecDeque<Instant>>,
    by_addr: HashMap<IpAddr, VecDeque<Instant>>,
}

/// The limit an attempt ran into, and how long until it may try again.
#[derive(Debug, Clone, PartialEq)]
pub struct Throttled {
    pub limit: &'static str,
    pub retry_after: Duration,
}

impl LoginThrottle {
    pub fn new(max_failures: u32, window: Duration, redis: Option<Arc<RedisLink>>) -> Self {
        Self {
            max_failures: max_failures as usize,
            window,
            state: Mutex::new(State::default()),
            redis,
        }
    }

    fn shared_keys(link: &RedisLink, username: &str, addr: Option<IpAddr>) -> Vec<String> {
        let mut keys = vec![link.key(&format!("auth:failures:user:{}", username.to_lowercase()))];
        if let Some(addr) = addr {
            keys.push(link.key(&format!("auth:failures:addr:{addr}")));
        }
        keys
    }

    /// Refuses an attempt whose username or address has used its budget, here or on
    /// any instance sharing Redis.
    ///
    /// # Errors
    /// [`Throttled`] naming the limit and when the next attempt is allowed.
    pub async fn check(&self, username: &str, addr: Option<IpAddr>) -> Result<(), Throttled> {
        self.check_local(username, addr)?;
        let Some(link) = self.redis.as_deref() else {
            return Ok(());
        };
        let keys = Self::shared_keys(link, username, addr);
        let counts = link
            .run("throttle check", |mut c| async move {
                let mut p = pipe();
                for k in &keys {
                    p.cmd("GET").arg(k).cmd("PTTL").arg(k);
                }
                p.query_async::<Vec<(Option<u64>, i64)>>(&mut c).await
            })
            .await
            .unwrap_or_default();
        let limits = [
            ("auth.max_failed_logins", self.max_failures),
            (
                "auth.max_failed_logins (per address)",
                self.max_failures * ADDRESS_FACTOR,
            ),
        ];
        for ((count, ttl_ms), (limit, budget)) in counts.into_iter().zip(limits) {
            if count.unwrap_or(0) as usize >= budget {
                return Err(Throttled {
                    limit,
                    retry_after: Duration::from_millis(u64::try_from(ttl_ms).unwrap_or(1000)),
                });
            }
        }
        Ok(())
    }

    /// Counts a failed attempt.
    pub async fn failed(&self, username: &str, addr: Option<IpAddr>) {
        self.failed_local(username, addr);
        let Some(link) = self.redis.as_deref() else {
            return;
        };
        let keys = Self::shared_keys(link, username, addr);
        let window_ms = u64::try_from(self.window.as_millis()).unwrap_or(u64::MAX);
        link.run("throttle failed", |mut c| async move {
            let mut p = pipe();
            for k in &keys {
                p.cmd("INCR").arg(k).ignore();
                p.cmd("PEXPIRE").arg(k).arg(window_ms).arg("NX").ignore();
            }
            p.query_async::<()>(&mut c).await
        })
        .await;
    }

    /// Forgets a username's failures after it logged in.
    pub async fn succeeded(&self, username: &str) {
        self.succeeded_local(username);
        let Some(link) = self.redis.as_deref() else {
            return;
        };
        let key = Self::shared_keys(link, username, None).remove(0);
        link.run("throttle succeeded", |mut c| async move {
            cmd("DEL").arg(key).query_async::<()>(&mut c).await
        })
        .await;
    }

    fn check_local(&self, username: &str, addr: Option<IpAddr>) -> Result<(), Throttled> {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let key = username.to_lowercase();
        if let Some(wait) = wait(
            state.by_user.get_mut(&key),
            self.max_failures,
            self.window,
            now,
        ) {
            return Err(Throttled {
                limit: "auth.max_failed_logins",
                retry_after: wait,
            });
        }
        if let Some(addr) = addr {
            let budget = self.max_failures * ADDRESS_FACTOR;
            if let Some(wait) = wait(state.by_addr.get_mut(&addr), budget, self.window, now) {
                return Err(Throttled {
                    limit: "auth.max_failed_logins (per address)",
                    retry_after: wait,
                });
            }
        }
        Ok(())
    }

    fn failed_local(&self, username: &str, addr: Option<IpAddr>) {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let window = self.window;
        state.by_user.retain(|_, q| prune(q, window, now));
        state.by_addr.retain(|_, q| prune(q, window, now));
        state
            .by_user
            .entry(username.to_lowercase())
            .or_default()
            .push_back(now);
        if let Some(addr) = addr {
            state.by_addr.entry(addr).or_default().push_back(now);
        }
    }

    fn succeeded_local(&self, username: &str) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.by_user.remove(&username.to_lowercase());
    }
}

/// Drops failures older than the window; keeps the entry while any remain.
fn prune(q: &mut VecDeque<Instant>, window: Duration, now: Instant) -> bool {
    while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
        q.pop_front();
    }
    !q.is_empty()
}

fn wait(
    q: Option<&mut VecDeque<Instant>>,
    budget: usize,
    window: Duration,
    now: Instant,
) -> Option<Duration> {
    let q = q?;
    prune(q, window, now);
    if q.len() < budget {
        return None;
    }
    let oldest = q[q.len() - budget];
    Some(window.saturating_sub(now.duration_since(oldest)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_failure_within_the_window_is_refused() {
        let t = LoginThrottle::new(5, Duration::from_secs(60), None);
        for _ in 0..5 {
            assert!(t.check_local("Ann", None).is_ok());
            t.failed_local("ann", None);
        }
        let refused = t.check_local("ANN", None).unwrap_err();
        assert_eq!(refused.limit, "auth.max_failed_logins");
        assert!(refused.retry_after <= Duration::from_secs(60));
        assert!(t.check_local("bob", None).is_ok());
    }

    #[test]
    fn failures_leave_the_window_and_success_forgets_them() {
        let t = LoginThrottle::new(1, Duration::from_millis(30), None);
        t.failed_local("ann", None);
        assert!(t.check_local("ann", None).is_err());
        std::thread::sleep(Duration::from_millis(40));
        assert!(t.check_local("ann", None).is_ok());
        t.failed_local("ann", None);
        t.succeeded_local("ann");
        assert!(t.check_local("ann", None).is_ok());
    }

    #[test]
    fn one_address_gets_four_budgets_across_usernames() {
        let t = LoginThrottle::new(2, Duration::from_secs(60), None);
        let addr = Some(IpAddr::from([192, 0, 2, 1]));
        for i in 0..8 {
            t.failed_local(&format!("user{i}"), addr);
        }
        assert_eq!(
            t.check_local("someone", addr).unwrap_err().limit,
            "auth.max_failed_logins (per address)"
        );
        assert!(t.check_local("someone", None).is_ok());
    }
}
