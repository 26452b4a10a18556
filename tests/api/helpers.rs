//! `spawn_app()` and the test app's helper methods.
//!
//! PostgreSQL tests use `HS_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) to create a database per test and
//! drop it afterwards; databases left by crashed runs are dropped on the next run.
//! When PostgreSQL is unreachable the test prints why and passes, except under
//! `CI=true`, where it fails.

use homestream::accounts::{Account, NewAccount, Role};
use homestream::config::{ConnectionUrl, Secret, Settings};
use homestream::startup::Application;
use homestream::state::AppState;
use serde_json::{json, Value};
use sqlx::{Connection, Executor, PgConnection};
use std::sync::atomic::{AtomicUsize, Ordering};
use tempfile::TempDir;
use tokio::sync::OnceCell;

pub const PASSWORD: &str = "correct horse battery";

/// Runs each named `async fn NAME(app: TestApp)` on SQLite and on PostgreSQL.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite).await;
                super::$name(app.expect("SQLite is always available")).await;
            }

            #[tokio::test]
            async fn postgres() {
                if let Some(app) = crate::helpers::spawn_app(crate::helpers::Backend::Postgres).await {
                    super::$name(app).await;
                }
            }
        }
    )*};
}
pub(crate) use on_both_backends;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running server and what it was started with.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub settings: Settings,
    server: tokio::task::JoinHandle<()>,
    // Dropped after the server: the database outlives the pool using it.
    _pg: Option<PgTestDb>,
    _dir: TempDir,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Settings for a test: a temporary data dir, port 0, and the chosen backend.
/// Returns `None` (after saying why) when PostgreSQL is wanted but unavailable.
pub async fn test_settings(backend: Backend) -> Option<(Settings, TempDir, Option<PgTestDb>)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings {
        data_dir: dir.path().join("data"),
        ..Settings::default()
    };
    settings.server.port = 0;
    // Seek previews are background ffmpeg work after every scan: only the tests of
    // them (tests/api/trickplay.rs) turn them on.
    settings.transcode.trickplay = false;
    settings.auth.jwt_secret = Secret::new(format!("test-secret-{}", uuid::Uuid::new_v4()));
    let pg = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => {
            let db = PgTestDb::create().await?;
            settings.database.url = ConnectionUrl::new(db.url.clone());
            Some(db)
        }
    };
    Some((settings, dir, pg))
}

/// Starts the application on a free port with a fresh database.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    let (settings, dir, pg) = test_settings(backend).await?;
    Some(spawn_with(settings, dir, pg).await)
}

/// Starts the application with prepared settings.
pub async fn spawn_with(settings: Settings, dir: TempDir, pg: Option<PgTestDb>) -> TestApp {
    let app = Application::build(settings.clone())
        .await
        .expect("application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    let server = tokio::spawn(async move {
        app.run_until(std::future::pending())
            .await
            .expect("server runs");
    });
    TestApp {
        address,
        client: reqwest::Client::new(),
        state,
        settings,
        server,
        _pg: pg,
        _dir: dir,
    }
}

impl TestApp {
    /// A second instance of this app: the same database, Redis (and its prefix),
    /// secret and libraries, with a data directory of its own (its own transcode
    /// cache and ffmpeg runs).
    pub async fn another_instance(&self) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = self.settings.clone();
        settings.data_dir = dir.path().join("data");
        spawn_with(settings, dir, None).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Creates an account directly through the service.
    pub async fn create_user(&self, username: &str, role: Role) -> Account {
        self.state
            .accounts
            .create(NewAccount {
                username: username.to_owned(),
                password: PASSWORD.to_owned(),
                email: None,
                role,
            })
            .await
            .expect("user created")
    }

    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/auth/login"))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .expect("request sent")
    }

    /// Creates an account and returns a token for it.
    pub async fn token_for(&self, username: &str, role: Role) -> String {
        self.create_user(username, role).await;
        self.login_token(username).await
    }

    pub async fn login_token(&self, username: &str) -> String {
        let resp = self.login(username, PASSWORD).await;
        assert_eq!(resp.status(), 200, "login of {username}");
        let body: Value = resp.json().await.expect("json");
        body["access_token"].as_str().expect("token").to_owned()
    }

    /// The id of the account a token belongs to (`GET /api/users/me`).
    pub async fn my_id(&self, token: &str) -> String {
        let me: serde_json::Value = self.get("/api/users/me", token).await.json().await.unwrap();
        me["id"].as_str().expect("an id").to_owned()
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: &Value,
    ) -> reqwest::Response {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }
}

