//! Transcoded playback: HLS playlists and segments, progressive fragmented MP4 (remux
//! or transcode), and subtitles as WebVTT. Every route takes a bearer token or a signed
//! link's `?token=`, and the playlists carry that link into every URI they list.

use super::stream::{header, viewer_of};
use super::tags::ApiTags;
use crate::analytics::PlayMode;
use crate::api::error::{ApiError, ApiResult};
use crate::api::guard::StreamAuth;
use crate::db::videos::VideoRow;
use crate::state::AppState;
use crate::streaming::limits::{StreamLease, Viewer};
use crate::streaming::{counted, counted_reader};
use crate::transcode::encode::Container;
use crate::transcode::jobs::SegmentFile;
use crate::transcode::{hls, subtitles, ts, Playback, TranscodeError};
use poem::http::{header as h, StatusCode};
use poem::web::Data;
use poem::{Body, Request, Response};
use poem_openapi::param::{Path, Query};
use poem_openapi::registry::{
    MetaMediaType, MetaResponse, MetaResponses, MetaSchema, MetaSchemaRef, Registry,
};
use poem_openapi::{ApiResponse, Enum, OpenApi};
use std::marker::PhantomData;
use std::sync::Arc;
use uuid::Uuid;

pub struct HlsApi;

/// What a [`Media`] answer carries.
pub trait MediaKind: Send {
    const CONTENT_TYPE: &'static str;
    const DESCRIPTION: &'static str;
}

/// An HLS playlist.
pub struct Playlist;
impl MediaKind for Playlist {
    const CONTENT_TYPE: &'static str = "application/vnd.apple.mpegurl";
    const DESCRIPTION: &'static str = "An HLS playlist (RFC 8216).";
}

/// An MPEG-TS segment.
pub struct Segment;
impl MediaKind for Segment {
    const CONTENT_TYPE: &'static str = "video/mp2t";
    const DESCRIPTION: &'static str =
        "One MPEG-TS segment, H.264/AAC (AAC only for `audio`), timestamps on the source's timeline. A segment ffmpeg is still making is sent as it is written, with no `Content-Length` (read it as it arrives, as hls.js does with `progressive`); an answer cut off before its end (its ffmpeg was stopped) is to be asked for again.";
}

/// A WebVTT file.
pub struct WebVtt;
impl MediaKind for WebVtt {
    const CONTENT_TYPE: &'static str = "text/vtt";
    const DESCRIPTION: &'static str = "The subtitle track as WebVTT.";
}

/// Fragmented MP4 over one response.
pub struct FragmentedMp4;
impl MediaKind for FragmentedMp4 {
    const CONTENT_TYPE: &'static str = "video/mp4";
    const DESCRIPTION: &'static str = "Fragmented MP4 written as ffmpeg makes it (no `Content-Length`, no ranges; seek with `start`).";
}

/// A media answer of one kind.
pub struct Media<K>(Response, PhantomData<K>);

impl<K> Media<K> {
    fn new(r: Response) -> Self {
        Self(r, PhantomData)
    }
}

impl<K: MediaKind> poem::IntoResponse for Media<K> {
    fn into_response(self) -> Response {
        self.0
    }
}

impl<K: MediaKind> ApiResponse for Media<K> {
    fn meta() -> MetaResponses {
        let schema = if K::CONTENT_TYPE.starts_with("video/") {
            MetaSchemaRef::Inline(Box::new(MetaSchema {
                format: Some("binary"),
                ..MetaSchema::new("string")
            }))
        } else {
            MetaSchemaRef::Inline(Box::new(MetaSchema::new("string")))
        };
        MetaResponses {
            responses: vec![MetaResponse {
                description: K::DESCRIPTION,
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: K::CONTENT_TYPE,
                    schema,
                }],
                headers: vec![header("Cache-Control", "Always `private`.")],
            }],
        }
    }

    fn register(_registry: &mut Registry) {}
}

