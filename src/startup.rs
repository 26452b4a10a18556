//! Building and running the server: the same [`Application::build`] serves production
//! and the tests, which bind port 0 and read the chosen port back. The accept loop is
//! [`crate::server`]; the state [`crate::state`]; the routes [`crate::api::routes`];
//! the background upkeep [`crate::upkeep`].

use crate::api;
use crate::api::error::problem_from_poem_error;
use crate::config::Settings;
use crate::state::AppState;
use anyhow::Context;
use poem::{EndpointExt, IntoResponse, Route};
use std::future::Future;
use std::sync::Arc;

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    listener: tokio::net::TcpListener,
    /// The separate `/metrics` listener, when `metrics.listen` is set.
    metrics_listener: Option<tokio::net::TcpListener>,
    /// The DLNA media server, when `dlna.enable`.
    dlna: Option<crate::dlna::Bound>,
    state: AppState,
}

impl Application {
    /// Builds the state and binds the listener (port 0 picks a free port).
    ///
    /// # Errors
    /// As [`AppState::new`], or when the address cannot be bound.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_on(settings, None).await
    }

    /// [`Application::build`] serving on `listener` when given (socket activation,
    /// [`crate::server::inherited_listener`]) instead of binding `server.host:port`.
    ///
    /// # Errors
    /// As [`Application::build`].
    pub async fn build_on(
        settings: Settings,
        listener: Option<std::net::TcpListener>,
    ) -> anyhow::Result<Self> {
        let addr = std::net::SocketAddr::from((settings.server.host, settings.server.port));
        let state = AppState::serving(settings, api::route_templates()).await?;
        let listener = match listener {
            Some(inherited) => tokio::net::TcpListener::from_std(inherited)?,
            None => {
                crate::server::bind(addr).with_context(|| format!("cannot listen on {addr}"))?
            }
        };
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
        let dlna = crate::dlna::Bound::bind(&state).await?;
        Ok(Self {
            port,
            listener,
            metrics_listener,
            dlna,
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

    /// The DLNA listener's port, when DLNA is enabled.
    pub fn dlna_port(&self) -> Option<u16> {
        self.dlna.as_ref().map(|d| d.dlna.port)
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
        let upkeep = crate::upkeep::start(&self.state);
        let dlna = self.dlna.map(|d| d.run(self.state.clone()));
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
        let (streams, recorder) = (
            self.state.streamer.registry().clone(),
            self.state.recorder.clone(),
        );
        let limits = crate::server::Limits::from_settings(&self.state.settings.server);
        let endpoint: crate::server::Endpoint = Arc::new(poem::endpoint::ToDynEndpoint(
            api::routes(self.state).map_to_response(),
        ));
        crate::server::serve(self.listener, endpoint, shutdown, timeout, limits).await;
        // TVs forget the server at once rather than when its announcement lapses.
        if let Some(dlna) = dlna {
            dlna.stop().await;
        }
        // The playbacks the stop ends are recorded as stopped, and written.
        streams.end_all("the server is stopping");
        if !recorder.close(timeout).await {
            tracing::warn!("analytics events still queued at the shutdown timeout are lost");
        }
        transcoder.shutdown();
        drop(upkeep);
        if let Some(task) = metrics_listener {
            task.abort();
        }
        db.close().await;
        tracing::info!("homestream stopped");
        Ok(())
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
