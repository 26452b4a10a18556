//! The HTTP API: one `#[OpenApi]` struct per resource, combined into one OpenAPI
//! service. Handlers only coordinate: they take the caller and the request, call a
//! service, and shape the answer.

pub mod access;
mod admin;
mod analytics;
mod auth;
pub mod body;
pub mod compress;
mod contract;
mod cors;
pub mod error;
pub mod guard;
mod guest_passes;
mod hls;
mod library;
pub mod middleware;
mod playback;
mod playlists;
mod series;
mod sessions;
mod stream;
pub mod system;
pub mod tags;
pub mod text;
mod users;
mod videos;
pub mod views;
mod watching;
pub mod web;

use crate::api::error::problem_from_poem_error;
use poem::{Endpoint, EndpointExt, IntoEndpoint, Route};
use poem_openapi::OpenApiService;

pub use tags::ApiTags;

/// [`Api`], the tuple of every API struct in the order they appear in the spec, and
/// [`all_apis`], its value: one list for both.
macro_rules! apis {
    ($($api:path),* $(,)?) => {
        /// Every API struct, in the order they appear in the spec.
        pub type Api = ($($api,)*);

        fn all_apis() -> Api {
            ($($api,)*)
        }
    };
}

apis!(
    system::SystemApi,
    auth::AuthApi,
    users::UsersApi,
    sessions::SessionsApi,
    videos::VideosApi,
    series::SeriesApi,
    watching::WatchingApi,
    playlists::PlaylistsApi,
    stream::StreamApi,
    playback::PlaybackApi,
    hls::HlsApi,
    library::LibraryApi,
    admin::AdminApi,
    guest_passes::GuestPassesApi,
    analytics::AnalyticsApi,
);

const DESCRIPTION: &str = "homestream serves your own video collection to the devices in your \
home. Authenticate with `POST /api/auth/login` and send the returned token as \
`Authorization: Bearer <token>`. Every error is an RFC 9457 `application/problem+json` \
document with a stable `code`.";

/// The OpenAPI service with every operation.
pub fn service() -> OpenApiService<Api, ()> {
    OpenApiService::new(all_apis(), "homestream", env!("CARGO_PKG_VERSION"))
        .description(DESCRIPTION)
        .license("MIT")
}

