//! The shared state every handler reaches: the settings and one handle to each
//! service, wired together once at start-up by [`AppState::new`].
//!
//! It sits below the API, the auth guard, the metrics and the server loop, which take
//! it from the request; it imports the services and nothing above them.

use crate::accounts::Accounts;
use crate::analytics::{Analytics, Recorder};
use crate::auth::throttle::LoginThrottle;
use crate::auth::TokenKeys;
use crate::cache::{Cache, RedisHealth, RedisLink};
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Database;
use crate::library::MediaLibrary;
use crate::metrics::{Metrics, Snapshot};
use crate::playlists::Playlists;
use crate::sessions::Sessions;
use crate::streaming::limits::StreamRegistry;
use crate::streaming::shared::SharedSlots;
use crate::streaming::Streamer;
use crate::transcode::Transcoder;
use crate::watching::Watching;
use anyhow::Context;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Database,
    /// The shared Redis, when `redis.url` is set.
    pub redis: Option<Arc<RedisLink>>,
    pub cache: Arc<Cache>,
    pub accounts: Arc<Accounts>,
    pub library: Arc<MediaLibrary>,
    pub streamer: Arc<Streamer>,
    pub watching: Arc<Watching>,
    pub playlists: Arc<Playlists>,
    /// The DLNA devices seen.
    pub devices: Arc<crate::devices::Devices>,
    pub metrics: Arc<Metrics>,
    pub transcoder: Arc<Transcoder>,
    /// Playback events: where the stream registry records them, and their figures.
    pub recorder: Arc<Recorder>,
    pub analytics: Arc<Analytics>,
    /// Events the database refused to store, since start-up.
    pub analytics_failed: Arc<AtomicU64>,
    /// The time sessions and stream limits go by (tests move it forward).
    pub clock: Clock,
}

impl AppState {
    /// Opens the database, applies migrations and builds the services.
    ///
    /// # Errors
    /// When the database cannot be opened or migrated, or the JWT secret cannot be read
    /// or created.
    pub async fn new(settings: Settings) -> anyhow::Result<Self> {
        Self::serving(settings, Vec::new()).await
    }

    /// [`AppState::new`] for a server answering `routes` (the API's route templates,
    /// which the request metrics are labelled with).
    ///
    /// # Errors
    /// As [`AppState::new`].
    pub async fn serving(settings: Settings, routes: Vec<String>) -> anyhow::Result<Self> {
        let db = Database::connect(&settings)
            .await
            .with_context(|| format!("cannot open the {} database", backend_name(&settings)))?;
        db.migrate()
            .await
            .context("cannot apply database migrations")?;
        let secret = crate::auth::secret::jwt_secret(&settings)?;
        let redis = match settings.redis.url.expose() {
            "" => None,
            url => Some(RedisLink::connect(url, &settings.redis.key_prefix)?),
        };
        let cache = Arc::new(Cache::new(redis.clone()));
        let clock = Clock::system();
        let accounts = accounts_for(
            &settings,
            &db,
            &secret,
            redis.clone(),
            cache.clone(),
            clock.clone(),
        );
        let library = Arc::new(MediaLibrary::new(db.clone(), &settings, cache.clone()));
        let (recorder, events) = Recorder::new();
        let analytics_failed = Arc::new(AtomicU64::new(0));
        tokio::spawn(crate::analytics::write(
            db.clone(),
            events,
            analytics_failed.clone(),
        ));
        let streamer = streamer_for(
            &settings,
            library.clone(),
            redis.clone(),
            recorder.clone(),
            clock.clone(),
        );
        let watching = Arc::new(Watching::new(
            db.clone(),
            cache.clone(),
            library.clone(),
            streamer.clone(),
        ));
        let playlists = Arc::new(Playlists::new(db.clone(), library.clone()));
        let devices = Arc::new(crate::devices::Devices::new(db.clone(), &secret));
        let transcoder =
            Transcoder::new(&settings).context("cannot prepare the transcode cache")?;
        let db_for_analytics = db.clone();
        Ok(Self {
            metrics: Arc::new(Metrics::new(routes)),
            transcoder,
            settings: Arc::new(settings),
            db,
            redis,
            cache,
            accounts: Arc::new(accounts),
            library,
            streamer,
            watching,
            playlists,
            devices,
            analytics: Arc::new(Analytics::new(db_for_analytics)),
            recorder,
            analytics_failed,
            clock,
        })
    }
}

