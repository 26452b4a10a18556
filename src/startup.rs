//! Building and running the server: the same [`Application::build`] serves production
//! and the tests, which bind port 0 and read the chosen port back.

use crate::accounts::Accounts;
use crate::api;
use crate::auth::throttle::LoginThrottle;
use crate::auth::TokenKeys;
use crate::cache::{Cache, RedisLink};
use crate::config::{resolve, Settings};
use crate::db::Database;
use crate::error::problem_from_poem_error;
use crate::library::MediaLibrary;
use crate::metrics::Metrics;
use crate::playlists::Playlists;
use crate::sessions::Sessions;
use crate::streaming::limits::StreamRegistry;
use crate::streaming::shared::SharedSlots;
use crate::streaming::Streamer;
use crate::transcode::Transcoder;
use crate::watching::Watching;
use anyhow::Context;
use poem::{EndpointExt, IntoEndpoint, IntoResponse, Route};
use std::future::Future;
use std::io::Write;
use std::path::Path;
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
    pub metrics: Arc<Metrics>,
    pub transcoder: Arc<Transcoder>,
}

impl AppState {
    /// Opens the database, applies migrations and builds the services.
    ///
    /// # Errors
    /// When the database cannot be opened or migrated, or the JWT secret cannot be read
    /// or created.
    pub async fn new(settings: Settings) -> anyhow::Result<Self> {
        let db = Database::connect(&settings)
            .await
            .with_context(|| format!("cannot open the {} database", backend_name(&settings)))?;
        db.migrate()
            .await
            .context("cannot apply database migrations")?;
        let secret = jwt_secret(&settings)?;
        let redis = match settings.redis.url.expose() {
            "" => None,
            url => Some(RedisLink::connect(url, &settings.redis.key_prefix)?),
        };
        let cache = Arc::new(Cache::new(redis.clone()));
        let sessions = Sessions::new(db.clone(), &settings.auth, redis.clone());
        let throttle = LoginThrottle::new(
            settings.auth.max_failed_logins.get(),
            settings.auth.failed_login_window.get(),
            redis.clone(),
        );
        let keys = TokenKeys::new(&secret);
        let passwords = crate::auth::password::Passwords::new(
            settings.auth.password_workers,
            settings.auth.password_queue.get(),
        );
        let accounts = Accounts::new(
            db.clone(),
            keys,
            sessions,
            throttle,
            passwords,
            cache.clone(),
        );
        let library = Arc::new(MediaLibrary::new(db.clone(), &settings, cache.clone()));
        let s = &settings.streaming;
        let (max_total, max_user, idle) = (
            s.max_concurrent_streams.get(),
            s.max_streams_per_user.get(),
            s.idle_timeout.get(),
        );
        let registry = StreamRegistry::new(max_total, max_user, idle);
        let shared = redis
            .clone()
            .map(|link| Arc::new(SharedSlots::new(link, max_total, max_user, idle)));
        let chunk = usize::try_from(s.chunk_size.get()).unwrap_or(usize::MAX);
        let streamer = Arc::new(Streamer::new(
            library.clone(),
            registry.clone(),
            shared,
            chunk,
        ));
        let watching = Arc::new(Watching::new(
            db.clone(),
            cache.clone(),
            library.clone(),
            registry,
        ));
        let playlists = Arc::new(Playlists::new(db.clone(), library.clone()));
        let spec: serde_json::Value = serde_json::from_str(&api::spec_json())?;
        let paths = spec["paths"]
            .as_object()
            .map(|p| p.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default();
        let transcoder =
            Transcoder::new(&settings).context("cannot prepare the transcode cache")?;
        Ok(Self {
            metrics: Arc::new(Metrics::new(paths)),
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
        })
    }
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

/// The JWT secret: the configured one, or one generated once into
/// `<data_dir>/jwt_secret` (mode 0600) and reused on every start.
fn jwt_secret(settings: &Settings) -> anyhow::Result<Vec<u8>> {
    let configured = settings.auth.jwt_secret.expose();
    if !configured.is_empty() {
        anyhow::ensure!(
            configured.len() >= 32,
            "auth.jwt_secret: expected at least 32 characters, got {}",
            configured.len()
        );
        return Ok(configured.as_bytes().to_vec());
    }
    let path = resolve(Path::new("."), &settings.data_dir).join("jwt_secret");
    read_or_create_secret(&path).with_context(|| format!("JWT secret file {}", path.display()))
}

fn read_or_create_secret(path: &Path) -> anyhow::Result<Vec<u8>> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        let existing = existing.trim();
        anyhow::ensure!(existing.len() >= 32, "shorter than 32 characters");
        return Ok(existing.as_bytes().to_vec());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| anyhow::anyhow!("random source: {e}"))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(hex.as_bytes())?;
            file.sync_all()?;
            Ok(hex.into_bytes())
        }
        // Another instance created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_or_create_secret(path),
        Err(e) => Err(e.into()),
    }
}

