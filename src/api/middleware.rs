//! What wraps every request: a request id, one log line per request, the body's
//! limits ([`super::body`]), the architecture document's security headers, and the
//! problem+json shape for errors raised outside handlers.

use super::body::{self, BodyLimits};
use super::contract::AllowTable;
use crate::api::error::problem_from_poem_error;
use poem::http::{header, HeaderName, HeaderValue};
use poem::middleware::SetHeader;
use poem::{Endpoint, IntoResponse, Request, Response};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;
use uuid::Uuid;

/// The header carrying the request id in both directions.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The security headers from the architecture document, plus a referrer policy.
pub const SECURITY_HEADERS: [(&str, &str); 4] = [
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("x-xss-protection", "1; mode=block"),
    ("referrer-policy", "no-referrer"),
];

/// Sets [`SECURITY_HEADERS`] on every answer.
pub fn security_headers() -> SetHeader {
    SECURITY_HEADERS
        .iter()
        .fold(SetHeader::new(), |set, (name, value)| {
            set.overriding(*name, *value)
        })
}

/// Whether a request moves media bytes: a direct-play range or an HLS segment. A player
/// sends one every few seconds for as long as it plays, so its outcome is logged at
/// `debug`; the stream's opening and end are logged once each at `info` (by the stream
/// registry), and any refusal or failure is logged at its own level.
fn is_media_transfer(method: &poem::http::Method, path: &str) -> bool {
    use poem::http::Method;
    if *method != Method::GET && *method != Method::HEAD {
        return false;
    }
    if path.starts_with("/api/stream/") {
        return true;
    }
    path.strip_prefix("/api/hls/")
        .is_some_and(|rest| rest.ends_with(".ts") || rest.ends_with(".m4s"))
}

/// Request ids made here: a random prefix per process and a counter, shaped as a UUID.
/// Unique across instances and restarts (the prefix), and no `getrandom(2)` per
/// request.
fn new_request_id() -> Uuid {
    static PREFIX: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let prefix = *PREFIX.get_or_init(|| Uuid::new_v4().as_u64_pair().0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Uuid::from_u64_pair(prefix, n)
}

/// A request id as sent by a proxy (kept when sane), or one made here.
enum RequestId {
    Sent(String),
    Made(Uuid),
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sent(s) => f.write_str(s),
            Self::Made(u) => u.hyphenated().fmt(f),
        }
    }
}

