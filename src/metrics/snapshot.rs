//! What `/metrics` reads from the services at each scrape.

/// The figures read from the services at scrape time (gathered by
/// [`crate::state::AppState::metrics_snapshot`]).
#[derive(Debug, Default)]
pub struct Snapshot {
    pub active_streams: u64,
    /// Bytes sent since start-up.
    pub bytes_sent: u64,
    /// File transfers since start-up: (by sendfile, through hyper).
    pub transfers: (u64, u64),
    /// `None` when the database could not be asked.
    pub open_sessions: Option<i64>,
    pub caches: Vec<crate::cache::CacheStats>,
    /// Connections in the pool, and how many are idle.
    pub db_pool: (u32, u32),
    pub scan: crate::library::ScanProgress,
    pub transcodes_running: u64,
    pub transcodes_queued: u64,
    pub transcode_breakers_open: u64,
    /// Jobs started and failed since start-up.
    pub transcodes_started: u64,
    pub transcodes_failed: u64,
    pub transcode_cache_bytes: u64,
    pub first_segment_seconds: Vec<f64>,
    pub encode_speed: Vec<f64>,
    /// Users with an open session; `None` when the database could not be asked.
    pub active_users: Option<i64>,
    /// `streaming.max_concurrent_streams`.
    pub stream_limit: u64,
    pub stream_refusals: crate::streaming::Refusals,
    pub logins: crate::accounts::LoginCounts,
    pub database: crate::db::Health,
    pub redis: crate::cache::RedisHealth,
    /// Transcode slots and queue places (`transcode.max_concurrent_jobs`, resolved,
    /// and `transcode.max_queued_jobs`).
    pub transcode_limits: (u64, u64),
    /// Transcode requests refused since start-up because no slot came free.
    pub transcodes_refused: u64,
    /// `transcode.cache_size`.
    pub transcode_cache_cap: u64,
    /// Playback events lost since start-up: dropped (the queue was full), failed (the
    /// database refused the batch).
    pub analytics_lost: (u64, u64),
}