/// The whole HTTP application: API, spec, Swagger UI and the middleware around them.
pub fn routes(state: AppState) -> impl poem::Endpoint {
    let service = api::service();
    let spec = service.spec_endpoint();
    let docs = service.swagger_ui();
    let max_body = state.settings.server.max_body_size.get();
    Route::new()
        .nest("/", service)
        .at("/api/openapi.json", spec)
        .nest("/docs", docs)
        .into_endpoint()
        .around(move |ep, req| api::middleware::around(ep, req, max_body))
        .with(api::middleware::security_headers())
        .data(state)
        .catch_all_error(|err| async move { problem_from_poem_error(err) })
}

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    listener: tokio::net::TcpListener,
    /// The separate `/metrics` listener, when `metrics.listen` is set.
    metrics_listener: Option<tokio::net::TcpListener>,
    state: AppState,
}

impl Application {
    /// Builds the state and binds the listener (port 0 picks a free port).
    ///
    /// # Errors
    /// As [`AppState::new`], or when the address cannot be bound.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let addr = std::net::SocketAddr::from((settings.server.host, settings.server.port));
        let state = AppState::new(settings).await?;
        let listener =
            crate::server::bind(addr).with_context(|| format!("cannot listen on {addr}"))?;
        let port = listener.local_addr()?.port();
        let metrics_listener = match state.settings.metrics.listen.as_str() {
            "" => None,
            listen => {
                let addr: std::net::SocketAddr = listen.parse().with_context(|| {
                    format!("metrics.listen: expected host:port, got {listen:?}")
                })?;
                Some(
                    crate::server::bind(addr)
                        .with_context(|| format!("cannot listen on {addr} for metrics"))?,
                )
            }
        };
        Ok(Self {
            port,
            listener,
            metrics_listener,
            state,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the separate metrics listener, when there is one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
            .map(|a| a.port())
    }

    /// The shared state (tests use it to reach the database).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then lets open requests finish for up to
    /// `server.shutdown_timeout` and closes the database pool. Scans the libraries in
    /// the background at start-up and watches them, as configured.
    ///
    /// # Errors
    /// When the listener fails.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let timeout = self.state.settings.server.shutdown_timeout.get();
        let db = self.state.db.clone();
        let media = &self.state.settings.media;
        let library = self.state.library.clone();
        let _watcher = if media.watch && !library.libraries().is_empty() {
            crate::library::watch::start(library.clone())
                .inspect_err(|e| tracing::warn!(error = %e, "cannot watch the libraries"))
                .ok()
        } else {
            None
        };
        if media.scan_on_startup && !library.libraries().is_empty() {
            tokio::spawn(async move {
                library.scan(None).await;
            });
        }
        let maintenance = tokio::spawn(maintain(self.state.clone()));
        let session_sync = tokio::spawn(sync_sessions(self.state.clone()));
        let metrics_listener = match self.metrics_listener {
            Some(listener) => {
                let state = self.state.clone();
                Some(tokio::spawn(serve_metrics(listener, state)))
            }
            None => None,
        };
        tracing::info!(
            port = self.port,
            backend = db.backend(),
            "homestream listening"
        );
        let transcoder = self.state.transcoder.clone();
        let limits = crate::server::Limits::from_settings(&self.state.settings.server);
        let endpoint: crate::server::Endpoint = Arc::new(poem::endpoint::ToDynEndpoint(
            routes(self.state).map_to_response(),
        ));
        crate::server::serve(self.listener, endpoint, shutdown, timeout, limits).await;
        transcoder.shutdown();
        maintenance.abort();
        session_sync.abort();
        if let Some(task) = metrics_listener {
            task.abort();
        }
        db.close().await;
        tracing::info!("homestream stopped");
        Ok(())
    }
}