fn answer<K: MediaKind>(body: Body, len: Option<u64>) -> Media<K> {
    let mut b = Response::builder()
        .status(StatusCode::OK)
        .content_type(K::CONTENT_TYPE)
        .header(h::CACHE_CONTROL, "private");
    if let Some(len) = len {
        b = b.header(h::CONTENT_LENGTH, len);
    }
    Media::new(b.body(body))
}

/// What a progressive stream does with the video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum ProgressiveMode {
    /// Copy the video stream (AAC audio).
    Remux,
    /// Encode H.264/AAC.
    Transcode,
}

/// The `?token=` to put on every URI a playlist lists: the caller's own link, or a new
/// one for a bearer caller (a player fetching segments sends no headers).
async fn link_query(
    state: &AppState,
    auth: &StreamAuth,
    req: &Request,
    video: Uuid,
) -> ApiResult<String> {
    let token = match auth {
        StreamAuth::Link(_) => req
            .uri()
            .query()
            .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("token=")))
            .unwrap_or_default()
            .to_owned(),
        StreamAuth::Bearer(b) => {
            let ttl = state.settings.streaming.link_ttl.get();
            state.accounts.issue_link(&b.0, video, ttl).await?.0
        }
    };
    Ok(format!("?token={token}"))
}

/// The video, checked against the caller's link, with the caller as a viewer.
async fn video_for(
    state: &AppState,
    auth: &StreamAuth,
    req: &Request,
    id: Uuid,
) -> ApiResult<(Arc<VideoRow>, Viewer)> {
    let video = state.library.for_caller(&auth.scope()).playable(id).await?;
    let viewer = viewer_of(state, auth, req, id)?;
    Ok((video, viewer))
}

async fn lease(state: &AppState, viewer: &Viewer, video: Uuid) -> ApiResult<StreamLease> {
    state
        .streamer
        .lease(viewer, video)
        .await
        .map_err(|l| crate::streaming::StreamError::Limit(l).into())
}