/// Sign-in: sessions, the login throttle, token keys and the password pool.
fn accounts_for(
    settings: &Settings,
    db: &Database,
    secret: &[u8],
    redis: Option<Arc<RedisLink>>,
    cache: Arc<Cache>,
    clock: Clock,
) -> Accounts {
    let sessions = Sessions::new(db.clone(), &settings.auth, redis.clone(), clock);
    let throttle = LoginThrottle::new(
        settings.auth.max_failed_logins.get(),
        settings.auth.failed_login_window.get(),
        redis,
    );
    let passwords = crate::auth::password::Passwords::new(
        settings.auth.password_workers,
        settings.auth.password_queue.get(),
    );
    Accounts::new(
        db.clone(),
        TokenKeys::new(secret),
        sessions,
        throttle,
        passwords,
        cache,
    )
}

/// Direct play: this instance's stream registry and, with Redis, the slots every
/// instance shares.
fn streamer_for(
    settings: &Settings,
    library: Arc<MediaLibrary>,
    redis: Option<Arc<RedisLink>>,
    recorder: Arc<Recorder>,
    clock: Clock,
) -> Arc<Streamer> {
    let s = &settings.streaming;
    let (max_total, max_user, idle) = (
        s.max_concurrent_streams.get(),
        s.max_streams_per_user.get(),
        s.idle_timeout.get(),
    );
    let registry = StreamRegistry::recording(max_total, max_user, idle, Some(recorder), clock);
    let shared = redis.map(|link| Arc::new(SharedSlots::new(link, max_total, max_user, idle)));
    let chunk = usize::try_from(s.chunk_size.get()).unwrap_or(usize::MAX);
    Arc::new(Streamer::new(library, registry, shared, chunk))
}

fn backend_name(settings: &Settings) -> String {
    let url = settings.database.url.expose();
    if url.starts_with("postgres") {
        format!("PostgreSQL ({})", settings.database.url.redacted())
    } else if url.is_empty() {
        format!("SQLite ({})", settings.default_sqlite_path().display())
    } else {
        url.to_owned()
    }
}

impl AppState {
    /// The database's health, as `/ready` reports it.
    pub async fn database_health(&self) -> crate::db::Health {
        self.db.health().await
    }

    /// `sqlite` or `postgres`.
    pub fn database_backend(&self) -> &'static str {
        self.db.backend()
    }

    /// The figures `/metrics` reads at scrape time, gathered from the services. The
    /// database and Redis are asked at once, each bounded by its own timeout
    /// (`database.acquire_timeout`, Redis' call timeout), so a dead dependency costs
    /// a scrape seconds, not the scrape.
    pub async fn metrics_snapshot(&self) -> Snapshot {
        let registry = self.streamer.registry();
        let t = &self.transcoder;
        let (transcodes_started, transcodes_failed) = t.stats.totals();
        let samples = t.stats.take();
        let (open, database, redis) = tokio::join!(
            self.accounts.sessions().count_open(),
            self.db.health(),
            RedisHealth::of(self.redis.as_deref()),
        );
        let open = open.ok();
        Snapshot {
            active_streams: registry.list().len() as u64,
            bytes_sent: registry.bytes_sent(),
            transfers: registry.transfers(),
            open_sessions: open.map(|(sessions, _)| sessions),
            active_users: open.map(|(_, users)| users),
            caches: self.cache.stats(),
            db_pool: self.db.pool_use(),
            scan: self.library.scan_progress(),
            transcodes_running: t.pool.running() as u64,
            transcodes_queued: t.pool.queued() as u64,
            transcode_breakers_open: t.breakers.open() as u64,
            transcodes_started,
            transcodes_failed,
            transcodes_refused: t.pool.refused(),
            transcode_limits: (t.pool.limit() as u64, t.pool.max_queued() as u64),
            transcode_cache_bytes: t.cache.size(),
            transcode_cache_cap: t.cache.cap(),
            first_segment_seconds: samples.first_segment_seconds,
            encode_speed: samples.speed,
            stream_limit: u64::from(registry.max_total()),
            stream_refusals: self.streamer.refusals(),
            analytics_lost: (
                self.recorder.dropped(),
                self.analytics_failed
                    .load(std::sync::atomic::Ordering::Relaxed),
            ),
            logins: self.accounts.login_counts(),
            database,
            redis,
        }
    }
}