/// Background upkeep while the server runs: every [`SharedSlots`] refresh period,
/// publishes this instance's streams to Redis and records what sessions streamed;
/// every minute (or a quarter of the session timeout), sweeps ended sessions.
async fn maintain(state: AppState) {
    let sweep_every = (state.settings.auth.session_timeout.get() / 4).clamp(
        std::time::Duration::from_secs(1),
        std::time::Duration::from_secs(60),
    );
    let mut last_sweep = std::time::Instant::now();
    let mut last_trim = std::time::Instant::now();
    let mut tick = tokio::time::interval(crate::streaming::shared::REFRESH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let registry = state.streamer.registry();
        if let Some(shared) = state.streamer.shared() {
            shared.refresh(registry.open_slots()).await;
        }
        let sessions = state.accounts.sessions();
        for (session, a) in registry.take_activity() {
            let streams = i64::try_from(a.streams_opened).unwrap_or(i64::MAX);
            let bytes = i64::try_from(a.bytes).unwrap_or(i64::MAX);
            if let Err(e) = sessions.record_streaming(session, streams, bytes).await {
                tracing::warn!(error = %e, %session, "cannot record what a session streamed");
            }
        }
        state.transcoder.sweep();
        if last_trim.elapsed() >= TRIM_EVERY {
            last_trim = std::time::Instant::now();
            give_back_free_memory();
        }
        // Half a tick early rather than a whole tick late: the ticks do not line up with
        // `sweep_every`, and waiting for the next one would make the period nearly double.
        if last_sweep.elapsed() + crate::streaming::shared::REFRESH_EVERY / 2 >= sweep_every {
            last_sweep = std::time::Instant::now();
            if let Err(e) = sessions.sweep().await {
                tracing::warn!(error = %e, "session sweep failed");
            }
        }
    }
}

/// How often freed heap memory is handed back to the kernel.
const TRIM_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Hands the allocator's free pages back to the kernel. glibc keeps what a burst
/// freed (500 concurrent requests leave ~20 MB in its arenas for good); trimming every
/// few seconds returns a burst's memory within seconds of its end.
fn give_back_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Keeps this instance's view of the shared sessions honest (see
/// [`crate::sessions`]): one pass every [`crate::sessions::SYNC_EVERY`], when Redis is
/// configured.
async fn sync_sessions(state: AppState) {
    if state.redis.is_none() {
        return;
    }
    let mut tick = tokio::time::interval(crate::sessions::SYNC_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = state.accounts.sessions().sync_shared().await {
            tracing::warn!(error = %e, "cannot apply pending session ends to Redis");
        }
    }
}

/// Serves only `/metrics` on its own listener (`metrics.listen`).
async fn serve_metrics(listener: tokio::net::TcpListener, state: AppState) {
    let state_settings = state.settings.server.clone();
    let endpoint = Route::new()
        .at(
            "/metrics",
            poem::endpoint::make(move |req: poem::Request| {
                let state = state.clone();
                async move {
                    match api::system::scrape(&state, &req).await {
                        Ok(resp) => resp.into_response(),
                        Err(e) => e.into_response(),
                    }
                }
            }),
        )
        .catch_all_error(|err| async move { problem_from_poem_error(err) });
    let endpoint: Arc<dyn poem::endpoint::DynEndpoint<Output = poem::Response>> =
        Arc::new(poem::endpoint::ToDynEndpoint(endpoint.map_to_response()));
    let limits = crate::server::Limits::from_settings(&state_settings);
    crate::server::serve(
        listener,
        endpoint,
        std::future::pending::<()>(),
        std::time::Duration::from_secs(1),
        limits,
    )
    .await;
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutdown requested");
}