/// The path templates of every operation (`/api/videos/{id}`).
pub fn route_templates() -> Vec<String> {
    let spec: serde_json::Value = serde_json::from_str(&spec_json()).unwrap_or_default();
    spec["paths"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// The OpenAPI document as committed in `openapi/openapi.json`: poem-openapi's,
/// refined by [`contract::refine`].
pub fn spec_json() -> String {
    static SPEC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SPEC.get_or_init(|| {
        let mut spec: serde_json::Value =
            serde_json::from_str(&service().spec()).expect("poem-openapi writes JSON");
        contract::refine(&mut spec);
        let mut text = serde_json::to_string_pretty(&spec).expect("a JSON value serialises");
        text.push('\n');
        text
    })
    .clone()
}

/// A static document made on first use, on the blocking pool (the best levels of
/// brotli take a moment on a large one).
async fn spec_document(
    cell: &'static std::sync::OnceLock<compress::Precompressed>,
    make: fn() -> compress::Precompressed,
) -> &'static compress::Precompressed {
    if let Some(done) = cell.get() {
        return done;
    }
    let _ = tokio::task::spawn_blocking(move || cell.get_or_init(make)).await;
    cell.get_or_init(make)
}

/// The whole HTTP application: API, spec, Swagger UI, the web client and the middleware
/// around them.
pub fn routes(state: crate::state::AppState) -> impl poem::Endpoint {
    // The refined contract, served as committed, and inside Swagger UI's page: each
    // made, with its compressed variants, on its first request.
    static SPEC: std::sync::OnceLock<compress::Precompressed> = std::sync::OnceLock::new();
    static DOCS: std::sync::OnceLock<compress::Precompressed> = std::sync::OnceLock::new();
    let spec = poem::endpoint::make(|req: poem::Request| async move {
        let spec = spec_document(&SPEC, || {
            compress::Precompressed::new("application/json", spec_json())
        })
        .await;
        spec.respond(req.headers())
    });
    let docs = Route::new().at(
        "/",
        poem::endpoint::make(|req: poem::Request| async move {
            let docs = spec_document(&DOCS, || {
                let service = service();
                let html = service
                    .swagger_ui_html()
                    .replacen(&service.spec(), &spec_json(), 1);
                compress::Precompressed::new("text/html; charset=utf-8", html)
            })
            .await;
            docs.respond(req.headers())
        }),
    );
    let bodies = body::BodyLimits::from_settings(&state.settings.server);
    let document: serde_json::Value = serde_json::from_str(&spec_json()).unwrap_or_default();
    let allow = std::sync::Arc::new(contract::AllowTable::from_spec(&document));
    let access = std::sync::Arc::new(access::AccessTable::from_spec(&document));
    let cors = cors::Cors::new(&state.settings.server.cors_origins);
    Route::new()
        .nest("/", service())
        .at("/api/openapi.json", spec)
        .nest("/docs", docs)
        .into_endpoint()
        .around(|ep, req| async move {
            // The web client's files and its own routes, before the API's 404.
            match web::serve(&req) {
                Some(page) => Ok(page),
                None => ep.call(req).await.map(poem::IntoResponse::into_response),
            }
        })
        .around(compress::around)
        .around(move |ep, req| {
            let (allow, bodies) = (allow.clone(), bodies.clone());
            async move { middleware::around(ep, req, &bodies, &allow).await }
        })
        .around(move |ep, req| {
            let cors = cors.clone();
            async move { cors.around(ep, req).await }
        })
        .with(middleware::security_headers())
        .before(|req| async move { Ok(middleware::before_routing(req)) })
        .data(state)
        .data(access)
        .catch_all_error(|err| async move { problem_from_poem_error(err) })
}

#[cfg(test)]
mod tests {
    //! The layering rule of this module, checked on its source: handlers reach videos
    //! through [`crate::library::Catalog`] (scoped to the caller) and stored data
    //! through the services, never the database or a scope check of their own.

    use std::path::Path;

    /// Each way around the services a handler could take, found in `text` as
    /// `(line, what)`.
    fn shortcuts(text: &str) -> Vec<(usize, String)> {
        let mut found = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for needle in ["state.db", ".allows(", "library.video("] {
                if code.contains(needle) {
                    found.push((n + 1, needle.to_owned()));
                }
            }
            // The pool's type, as a word (`DatabaseStatus` is the API's own).
            let word = |at: usize| {
                let next = code[at + "Database".len()..].chars().next();
                !next.is_some_and(|c| c.is_alphanumeric() || c == '_')
            };
            if code.match_indices("Database").any(|(at, _)| word(at)) {
                found.push((n + 1, "Database".to_owned()));
            }
            // A query function (`db::videos::find(`): a lower-case name called.
            for (at, _) in code.match_indices("db::") {
                let path: String = code[at..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                let last = path.rsplit("::").next().unwrap_or_default();
                let called = code[at + path.len()..].trim_start().starts_with('(');
                if called && last.starts_with(|c: char| c.is_ascii_lowercase()) {
                    found.push((n + 1, path));
                }
            }
        }
        found
    }

    #[test]
    fn handlers_never_reach_the_database_or_check_a_scope_themselves() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
        let mut seen = 0;
        let mut offences = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            seen += 1;
            let text = std::fs::read_to_string(&path).unwrap();
            let text = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (line, what) in shortcuts(text) {
                offences.push(format!("{}:{line}: {what}", path.display()));
            }
        }
        assert!(seen > 20, "read {seen} files of {}", dir.display());
        assert!(offences.is_empty(), "{}", offences.join("\n"));
    }

    #[test]
    fn every_kind_of_shortcut_is_caught() {
        for (code, what) in [
            (
                "let n = crate::db::videos::count_by_library(&pool).await?;",
                "db::videos::count_by_library",
            ),
            ("let h = state.db.health().await;", "state.db"),
            ("fn f(db: &Database) {}", "Database"),
            ("if auth.0.scope.allows(&v.library) {", ".allows("),
            ("let v = state.library.video(id).await?;", "library.video("),
            ("db::playlists::delete (&d, id)", "db::playlists::delete"),
        ] {
            let found = shortcuts(code);
            assert!(found.iter().any(|(_, w)| w == what), "{code}: {found:?}");
        }
        for fine in [
            "use crate::db::videos::{CatalogQuery, SortKey, VideoRow};",
            "v.status == crate::db::videos::FileStatus::Ok",
            "// state.db in a comment",
            "database_status: DatabaseStatus::Ok,",
            "let c = state.library.for_caller(&scope).playable(id).await?;",
        ] {
            assert!(shortcuts(fine).is_empty(), "{fine}");
        }
    }
}
