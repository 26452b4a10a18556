//! Direct play: the file of a video with RFC 9110 range semantics.

use super::middleware::client_ip;
use super::middleware::USER_AGENT_MAX;
use super::tags::ApiTags;
use crate::analytics::PlayMode;
use crate::api::error::{ApiError, ApiResult};
use crate::api::guard::StreamAuth;
use crate::library::is_safe_relative;
use crate::preferences::DeviceType;
use crate::state::AppState;
use crate::streaming::limits::Viewer;
use crate::streaming::range::Conditions;
use poem::http::{header, Method};
use poem::web::Data;
use poem::{Request, Response};
use poem_openapi::param::Path;
use poem_openapi::registry::{
    MetaHeader, MetaMediaType, MetaResponse, MetaResponses, MetaSchema, MetaSchemaRef, Registry,
};
use poem_openapi::types::Type;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

pub struct StreamApi;

/// A media answer: the file, a part of it, or a validator outcome.
pub struct MediaResponse(Response);

impl poem::IntoResponse for MediaResponse {
    fn into_response(self) -> Response {
        self.0
    }
}

pub(super) fn header(name: &str, description: &str) -> MetaHeader {
    MetaHeader {
        name: name.to_owned(),
        description: Some(description.to_owned()),
        required: false,
        deprecated: false,
        schema: String::schema_ref(),
    }
}

impl ApiResponse for MediaResponse {
    fn meta() -> MetaResponses {
        let binary = MetaSchemaRef::Inline(Box::new(MetaSchema {
            format: Some("binary"),
            ..MetaSchema::new("string")
        }));
        let video = |ct: &'static str| MetaMediaType {
            content_type: ct,
            schema: binary.clone(),
        };
        let common = || {
            vec![
                header("Accept-Ranges", "Always `bytes`."),
                header(
                    "ETag",
                    "A strong entity tag of the file (size and modification time).",
                ),
                header("Last-Modified", "The file's modification time."),
                header("Content-Length", "Bytes in this answer's body."),
            ]
        };
        let mut partial = common();
        partial.push(header(
            "Content-Range",
            "`bytes first-last/length` for a single range.",
        ));
        MetaResponses {
            responses: vec![
                MetaResponse {
                    description: "The whole file (no `Range`, a malformed or ignored one, or a failed `If-Range`). `Content-Type` follows the container: video/mp4, video/x-matroska, video/webm, video/x-msvideo, video/quicktime or video/mp2t.",
                    status: Some(200),
                    status_range: None,
                    content: vec![video("video/*")],
                    headers: common(),
                },
                MetaResponse {
                    description: "The requested range; several ranges come as `multipart/byteranges` (overlapping and adjacent ones coalesced; more than 32 are ignored and the whole file is sent).",
                    status: Some(206),
                    status_range: None,
                    content: vec![video("video/*"), video("multipart/byteranges")],
                    headers: partial,
                },
                MetaResponse {
                    description: "`If-None-Match` or `If-Modified-Since` matched: the client's copy is current.",
                    status: Some(304),
                    status_range: None,
                    content: Vec::new(),
                    headers: vec![header("ETag", "The file's entity tag.")],
                },
                MetaResponse {
                    description: "No requested range overlaps the file.",
                    status: Some(416),
                    status_range: None,
                    content: Vec::new(),
                    headers: vec![header("Content-Range", "`bytes */length`.")],
                },
            ],
        }
    }

    fn register(_registry: &mut Registry) {}
}

