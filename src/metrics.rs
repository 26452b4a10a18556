//! Prometheus metrics: request counts and latencies by route, and, read at scrape time,
//! active streams, sessions and users, bytes streamed, logins by outcome, refusals by
//! the stream limits and the transcode queue, cache hits and misses, the database pool,
//! the state of the database and Redis as `/ready` sees them, the limits they are
//! measured against (so alerts need no copy of the configuration), the scan's
//! progress, and the standard `process_*` series ([`process`]).
//!
//! Routes are the OpenAPI paths (`/api/videos/{id}`), matched from the spec, so a
//! label never carries an id or a path a client made up; anything else is `other`.

use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::atomic::{AtomicU64, Ordering};

mod health;
pub mod process;
mod snapshot;

pub use snapshot::Snapshot;

/// A route template with its segments (`None` for a parameter).
type RoutePattern = (&'static str, Vec<Option<String>>);

/// The API's route templates, grouped by their third segment (`stream` in
/// `/api/stream/{id}`), so a request's path is matched against the few templates that
/// can be its own rather than all of them.
#[derive(Debug, Default)]
struct Routes {
    /// Each group in match order: the ones with fewer parameters first, so
    /// `/api/videos/popular` wins over `/api/videos/{id}`.
    by_third: std::collections::HashMap<String, Vec<RoutePattern>>,
    /// The templates whose third segment is a parameter or missing, in match order.
    rest: Vec<RoutePattern>,
}

impl Routes {
    fn new(paths: impl IntoIterator<Item = String>) -> Self {
        let mut all: Vec<RoutePattern> = paths
            .into_iter()
            .map(|p| {
                let segments = p
                    .split('/')
                    .map(|seg| (!seg.starts_with('{')).then(|| seg.to_owned()))
                    .collect();
                (intern(p), segments)
            })
            .collect();
        all.sort_by_key(|(_, segs)| segs.iter().filter(|s| s.is_none()).count());
        let mut routes = Self::default();
        for route in &all {
            if let Some(Some(third)) = route.1.get(2) {
                routes.by_third.entry(third.clone()).or_default();
            }
        }
        // A template with a parameter (or nothing) third can match in every group.
        for route in all {
            match route.1.get(2) {
                Some(Some(third)) => {
                    if let Some(group) = routes.by_third.get_mut(third) {
                        group.push(route);
                    }
                }
                _ => {
                    for group in routes.by_third.values_mut() {
                        group.push(route.clone());
                    }
                    routes.rest.push(route);
                }
            }
        }
        routes
    }

    fn find(&self, path: &str) -> Option<&'static str> {
        let group = path
            .split('/')
            .nth(2)
            .and_then(|third| self.by_third.get(third))
            .unwrap_or(&self.rest);
        group.iter().find_map(|(template, pattern)| {
            let mut segments = path.split('/');
            let matched = pattern.iter().all(|p| {
                segments
                    .next()
                    .is_some_and(|s| p.as_deref().is_none_or(|p| p == s))
            });
            (matched && segments.next().is_none()).then_some(*template)
        })
    }
}

/// A route template as a label for the life of the process: each distinct template is
/// kept once, however many servers a process builds, so counting a request builds no
/// string.
fn intern(template: String) -> &'static str {
    static TEMPLATES: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let mut kept = TEMPLATES.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(t) = kept.iter().find(|t| **t == template) {
        return t;
    }
    let t: &'static str = Box::leak(template.into_boxed_str());
    kept.push(t);
    t
}

/// An HTTP method as a label; methods outside the standard ones are `other`.
fn method_label(method: &poem::http::Method) -> &'static str {
    use poem::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "other",
    }
}

/// The media type of the exposition.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: &'static str,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheLabels {
    cache: String,
    result: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PathLabels {
    path: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LimitLabels {
    limit: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: String,
}

/// Every metric, registered once.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// The `process_*` series, which carry no `homestream_` prefix.
    process: Registry,
    /// The API's route templates.
    routes: Routes,
    /// The registry's byte total at the last scrape.
    bytes_seen: AtomicU64,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    streams: Gauge,
    sessions: Gauge,
    bytes: Counter<u64, AtomicU64>,
    transfers: Family<PathLabels, Counter>,
    cache: Family<CacheLabels, Gauge>,
    pool: Family<StateLabels, Gauge>,
    scan: Family<StateLabels, Gauge>,
    transcode_jobs: Family<StateLabels, Gauge>,
    transcode_totals: Family<StateLabels, Counter>,
    transcode_cache: Gauge,
    first_segment: Histogram,
    encode_speed: Histogram,
    users: Gauge,
    stream_limit: Gauge,
    stream_refusals: Family<LimitLabels, Counter>,
    analytics_lost: Family<OutcomeLabels, Counter>,
    logins: Family<OutcomeLabels, Counter>,
    database: Family<StatusLabels, Gauge>,
    redis: Family<StatusLabels, Gauge>,
    transcode_limits: Family<StateLabels, Gauge>,
    transcode_cache_cap: Gauge,
}

