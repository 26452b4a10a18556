//! Background upkeep while the server runs, started by [`start`] and stopped with the
//! returned handles: the maintenance tick (stream slots published to Redis, what
//! sessions streamed recorded, transcodes swept, sessions swept, free memory given
//! back), the session sync pass (see [`crate::sessions`]), the stop of streams
//! whose session ended, and the thumbnails that follow each scan.

use crate::state::AppState;

/// The running upkeep tasks; aborted when dropped.
pub struct Upkeep(Vec<tokio::task::JoinHandle<()>>);

impl Drop for Upkeep {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// Starts the upkeep tasks.
pub fn start(state: &AppState) -> Upkeep {
    Upkeep(vec![
        tokio::spawn(maintain(state.clone())),
        tokio::spawn(sync_sessions(state.clone())),
        tokio::spawn(end_streams_of_ended_sessions(state.clone())),
        tokio::spawn(state.library.clone().thumbnail_worker()),
    ])
}

/// How often the sessions of open streams are checked for an end.
const SESSION_ENDS_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Stops the running transfers of sessions that ended, on whichever instance they
/// ended: a logged-out or deactivated user's download stops within a second and its
/// slot is freed, where the next request of a player would only be refused.
async fn end_streams_of_ended_sessions(state: AppState) {
    let mut tick = tokio::time::interval(SESSION_ENDS_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let sessions = state.accounts.sessions();
    loop {
        // Ends made here are acted on at once; ends made on other instances are found
        // in Redis at the next tick.
        tokio::select! {
            _ = tick.tick() => {}
            () = sessions.next_end() => {}
        }
        let open = state.streamer.registry().sessions();
        if open.is_empty() {
            continue;
        }
        for session in sessions.ended_among(&open).await {
            state.streamer.end_session(session).await;
        }
    }
}

/// The maintenance tick: every [`crate::streaming::shared::REFRESH_EVERY`], publishes
/// this instance's streams to Redis and records what sessions streamed; every minute
/// (or a quarter of the session timeout), sweeps ended sessions.
async fn maintain(state: AppState) {
    let sweep_every = (state.settings.auth.session_timeout.get() / 4).clamp(
        std::time::Duration::from_secs(1),
        std::time::Duration::from_secs(60),
    );
    let mut last_sweep = std::time::Instant::now();
    let mut last_trim = std::time::Instant::now();
    let mut last_analytics_sweep: Option<std::time::Instant> = None;
    let mut tick = tokio::time::interval(crate::streaming::shared::REFRESH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let registry = state.streamer.registry();
        if let Some(shared) = state.streamer.shared() {
            let ended = shared.refresh(registry.open_slots()).await;
            state.streamer.end_requested(ended).await;
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
        if last_analytics_sweep.is_none_or(|t| t.elapsed() >= ANALYTICS_SWEEP_EVERY) {
            last_analytics_sweep = Some(std::time::Instant::now());
            let retention = state.settings.analytics.retention.get();
            match state.analytics.sweep(retention).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(events = n, "analytics events past retention deleted"),
                Err(e) => tracing::warn!(error = %e, "analytics sweep failed"),
            }
        }
        if last_trim.elapsed() >= TRIM_EVERY {
            last_trim = std::time::Instant::now();
            crate::server::memory::give_back();
        }
        // Half a tick early rather than a whole tick late: the ticks do not line up with
        // `sweep_every`, and waiting for the next one would make the period nearly double.
        if last_sweep.elapsed() + crate::streaming::shared::REFRESH_EVERY / 2 >= sweep_every {
            last_sweep = std::time::Instant::now();
            if let Err(e) = sessions.sweep().await {
                tracing::warn!(error = %e, "session sweep failed");
            }
            match state.accounts.sweep_guest_passes().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(guests = n, "guests of spent guest passes deleted"),
                Err(e) => tracing::warn!(error = %e, "guest pass sweep failed"),
            }
        }
    }
}

/// How often playback events past `analytics.retention` are deleted.
const ANALYTICS_SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// How often freed heap memory is handed back to the kernel.
const TRIM_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

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