/// Asserts a problem+json answer with this status and code, and returns its body.
pub async fn assert_problem(resp: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(resp.status(), status, "status");
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = resp.json().await.expect("problem body");
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{body}"
    );
    body
}

/// Whether nothing may skip at all (`CI=true`): then even `HS_ALLOW_SKIP` is ignored.
pub fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Binds a loopback listener and arranges for `cmd`'s process to get it as descriptor 3.
/// The port is never released between choosing and serving, so no other test can take
/// it. Returns the port; drop the listener once the child is spawned.
pub fn hand_over_listener(cmd: &mut std::process::Command) -> (std::net::TcpListener, u16) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a listener");
    let port = listener.local_addr().unwrap().port();
    let fd = std::os::fd::AsRawFd::as_raw_fd(&listener);
    // SAFETY: between fork and exec only async-signal-safe calls: dup2 and fcntl.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(cmd, move || {
            if fd == 3 {
                let flags = libc::fcntl(3, libc::F_GETFD);
                libc::fcntl(3, libc::F_SETFD, flags & !libc::FD_CLOEXEC);
            } else if libc::dup2(fd, 3) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    (listener, port)
}

/// Sends SIGTERM to `child` and returns at once.
pub fn sigterm(child: &std::process::Child) {
    // SAFETY: a plain signal to our own child, which has not been reaped yet.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
}

/// `child`'s exit status once it has ended within `limit`; `None` if it still runs.
pub fn exit_within(
    child: &mut std::process::Child,
    limit: std::time::Duration,
) -> Option<std::process::ExitStatus> {
    let started = std::time::Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if started.elapsed() >= limit {
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Stops a child process as its service manager would: SIGTERM, then SIGKILL if it has
/// not ended within `grace`. Waits until it has ended either way.
pub fn terminate(child: &mut std::process::Child, grace: std::time::Duration) {
    sigterm(child);
    if exit_within(child, grace).is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// A test that cannot run because `service` (postgres, redis, ffmpeg, nginx, prlimit)
/// is missing. It fails unless `HS_ALLOW_SKIP` names the service (comma-separated, or
/// `all`), and never skips under `CI=true`; a skip writes one line straight to the
/// terminal (past the runner's capture) and to `target/tmp/test-skips.log`, which
/// `.ci/run` sums up.
pub fn skip(service: &str, why: &str) {
    use std::io::Write;
    let allowed = std::env::var("HS_ALLOW_SKIP").unwrap_or_default();
    let allowed = !required()
        && allowed
            .split(',')
            .any(|s| s.trim() == service || s.trim() == "all");
    assert!(
        allowed,
        "{service} is needed: {why}. Install it, or set HS_ALLOW_SKIP={service} to skip \
         such tests (never under CI=true)"
    );
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    let line = format!("SKIPPED {test}: {service}: {why}");
    let _ = writeln!(std::io::stderr(), "{line}");
    let log = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-skips.log");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
    {
        let _ = writeln!(f, "{line}");
    }
}

/// A PostgreSQL database made for one test and dropped after it.
pub struct PgTestDb {
    pub url: String,
    name: String,
    admin_url: String,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);
static STALE_DROPPED: OnceCell<()> = OnceCell::const_new();

fn admin_url() -> String {
    std::env::var("HS_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

impl PgTestDb {
    pub async fn create() -> Option<Self> {
        let admin_url = admin_url();
        let mut conn = match PgConnection::connect(&admin_url).await {
            Ok(conn) => conn,
            Err(e) => {
                skip(
                    "postgres",
                    &format!("{admin_url} is unreachable ({e}); set HS_TEST_POSTGRES_URL"),
                );
                return None;
            }
        };
        STALE_DROPPED
            .get_or_init(|| async {
                drop_stale(&admin_url).await;
            })
            .await;
        let pid = std::process::id();
        let name = format!("hs_test_{pid}_{}", COUNTER.fetch_add(1, Ordering::SeqCst));
        conn.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create test database");
        let url = replace_db_name(&admin_url, &name);
        Some(Self {
            url,
            name,
            admin_url,
        })
    }
}

/// Drops test databases whose creating process is gone.
async fn drop_stale(admin_url: &str) {
    let Ok(mut conn) = PgConnection::connect(admin_url).await else {
        return;
    };
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'hs\\_test\\_%'")
            .fetch_all(&mut conn)
            .await
            .unwrap_or_default();
    for name in names {
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists()) {
            let _ = conn
                .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                .await;
        }
    }
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl Drop for PgTestDb {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime; a fresh thread with its own runtime can
        // block on the DROP without stalling it.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                if let Ok(mut conn) = PgConnection::connect(&admin_url).await {
                    let _ = conn
                        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                        .await;
                }
            });
        })
        .join();
    }
}

