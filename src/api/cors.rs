//! Cross-origin access (`server.cors_origins`): a web app on another host, a cast
//! receiver or hls.js on another origin may call the API and read media. Only the
//! listed origins get CORS headers; everyone else is answered as before, so the
//! default (an empty list) means same origin only. Requests carry bearer tokens or
//! signed links, never cookies, so no credentials mode is offered.

use poem::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use poem::{Endpoint, IntoResponse, Request, Response};
use std::sync::Arc;

/// What a preflight may ask to send: the methods of the API and the headers players
/// and generated clients set.
const ALLOW_METHODS: &str = "GET, HEAD, POST, PUT, PATCH, DELETE";
const ALLOW_HEADERS: &str = "authorization, content-type, range, if-range, if-none-match, \
                             if-modified-since, x-request-id";
/// What a cross-origin script may read beyond the CORS-safelisted headers: a player
/// needs the range headers and the length; clients need the retry time and the id.
const EXPOSE_HEADERS: &str = "content-range, accept-ranges, content-length, etag, \
                              retry-after, x-request-id";
/// How long a browser may keep a preflight answer.
const MAX_AGE: &str = "600";

/// The listed origins, as they must appear in an `Origin` header.
#[derive(Clone, Default)]
pub struct Cors {
    origins: Arc<[HeaderValue]>,
}

impl Cors {
    /// `origins` as configured; [`crate::config`] has already refused malformed ones.
    pub fn new(origins: &[String]) -> Self {
        Self {
            origins: origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok())
                .collect(),
        }
    }

    fn allowed(&self, req: &Request) -> Option<HeaderValue> {
        let origin = req.headers().get(header::ORIGIN)?;
        self.origins.iter().find(|o| *o == origin).cloned()
    }

    /// Answers a preflight from a listed origin, and marks every other answer to a
    /// listed origin as readable by it.
    pub async fn around<E: Endpoint>(&self, ep: E, req: Request) -> poem::Result<Response> {
        if self.origins.is_empty() {
            return ep.call(req).await.map(IntoResponse::into_response);
        }
        let Some(origin) = self.allowed(&req) else {
            // The answer differs by Origin, so shared caches must key on it.
            let mut resp = ep.call(req).await.map(IntoResponse::into_response)?;
            resp.headers_mut()
                .append(header::VARY, HeaderValue::from_static("origin"));
            return Ok(resp);
        };
        let preflight = req.method() == Method::OPTIONS
            && req
                .headers()
                .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
        let mut resp = if preflight {
            let mut resp = StatusCode::NO_CONTENT.into_response();
            let h = resp.headers_mut();
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static(ALLOW_METHODS),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static(ALLOW_HEADERS),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static(MAX_AGE),
            );
            resp
        } else {
            match ep.call(req).await {
                Ok(resp) => resp.into_response(),
                Err(err) => err.into_response(),
            }
        };
        mark(resp.headers_mut(), origin);
        Ok(resp)
    }
}

fn mark(h: &mut HeaderMap, origin: HeaderValue) {
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSE_HEADERS),
    );
    h.append(header::VARY, HeaderValue::from_static("origin"));
}
