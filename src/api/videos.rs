//! The catalog: browsing videos, their metadata and thumbnails, and signed player links.

use super::middleware::origin;
use super::tags::ApiTags;
use crate::api::error::{ApiError, ApiResult};
use crate::api::guard::BearerAuth;
use crate::api::views::{each, AudioStream, Sidecar, SubtitleStream, TextTrack, VideoKind};
use crate::db::videos::{CatalogQuery, SortKey, VideoRow};
use crate::library::{probe, walk};
use crate::state::AppState;
use crate::streaming::range::none_match_hits;
use crate::watching::UserVideo;
use chrono::{DateTime, Utc};
use poem::web::Data;
use poem::Request;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::{Binary, Json, PlainText};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use uuid::Uuid;

pub struct VideosApi;

/// The caller's state of one video.
#[derive(Debug, Clone, Object)]
pub struct UserData {
    /// Where to resume, in seconds; absent once watched or never started.
    pub resume_seconds: Option<f64>,
    /// The last reported position, in seconds.
    pub position_seconds: f64,
    /// How far into the video that is, 0 to 100.
    pub progress_percent: f64,
    /// Watched to 90% or more.
    pub watched: bool,
    /// Seconds spent watching, over every report.
    pub watch_time_seconds: i64,
    /// How many times the video was watched to the end (90%).
    pub play_count: i64,
    /// The caller's rating, 1 to 5.
    pub rating: Option<i32>,
    pub last_watched: Option<DateTime<Utc>>,
}

impl From<UserVideo> for UserData {
    fn from(v: UserVideo) -> Self {
        Self {
            resume_seconds: v.resume_seconds,
            position_seconds: v.position_seconds,
            progress_percent: v.progress_percent,
            watched: v.watched,
            watch_time_seconds: v.watch_time_seconds,
            play_count: v.play_count,
            rating: v.rating,
            last_watched: v.last_watched,
        }
    }
}

/// A video in the catalog, with everything the scanner learned about it.
#[derive(Debug, Clone, Object)]
pub struct Video {
    pub id: Uuid,
    /// An episode's or film's own title: from its `.nfo`, else its file name (cleaned of
    /// numbers, years and release tags), else the container's title tag.
    pub title: String,
    /// The title to show in a list of mixed entries: `Series - S01E02 - Title` for an
    /// episode, `Title (Year)` for a film.
    pub display_title: String,
    pub kind: VideoKind,
    /// The series of an episode.
    pub series_id: Option<Uuid>,
    pub series_title: Option<String>,
    /// An episode's season: 0 for specials; absent when unknown.
    pub season: Option<i32>,
    /// An episode's number in its season (its absolute number when the season is
    /// unknown).
    pub episode: Option<i32>,
    /// The last episode of a file covering several (`S01E23-E24`).
    pub episode_end: Option<i32>,
    /// A film's year.
    pub year: Option<i32>,
    pub original_title: Option<String>,
    /// The plot, from the `.nfo`.
    pub plot: Option<String>,
    pub genres: Vec<String>,
    /// The rating in the `.nfo`, 0 to 10.
    pub community_rating: Option<f64>,
    /// A film's release or an episode's air date, `YYYY-MM-DD`.
    pub premiered: Option<String>,
    /// Whether `GET /api/videos/{id}/image/poster` has a poster (a film's poster, an
    /// episode's own thumb) rather than the grabbed frame.
    pub has_poster: bool,
    /// Whether `GET /api/videos/{id}/image/backdrop` has an image.
    pub has_backdrop: bool,
    /// Which part of a film split over files this is.
    pub part: Option<i32>,
    /// What tells this file from other versions of its film (`1080p`, `Director's Cut`).
    pub version: Option<String>,
    pub filename: String,
    /// The library's name.
    pub library: String,
    /// The path inside the library, '/'-separated.
    pub path: String,
    /// `mp4`, `mkv`, `webm`, `avi`, `mov`, `m4v` or `ts`.
    pub container: String,
    /// The MIME type the file is served with.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Seconds.
    pub duration: Option<f64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub video_codec: Option<String>,
    pub video_profile: Option<String>,
    /// As ffprobe reports it (41 is H.264 level 4.1).
    pub video_level: Option<i32>,
    /// Bits per second of the whole file.
    pub bit_rate: Option<i64>,
    /// Frames per second.
    pub frame_rate: Option<f64>,
    pub audio: Vec<AudioStream>,
    pub subtitles: Vec<SubtitleStream>,
    /// Subtitle files beside the video.
    pub sidecars: Vec<Sidecar>,
    /// The text subtitles (embedded and beside the file) served as WebVTT.
    pub text_tracks: Vec<TextTrack>,
    /// Whether `GET /api/videos/{id}/thumbnail` has an image.
    pub has_thumbnail: bool,
    /// When the scanner first found the file.
    pub added_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The caller's progress, resume position and rating; only on `GET
    /// /api/videos/{id}`, and only once the caller played or rated the video.
    #[oai(skip_serializing_if_is_none)]
    pub user_data: Option<UserData>,
}

