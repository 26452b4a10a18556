//! Failed-login throttle: after `auth.max_failed_logins` failures for one username
//! within `auth.failed_login_window`, further attempts are answered with 429 until the
//! oldest failure leaves the window. One address gets four times that budget across
//! all usernames, which slows password spraying without letting one person lock a
//! whole household out by typing names.
//!
//! An attempt is **reserved before its password is checked**: [`LoginThrottle::reserve`]
//! counts it as a failure at once, atomically with the check of the budget, and a
//! success or an attempt that never ran gives the reservation back. So a burst of
//! concurrent guesses verifies at most the budget's worth of passwords, however the
//! requests interleave, on one instance or many.
//!
//! The counts live in this process, and with Redis also in shared counters
//! (`auth:failures:user:{name}`, `auth:failures:addr:{ip}`, each expiring one window
//! after its first failure), checked and incremented by one Lua script, so several
//! instances enforce one budget. When Redis is away the local counts still hold.

use crate::cache::RedisLink;
use deadpool_redis::redis::{self, pipe};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many times the per-username budget one address gets.
const ADDRESS_FACTOR: usize = 4;

const USER_LIMIT: &str = "auth.max_failed_logins";
const ADDRESS_LIMIT: &str = "auth.max_failed_logins (per address)";

/// Checks every key's count against its budget and, only when all are under it,
/// counts the attempt on each. Returns `{0, 0}`, or the 1-based index of the key
/// whose budget is used and its remaining time to live in milliseconds.
const RESERVE: &str = r"
for i, key in ipairs(KEYS) do
  local n = tonumber(redis.call('GET', key) or '0')
  if n >= tonumber(ARGV[i + 1]) then
    return {i, redis.call('PTTL', key)}
  end
end
for _, key in ipairs(KEYS) do
  redis.call('INCR', key)
  redis.call('PEXPIRE', key, ARGV[1], 'NX')
end
return {0, 0}
";

/// Counts recent failures per username and per address.
#[derive(Debug)]
pub struct LoginThrottle {
    max_failures: usize,
    window: Duration,
    // A std Mutex: held for a few map operations, never across an await.
    state: Arc<Mutex<State>>,
    redis: Option<Arc<RedisLink>>,
    script: redis::Script,
    settled: Arc<tokio::sync::Notify>,
}

#[derive(Debug, Default)]
struct State {
    by_user: HashMap<String, VecDeque<Instant>>,
    by_addr: HashMap<IpAddr, VecDeque<Instant>>,
    /// Reservations not yet settled, per username: an attempt refused only because
    /// of these waits for them (they may succeed and give the budget back).
    in_flight: HashMap<String, usize>,
}

/// How long an attempt waits for unsettled attempts of the same username before it is
/// refused: long enough for a few password checks.
const WAIT_FOR_IN_FLIGHT: Duration = Duration::from_secs(5);

/// The limit an attempt ran into, and how long until it may try again.
#[derive(Debug, Clone, PartialEq)]
pub struct Throttled {
    pub limit: &'static str,
    pub retry_after: Duration,
}

/// An attempt counted as a failure until it is settled.
#[derive(Debug)]
#[must_use = "settle the reservation with failed, succeeded or cancel"]
pub struct Reservation {
    user: String,
    addr: Option<IpAddr>,
    at: Instant,
    /// Whether the shared counters were incremented too.
    shared: bool,
    _in_flight: InFlight,
}

/// A reservation's place among the attempts in flight for its username, given up when
/// the reservation is dropped: settled, or abandoned by a client that went away (its
/// failure then stays counted).
#[derive(Debug)]
struct InFlight {
    user: String,
    state: Arc<Mutex<State>>,
    settled: Arc<tokio::sync::Notify>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(n) = state.in_flight.get_mut(&self.user) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    state.in_flight.remove(&self.user);
                }
            }
        }
        // Attempts waiting on this one look again.
        self.settled.notify_waiters();
    }
}

impl LoginThrottle {
    pub fn new(max_failures: u32, window: Duration, redis: Option<Arc<RedisLink>>) -> Self {
        Self {
            max_failures: max_failures as usize,
            window,
            state: Arc::default(),
            redis,
            script: redis::Script::new(RESERVE),
            settled: Arc::default(),
        }
    }

    fn shared_keys(link: &RedisLink, username: &str, addr: Option<IpAddr>) -> Vec<String> {
        let mut keys = vec![link.key(&format!("auth:failures:user:{username}"))];
        if let Some(addr) = addr {
            keys.push(link.key(&format!("auth:failures:addr:{addr}")));
        }
        keys
    }