#[OpenApi(tag = "ApiTags::Playback")]
impl HlsApi {
    /// The HLS master playlist of a video: a ladder of H.264/AAC variants at or below the
    /// source (1080p, 720p, 480p as the source allows), an audio-only fallback and the
    /// text subtitles. `max_height` and `max_bitrate_kbps` drop the variants above them.
    #[oai(
        path = "/api/hls/:video_id/master.m3u8",
        method = "get",
        operation_id = "hlsMaster"
    )]
    async fn master(
        &self,
        state: Data<&AppState>,
        auth: StreamAuth,
        req: &Request,
        video_id: Path<Uuid>,
        #[oai(validator(minimum(value = "144"), maximum(value = "4320")))] max_height: Query<
            Option<u32>,
        >,
        #[oai(validator(minimum(value = "64")))] max_bitrate_kbps: Query<Option<u32>>,
    ) -> ApiResult<Media<Playlist>> {
        let (video, viewer) = video_for(&state, &auth, req, video_id.0).await?;
        let query = link_query(&state, &auth, req, video.id).await?;
        let prefs = state.accounts.preferences(viewer.user_id).await?;
        let (w, hgt) = (
            video.width_px().unwrap_or(0),
            video.height_px().unwrap_or(0),
        );
        let variants = state
            .transcoder
            .ladder(&video, max_height.0, max_bitrate_kbps.0);
        let subs: Vec<hls::SubtitleRendition> = subtitles::text_tracks(&video)
            .into_iter()
            .map(|t| t.rendition())
            .collect();
        let audio = hls::audio_renditions(&video, prefs.audio_language.as_deref());
        let text = hls::master(
            &variants,
            (w, hgt),
            &audio,
            &subs,
            prefs.subtitle_language.as_deref(),
            &query,
        );
        Ok(answer(Body::from_string(text), None))
    }

    /// A variant's VOD media playlist, listing every segment of the video from the start.
    #[oai(
        path = "/api/hls/:video_id/:variant/index.m3u8",
        method = "get",
        operation_id = "hlsVariant"
    )]
    async fn variant(
        &self,
        state: Data<&AppState>,
        auth: StreamAuth,
        req: &Request,
        video_id: Path<Uuid>,
        /// `1080p`, `720p`, `480p` (as the source allows), `audio`, or `audio-{n}`
        /// (the rendition of the file's audio stream n, listed in the master playlist
        /// when the file has several).
        variant: Path<String>,
    ) -> ApiResult<Media<Playlist>> {
        let (video, _) = video_for(&state, &auth, req, video_id.0).await?;
        state.transcoder.variant(&video, &variant.0)?;
        let query = link_query(&state, &auth, req, video.id).await?;
        let seconds = state.transcoder.settings.segment_length();
        let text = hls::media(video.duration.unwrap_or(0.0), seconds, &query);
        Ok(answer(Body::from_string(text), None))
    }

    /// One segment (`{n}.ts`), made on demand: from the cache when already made, by the
    /// running ffmpeg when it is near (sent as it is written), else by an ffmpeg
    /// restarted at this segment.
    /// Counts as the caller's stream of the video (429 past the stream limits); 503 with
    /// `Retry-After` when every transcoding slot and the queue are full, or when ffmpeg
    /// failed on this video repeatedly.
    #[oai(
        path = "/api/hls/:video_id/:variant/:segment",
        method = "get",
        operation_id = "hlsSegment"
    )]
    async fn segment(
        &self,
        state: Data<&AppState>,
        auth: StreamAuth,
        req: &Request,
        video_id: Path<Uuid>,
        variant: Path<String>,
        /// `{n}.ts`, counted from 0.
        segment: Path<String>,
    ) -> ApiResult<Media<Segment>> {
        let index: u32 = segment
            .0
            .strip_suffix(".ts")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| ApiError::not_found("segment", &segment.0))?;
        let (video, mut viewer) = video_for(&state, &auth, req, video_id.0).await?;
        // An unknown variant is a 404 before it can take a stream slot.
        state.transcoder.variant(&video, &variant.0)?;
        viewer.mode = PlayMode::Transcode;
        viewer.variant = Some(variant.0.clone());
        let mut lease = lease(&state, &viewer, video.id).await?;
        let source = state.library.open(&video).await?;
        let prefs = state.accounts.preferences(viewer.user_id).await?;
        let playback = Playback {
            session: viewer.session_id,
            audio_language: prefs.audio_language.as_deref(),
        };
        let path = match state
            .transcoder
            .segment(&video, source, &variant.0, index, playback)
            .await?
        {
            SegmentFile::Complete(path) => path,
            // Sent as ffmpeg writes it: no length known yet.
            SegmentFile::Growing(growing) => {
                let body = counted(growing.into_stream(), lease);
                return Ok(answer(Body::from_bytes_stream(body), None));
            }
        };
        let mut file = tokio::fs::File::open(&path)
            .await
            .map_err(|_| TranscodeError::TimedOut)?;
        // Led by a discontinuity on each of its streams, so that it joins any run's
        // segment before it (transcode::ts).
        let prefix = ts::prefix_of(&mut file).await.map_err(TranscodeError::Io)?;
        let len = file.metadata().await.map_err(TranscodeError::Io)?.len() + prefix.len() as u64;
        lease.sent(len);
        lease.complete();
        let body = tokio::io::AsyncReadExt::chain(std::io::Cursor::new(prefix), file);
        Ok(answer(Body::from_async_read(body), Some(len)))
    }

    /// The playlist of one subtitle track, for the master playlist's subtitles group.
    #[oai(
        path = "/api/hls/:video_id/subtitles/:track/index.m3u8",
        method = "get",
        operation_id = "hlsSubtitles"
    )]
    async fn subtitle_playlist(
        &self,
        state: Data<&AppState>,
        auth: StreamAuth,
        req: &Request,
        video_id: Path<Uuid>,
        track: Path<String>,
    ) -> ApiResult<Media<Playlist>> {
        let (video, _) = video_for(&state, &auth, req, video_id.0).await?;
        subtitles::find(&video, &track.0)?;
        let query = link_query(&state, &auth, req, video.id).await?;
        let text = hls::subtitle_media(video.duration.unwrap_or(0.0), &query);
        Ok(answer(Body::from_string(text), None))
    }

    /// A subtitle track (a text stream in the file, or a `.srt`, `.vtt`, `.ass` or `.ssa`
    /// beside it) as WebVTT, converted by ffmpeg once and cached. Track ids are listed
    /// on the video as `text_tracks`.
    #[oai(
        path = "/api/hls/:video_id/subtitles/:track/subtitles.vtt",
        method = "get",
        operation_id = "subtitleWebVtt"
    )]
    async fn subtitle(
        &self,
        state: Data<&AppState>,
        auth: StreamAuth,
        req: &Request,
        video_id: Path<Uuid>,
        track: Path<String>,
    ) -> ApiResult<Media<WebVtt>> {
        let (video, _) = video_for(&state, &auth, req, video_id.0).await?;
        let found = subtitles::find(&video, &track.0)?;
        // The sidecar or the video, each opened beneath the library: a sidecar swapped
        // for a symlink out of it after the scan is refused.
        let source = match found.file() {
            Some(name) => state.library.open_beside(&video, name).await?,
            None => state.library.open(&video).await?,
        };
        let path = state
            .transcoder
            .webvtt(video.id, &track.0, &source, found.stream())
            .await?;
        let vtt = tokio::fs::read(&path).await.map_err(TranscodeError::Io)?;
        let text = subtitles::with_timestamp_map(&vtt);
        let len = text.len() as u64;
        Ok(answer(Body::from_vec(text), Some(len)))
    }

    /// The video as fragmented MP4 over one response, from `start` seconds: `remux`
    /// copies the video stream (for a container or audio the client cannot play),
    /// `transcode` encodes H.264/AAC no taller than `max_height`. Goes through the
    /// transcoding pool (503 with `Retry-After` when it is full) and counts as the
    /// caller's stream of the video.
    #[oai(
        path = "/api/transcode/:video_id/stream.mp4",
        method = "get",
        operation_id = "progressiveStream"
    )]
    #[expect(
        clippy::too_many_arguments,
        reason = "poem-openapi takes each parameter as an argument"
    )]
    async fn progressive(
        &self,
        state: Data<&AppState>,
        auth: StreamAuth,
        req: &Request,
        video_id: Path<Uuid>,
        mode: Query<ProgressiveMode>,
        /// Seconds from the start of the video; at or past the end, the last second.
        #[oai(default, validator(minimum(value = "0")))]
        start: Query<f64>,
        #[oai(validator(minimum(value = "144"), maximum(value = "4320")))] max_height: Query<
            Option<u32>,
        >,
    ) -> ApiResult<Media<FragmentedMp4>> {
        let (video, mut viewer) = video_for(&state, &auth, req, video_id.0).await?;
        viewer.mode = match mode.0 {
            ProgressiveMode::Remux => PlayMode::Remux,
            _ => PlayMode::Transcode,
        };
        if !start.0.is_finite() {
            return Err(ApiError::bad_request("start must be a number of seconds"));
        }
        // A start at or past the end plays the last second, as a seek to the end does.
        let start = video
            .duration
            .map_or(start.0, |d| start.0.min((d - 1.0).max(0.0)));
        let prefs = state.accounts.preferences(viewer.user_id).await?;
        let plan = state.transcoder.progressive_plan(
            &video,
            matches!(mode.0, ProgressiveMode::Remux),
            max_height.0,
            prefs.audio_language.as_deref(),
        )?;
        let lease = lease(&state, &viewer, video.id).await?;
        let source = state.library.open(&video).await?;
        let stream = state
            .transcoder
            .progressive(
                video.id,
                &source,
                plan,
                start,
                viewer.session_id,
                Container::FragmentedMp4,
            )
            .await?;
        let ended = lease.end_signal();
        let body = Body::from_bytes_stream(counted_reader(stream, lease));
        let mut media = answer::<FragmentedMp4>(body, None);
        // The connection watches the stream's end (its session's end) and resets.
        media.0.extensions_mut().insert(ended);
        Ok(media)
    }
}
