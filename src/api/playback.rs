//! `POST /api/videos/{id}/playback`: how a client should play a video, and the signed
//! URL to play it with.

use super::middleware::origin;
use super::tags::ApiTags;
use crate::api::error::ApiResult;
use crate::api::guard::BearerAuth;
use crate::api::text::Text;
use crate::api::views::{each, TextTrack};
use crate::db::videos::VideoRow;
use crate::state::AppState;
use crate::transcode::decision::{self, ClientAsk, CodecLimit, Method, Preset};
use crate::transcode::subtitles;
use chrono::{DateTime, Utc};
use poem::web::Data;
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};
use uuid::Uuid;

pub struct PlaybackApi;

/// Client families with known capabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
enum ClientPreset {
    /// Desktop browsers: MP4/WebM, H.264, VP9, AV1, AAC, MP3, Opus.
    Browser,
    /// iPhone and iPad: MP4/MOV, H.264, HEVC, AAC, AC-3, E-AC-3.
    Ios,
    /// Android: MP4/WebM/MKV, H.264 up to level 4.2, VP9, AAC, Opus; up to 1080p.
    Android,
    /// Smart TVs: MP4/MKV/TS, H.264, HEVC, AAC, AC-3, E-AC-3; up to 2160p.
    Tv,
}

/// A video codec the client decodes.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
struct VideoCodecSupport {
    /// ffprobe's name: `h264`, `hevc`, `vp9`, `av1`, `mpeg4`.
    #[oai(validator(max_length = 32))]
    codec: Text,
    /// The highest level in ffprobe's numbers (H.264 4.1 is 41, HEVC 5.1 is 153).
    max_level: Option<i32>,
}

/// What the client can play. A preset fills in what is not given; without a preset
/// and without lists, the session's device type picks one.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
struct PlaybackRequest {
    preset: Option<ClientPreset>,
    /// Containers by file extension (`mp4`, `mkv`, `webm`, ...).
    #[oai(validator(max_items = 32))]
    containers: Option<Vec<Text>>,
    #[oai(validator(max_items = 32))]
    video_codecs: Option<Vec<VideoCodecSupport>>,
    /// ffprobe's audio codec names (`aac`, `mp3`, `opus`, `ac3`, ...).
    #[oai(validator(max_items = 32))]
    audio_codecs: Option<Vec<Text>>,
    #[oai(validator(minimum(value = "144"), maximum(value = "4320")))]
    max_height: Option<u32>,
    #[oai(validator(minimum(value = "64"), maximum(value = "1000000")))]
    max_bitrate_kbps: Option<u32>,
}

/// How to play: `direct` (the file with ranges), `remux` (fragmented MP4, video
/// copied) or `transcode` (HLS, H.264/AAC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
enum PlaybackMethod {
    Direct,
    Remux,
    Transcode,
}

/// The decision and a URL a player can open as it is.
#[derive(Debug, Object)]
struct PlaybackInfo {
    /// The file that plays: the video asked for or, for a film kept in several versions
    /// (`1080p`, `4K`), the version that plays with the least work on this client
    /// (directly, then remuxed, then transcoded; then the tallest within its limits).
    /// Progress is reported against this id.
    video_id: Uuid,
    method: PlaybackMethod,
    /// Why the file cannot play directly (`video codec hevc not supported`, `height
    /// 2160 above 1080`); empty for `direct`.
    reasons: Vec<String>,
    /// The absolute URL with a signed link.
    url: String,
    /// The same as a path on this server.
    path: String,
    /// The MIME type at `url`.
    content_type: String,
    /// When the link stops working.
    expires_at: DateTime<Utc>,
    /// The limits applied: the client's and the user's preferences, the tighter.
    max_height: Option<u32>,
    max_bitrate_kbps: Option<u32>,
    /// Text subtitles, as WebVTT (add the link's `?token=` for players).
    subtitles: Vec<TextTrack>,
}

impl From<PlaybackRequest> for ClientAsk {
    fn from(body: PlaybackRequest) -> Self {
        Self {
            preset: body.preset.map(|p| match p {
                ClientPreset::Browser => Preset::Browser,
                ClientPreset::Ios => Preset::Ios,
                ClientPreset::Android => Preset::Android,
                ClientPreset::Tv => Preset::Tv,
            }),
            containers: texts(body.containers),
            video_codecs: body.video_codecs.map(|v| {
                v.into_iter()
                    .map(|v| CodecLimit {
                        codec: v.codec.into(),
                        max_level: v.max_level,
                    })
                    .collect()
            }),
            audio_codecs: texts(body.audio_codecs),
            max_height: body.max_height,
            max_bitrate_kbps: body.max_bitrate_kbps,
        }
    }
}