impl RequestId {
    fn of(req: &Request) -> Self {
        req.headers()
            .get(&REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .filter(|v| {
                !v.is_empty()
                    && v.len() <= 64
                    && v.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
            .map_or_else(
                || Self::Made(new_request_id()),
                |v| Self::Sent(v.to_owned()),
            )
    }

    fn header(&self) -> Option<HeaderValue> {
        match self {
            Self::Sent(s) => HeaderValue::from_str(s).ok(),
            Self::Made(u) => {
                let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
                HeaderValue::from_bytes(u.hyphenated().encode_lower(&mut buf).as_bytes()).ok()
            }
        }
    }
}

/// Runs one request: assigns its id (keeping a sane one sent by a proxy), puts the
/// body under `bodies` ([`super::body`]), turns errors into problem documents, and
/// logs the outcome.
pub async fn around<E: Endpoint>(
    ep: E,
    mut req: Request,
    bodies: &Arc<BodyLimits>,
    allow: &AllowTable,
) -> poem::Result<Response> {
    let started = Instant::now();
    let request_id = RequestId::of(&req);
    let method = req.method().clone();
    let media = is_media_transfer(&method, req.uri().path());
    let metrics = req
        .data::<crate::state::AppState>()
        .map(|s| s.metrics.clone());
    // user_id, session_id and video_id are filled in where they become known (the
    // auth guard, the catalog), so every line logged in the request carries them. A
    // media transfer's span is at `debug`: at the default `info` it costs nothing.
    macro_rules! request_span {
        ($make:ident) => {
            tracing::$make!(
                "request",
                request_id = %request_id,
                method = %method,
                path = %req.uri().path(),
                user_id = tracing::field::Empty,
                session_id = tracing::field::Empty,
                video_id = tracing::field::Empty,
            )
        };
    }
    let span = if media {
        request_span!(debug_span)
    } else {
        request_span!(info_span)
    };
    // The route is known before the request moves on; a media request keeps its URI
    // (a reference count, not a copy) for the line a refusal leaves.
    let route = metrics.as_ref().map(|m| m.route(req.uri().path()));
    let media_uri = media.then(|| req.uri().clone());

    let mut resp = match body::precheck(&req, bodies) {
        Err((refused, close)) => body::refused(refused, close),
        Ok((has_body, declared)) => {
            let watch = has_body.then(|| body::guard(&mut req, declared, bodies));
            let resp = match ep.call(req).instrument(span.clone()).await {
                Ok(resp) => resp.into_response(),
                Err(err) => problem_from_poem_error(err),
            };
            // A refused body is answered as refused, whatever the handler made of the
            // failed read; the budget it held is given back with `watch`.
            match watch.as_deref().and_then(body::Watch::refusal) {
                Some(refusal) => {
                    let (error, close) = refusal.answer(bodies);
                    body::refused(error, close)
                }
                None => resp,
            }
        }
    };
    if let Some(value) = request_id.header() {
        resp.headers_mut().insert(REQUEST_ID, value);
    }
    let status = resp.status().as_u16();
    if let (Some(metrics), Some(route)) = (&metrics, route) {
        if status == 405 {
            // RFC 9110 15.5.6: a 405 names the methods the path accepts.
            if let Some(value) = allow.get(route).and_then(|m| HeaderValue::from_str(m).ok()) {
                resp.headers_mut().insert(header::ALLOW, value);
            }
        }
        metrics.observe_route(&method, route, status, started.elapsed().as_secs_f64());
    }
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    if media && status < 400 {
        tracing::debug!(parent: &span, status, latency_ms, "request completed");
    } else if media {
        // The span is off at `info`: this line carries what it would have.
        let path = media_uri.as_ref().map_or("", poem::http::Uri::path);
        log_outcome(status, latency_ms, Some((&request_id, &method, path)));
    } else {
        span.in_scope(|| log_outcome(status, latency_ms, None));
    }
    Ok(resp)
}

/// The one line a request leaves at its level; `request` names it when no span does.
fn log_outcome(
    status: u16,
    latency_ms: f64,
    request: Option<(&RequestId, &poem::http::Method, &str)>,
) {
    macro_rules! line {
        ($level:ident, $message:literal) => {
            match request {
                Some((id, method, path)) => tracing::$level!(
                    request_id = %id, method = %method, path, status, latency_ms, $message
                ),
                None => tracing::$level!(status, latency_ms, $message),
            }
        };
    }
    if status == 503 {
        // A named outage or a full queue, answered with Retry-After: the cause was
        // logged where it arose; the request itself is no fault of ours.
        line!(warn, "request refused for now");
    } else if status >= 500 {
        line!(error, "request failed");
    } else {
        line!(info, "request completed");
    }
}

/// The rewrites made before routing: literal library paths, and beacons read as JSON.
pub fn before_routing(req: Request) -> Request {
    beacon_as_json(path_with_slashes(req))
}

/// `navigator.sendBeacon` cannot send `application/json` without a CORS preflight, so
/// pages send the progress report's JSON as `text/plain`: on `POST
/// /api/videos/{id}/progress` (and nowhere else) that body is read as the JSON it is.
fn beacon_as_json(mut req: Request) -> Request {
    let is_beacon = req.method() == poem::http::Method::POST
        && req
            .uri()
            .path()
            .strip_prefix("/api/videos/")
            .and_then(|rest| rest.strip_suffix("/progress"))
            .is_some_and(|id| !id.contains('/'));
    let plain = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("text/plain")
        });
    if is_beacon && plain {
        req.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    req
}

/// `/api/stream/video/{filename}` with the library path written as it is
/// (`Films/Alien (1979)/Alien.mkv`): the slashes after the prefix become `%2F`, so the
/// one-segment route takes it and its traversal check sees the whole path.
fn path_with_slashes(mut req: Request) -> Request {
    const PREFIX: &str = "/api/stream/video/";
    let uri = req.uri();
    let Some(rest) = uri.path().strip_prefix(PREFIX) else {
        return req;
    };
    if !rest.contains('/') {
        return req;
    }
    let mut path_and_query = format!("{PREFIX}{}", rest.replace('/', "%2F"));
    if let Some(q) = uri.query() {
        path_and_query.push('?');
        path_and_query.push_str(q);
    }
    let mut parts = uri.clone().into_parts();
    match path_and_query.parse() {
        Ok(pq) => parts.path_and_query = Some(pq),
        Err(_) => return req,
    }
    if let Ok(uri) = poem::http::Uri::from_parts(parts) {
        *req.uri_mut() = uri;
    }
    req
}

/// The request's `User-Agent`, when it is text; cut to [`USER_AGENT_MAX`] characters
/// wherever it is kept.
pub fn user_agent(req: &Request) -> Option<&str> {
    req.headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
}

/// The most characters of a `User-Agent` kept in a session or a stream's record.
pub const USER_AGENT_MAX: usize = 200;

/// The client's address: the peer's, or, when the peer is a trusted proxy
/// (`server.trusted_proxies`), the nearest untrusted address in `X-Forwarded-For`.
pub fn client_ip(req: &Request, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.remote_addr().as_socket_addr()?.ip().to_canonical();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let nearest_untrusted = forwarded
        .split(',')
        .rev()
        .filter_map(|part| part.trim().parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical())
        .find(|ip| !trusted.contains(ip));
    Some(nearest_untrusted.unwrap_or(peer))
}

/// `scheme://host` as the client reached us: the request's `Host`, or the
/// `X-Forwarded-Proto` and `X-Forwarded-Host` of a trusted proxy.
pub fn origin(req: &Request, trusted: &[IpAddr]) -> String {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let proxied = req
        .remote_addr()
        .as_socket_addr()
        .is_some_and(|a| trusted.contains(&a.ip().to_canonical()));
    let proto = header("x-forwarded-proto")
        .filter(|p| proxied && (*p == "https" || *p == "http"))
        .unwrap_or("http");
    let host = header("x-forwarded-host")
        .filter(|_| proxied)
        .or_else(|| header("host"))
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    format!("{proto}://{host}")
}
