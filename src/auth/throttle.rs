//! Failed-login throttle that slows guessing without letting a stranger lock the
//! owner out.
//!
//! # The rule
//! - **One account from one address**: `auth.max_failed_logins` failures within
//!   `auth.failed_login_window`, then 429 for that account from that address until the
//!   oldest failure leaves the window.
//! - **One address across accounts**: four times that budget, which slows password
//!   spraying without letting one person lock a household out by typing names.
//! - **One account across all addresses**: past the same budget, attempts are not
//!   refused but slowed. Each is checked only at its turn: turns for one account are
//!   spaced 1 s apart, doubling with every further failure up to 16 s (at most 225
//!   guesses an hour however many addresses guess); an attempt whose turn is more than
//!   30 s away gets 429. An address that has signed in to the account successfully
//!   within the window is not slowed.
//!
//! So five wrong passwords for `admin` from anywhere cost the owner nothing at their
//! next correct login from another address, a few seconds while guessing goes on, and
//! nothing from an address they signed in from before.
//!
//! An attempt is **reserved before its password is checked**: [`LoginThrottle::reserve`]
//! counts it as a failure at once, atomically with the check of the budgets, and a
//! success or an attempt that never ran gives the reservation back. So a burst of
//! concurrent guesses from one address verifies at most the budget's worth of
//! passwords, however the requests interleave, on one instance or many.
//!
//! The counts live in this process, and with Redis also in shared counters
//! (`auth:failures:pair:{name}:{ip}`, `auth:failures:addr:{ip}` and
//! `auth:failures:user:{name}`, each expiring one window after its first failure),
//! checked and incremented by one Lua script, so several instances enforce one budget.
//! Addresses that signed in are remembered in `auth:known:{name}:{ip}` for one window;
//! the turns are kept per instance. When Redis is away (its breaker open) the local
//! counts still hold; while it is up, an attempt it does not count in time is refused
//! unchecked ([`Refused::Unshared`]), so a burst that slows Redis cannot buy each
//! instance a budget of its own.

use crate::cache::redis::Unanswered;
use crate::cache::RedisLink;
use deadpool_redis::redis::{self, pipe};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many times the per-account budget one address gets across accounts.
const ADDRESS_FACTOR: usize = 4;

const USER_LIMIT: &str = "auth.max_failed_logins";
const ADDRESS_LIMIT: &str = "auth.max_failed_logins (per address)";
const ACCOUNT_LIMIT: &str = "auth.max_failed_logins (per account, slowed)";

/// The spacing of an over-budget account's turns: the first, and the most.
const FIRST_DELAY: Duration = Duration::from_secs(1);
const MAX_DELAY: Duration = Duration::from_secs(16);
/// An attempt whose turn is further away than this is refused instead of held.
const MAX_WAIT: Duration = Duration::from_secs(30);
/// Addresses remembered per account as having signed in.
const KNOWN_PER_ACCOUNT: usize = 8;

/// Checks the first keys' counts against their budgets (the pair's, then the
/// address's) and, only when both are under them, counts the attempt on every key.
/// Returns `{0, n}` with `n` the account's count before this attempt, or the 1-based
/// index of the key whose budget is used and its remaining time to live in ms.
/// KEYS: pair, account, and the address when known; ARGV: window ms, pair budget,
/// address budget.
const RESERVE: &str = r"
local budgets = {tonumber(ARGV[2]), nil, tonumber(ARGV[3])}
for i, key in ipairs(KEYS) do
  if budgets[i] then
    local n = tonumber(redis.call('GET', key) or '0')
    if n >= budgets[i] then
      return {i, redis.call('PTTL', key)}
    end
  end
end
local before = tonumber(redis.call('GET', KEYS[2]) or '0')
for _, key in ipairs(KEYS) do
  redis.call('INCR', key)
  redis.call('PEXPIRE', key, ARGV[1], 'NX')
end
return {0, before}
";

/// Counts recent failures per account and address, per address, and per account.
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

/// An account and the address an attempt came from.
type Pair = (String, Option<IpAddr>);

#[derive(Debug, Default)]
struct State {
    by_pair: HashMap<Pair, VecDeque<Instant>>,
    by_addr: HashMap<IpAddr, VecDeque<Instant>>,
    by_user: HashMap<String, VecDeque<Instant>>,
    /// Reservations not yet settled, per account and address: an attempt refused only
    /// because of these waits for them (they may succeed and give the budget back).
    in_flight: HashMap<Pair, usize>,
    /// The next free turn of each account past its budget.
    turns: HashMap<String, Instant>,
    /// Addresses that signed in to each account, and when.
    known: HashMap<String, Vec<(IpAddr, Instant)>>,
}