#[OpenApi(tag = "ApiTags::Playback")]
impl PlaybackApi {
    /// Decides how the caller's client plays a video (and, for a film kept in several
    /// versions, which one): its capabilities (a preset and/or lists) merged with the
    /// user's preferences (quality, maximum bandwidth). Answers the file, one method,
    /// the reasons, and a signed URL: the file for `direct`, fragmented MP4 for
    /// `remux`, the HLS master playlist for `transcode`.
    #[oai(
        path = "/api/videos/:id/playback",
        method = "post",
        operation_id = "decidePlayback"
    )]
    async fn decide(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        req: &Request,
        id: Path<Uuid>,
        body: Json<PlaybackRequest>,
    ) -> ApiResult<Json<PlaybackInfo>> {
        let catalog = auth.catalog(&state);
        let asked = catalog.playable(id.0).await?;
        let prefs = state.accounts.preferences(auth.0.id).await?;
        // The session's device type (sent at login, else guessed), else the user's.
        let device = state
            .accounts
            .sessions()
            .device_type(auth.0.session_id)
            .await?
            .unwrap_or(prefs.device_type);
        let ua = super::middleware::user_agent(req).unwrap_or_default();
        // A film kept in several versions plays the one that suits this client best.
        // Only for the film's card (its listed file): a version asked for by its own id
        // (a Director's Cut picked on purpose) is what plays.
        let files = match asked.listed {
            true => catalog.film_files(&asked).await?,
            false => Vec::new(),
        };
        let mut versions: Vec<&VideoRow> = vec![asked.as_ref()];
        versions.extend(
            files
                .iter()
                .filter(|f| f.id != asked.id && f.part == asked.part),
        );
        let ask = body.0.into();
        let (video, d) = decision::best_version(&versions, &ask, &prefs, device, ua)
            .unwrap_or_else(|| {
                (
                    asked.as_ref(),
                    decision::decide_for(&asked, ask, &prefs, device, ua),
                )
            });
        let ttl = state.settings.streaming.link_ttl.get();
        let (token, expires_at) = state.accounts.issue_link(&auth.0, video.id, ttl).await?;
        let (method, path, content_type) = location(&d, video, &token);
        Ok(Json(PlaybackInfo {
            video_id: video.id,
            method,
            reasons: d.reasons,
            url: format!(
                "{}{path}",
                origin(req, &state.settings.server.trusted_proxies)
            ),
            path,
            content_type: content_type.to_owned(),
            expires_at,
            max_height: d.max_height,
            max_bitrate_kbps: d.max_bitrate_kbps,
            subtitles: each(subtitles::text_tracks(video)),
        }))
    }
}

/// Where the player fetches the chosen rendition: the signed path and its media type.
fn location(
    d: &decision::Decision,
    video: &VideoRow,
    token: &str,
) -> (PlaybackMethod, String, &'static str) {
    match d.method {
        Method::Direct => (
            PlaybackMethod::Direct,
            format!("/api/stream/{}?token={token}", video.id),
            crate::streaming::content_type(&video.format),
        ),
        Method::Remux => (
            PlaybackMethod::Remux,
            format!(
                "/api/transcode/{}/stream.mp4?mode=remux&token={token}",
                video.id
            ),
            "video/mp4",
        ),
        Method::Transcode => {
            let mut p = format!("/api/hls/{}/master.m3u8?token={token}", video.id);
            if let Some(h) = d.max_height {
                p.push_str(&format!("&max_height={}", h.clamp(144, 4320)));
            }
            if let Some(k) = d.max_bitrate_kbps {
                p.push_str(&format!("&max_bitrate_kbps={k}"));
            }
            (
                PlaybackMethod::Transcode,
                p,
                "application/vnd.apple.mpegurl",
            )
        }
    }
}

/// A list of request texts as the decision takes them.
fn texts(list: Option<Vec<Text>>) -> Option<Vec<String>> {
    list.map(|l| l.into_iter().map(String::from).collect())
}