impl From<&VideoRow> for Video {
    fn from(v: &VideoRow) -> Self {
        let meta = &v.metadata.0;
        Self {
            id: v.id,
            title: v.title.clone(),
            display_title: display_title(v),
            kind: v.kind.into(),
            series_id: v.series_id,
            series_title: v.series_title.clone(),
            season: v.season,
            episode: v.episode,
            episode_end: v.episode_end,
            year: v.year,
            original_title: v.original_title.clone(),
            plot: v.description.clone(),
            genres: v.genres.0.clone(),
            community_rating: v.rating,
            premiered: v.premiered.clone(),
            has_poster: v.poster.is_some(),
            has_backdrop: v.backdrop.is_some(),
            part: v.part,
            version: v.version.clone(),
            filename: v.filename.clone(),
            library: v.library.clone(),
            path: v.file_path.clone(),
            container: v.format.clone(),
            content_type: crate::streaming::content_type(&v.format).to_owned(),
            size: v.file_size,
            duration: v.duration,
            width: v.width,
            height: v.height,
            video_codec: v.video_codec.clone(),
            video_profile: v.video_profile.clone(),
            video_level: v.video_level,
            bit_rate: v.bit_rate,
            frame_rate: meta.get("frame_rate").and_then(serde_json::Value::as_f64),
            audio: each(v.metadata_list::<probe::AudioStream>("audio")),
            subtitles: each(v.metadata_list::<probe::SubtitleStream>("subtitles")),
            sidecars: each(v.metadata_list::<walk::Sidecar>("sidecars")),
            text_tracks: each(crate::transcode::subtitles::text_tracks(v)),
            has_thumbnail: v.thumbnail_path.is_some(),
            added_at: v.created_at,
            updated_at: v.updated_at,
            user_data: None,
        }
    }
}

/// How an entry is named in a mixed list: `Series - S01E02 - Title` (`S01E02-E03` for
/// several, `Series - 12 - Title` when the season is unknown), `Title (Year)`.
pub fn display_title(v: &VideoRow) -> String {
    match (v.kind, &v.series_title) {
        (crate::db::videos::VideoKind::Episode, Some(series)) => {
            let number = match (v.season, v.episode) {
                (Some(s), Some(e)) => format!("S{s:02}E{e:02}"),
                (Some(s), None) => format!("S{s:02}"),
                (None, Some(e)) => format!("{e:02}"),
                (None, None) => String::new(),
            };
            let number = match (v.episode_end, number.is_empty()) {
                (Some(end), false) if v.season.is_some() => format!("{number}-E{end:02}"),
                (Some(end), false) => format!("{number}-{end:02}"),
                _ => number,
            };
            [series.as_str(), number.as_str(), v.title.as_str()]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(" - ")
        }
        (crate::db::videos::VideoKind::Film, _) => match v.year {
            Some(year) => format!("{} ({year})", v.title),
            None => v.title.clone(),
        },
        _ => v.title.clone(),
    }
}