/// Where the tests' Redis runs (`HS_TEST_REDIS_URL`, default the local one).
pub fn redis_url() -> String {
    std::env::var("HS_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".to_owned())
}

/// Whether a Redis answers at `url`'s host and port; its absence fails the test unless
/// `HS_ALLOW_SKIP` names `redis` ([`skip`]).
pub fn redis_available(url: &str) -> bool {
    use std::io::{Read, Write};
    let addr = url
        .trim_start_matches("redis://")
        .split(['/', '?'])
        .next()
        .unwrap_or_default()
        .rsplit('@')
        .next()
        .unwrap_or_default()
        .to_owned();
    let answered = std::net::TcpStream::connect(&addr).is_ok_and(|mut s| {
        let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(2)));
        let mut buf = [0u8; 7];
        s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
    });
    if !answered {
        skip(
            "redis",
            &format!("no Redis at {addr}; set HS_TEST_REDIS_URL"),
        );
    }
    answered
}

/// A test's storage: a database backend, with or without Redis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Store {
    pub backend: Backend,
    pub redis: bool,
}

impl Store {
    /// Points `settings` at the tests' Redis under a key prefix of its own; `false`
    /// (the test returns, its skip allowed and logged by [`skip`]) when Redis is wanted
    /// and absent.
    pub fn apply(&self, settings: &mut Settings) -> bool {
        if !self.redis {
            return true;
        }
        let url = redis_url();
        if !redis_available(&url) {
            return false;
        }
        settings.redis.url = ConnectionUrl::new(url);
        settings.redis.key_prefix = format!("hs-test-{}:", uuid::Uuid::new_v4().simple());
        true
    }
}

/// Starts an app on `store`, with settings changed by `tweak`.
pub async fn spawn_store(store: Store, tweak: impl FnOnce(&mut Settings)) -> Option<TestApp> {
    let (mut settings, dir, pg) = test_settings(store.backend).await?;
    if !store.apply(&mut settings) {
        return None;
    }
    tweak(&mut settings);
    Some(spawn_with(settings, dir, pg).await)
}

/// Two instances on one database (and one Redis, when the store has it), sharing the
/// token secret; without Redis, the second is the first.
pub async fn pair(store: Store) -> Option<(TestApp, Option<TestApp>)> {
    let (mut settings, dir, pg) = test_settings(store.backend).await?;
    if !store.apply(&mut settings) {
        return None;
    }
    let second = settings.clone();
    let a = spawn_with(settings, dir, pg).await;
    if !store.redis {
        return Some((a, None));
    }
    let b = spawn_with(second, tempfile::tempdir().unwrap(), None).await;
    Some((a, Some(b)))
}

/// Runs each named `async fn NAME(store: Store)` on each store whose code path differs:
/// SQLite and PostgreSQL alone (each backend's SQL, this instance's own caches), and
/// PostgreSQL with Redis (the shared copies, and two instances where the test makes a
/// [`pair`]). SQLite with Redis takes no path these three do not: its SQL is SQLite's,
/// its Redis code the same as PostgreSQL's.
macro_rules! on_each_store {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use crate::helpers::{Backend, Store};

            #[tokio::test]
            async fn sqlite() {
                super::$name(Store { backend: Backend::Sqlite, redis: false }).await;
            }

            #[tokio::test]
            async fn postgres() {
                super::$name(Store { backend: Backend::Postgres, redis: false }).await;
            }

            #[tokio::test]
            async fn postgres_redis() {
                super::$name(Store { backend: Backend::Postgres, redis: true }).await;
            }
        }
    )*};
}
pub(crate) use on_each_store;

