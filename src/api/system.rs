//! Liveness (`/health`) and readiness (`/ready`) for load balancers and systemd, and
//! the Prometheus scrape (`/metrics`) with who may read it.

use super::tags::ApiTags;
use crate::api::error::{ApiError, ApiResult};
use crate::cache::RedisHealth;
use crate::config::MetricsSettings;
use crate::db;
use crate::state::AppState;
use poem::web::Data;
use poem::Request;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use std::net::IpAddr;

pub struct SystemApi;

/// The process is up.
#[derive(Debug, Object)]
struct Health {
    /// Always `ok`.
    status: String,
    /// The server's version.
    version: String,
}

/// Whether the instance serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
enum ReadyStatus {
    /// Everything it depends on answers.
    Ready,
    /// Redis is configured but unreachable: requests are served from this instance's
    /// memory and the database meanwhile.
    Degraded,
    /// The database is not usable.
    NotReady,
}

/// The database's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
enum DatabaseStatus {
    Ok,
    /// It refuses or drops connections.
    Unreachable,
    /// Migrations are not applied.
    Outdated,
}

/// Redis's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
enum RedisStatus {
    /// It answered a PING now.
    Ok,
    /// It did not, or the circuit breaker is open (retried in the background).
    Unavailable,
    /// No `redis.url`.
    Disabled,
}

/// Whether this instance can serve requests, and the state of what it depends on.
#[derive(Debug, Object)]
struct Readiness {
    status: ReadyStatus,
    /// `sqlite` or `postgres`.
    database: String,
    database_status: DatabaseStatus,
    redis: RedisStatus,
    /// Hits and misses of each cache since start-up.
    caches: Vec<CacheCounts>,
}

/// Hits and misses of one cache.
#[derive(Debug, Object)]
struct CacheCounts {
    /// `video:metadata`, `video:popular`, `user:recently_watched`, `user:preferences`.
    name: String,
    hits: u64,
    misses: u64,
}

#[derive(ApiResponse)]
enum ReadyResponse {
    /// Ready to serve (possibly degraded: see `status`).
    #[oai(status = 200)]
    Ready(Json<Readiness>),
    /// A dependency is missing; the body says which.
    #[oai(status = 503)]
    NotReady(Json<Readiness>),
}

#[derive(ApiResponse)]
pub enum MetricsResponse {
    /// Prometheus metrics in the OpenMetrics text format.
    #[oai(
        status = 200,
        content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8"
    )]
    Metrics(PlainText<String>),
}

