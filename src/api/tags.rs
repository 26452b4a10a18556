//! The operation groups of the spec (and of Swagger UI).

use poem_openapi::Tags;

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