/// How long an attempt waits for unsettled attempts of the same account and address
/// before it is refused: long enough for a few password checks.
const WAIT_FOR_IN_FLIGHT: Duration = Duration::from_secs(5);

/// The limit an attempt ran into, and how long until it may try again.
#[derive(Debug, Clone, PartialEq)]
pub struct Throttled {
    pub limit: &'static str,
    pub retry_after: Duration,
}

/// Why an attempt is not let through to its password check.
#[derive(Debug, Clone, PartialEq)]
pub enum Refused {
    /// A budget is spent.
    Throttled(Throttled),
    /// Redis is up (its breaker closed) but did not answer this attempt's count: the
    /// shared budget is unknown, so the password is not checked. Letting the attempt
    /// through on this instance's count alone would give each instance a budget of
    /// its own whenever a burst slows Redis down; only an outage (the breaker open)
    /// falls back to the local counts.
    Unshared,
}

impl From<Throttled> for Refused {
    fn from(t: Throttled) -> Self {
        Self::Throttled(t)
    }
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

/// A reservation's place among the attempts in flight for its account and address,
/// given up when the reservation is dropped: settled, or abandoned by a client that
/// went away (its failure then stays counted).
#[derive(Debug)]
struct InFlight {
    pair: Pair,
    state: Arc<Mutex<State>>,
    settled: Arc<tokio::sync::Notify>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(n) = state.in_flight.get_mut(&self.pair) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    state.in_flight.remove(&self.pair);
                }
            }
        }
        // Attempts waiting on this one look again.
        self.settled.notify_waiters();
    }
}