/// One page of the catalog.
#[derive(Debug, Object)]
struct VideoPage {
    items: Vec<Video>,
    /// Videos matching the query in all pages; `null` when `count=false` asked not to
    /// count them. A search (`q`) counts up to 1,000: see `total_capped`.
    total: Option<i64>,
    /// `true` when a search stopped counting at 1,000 matches (`total` is 1000 and more
    /// match: "1,000+"). A common word matches most of a large catalog, and counting
    /// every match would read all of them for each keystroke.
    total_capped: bool,
    /// Whether videos follow this page.
    has_more: bool,
    limit: u32,
    offset: u64,
}

/// Catalog orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
enum Sort {
    /// By title, ignoring case and a leading "The", "A" or "An"; an episode by its
    /// series' title, then in viewing order.
    Title,
    /// When the scanner found the file.
    Added,
    /// Unknown durations count as the longest.
    Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
enum Order {
    Asc,
    Desc,
}

/// A signed link a media player can open without an `Authorization` header.
#[derive(Debug, Object)]
struct StreamUrl {
    /// The absolute URL, built from the request's `Host` (and `X-Forwarded-Proto`).
    url: String,
    /// The same link as a path on this server.
    path: String,
    /// The token alone, accepted as `?token=` by the streaming routes for this video.
    token: String,
    expires_at: DateTime<Utc>,
}

#[derive(ApiResponse)]
enum ThumbnailResponse {
    /// A JPEG.
    #[oai(status = 200, content_type = "image/jpeg")]
    Image(
        Binary<Vec<u8>>,
        #[oai(header = "ETag")] String,
        #[oai(header = "Cache-Control")] String,
    ),
    /// The client's copy (`If-None-Match`) is current.
    #[oai(status = 304)]
    NotModified(#[oai(header = "ETag")] String),
}

/// The seek previews' index.
#[derive(ApiResponse)]
enum TrickplayIndexResponse {
    /// A WebVTT file (`text/vtt`).
    #[oai(status = 200, content_type = "text/vtt")]
    Index(
        PlainText<String>,
        #[oai(header = "ETag")] String,
        #[oai(header = "Cache-Control")] String,
    ),
    /// The client's copy (`If-None-Match`) is current.
    #[oai(status = 304)]
    NotModified(#[oai(header = "ETag")] String),
}

/// A seek preview file's ETag: its set (the folder names the file's size and time and
/// the settings) and its length.
fn trickplay_etag(path: &std::path::Path, len: usize) -> String {
    let set = path
        .parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("\"{set}-{len:x}\"")
}

#[OpenApi(tag = "ApiTags::Videos")]
impl VideosApi {
    /// Lists playable videos: search, filters, sorting and pagination.
    #[oai(path = "/api/videos", method = "get", operation_id = "listVideos")]
    #[expect(
        clippy::too_many_arguments,
        reason = "one parameter per documented query parameter"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// Words, each the start of a word (letters and digits, any case, any order)
        /// of the title or original title, an episode's series title or its `s01e02`,
        /// or the file name of an entry not classified yet: `ali 19` finds
        /// "Alien (1979)". The first 8 words count.
        #[oai(validator(max_length = 200))]
        q: Query<Option<String>>,
        /// Only this library.
        library: Query<Option<String>>,
        /// Only videos at least this many pixels high (720 for HD and up).
        #[oai(validator(minimum(value = "0"), maximum(value = "100000")))]
        min_height: Query<Option<i32>>,
        /// Only this video codec, as ffprobe names it (`h264`, `hevc`, `vp9`, `av1`).
        #[oai(validator(max_length = 32))]
        codec: Query<Option<String>>,
        /// Only films, only episodes (or only entries not classified yet).
        kind: Query<Option<VideoKind>>,
        /// Only entries with this genre (from their `.nfo`), compared exactly.
        #[oai(validator(max_length = 100))]
        genre: Query<Option<String>>,
        /// Only films of this year.
        #[oai(validator(minimum(value = "1800"), maximum(value = "2200")))]
        year: Query<Option<i32>>,
        /// `title`: ignoring case and a leading "The", "A" or "An", an episode under
        /// its series' title in viewing order (specials first); `added`: when the
        /// scanner found the file; `duration`: unknown durations count as the longest.
        #[oai(default = "default_sort")]
        sort: Query<Sort>,
        /// Defaults to `asc` for title and `desc` for added and duration.
        order: Query<Option<Order>>,
        /// Videos per page, 1 to 200.
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        limit: Query<u32>,
        #[oai(default, validator(maximum(value = "1000000000")))] offset: Query<u64>,
        /// `false`: do not count every match (`total` is `null`; `has_more` says
        /// whether to ask for the next page). An infinite list's later pages, which
        /// know the total from the first, are cheaper without it (as Jellyfin's
        /// `enableTotalRecordCount=false`).
        #[oai(default = "yes")]
        count: Query<bool>,
    ) -> ApiResult<Json<VideoPage>> {
        let sort = match sort.0 {
            Sort::Title => SortKey::Title,
            Sort::Added => SortKey::Added,
            Sort::Duration => SortKey::Duration,
        };
        let descending = order.0.map_or(sort != SortKey::Title, |o| o == Order::Desc);
        let query = CatalogQuery {
            search: q.0,
            library: library.0,
            min_height: min_height.0,
            codec: codec.0,
            kind: kind.0.map(Into::into),
            genre: genre.0,
            year: year.0,
            sort,
            descending,
            limit: i64::from(limit.0),
            offset: offset.0 as i64,
            count: count.0,
        };
        let catalog = auth.catalog(&state);
        let page = catalog.page(&query).await?;
        Ok(Json(VideoPage {
            items: page.rows.iter().map(Video::from).collect(),
            total: page.total,
            total_capped: page.capped,
            has_more: page.more,
            limit: limit.0,
            offset: offset.0,
        }))
    }