impl Metrics {
    /// Registers the metrics; `paths` are the API's route templates.
    pub fn new(paths: impl IntoIterator<Item = String>) -> Self {
        let mut m = Self {
            registry: Registry::with_prefix("homestream"),
            process: Registry::default(),
            routes: Routes::new(paths),
            bytes_seen: AtomicU64::new(0),
            requests: Family::default(),
            latency: Family::new_with_constructor(|| {
                Histogram::new([
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
                ])
            }),
            streams: Gauge::default(),
            sessions: Gauge::default(),
            bytes: Counter::default(),
            transfers: Family::default(),
            cache: Family::default(),
            pool: Family::default(),
            scan: Family::default(),
            transcode_jobs: Family::default(),
            transcode_totals: Family::default(),
            transcode_cache: Gauge::default(),
            first_segment: Histogram::new([0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0]),
            encode_speed: Histogram::new([0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0]),
            users: Gauge::default(),
            stream_limit: Gauge::default(),
            stream_refusals: Family::default(),
            analytics_lost: Family::default(),
            logins: Family::default(),
            database: Family::default(),
            redis: Family::default(),
            transcode_limits: Family::default(),
            transcode_cache_cap: Gauge::default(),
        };
        m.register_all();
        m.register_health();
        m.process
            .register_collector(Box::new(process::ProcessCollector));
        m
    }

    /// The exposition's table: name, help, metric.
    fn register_all(&mut self) {
        let r = &mut self.registry;
        r.register(
            "http_requests",
            "HTTP requests answered",
            self.requests.clone(),
        );
        r.register(
            "http_request_duration_seconds",
            "Time to the response head (bodies stream on)",
            self.latency.clone(),
        );
        r.register(
            "active_streams",
            "Open streams on this instance",
            self.streams.clone(),
        );
        r.register(
            "active_sessions",
            "Open login sessions",
            self.sessions.clone(),
        );
        r.register("streamed_bytes", "Bytes of media sent", self.bytes.clone());
        r.register(
            "file_transfers",
            "Direct-play file transfers by the path that sent them: sendfile or hyper",
            self.transfers.clone(),
        );
        r.register(
            "cache_lookups",
            "Cache lookups by cache and result",
            self.cache.clone(),
        );
        r.register(
            "db_connections",
            "Database pool connections by state",
            self.pool.clone(),
        );
        r.register(
            "scan_files",
            "Files of the current or last scan by outcome",
            self.scan.clone(),
        );
        r.register(
            "transcode_jobs",
            "ffmpeg jobs by state: running, queued (waiting for a slot), breakers_open (videos refused after repeated failures)",
            self.transcode_jobs.clone(),
        );
        r.register(
            "transcode_job_outcomes",
            "ffmpeg jobs since start-up: started, failed, refused (no slot came free: the queue was full or the wait ran out)",
            self.transcode_totals.clone(),
        );
        r.register(
            "transcode_cache_bytes",
            "Bytes in the transcode cache",
            self.transcode_cache.clone(),
        );
        r.register(
            "transcode_first_segment_seconds",
            "Time from starting ffmpeg to its first finished segment",
            self.first_segment.clone(),
        );
        r.register(
            "transcode_encode_speed",
            "Seconds of video made per second of ffmpeg running, per job",
            self.encode_speed.clone(),
        );
    }

