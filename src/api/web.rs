//! The web client: the files `web/` builds, embedded at compile time (`build.rs`) and
//! served at `/` with a fallback to `index.html` for the app's own routes.
//!
//! What it never takes: `/api`, `/docs`, `/health`, `/ready` and `/metrics` (and
//! anything under them) go to the API, whatever the web build holds. Hashed files
//! (`/assets/...`) are cached for a year as immutable; every other file, and the
//! fallback page, is revalidated with its ETag. A client that accepts brotli or gzip
//! gets the variant the build compressed.

use poem::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use poem::{Request, Response};

/// One embedded file of `web/dist`.
pub struct Asset {
    /// The path under `web/dist`, '/'-separated, without a leading '/'.
    pub path: &'static str,
    pub body: &'static [u8],
    pub br: Option<&'static [u8]>,
    pub gzip: Option<&'static [u8]>,
    /// A strong ETag from the content.
    pub etag: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

/// The policy of the app's pages: its own scripts and styles only, media and API calls
/// to this server (`blob:` for Media Source playback and hls.js' worker), never framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; \
worker-src 'self' blob:; font-src 'self'; object-src 'none'; base-uri 'none'; \
form-action 'self'; frame-ancestors 'none'";

/// The path prefixes the web client never answers.
const SERVER_PATHS: [&str; 5] = ["/api", "/docs", "/health", "/ready", "/metrics"];

/// Whether a path belongs to the server (the API, Swagger UI, probes, metrics).
pub fn is_server_path(path: &str) -> bool {
    SERVER_PATHS.iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// The answer to a GET or HEAD outside the server's paths; `None` for everything else.
pub fn serve(req: &Request) -> Option<Response> {
    if !matches!(*req.method(), Method::GET | Method::HEAD) || is_server_path(req.uri().path()) {
        return None;
    }
    let path = req.uri().path().trim_start_matches('/');
    let (asset, fallback) = match find(path) {
        Some(asset) => (asset, false),
        // A missing file (a name with an extension, as `/assets/old-1a2b.js`) is 404:
        // answering it with the page would hand a script tag HTML.
        None if looks_like_file(path) => return None,
        None => (find("index.html")?, true),
    };
    Some(respond(asset, fallback, req.headers()))
}

/// The asset at `path` (`""` is `index.html`).
pub fn find(path: &str) -> Option<&'static Asset> {
    let path = if path.is_empty() { "index.html" } else { path };
    ASSETS.iter().find(|a| a.path == path)
}

fn looks_like_file(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|name| name.contains('.'))
}

fn respond(asset: &'static Asset, fallback: bool, headers: &HeaderMap) -> Response {
    let immutable = !fallback && asset.path.starts_with("assets/");
    let mut resp = Response::builder()
        .header(header::CONTENT_TYPE, content_type(asset.path))
        .header(header::ETAG, asset.etag)
        .header(header::VARY, "accept-encoding")
        .header(
            header::CACHE_CONTROL,
            if immutable {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            },
        )
        .header("content-security-policy", CONTENT_SECURITY_POLICY)
        .header("cross-origin-opener-policy", "same-origin");
    let revalidated = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|t| t.trim() == asset.etag || t.trim() == "*")
        });
    if revalidated {
        return resp.status(StatusCode::NOT_MODIFIED).finish();
    }
    let accepts = |coding: &str| super::compress::accepts(headers, coding);
    let body = match (asset.br, asset.gzip) {
        (Some(br), _) if accepts("br") => {
            resp = resp.header(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
            br
        }
        (_, Some(gz)) if accepts("gzip") => {
            resp = resp.header(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            gz
        }
        _ => asset.body,
    };
    resp.body(body)
}

/// The MIME type of a web file by its extension.
fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("webmanifest") => "application/manifest+json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("webp") => "image/webp",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_paths_are_never_the_apps() {
        for path in [
            "/api",
            "/api/videos",
            "/docs",
            "/docs/",
            "/health",
            "/ready",
            "/metrics",
        ] {
            assert!(is_server_path(path), "{path}");
        }
        for path in [
            "/",
            "/library",
            "/apix",
            "/healthy",
            "/videos/1",
            "/assets/a.js",
        ] {
            assert!(!is_server_path(path), "{path}");
        }
    }

    #[test]
    fn the_build_embedded_an_index_page() {
        let index = find("").expect("index.html is embedded");
        assert_eq!(index.path, "index.html");
        assert!(index.etag.starts_with('"') && index.etag.ends_with('"'));
        assert_eq!(
            content_type("assets/x.js"),
            "text/javascript; charset=utf-8"
        );
        assert!(looks_like_file("assets/old-1a2b.js") && !looks_like_file("videos/abc"));
    }
}