/// Runs each named `async fn NAME(store: Store)` on one instance (SQLite) and on two
/// instances sharing PostgreSQL and Redis: for races whose meaning is in what one
/// instance learns from another, not in the SQL.
macro_rules! on_one_and_two_instances {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use crate::helpers::{Backend, Store};

            #[tokio::test]
            async fn one() {
                super::$name(Store { backend: Backend::Sqlite, redis: false }).await;
            }

            #[tokio::test]
            async fn two() {
                super::$name(Store { backend: Backend::Postgres, redis: true }).await;
            }
        }
    )*};
}
pub(crate) use on_one_and_two_instances;

/// The port of an address such as `http://127.0.0.1:3000`.
pub fn port_of(address: &str) -> u16 {
    address
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("an address with a port")
}

/// Makes the PostgreSQL database of `database_url` refuse new connections (and ends
/// the ones open), or accept them again: an outage as a restarting server gives one.
pub async fn postgres_accepting(database_url: &str, accept: bool) {
    let name = database_url.rsplit('/').next().unwrap().to_owned();
    let admin_url = database_url.replace(&format!("/{name}"), "/postgres");
    let admin = sqlx::PgPool::connect(&admin_url).await.unwrap();
    sqlx::query(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS {accept}"))
        .execute(&admin)
        .await
        .unwrap();
    if !accept {
        sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
            .bind(&name)
            .execute(&admin)
            .await
            .unwrap();
    }
    admin.close().await;
}

/// Lowers a running process's open-file limit to `n` with `prlimit`; false (having
/// said so, as a skip) when that cannot be done.
pub fn limit_open_files(pid: u32, n: u32) -> bool {
    let limited = std::process::Command::new("prlimit")
        .args(["--pid", &pid.to_string(), &format!("--nofile={n}:{n}")])
        .status();
    match limited {
        Ok(s) if s.success() => true,
        other => {
            skip("prlimit", &format!("prlimit failed ({other:?})"));
            false
        }
    }
}

/// A field of `/proc/PID/status` in bytes (`VmRSS:`, `RssAnon:`).
pub fn status_bytes(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0)
        * 1024
}

/// Watches a server process during a burst: its peak resident memory (sampled every
/// 5 ms) and `/health` on a new connection every 20 ms, until [`ServerWatch::finish`].
pub struct ServerWatch {
    peak: std::sync::Arc<std::sync::atomic::AtomicU64>,
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
    sampler: std::thread::JoinHandle<()>,
    health: tokio::task::JoinHandle<Vec<(std::time::Duration, u16)>>,
}

impl ServerWatch {
    pub fn start(pid: u32, health_url: String) -> Self {
        use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
        use std::sync::Arc;
        let peak = Arc::new(AtomicU64::new(status_bytes(pid, "VmRSS:")));
        let done = Arc::new(AtomicBool::new(false));
        let sampler = {
            let (peak, done) = (peak.clone(), done.clone());
            std::thread::spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    peak.fetch_max(status_bytes(pid, "VmRSS:"), Ordering::Relaxed);
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
            })
        };
        let health = {
            let done = done.clone();
            tokio::spawn(async move {
                let client = reqwest::Client::builder()
                    .timeout(std::time::Duration::from_secs(5))
                    .pool_max_idle_per_host(0)
                    .build()
                    .unwrap();
                let mut times = Vec::new();
                while !done.load(Ordering::Relaxed) {
                    let start = std::time::Instant::now();
                    let status = client.get(&health_url).send().await;
                    let status = status.map_or(0, |r| r.status().as_u16());
                    times.push((start.elapsed(), status));
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
                times
            })
        };
        Self {
            peak,
            done,
            sampler,
            health,
        }
    }

    /// Stops watching: the peak resident bytes, and each `/health` probe's time and
    /// status (0: no answer).
    pub async fn finish(self) -> (u64, Vec<(std::time::Duration, u16)>) {
        self.done.store(true, std::sync::atomic::Ordering::Relaxed);
        self.sampler.join().unwrap();
        let times = self.health.await.unwrap();
        (self.peak.load(std::sync::atomic::Ordering::Relaxed), times)
    }
}