/// Answers a scrape: 404 when metrics are off, 403 to a peer [`peer_may_scrape`]
/// refuses, 401 without the configured token.
///
/// # Errors
/// As above.
pub async fn scrape(state: &AppState, req: &Request) -> ApiResult<MetricsResponse> {
    let m = &state.settings.metrics;
    if !m.enabled {
        return Err(ApiError::not_found("endpoint", "/metrics"));
    }
    // Behind a trusted proxy the client is the forwarded address, not the proxy: a
    // Caddy or a tunnel on the same host must not make every remote client loopback.
    let client = super::middleware::client_ip(req, &state.settings.server.trusted_proxies);
    if !peer_may_scrape(m, client) {
        return Err(ApiError::forbidden(
            "metrics are served to loopback clients only; set metrics.token, \
             metrics.listen or metrics.allow_remote to serve others",
        ));
    }
    let token = m.token.expose();
    if !token.is_empty() {
        let sent = req
            .headers()
            .get(poem::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let matches = sent.is_some_and(|s| {
            s.len() == token.len()
                && s.bytes()
                    .zip(token.bytes())
                    .fold(0, |acc, (a, b)| acc | (a ^ b))
                    == 0
        });
        if !matches {
            return Err(ApiError::unauthorized(
                "metrics need the configured bearer token",
            ));
        }
    }
    Ok(MetricsResponse::Metrics(PlainText(
        state.metrics.render(state.metrics_snapshot().await),
    )))
}

/// Whether `peer` may scrape. The secure default: with no `metrics.token` and no
/// `metrics.listen` (whose address the operator chose), only loopback peers may
/// (127.0.0.0/8, `::1`, and IPv4 loopback mapped into IPv6), unless
/// `metrics.allow_remote`. `peer` is the client as [`super::middleware::client_ip`]
/// finds it: the socket's peer, or behind a trusted proxy the address it forwards for.
pub fn peer_may_scrape(m: &MetricsSettings, peer: Option<IpAddr>) -> bool {
    m.allow_remote
        || !m.token.expose().is_empty()
        || !m.listen.is_empty()
        || peer.is_some_and(|ip| ip.to_canonical().is_loopback())
}

#[OpenApi(tag = "ApiTags::System")]
impl SystemApi {
    /// Prometheus metrics: requests by route and status with latency histograms,
    /// active streams and sessions, bytes streamed, cache hits and misses, database
    /// pool use and scan progress. Needs `Authorization: Bearer <metrics.token>` when a
    /// token is configured; served on `metrics.listen` instead when that is set; with
    /// neither, answers loopback clients only (403 to others) unless
    /// `metrics.allow_remote` is set.
    #[oai(path = "/metrics", method = "get", operation_id = "metrics")]
    async fn metrics(&self, state: Data<&AppState>, req: &Request) -> ApiResult<MetricsResponse> {
        if !state.settings.metrics.listen.is_empty() {
            return Err(ApiError::not_found(
                "endpoint",
                "/metrics (see metrics.listen)",
            ));
        }
        scrape(&state, req).await
    }

    /// Liveness: answers as long as the process runs.
    #[oai(path = "/health", method = "get", operation_id = "health")]
    async fn health(&self) -> Json<Health> {
        Json(Health {
            status: "ok".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        })
    }

    /// Readiness: the database answers and its schema is current; Redis, when
    /// configured, is reported but does not make the instance unready.
    #[oai(path = "/ready", method = "get", operation_id = "ready")]
    async fn ready(&self, state: Data<&AppState>) -> ReadyResponse {
        let database_status = match state.database_health().await {
            db::Health::Ok => DatabaseStatus::Ok,
            db::Health::Outdated => DatabaseStatus::Outdated,
            db::Health::Unreachable => DatabaseStatus::Unreachable,
        };
        let ok = database_status == DatabaseStatus::Ok;
        let redis = match RedisHealth::of(state.redis.as_deref()).await {
            RedisHealth::Ok => RedisStatus::Ok,
            RedisHealth::Unavailable => RedisStatus::Unavailable,
            RedisHealth::Disabled => RedisStatus::Disabled,
        };
        let status = match (ok, redis) {
            (false, _) => ReadyStatus::NotReady,
            (true, RedisStatus::Unavailable) => ReadyStatus::Degraded,
            (true, _) => ReadyStatus::Ready,
        };
        let body = Json(Readiness {
            status,
            database: state.database_backend().to_owned(),
            database_status,
            redis,
            caches: state
                .cache
                .stats()
                .into_iter()
                .map(|c| CacheCounts {
                    name: c.kind.to_owned(),
                    hits: c.hits,
                    misses: c.misses,
                })
                .collect(),
        });
        if ok {
            ReadyResponse::Ready(body)
        } else {
            ReadyResponse::NotReady(body)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    #[test]
    fn by_default_only_loopback_peers_may_scrape() {
        let open = MetricsSettings::default();
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        for loopback in ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"] {
            assert!(peer_may_scrape(&open, ip(loopback)), "{loopback}");
        }
        for remote in ["192.0.2.2", "10.0.0.1", "::ffff:192.0.2.2", "2001:db8::1"] {
            assert!(!peer_may_scrape(&open, ip(remote)), "{remote}");
        }
        assert!(
            !peer_may_scrape(&open, None),
            "an unknown peer is not loopback"
        );

        let remote = ip("192.0.2.2");
        let allowed = MetricsSettings {
            allow_remote: true,
            ..MetricsSettings::default()
        };
        let token = MetricsSettings {
            token: Secret::new("scrape-me".to_owned()),
            ..MetricsSettings::default()
        };
        let listen = MetricsSettings {
            listen: "0.0.0.0:9464".to_owned(),
            ..MetricsSettings::default()
        };
        for (why, m) in [
            ("allow_remote", allowed),
            ("token", token),
            ("listen", listen),
        ] {
            assert!(
                peer_may_scrape(&m, remote),
                "{why} opens /metrics to others"
            );
        }
    }
}
