//! The HTTP API: one `#[OpenApi]` struct per resource, combined into one OpenAPI
//! service. Handlers only coordinate: they take the caller and the request, call a
//! service, and shape the answer.

mod admin;
mod auth;
pub mod guard;
mod hls;
mod library;
pub mod middleware;
mod playback;
mod playlists;
mod sessions;
mod stream;
pub mod system;
mod users;
mod videos;
mod watching;

use crate::error::problem_from_poem_error;
use poem::{EndpointExt, IntoEndpoint, Route};
use poem_openapi::{OpenApiService, Tags};

/// Operation groups in the spec and in Swagger UI.
#[derive(Tags)]
pub enum ApiTags {
    /// Liveness and readiness.
    System,
    /// Logging in and out.
    Auth,
    /// Accounts: one's own, and everyone's for administrators.
    Users,
    /// Login sessions: one's own devices, and everyone's for administrators.
    Sessions,
    /// The catalog: videos, metadata, thumbnails, player links.
    Videos,
    /// Preferences, watch progress and resume, history, ratings, popular videos.
    Watching,
    /// Playlists and their M3U form.
    Playlists,
    /// Direct play of video files.
    Streaming,
    /// Playback decisions, HLS, remux and transcoded streams, subtitles.
    Playback,
    /// Library scans.
    Library,
    /// Administration of the running server.
    Admin,
}

/// Every API struct, in the order they appear in the spec.
pub type Api = (
    system::SystemApi,
    auth::AuthApi,
    users::UsersApi,
    sessions::SessionsApi,
    videos::VideosApi,
    watching::WatchingApi,
    playlists::PlaylistsApi,
    stream::StreamApi,
    playback::PlaybackApi,
    hls::HlsApi,
    library::LibraryApi,
    admin::AdminApi,
);

const DESCRIPTION: &str = "homestream serves your own video collection to the devices in your \
home. Authenticate with `POST /api/auth/login` and send the returned token as \
`Authorization: Bearer <token>`. Every error is an RFC 9457 `application/problem+json` \
document with a stable `code`.";

/// The OpenAPI service with every operation.
pub fn service() -> OpenApiService<Api, ()> {
    OpenApiService::new(
        (
            system::SystemApi,
            auth::AuthApi,
            users::UsersApi,
            sessions::SessionsApi,
            videos::VideosApi,
            watching::WatchingApi,
            playlists::PlaylistsApi,
            stream::StreamApi,
            playback::PlaybackApi,
            hls::HlsApi,
            library::LibraryApi,
            admin::AdminApi,
        ),
        "homestream",
        env!("CARGO_PKG_VERSION"),
    )
    .description(DESCRIPTION)
    .license("MIT")
}

/// The OpenAPI document as committed in `openapi/openapi.json`.
pub fn spec_json() -> String {
    let mut spec = service().spec();
    if !spec.ends_with('\n') {
        spec.push('\n');
    }
    spec
}

/// The whole HTTP application: API, spec, Swagger UI and the middleware around them.
pub fn routes(state: crate::state::AppState) -> impl poem::Endpoint {
    let service = service();
    let spec = service.spec_endpoint();
    let docs = service.swagger_ui();
    let max_body = state.settings.server.max_body_size.get();
    Route::new()
        .nest("/", service)
        .at("/api/openapi.json", spec)
        .nest("/docs", docs)
        .into_endpoint()
        .around(move |ep, req| middleware::around(ep, req, max_body))
        .with(middleware::security_headers())
        .data(state)
        .catch_all_error(|err| async move { problem_from_poem_error(err) })
}