    /// Counts an attempt before its password is checked, unless its username or
    /// address has used its budget here or on any instance sharing Redis.
    ///
    /// # Errors
    /// [`Throttled`] naming the limit and when the next attempt is allowed.
    pub async fn reserve(
        &self,
        username: &str,
        addr: Option<IpAddr>,
    ) -> Result<Reservation, Throttled> {
        let user = username.to_lowercase();
        let waited_from = Instant::now();
        let at = loop {
            let settled = self.settled.notified();
            match self.reserve_local(&user, addr) {
                Ok(at) => break at,
                // Concurrent logins of one user (a household's devices at once) wait
                // for the checks in flight instead of being refused by them.
                Err((refused, true)) if waited_from.elapsed() < WAIT_FOR_IN_FLIGHT => {
                    let _ = tokio::time::timeout(Duration::from_millis(250), settled).await;
                    let _ = refused;
                }
                Err((refused, _)) => return Err(refused),
            }
        };
        let mut reservation = self.reservation(user, addr, at);
        let Some(link) = self.redis.as_deref() else {
            return Ok(reservation);
        };
        let keys = Self::shared_keys(link, &reservation.user, addr);
        let window_ms = u64::try_from(self.window.as_millis()).unwrap_or(u64::MAX);
        let mut invocation = self.script.prepare_invoke();
        for k in &keys {
            invocation.key(k);
        }
        invocation
            .arg(window_ms)
            .arg(self.max_failures)
            .arg(self.max_failures * ADDRESS_FACTOR);
        let verdict = link
            .run("throttle reserve", |mut c| async move {
                invocation.invoke_async::<(u8, i64)>(&mut c).await
            })
            .await;
        match verdict {
            // Redis away: the local count alone decides.
            None => Ok(reservation),
            Some((0, _)) => {
                reservation.shared = true;
                Ok(reservation)
            }
            Some((index, ttl_ms)) => {
                self.release_local(&reservation, true);
                Err(Throttled {
                    limit: if index == 1 {
                        USER_LIMIT
                    } else {
                        ADDRESS_LIMIT
                    },
                    retry_after: Duration::from_millis(u64::try_from(ttl_ms).unwrap_or(1000)),
                })
            }
        }
    }

    /// The password was wrong (or the account cannot log in): the reservation stays
    /// counted as a failure.
    pub fn failed(&self, reservation: Reservation) {
        drop(reservation);
    }

    /// The login succeeded: the username's failures are forgotten, and the address
    /// gets this attempt back.
    pub async fn succeeded(&self, reservation: Reservation) {
        self.succeeded_local(&reservation);
        self.settle_shared(&reservation, true).await;
    }

    /// The password was never checked (the hashing queue was full): the attempt is
    /// given back whole.
    pub async fn cancel(&self, reservation: Reservation) {
        self.release_local(&reservation, true);
        self.settle_shared(&reservation, false).await;
    }

    async fn settle_shared(&self, reservation: &Reservation, succeeded: bool) {
        let Some(link) = self.redis.as_deref().filter(|_| reservation.shared) else {
            return;
        };
        let keys = Self::shared_keys(link, &reservation.user, reservation.addr);
        link.run("throttle settle", |mut c| async move {
            let mut p = pipe();
            for (i, k) in keys.iter().enumerate() {
                if i == 0 && succeeded {
                    p.cmd("DEL").arg(k).ignore();
                } else {
                    p.cmd("DECR").arg(k).ignore();
                }
            }
            p.query_async::<()>(&mut c).await
        })
        .await;
    }

    /// Counts an attempt here when the budgets allow; when they do not, says whether
    /// attempts of this username still in flight could give budget back.
    fn reserve_local(
        &self,
        user: &str,
        addr: Option<IpAddr>,
    ) -> Result<Instant, (Throttled, bool)> {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let window = self.window;
        state.by_user.retain(|_, q| prune(q, window, now));
        state.by_addr.retain(|_, q| prune(q, window, now));
        let in_flight = state.in_flight.get(user).copied().unwrap_or(0) > 0;
        if let Some(wait) = wait(state.by_user.get_mut(user), self.max_failures, window, now) {
            let refused = Throttled {
                limit: USER_LIMIT,
                retry_after: wait,
            };
            return Err((refused, in_flight));
        }
        if let Some(addr) = addr {
            let budget = self.max_failures * ADDRESS_FACTOR;
            if let Some(wait) = wait(state.by_addr.get_mut(&addr), budget, window, now) {
                let refused = Throttled {
                    limit: ADDRESS_LIMIT,
                    retry_after: wait,
                };
                return Err((refused, in_flight));
            }
            state.by_addr.entry(addr).or_default().push_back(now);
        }
        state
            .by_user
            .entry(user.to_owned())
            .or_default()
            .push_back(now);
        *state.in_flight.entry(user.to_owned()).or_default() += 1;
        Ok(now)
    }

    /// A reservation counted here at `at` (by [`Self::reserve_local`]).
    fn reservation(&self, user: String, addr: Option<IpAddr>, at: Instant) -> Reservation {
        Reservation {
            _in_flight: InFlight {
                user: user.clone(),
                state: self.state.clone(),
                settled: self.settled.clone(),
            },
            user,
            addr,
            at,
            shared: false,
        }
    }