    /// One video with its full metadata and the caller's resume position.
    #[oai(path = "/api/videos/:id", method = "get", operation_id = "getVideo")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<Video>> {
        let video = auth.catalog(&state).playable(id.0).await?;
        let mine = state.watching.user_video(auth.0.id, video.id).await?;
        Ok(Json(Video {
            user_data: mine.map(UserData::from),
            ..Video::from(video.as_ref())
        }))
    }

    /// The video's thumbnail (a frame at about 10% of its length), with an ETag.
    #[oai(
        path = "/api/videos/:id/thumbnail",
        method = "get",
        operation_id = "getThumbnail"
    )]
    async fn thumbnail(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "If-None-Match")] if_none_match: Header<Option<String>>,
    ) -> ApiResult<ThumbnailResponse> {
        let video = auth.catalog(&state).playable(id.0).await?;
        let path = state
            .library
            .thumbnail_file(&video)
            .ok_or_else(|| ApiError::not_found("thumbnail of video", id.0))?;
        let bytes = tokio::fs::read(&path)
            .await
            .map_err(|_| ApiError::not_found("thumbnail of video", id.0))?;
        let etag = format!(
            "\"{:x}-{:x}\"",
            bytes.len(),
            video.updated_at.timestamp_micros()
        );
        if if_none_match
            .0
            .as_deref()
            .is_some_and(|v| none_match_hits(v, &etag))
        {
            return Ok(ThumbnailResponse::NotModified(etag));
        }
        Ok(ThumbnailResponse::Image(
            Binary(bytes),
            etag,
            "private, max-age=86400".to_owned(),
        ))
    }

    /// The video's seek previews (trickplay): a WebVTT index whose cues name, for each
    /// stretch of `transcode.trickplay_interval`, a sheet of pictures beside it and the
    /// picture's place in it (`0.jpg#xywh=320,0,320,180`, ten by ten pictures a sheet),
    /// as Jellyfin's web client and the video.js and hls.js thumbnail plugins read them.
    /// 404 until the server has made them (in the background after a scan), or when
    /// `transcode.trickplay` is off.
    #[oai(
        path = "/api/videos/:id/trickplay/index.vtt",
        method = "get",
        operation_id = "getTrickplayIndex"
    )]
    async fn trickplay_index(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "If-None-Match")] if_none_match: Header<Option<String>>,
    ) -> ApiResult<TrickplayIndexResponse> {
        let video = auth.catalog(&state).playable(id.0).await?;
        let missing = || ApiError::not_found("seek previews of video", id.0);
        let path = state.library.trickplay_index(&video).ok_or_else(missing)?;
        let text = tokio::fs::read_to_string(&path)
            .await
            .map_err(|_| missing())?;
        let etag = trickplay_etag(&path, text.len());
        if if_none_match
            .0
            .as_deref()
            .is_some_and(|v| none_match_hits(v, &etag))
        {
            return Ok(TrickplayIndexResponse::NotModified(etag));
        }
        Ok(TrickplayIndexResponse::Index(
            PlainText(text),
            etag,
            "private, max-age=86400".to_owned(),
        ))
    }

    /// A sheet of the video's seek previews (`0.jpg`, `1.jpg` ...), as its index names it.
    #[oai(
        path = "/api/videos/:id/trickplay/:sheet",
        method = "get",
        operation_id = "getTrickplaySheet"
    )]
    async fn trickplay_sheet(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        /// The sheet's name in the index: its number and `.jpg`.
        #[oai(validator(pattern = r"^[0-9]{1,6}\.jpg$"))]
        sheet: Path<String>,
        #[oai(name = "If-None-Match")] if_none_match: Header<Option<String>>,
    ) -> ApiResult<ThumbnailResponse> {
        let video = auth.catalog(&state).playable(id.0).await?;
        let missing = || ApiError::not_found("seek preview sheet", sheet.0.clone());
        let n: u32 = sheet
            .0
            .trim_end_matches(".jpg")
            .parse()
            .map_err(|_| missing())?;
        let path = state
            .library
            .trickplay_sheet(&video, n)
            .ok_or_else(missing)?;
        let bytes = tokio::fs::read(&path).await.map_err(|_| missing())?;
        let etag = trickplay_etag(&path, bytes.len());
        if if_none_match
            .0
            .as_deref()
            .is_some_and(|v| none_match_hits(v, &etag))
        {
            return Ok(ThumbnailResponse::NotModified(etag));
        }
        Ok(ThumbnailResponse::Image(
            Binary(bytes),
            etag,
            "private, max-age=86400".to_owned(),
        ))
    }

    /// Makes a signed link to stream this video without an `Authorization` header (VLC,
    /// mpv, smart TVs, `<video>` tags). It is valid for `streaming.link_ttl` (6 hours by
    /// default) and never beyond the session; it opens only this video, and only on the
    /// streaming routes.
    #[oai(
        path = "/api/videos/:id/stream-url",
        method = "post",
        operation_id = "createStreamUrl"
    )]
    async fn stream_url(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        req: &Request,
        id: Path<Uuid>,
    ) -> ApiResult<Json<StreamUrl>> {
        let video = auth.catalog(&state).playable(id.0).await?;
        let ttl = state.settings.streaming.link_ttl.get();
        let (token, expires_at) = state.accounts.issue_link(&auth.0, video.id, ttl).await?;
        let path = format!("/api/stream/{}?token={token}", video.id);
        Ok(Json(StreamUrl {
            url: format!(
                "{}{path}",
                origin(req, &state.settings.server.trusted_proxies)
            ),
            path,
            token,
            expires_at,
        }))
    }
}

fn default_limit() -> u32 {
    50
}

fn yes() -> bool {
    true
}

fn default_sort() -> Sort {
    Sort::Added
}