#[OpenApi(tag = "ApiTags::Streaming")]
impl StreamApi {
    /// Streams a video's file. Accepts a bearer token or a signed link's `?token=`.
    /// Supports single, open-ended, suffix and multiple ranges, `If-Range`,
    /// `If-None-Match` and `If-Modified-Since`. A GET that sends bytes opens (or joins)
    /// the caller's stream of this video; one stream more than
    /// `streaming.max_concurrent_streams` or `streaming.max_streams_per_user` gets 429.
    #[oai(
        path = "/api/stream/:video_id",
        method = "get",
        operation_id = "streamVideo"
    )]
    async fn by_id(
        &self,
        state: Data<&AppState>,
        auth: StreamAuth,
        req: &Request,
        video_id: Path<Uuid>,
    ) -> ApiResult<MediaResponse> {
        let scope = auth.scope();
        let video = state
            .library
            .for_caller(&scope)
            .playable(video_id.0)
            .await?;
        serve(&state, &auth, req, &video).await
    }

    /// The headers `GET /api/stream/{video_id}` would answer with, without the body;
    /// opens no stream.
    #[oai(
        path = "/api/stream/:video_id",
        method = "head",
        operation_id = "headVideo"
    )]
    async fn head_by_id(
        &self,
        state: Data<&AppState>,
        auth: StreamAuth,
        req: &Request,
        video_id: Path<Uuid>,
    ) -> ApiResult<MediaResponse> {
        self.by_id(state, auth, req, video_id).await
    }

    /// Streams a video by its path inside a library, written with its slashes
    /// (`Shows/S1/e1.mkv`) or URL-encoded as one segment (`Shows%2FS1%2Fe1.mkv`).
    /// Paths with `..`, absolute paths, NUL bytes or backslashes are refused with 400;
    /// only files in the catalog are served.
    #[oai(
        path = "/api/stream/video/:filename",
        method = "get",
        operation_id = "streamVideoByPath"
    )]
    async fn by_path(
        &self,
        state: Data<&AppState>,
        auth: StreamAuth,
        req: &Request,
        filename: Path<String>,
    ) -> ApiResult<MediaResponse> {
        if !is_safe_relative(&filename.0) {
            return Err(ApiError::bad_request(
                "the path must stay inside a library: no '..', absolute paths, NUL or backslashes",
            ));
        }
        let scope = auth.scope();
        let catalog = state.library.for_caller(&scope);
        let video = catalog.playable_by_path(&filename.0).await?;
        serve(&state, &auth, req, &video).await
    }

    /// The headers `GET /api/stream/video/{filename}` would answer with, without the
    /// body; opens no stream.
    #[oai(
        path = "/api/stream/video/:filename",
        method = "head",
        operation_id = "headVideoByPath"
    )]
    async fn head_by_path(
        &self,
        state: Data<&AppState>,
        auth: StreamAuth,
        req: &Request,
        filename: Path<String>,
    ) -> ApiResult<MediaResponse> {
        self.by_path(state, auth, req, filename).await
    }
}

async fn serve(
    state: &AppState,
    auth: &StreamAuth,
    req: &Request,
    video: &crate::db::videos::VideoRow,
) -> ApiResult<MediaResponse> {
    let viewer = viewer_of(state, auth, req, video.id)?;
    let headers = req.headers();
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let conditions = Conditions {
        range: text(header::RANGE),
        if_range: text(header::IF_RANGE),
        if_none_match: text(header::IF_NONE_MATCH),
        if_modified_since: text(header::IF_MODIFIED_SINCE),
    };
    let head = req.method() == Method::HEAD;
    let transfer = state
        .streamer
        .prepare(video, &conditions, head, &viewer)
        .await?;
    Ok(MediaResponse(transfer.into_response()))
}

/// The caller as a viewer of `video_id`, refusing a signed link made for another video.
///
/// # Errors
/// 404 when the caller's link names another video: the same answer as for a video
/// that does not exist, so a link tells nothing of videos its holder cannot see.
pub(super) fn viewer_of(
    state: &AppState,
    auth: &StreamAuth,
    req: &Request,
    video_id: Uuid,
) -> ApiResult<Viewer> {
    let (user_id, username, session_id, only_video) = auth.caller();
    if only_video.is_some_and(|v| v != video_id) {
        return Err(ApiError::not_found("video", video_id));
    }
    let user_agent = super::middleware::user_agent(req);
    Ok(Viewer {
        user_id,
        username: username.to_owned(),
        session_id,
        client_addr: client_ip(req, &state.settings.server.trusted_proxies),
        device_type: Some(
            user_agent
                .and_then(DeviceType::from_user_agent)
                .unwrap_or_default()
                .as_str(),
        ),
        user_agent: user_agent.map(|ua| ua.chars().take(USER_AGENT_MAX).collect()),
        mode: PlayMode::Direct,
        variant: None,
    })
}