    /// Takes the reservation's own entries back out of the local counts.
    fn release_local(&self, reservation: &Reservation, user_too: bool) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if user_too {
            if let Some(q) = state.by_user.get_mut(&reservation.user) {
                remove_one(q, reservation.at);
            }
        }
        if let Some(q) = reservation.addr.and_then(|a| state.by_addr.get_mut(&a)) {
            remove_one(q, reservation.at);
        }
    }

    fn succeeded_local(&self, reservation: &Reservation) {
        self.release_local(reservation, false);
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.by_user.remove(&reservation.user);
    }
}

fn remove_one(q: &mut VecDeque<Instant>, at: Instant) {
    if let Some(i) = q.iter().rposition(|t| *t == at) {
        q.remove(i);
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

    fn reserve(
        t: &LoginThrottle,
        user: &str,
        addr: Option<IpAddr>,
    ) -> Result<Reservation, Throttled> {
        t.reserve_local(&user.to_lowercase(), addr)
            .map_err(|(e, _)| e)
            .map(|at| t.reservation(user.to_lowercase(), addr, at))
    }

    #[test]
    fn the_sixth_attempt_within_the_window_is_refused_before_any_is_settled() {
        let t = LoginThrottle::new(5, Duration::from_secs(60), None);
        // Five reservations outstanding at once (a concurrent burst): the sixth waits.
        let held: Vec<_> = (0..5).map(|_| reserve(&t, "Ann", None).unwrap()).collect();
        let refused = reserve(&t, "ANN", None).unwrap_err();
        assert_eq!(refused.limit, USER_LIMIT);
        assert!(refused.retry_after <= Duration::from_secs(60));
        assert!(reserve(&t, "bob", None).is_ok());
        for r in held {
            t.failed(r);
        }
        assert!(reserve(&t, "ann", None).is_err());
    }

    #[tokio::test]
    async fn failures_leave_the_window_and_success_forgets_them() {
        let t = LoginThrottle::new(1, Duration::from_millis(1000), None);
        t.failed(reserve(&t, "ann", None).unwrap());
        assert!(reserve(&t, "ann", None).is_err());
        std::thread::sleep(Duration::from_millis(1100));
        let r = reserve(&t, "ann", None).unwrap();
        t.succeeded(r).await;
        assert!(reserve(&t, "ann", None).is_ok());
    }

    #[tokio::test]
    async fn a_login_waits_for_the_same_user_s_check_in_flight() {
        let t = Arc::new(LoginThrottle::new(1, Duration::from_secs(60), None));
        let first = t.reserve("ann", None).await.unwrap();
        let waiting = tokio::spawn({
            let t = t.clone();
            async move { t.reserve("ann", None).await.map(|_| ()) }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!waiting.is_finished(), "it waits rather than being refused");
        t.succeeded(first).await;
        let second = tokio::time::timeout(Duration::from_secs(2), waiting).await;
        assert!(
            matches!(second, Ok(Ok(Ok(())))),
            "admitted once the first check succeeded"
        );
        // With nothing in flight, a spent budget refuses at once.
        let t = LoginThrottle::new(1, Duration::from_secs(60), None);
        t.failed(t.reserve("bob", None).await.unwrap());
        let refused = tokio::time::timeout(Duration::from_millis(500), t.reserve("bob", None));
        assert!(matches!(refused.await, Ok(Err(_))));
    }

    #[test]
    fn an_abandoned_attempt_stays_counted_but_leaves_the_in_flight_count() {
        let t = LoginThrottle::new(1, Duration::from_secs(60), None);
        let r = reserve(&t, "ann", None).unwrap();
        let in_flight = |t: &LoginThrottle| t.state.lock().unwrap().in_flight.len();
        assert_eq!(in_flight(&t), 1);
        drop(r); // a client that went away mid-check
        assert_eq!(in_flight(&t), 0, "nothing waits on it any more");
        assert!(
            reserve(&t, "ann", None).is_err(),
            "its failure still counts"
        );
    }

    #[tokio::test]
    async fn a_cancelled_attempt_is_given_back_whole() {
        let t = LoginThrottle::new(1, Duration::from_secs(60), None);
        let addr = Some(IpAddr::from([192, 0, 2, 1]));
        let r = reserve(&t, "ann", addr).unwrap();
        t.cancel(r).await;
        assert!(reserve(&t, "ann", addr).is_ok());
    }

    #[test]
    fn one_address_gets_four_budgets_across_usernames() {
        let t = LoginThrottle::new(2, Duration::from_secs(60), None);
        let addr = Some(IpAddr::from([192, 0, 2, 1]));
        for i in 0..8 {
            t.failed(reserve(&t, &format!("user{i}"), addr).unwrap());
        }
        assert_eq!(
            reserve(&t, "someone", addr).unwrap_err().limit,
            ADDRESS_LIMIT
        );
        assert!(reserve(&t, "someone", None).is_ok());
    }
}