    /// The route template a path belongs to.
    pub fn route(&self, path: &str) -> &'static str {
        if let Some(template) = self.routes.find(path) {
            return template;
        }
        if path.starts_with("/api/stream/video/") {
            return "/api/stream/video/{filename}";
        }
        match path {
            "/metrics" => "/metrics",
            "/api/openapi.json" => "/api/openapi.json",
            p if p.starts_with("/docs") => "/docs",
            // The web client's files and pages (every API path starts with /api).
            p if p != "/api" && !p.starts_with("/api/") => "web",
            _ => "other",
        }
    }

    /// Counts one answered request on `route` ([`Self::route`]).
    pub fn observe_route(
        &self,
        method: &poem::http::Method,
        route: &'static str,
        status: u16,
        seconds: f64,
    ) {
        let method = method_label(method);
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route,
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels { method, route })
            .observe(seconds);
    }

    /// The exposition, with the scrape-time figures of `now`.
    pub fn render(&self, now: Snapshot) -> String {
        self.record_streaming(&now);
        self.record_storage(&now);
        self.record_health(&now);
        self.record_transcoding(now);
        let mut out = String::new();
        let encoded = encode_registry(&mut out, &self.registry)
            .and_then(|()| encode_registry(&mut out, &self.process))
            .and_then(|()| encode_eof(&mut out));
        if encoded.is_err() {
            out.clear();
        }
        out
    }

    /// Streams, bytes sent, transfers by path, sessions.
    fn record_streaming(&self, now: &Snapshot) {
        self.streams.set(gauge(now.active_streams));
        let before = self.bytes_seen.swap(now.bytes_sent, Ordering::AcqRel);
        self.bytes.inc_by(now.bytes_sent.saturating_sub(before));
        for (path, total) in [("sendfile", now.transfers.0), ("hyper", now.transfers.1)] {
            let counter = self.transfers.get_or_create(&PathLabels {
                path: path.to_owned(),
            });
            counter.inc_by(total.saturating_sub(counter.get()));
        }
        if let Some(open) = now.open_sessions {
            self.sessions.set(open);
        }
    }

    /// Caches, the database pool and the scan.
    fn record_storage(&self, now: &Snapshot) {
        for c in &now.caches {
            for (result, n) in [("hit", c.hits), ("miss", c.misses)] {
                let labels = CacheLabels {
                    cache: c.kind.to_owned(),
                    result: result.to_owned(),
                };
                self.cache.get_or_create(&labels).set(gauge(n));
            }
        }
        let (size, idle) = now.db_pool;
        set_state(&self.pool, "idle", u64::from(idle));
        set_state(&self.pool, "in_use", u64::from(size.saturating_sub(idle)));
        let scan = &now.scan;
        set_state(&self.scan, "running", u64::from(scan.running));
        set_state(&self.scan, "seen", scan.seen);
        set_state(&self.scan, "probed", scan.probed);
        set_state(&self.scan, "skipped", scan.skipped);
        set_state(&self.scan, "failed", scan.failed);
    }

    /// ffmpeg jobs, their outcomes, the cache and the timing histograms.
    fn record_transcoding(&self, now: Snapshot) {
        let jobs = &self.transcode_jobs;
        set_state(jobs, "running", now.transcodes_running);
        set_state(jobs, "queued", now.transcodes_queued);
        set_state(jobs, "breakers_open", now.transcode_breakers_open);
        // Counters: moved forward by what happened since the last scrape.
        for (state, total) in [
            ("started", now.transcodes_started),
            ("failed", now.transcodes_failed),
            ("refused", now.transcodes_refused),
        ] {
            let labels = StateLabels {
                state: state.to_owned(),
            };
            advance(&self.transcode_totals, &labels, total);
        }
        self.transcode_cache.set(gauge(now.transcode_cache_bytes));
        for s in now.first_segment_seconds {
            self.first_segment.observe(s);
        }
        for s in now.encode_speed {
            self.encode_speed.observe(s);
        }
    }
}

fn gauge(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Moves a counter forward to a total kept by a service since start-up.
fn advance<L>(family: &Family<L, Counter>, labels: &L, total: u64)
where
    L: Clone + std::hash::Hash + Eq + EncodeLabelSet + std::fmt::Debug + Send + Sync,
{
    let counter = family.get_or_create(labels);
    counter.inc_by(total.saturating_sub(counter.get()));
}

fn set_state(family: &Family<StateLabels, Gauge>, state: &str, n: u64) {
    family
        .get_or_create(&StateLabels {
            state: state.to_owned(),
        })
        .set(gauge(n));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_their_route_templates() {
        let m = Metrics::new(
            [
                "/api/videos",
                "/api/videos/{id}",
                "/api/videos/popular",
                "/api/{kind}/count",
                "/health",
            ]
            .map(str::to_owned),
        );
        assert_eq!(m.route("/health"), "/health");
        // A template whose third segment is a parameter matches in every group.
        assert_eq!(m.route("/api/tags/count"), "/api/{kind}/count");
        assert_eq!(m.route("/api/videos/popular/count"), "other");
        assert_eq!(m.route("/api/videos"), "/api/videos");
        assert_eq!(m.route("/api/videos/2f1c"), "/api/videos/{id}");
        assert_eq!(m.route("/api/videos/popular"), "/api/videos/popular");
        assert_eq!(
            m.route("/api/stream/video/a%2Fb.mp4"),
            "/api/stream/video/{filename}"
        );
        assert_eq!(m.route("/api/wp-admin/x.php"), "other");
        assert_eq!(m.route("/api/videos/2f1c/extra"), "other");
        assert_eq!(m.route("/api"), "other");
        assert_eq!(m.route("/wp-admin/x.php"), "web");
        assert_eq!(m.route("/library"), "web");
    }
}