/// The spacing of turns for an account with `over` failures past its budget.
fn delay(over: usize) -> Duration {
    let doublings = u32::try_from(over.min(4)).unwrap_or(4);
    (FIRST_DELAY * 2u32.pow(doublings)).min(MAX_DELAY)
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
        let pair = match addr {
            Some(addr) => format!("auth:failures:pair:{username}:{addr}"),
            None => format!("auth:failures:pair:{username}:"),
        };
        let mut keys = vec![
            link.key(&pair),
            link.key(&format!("auth:failures:user:{username}")),
        ];
        if let Some(addr) = addr {
            keys.push(link.key(&format!("auth:failures:addr:{addr}")));
        }
        keys
    }

    /// Counts an attempt before its password is checked, unless its account from its
    /// address, or its address, has used its budget here or on any instance sharing
    /// Redis; past the account's own budget, waits for the attempt's turn.
    ///
    /// # Errors
    /// [`Throttled`] naming the limit and when the next attempt is allowed.
    pub async fn reserve(
        &self,
        username: &str,
        addr: Option<IpAddr>,
    ) -> Result<Reservation, Refused> {
        let user = username.to_lowercase();
        let waited_from = Instant::now();
        let (at, account_before) = loop {
            let settled = self.settled.notified();
            match self.reserve_local(&user, addr) {
                Ok(reserved) => break reserved,
                // Concurrent logins of one account from one place (a household's
                // devices behind one router) wait for the checks in flight instead of
                // being refused by them.
                Err((_, true)) if waited_from.elapsed() < WAIT_FOR_IN_FLIGHT => {
                    let _ = tokio::time::timeout(Duration::from_millis(250), settled).await;
                }
                Err((refused, _)) => return Err(refused.into()),
            }
        };
        let mut reservation = self.reservation(user, addr, at);
        let account_before = match self.reserve_shared(&reservation).await {
            Ok(None) => account_before,
            Ok(Some(shared_before)) => {
                reservation.shared = true;
                account_before.max(shared_before)
            }
            Err(refused) => {
                self.release_local(&reservation, true);
                return Err(refused);
            }
        };
        let over = account_before.checked_sub(self.max_failures);
        if let Some(over) = over.filter(|_| !self.is_known(&reservation)) {
            if let Err(refused) = self.wait_for_turn(&reservation, over).await {
                self.release_local(&reservation, true);
                self.settle_shared(&reservation, false).await;
                return Err(refused.into());
            }
        }
        Ok(reservation)
    }

    /// Counts the attempt in the shared counters: `Ok(Some(n))` with the account's
    /// shared count before it, `Ok(None)` without Redis or while it is away (its
    /// breaker open); [`Refused::Unshared`] when Redis is up but gave no answer.
    async fn reserve_shared(&self, reservation: &Reservation) -> Result<Option<usize>, Refused> {
        let Some(link) = self.redis.as_deref() else {
            return Ok(None);
        };
        let keys = Self::shared_keys(link, &reservation.user, reservation.addr);
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
            .call("throttle reserve", |mut c| async move {
                invocation.invoke_async::<(u8, i64)>(&mut c).await
            })
            .await;
        match verdict {
            // Redis away: the local count alone decides.
            Err(Unanswered::Away) => Ok(None),
            Err(Unanswered::Busy | Unanswered::Failed) => Err(Refused::Unshared),
            Ok((0, before)) => Ok(Some(usize::try_from(before).unwrap_or(0))),
            Ok((index, ttl_ms)) => Err(Refused::Throttled(Throttled {
                limit: if index == 1 {
                    USER_LIMIT
                } else {
                    ADDRESS_LIMIT
                },
                retry_after: Duration::from_millis(u64::try_from(ttl_ms).unwrap_or(1000)),
            })),
        }
    }

    /// Whether the reservation's address signed in to its account within the window,
    /// on this instance.
    fn is_known(&self, reservation: &Reservation) -> bool {
        let Some(addr) = reservation.addr else {
            return false;
        };
        let now = Instant::now();
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.known.get(&reservation.user).is_some_and(|known| {
            known
                .iter()
                .any(|(a, at)| *a == addr && now.duration_since(*at) < self.window)
        })
    }

    /// Whether Redis remembers the reservation's address as having signed in to its
    /// account (on another instance).
    async fn is_known_shared(&self, reservation: &Reservation) -> bool {
        let (Some(link), Some(addr)) = (self.redis.as_deref(), reservation.addr) else {
            return false;
        };
        let key = link.key(&format!("auth:known:{}:{addr}", reservation.user));
        link.run("throttle known", |mut c| async move {
            redis::cmd("EXISTS")
                .arg(&key)
                .query_async::<bool>(&mut c)
                .await
        })
        .await
        .unwrap_or(false)
    }

    /// Holds an attempt on an account `over` failures past its budget until its turn,
    /// unless its address signed in to the account before on another instance.
    async fn wait_for_turn(&self, reservation: &Reservation, over: usize) -> Result<(), Throttled> {
        if self.is_known_shared(reservation).await {
            return Ok(());
        }
        let turn = {
            let now = Instant::now();
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            state.turns.retain(|_, next| *next > now);
            let turn = state
                .turns
                .get(&reservation.user)
                .map_or(now, |next| (*next).max(now));
            if turn.duration_since(now) > MAX_WAIT {
                return Err(Throttled {
                    limit: ACCOUNT_LIMIT,
                    retry_after: turn.duration_since(now),
                });
            }
            state
                .turns
                .insert(reservation.user.clone(), turn + delay(over));
            turn
        };
        tokio::time::sleep_until(turn.into()).await;
        Ok(())
    }

    /// The password was wrong (or the account cannot log in): the reservation stays
    /// counted as a failure.
    pub fn failed(&self, reservation: Reservation) {
        drop(reservation);
    }

    /// The login succeeded: this address's failures for the account are forgotten, the
    /// attempt is given back, and the address is remembered as the account's own.
    pub async fn succeeded(&self, reservation: Reservation) {
        self.succeeded_local(&reservation);
        self.settle_shared(&reservation, true).await;
        if let (Some(link), Some(addr)) = (self.redis.as_deref(), reservation.addr) {
            let key = link.key(&format!("auth:known:{}:{addr}", reservation.user));
            let window_ms = u64::try_from(self.window.as_millis()).unwrap_or(u64::MAX);
            link.run("throttle known", |mut c| async move {
                redis::cmd("SET")
                    .arg(&key)
                    .arg(1)
                    .arg("PX")
                    .arg(window_ms)
                    .query_async::<()>(&mut c)
                    .await
            })
            .await;
        }
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

    /// Counts an attempt here when the budgets allow, with the account's count before
    /// it; when they do not, says whether attempts of this account from this address
    /// still in flight could give budget back.
    fn reserve_local(
        &self,
        user: &str,
        addr: Option<IpAddr>,
    ) -> Result<(Instant, usize), (Throttled, bool)> {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let window = self.window;
        state.by_pair.retain(|_, q| prune(q, window, now));
        state.by_addr.retain(|_, q| prune(q, window, now));
        state.by_user.retain(|_, q| prune(q, window, now));
        state
            .known
            .retain(|_, k| k.iter().any(|(_, at)| now.duration_since(*at) < window));
        let pair = (user.to_owned(), addr);
        let in_flight = state.in_flight.get(&pair).copied().unwrap_or(0) > 0;
        if let Some(wait) = wait(state.by_pair.get_mut(&pair), self.max_failures, window, now) {
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
        let account = state.by_user.entry(user.to_owned()).or_default();
        let before = account.len();
        account.push_back(now);
        state
            .by_pair
            .entry(pair.clone())
            .or_default()
            .push_back(now);
        *state.in_flight.entry(pair).or_default() += 1;
        Ok((now, before))
    }

    /// A reservation counted here at `at` (by [`Self::reserve_local`]).
    fn reservation(&self, user: String, addr: Option<IpAddr>, at: Instant) -> Reservation {
        Reservation {
            _in_flight: InFlight {
                pair: (user.clone(), addr),
                state: self.state.clone(),
                settled: self.settled.clone(),
            },
            user,
            addr,
            at,
            shared: false,
        }
    }

    /// Takes the reservation's own entries back out of the local counts (the pair's
    /// only when `pair_too`).
    fn release_local(&self, reservation: &Reservation, pair_too: bool) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if pair_too {
            let pair = (reservation.user.clone(), reservation.addr);
            if let Some(q) = state.by_pair.get_mut(&pair) {
                remove_one(q, reservation.at);
            }
        }
        if let Some(q) = state.by_user.get_mut(&reservation.user) {
            remove_one(q, reservation.at);
        }
        if let Some(q) = reservation.addr.and_then(|a| state.by_addr.get_mut(&a)) {
            remove_one(q, reservation.at);
        }
    }

    fn succeeded_local(&self, reservation: &Reservation) {
        self.release_local(reservation, false);
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state
            .by_pair
            .remove(&(reservation.user.clone(), reservation.addr));
        if let Some(addr) = reservation.addr {
            let known = state.known.entry(reservation.user.clone()).or_default();
            known.retain(|(a, _)| *a != addr);
            if known.len() >= KNOWN_PER_ACCOUNT {
                known.remove(0);
            }
            known.push((addr, Instant::now()));
        }
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
            .map(|(at, _)| t.reservation(user.to_lowercase(), addr, at))
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

    fn at(n: u8) -> Option<IpAddr> {
        Some(IpAddr::from([192, 0, 2, n]))
    }

    #[tokio::test]
    async fn failures_from_one_address_slow_the_owner_elsewhere_but_never_refuse_them() {
        let t = LoginThrottle::new(5, Duration::from_secs(900), None);
        for _ in 0..5 {
            t.failed(t.reserve("admin", at(1)).await.unwrap());
        }
        let Refused::Throttled(refused) = t.reserve("admin", at(1)).await.unwrap_err() else {
            panic!("throttled");
        };
        assert_eq!(refused.limit, USER_LIMIT, "the guessing address is refused");
        // The first attempt past the account's budget has its turn at once; the next
        // waits for the spacing.
        let started = Instant::now();
        t.failed(t.reserve("admin", at(3)).await.unwrap());
        assert!(started.elapsed() < Duration::from_millis(200));
        let started = Instant::now();
        let owner = t
            .reserve("Admin", at(2))
            .await
            .expect("another address may try");
        let waited = started.elapsed();
        assert!(
            (FIRST_DELAY - Duration::from_millis(50)..FIRST_DELAY * 3).contains(&waited),
            "an attempt past the account's budget waits its turn: {waited:?}"
        );
        t.succeeded(owner).await;
        // The address the owner signed in from is theirs now: not slowed at all.
        let started = Instant::now();
        t.failed(t.reserve("admin", at(2)).await.unwrap());
        assert!(started.elapsed() < Duration::from_millis(200));
    }

    #[tokio::test]
    async fn turns_past_the_account_s_budget_are_spaced_and_a_far_turn_is_refused() {
        assert_eq!(delay(0), FIRST_DELAY);
        assert_eq!(delay(1), FIRST_DELAY * 2);
        assert_eq!(delay(9), MAX_DELAY);
        let t = LoginThrottle::new(1, Duration::from_secs(900), None);
        t.failed(t.reserve("admin", at(1)).await.unwrap());
        // Far-off turns taken by guesses from many addresses: a new one is refused
        // with the time until its turn, and gives its counts back.
        {
            let mut state = t.state.lock().unwrap();
            state
                .turns
                .insert("admin".to_owned(), Instant::now() + MAX_WAIT * 2);
        }
        let Refused::Throttled(refused) = t.reserve("admin", at(3)).await.unwrap_err() else {
            panic!("throttled");
        };
        assert_eq!(refused.limit, ACCOUNT_LIMIT);
        assert!(refused.retry_after > MAX_WAIT);
        assert!(t
            .state
            .lock()
            .unwrap()
            .by_addr
            .get(&at(3).unwrap())
            .is_none_or(VecDeque::is_empty));
    }
}
