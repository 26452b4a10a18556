//! Series, seasons and episodes; next up; marking watched; artwork; the genres and years
//! to filter by.

use super::tags::ApiTags;
use super::videos::{UserData, Video};
use crate::api::error::{ApiError, ApiResult};
use crate::api::guard::BearerAuth;
use crate::db::series::{SeriesQuery, SeriesRow};
use crate::db::videos::VideoRow;
use crate::library::images::Resized;
use crate::library::Artwork;
use crate::state::AppState;
use crate::streaming::range::none_match_hits;
use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

pub struct SeriesApi;

/// A series: a folder (or a name) of episodes, with what its `tvshow.nfo` says.
#[derive(Debug, Clone, Object)]
struct Series {
    id: Uuid,
    title: String,
    original_title: Option<String>,
    year: Option<i32>,
    plot: Option<String>,
    genres: Vec<String>,
    /// The rating in the `.nfo`, 0 to 10.
    community_rating: Option<f64>,
    /// `YYYY-MM-DD`.
    premiered: Option<String>,
    library: String,
    /// Whether `GET /api/series/{id}/image/poster` has a poster (else the first
    /// episode's frame is served).
    has_poster: bool,
    has_backdrop: bool,
    /// Playable episodes (a file covering several counts once).
    episode_count: i32,
    season_count: i32,
    /// When its newest episode was added.
    latest_added: Option<DateTime<Utc>>,
}

impl From<&SeriesRow> for Series {
    fn from(s: &SeriesRow) -> Self {
        Self {
            id: s.id,
            title: s.title.clone(),
            original_title: s.original_title.clone(),
            year: s.year,
            plot: s.plot.clone(),
            genres: s.genres.0.clone(),
            community_rating: s.rating,
            premiered: s.premiered.clone(),
            library: s.library.clone(),
            has_poster: s.poster.is_some(),
            has_backdrop: s.backdrop.is_some(),
            episode_count: s.episode_count,
            season_count: s.season_count,
            latest_added: s.latest_added,
        }
    }
}

/// One page of series.
#[derive(Debug, Object)]
struct SeriesPage {
    items: Vec<Series>,
    total: i64,
    limit: u32,
    offset: u64,
}

/// A season of a series, as its page lists it.
#[derive(Debug, Object)]
struct Season {
    /// 0 for specials; absent for episodes whose season is unknown.
    number: Option<i32>,
    /// `Season 1`, `Specials`, `Episodes`.
    name: String,
    episode_count: i32,
    /// Episodes the caller watched to the end.
    watched_count: i32,
    /// Whether `GET /api/series/{id}/image/poster?season=N` has the season's own poster.
    has_poster: bool,
}

/// A series with its seasons.
#[derive(Debug, Object)]
struct SeriesDetail {
    series: Series,
    seasons: Vec<Season>,
    /// The episode "play" starts: the first one after the last the caller finished that
    /// they have not finished, else the first.
    next_episode_id: Option<Uuid>,
    /// That episode, with the caller's state of it (its resume point).
    next_episode: Option<Episode>,
}

/// An episode (or film part) with the caller's state of it.
#[derive(Debug, Object)]
struct Episode {
    video: Video,
    /// Present once the caller played it or marked it.
    user_data: Option<UserData>,
}

/// Episodes of a series.
#[derive(Debug, Object)]
struct EpisodeList {
    items: Vec<Episode>,
}

/// What plays after a video.
#[derive(Debug, Object)]
struct NextVideo {
    /// The next episode of its series or the next part of its film; absent after the
    /// last.
    video: Option<Video>,
    /// The caller's state of it, once they played or marked it (where to resume).
    user_data: Option<UserData>,
}

/// What to filter the catalog by.
#[derive(Debug, Object)]
struct Facets {
    /// The genres of the films and series the caller may see.
    genres: Vec<String>,
    /// Their years, newest first.
    years: Vec<i32>,
}

/// Which image of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
enum ImageKind {
    /// Portrait art (a film's poster, a series' or season's poster, an episode's own
    /// thumb); the grabbed frame when there is none.
    Poster,
    /// Wide art behind a page (`fanart.jpg`); 404 when there is none.
    Backdrop,
}

#[derive(ApiResponse)]
enum ImageResponse {
    /// A JPEG at the asked width (rounded up to 160, 320, 640 or 1280), never wider
    /// than its source.
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

#[derive(ApiResponse)]
enum Marked {
    /// Marked.
    #[oai(status = 204)]
    Done,
}

#[OpenApi(tag = "ApiTags::Videos")]
impl SeriesApi {
    /// Lists the series with playable episodes: search, genre and year filters,
    /// pagination; by title, or most recently added first.
    #[oai(path = "/api/series", method = "get", operation_id = "listSeries")]
    #[expect(
        clippy::too_many_arguments,
        reason = "one parameter per documented query parameter"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// Words, each the start of a word (letters and digits, any case, any order)
        /// of the title or original title: `wir` finds "The Wire". The first 8 count.
        #[oai(validator(max_length = 200))]
        q: Query<Option<String>>,
        #[oai(validator(max_length = 100))] genre: Query<Option<String>>,
        #[oai(validator(minimum(value = "1800"), maximum(value = "2200")))] year: Query<
            Option<i32>,
        >,
        /// `title` (the default: ignoring case and a leading "The", "A" or "An") or
        /// `added` (newest episode first).
        #[oai(default = "default_sort")]
        sort: Query<SeriesSort>,
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        limit: Query<u32>,
        #[oai(default, validator(maximum(value = "1000000000")))] offset: Query<u64>,
    ) -> ApiResult<Json<SeriesPage>> {
        let query = SeriesQuery {
            search: q.0,
            genre: genre.0,
            year: year.0,
            recent: sort.0 == SeriesSort::Added,
            limit: i64::from(limit.0),
            offset: offset.0 as i64,
        };
        let (rows, total) = auth.catalog(&state).series_page(&query).await?;
        Ok(Json(SeriesPage {
            items: rows.iter().map(Series::from).collect(),
            total,
            limit: limit.0,
            offset: offset.0,
        }))
    }

    /// One series with its seasons, the caller's watched counts and the episode to play.
    #[oai(path = "/api/series/:id", method = "get", operation_id = "getSeries")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<SeriesDetail>> {
        let catalog = auth.catalog(&state);
        let series = catalog.series(id.0).await?;
        let episodes = catalog.episodes(&series).await?;
        let mine = user_data(&state, auth.0.id, &episodes).await?;
        let mut seasons: BTreeMap<i32, Season> = BTreeMap::new();
        for e in &episodes {
            let key = e.season.unwrap_or(-1);
            let season = seasons.entry(key).or_insert_with(|| Season {
                number: e.season,
                name: season_name(e.season),
                episode_count: 0,
                watched_count: 0,
                has_poster: e
                    .season
                    .is_some_and(|n| series.season_posters.0.contains_key(&n.to_string())),
            });
            season.episode_count += 1;
            if mine.get(&e.id).is_some_and(|u| u.watched) {
                season.watched_count += 1;
            }
        }
        // Specials last, as players list them; unknown seasons first.
        let mut seasons: Vec<Season> = seasons.into_values().collect();
        seasons.sort_by_key(|s| match s.number {
            None => -1,
            Some(0) => i32::MAX,
            Some(n) => n,
        });
        let next = episodes
            .iter()
            .filter(|e| e.season != Some(0))
            .rev()
            .take_while(|e| !mine.get(&e.id).is_some_and(|u| u.watched))
            .last()
            .or_else(|| episodes.iter().find(|e| e.season != Some(0)));
        Ok(Json(SeriesDetail {
            series: Series::from(&series),
            seasons,
            next_episode_id: next.map(|e| e.id),
            next_episode: next.map(|e| Episode {
                video: Video::from(e),
                user_data: mine.get(&e.id).cloned(),
            }),
        }))
    }

    /// The episodes of a series in order (season, episode), or of one season, with the
    /// caller's progress and watched marks.
    #[oai(
        path = "/api/series/:id/episodes",
        method = "get",
        operation_id = "listEpisodes"
    )]
    async fn episodes(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        /// Only this season (0 for specials).
        #[oai(validator(minimum(value = "0"), maximum(value = "100000")))]
        season: Query<Option<i32>>,
    ) -> ApiResult<Json<EpisodeList>> {
        let catalog = auth.catalog(&state);
        let series = catalog.series(id.0).await?;
        let episodes: Vec<VideoRow> = catalog
            .episodes(&series)
            .await?
            .into_iter()
            .filter(|e| season.0.is_none_or(|n| e.season == Some(n)))
            .collect();
        let mut mine = user_data(&state, auth.0.id, &episodes).await?;
        Ok(Json(EpisodeList {
            items: episodes
                .iter()
                .map(|e| Episode {
                    video: Video::from(e),
                    user_data: mine.remove(&e.id),
                })
                .collect(),
        }))
    }

    /// Marks every episode of a series, or of one of its seasons, watched.
    #[oai(
        path = "/api/series/:id/watched",
        method = "post",
        operation_id = "markSeriesWatched"
    )]
    async fn mark_watched(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(validator(minimum(value = "0"), maximum(value = "100000")))] season: Query<
            Option<i32>,
        >,
    ) -> ApiResult<Marked> {
        mark_series(&state, &auth, id.0, season.0, true).await
    }

    /// Marks every episode of a series, or of one of its seasons, unwatched.
    #[oai(
        path = "/api/series/:id/watched",
        method = "delete",
        operation_id = "markSeriesUnwatched"
    )]
    async fn mark_unwatched(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(validator(minimum(value = "0"), maximum(value = "100000")))] season: Query<
            Option<i32>,
        >,
    ) -> ApiResult<Marked> {
        mark_series(&state, &auth, id.0, season.0, false).await
    }

    /// Marks a video watched (to the end, one more play).
    #[oai(
        path = "/api/videos/:id/watched",
        method = "post",
        operation_id = "markWatched"
    )]
    async fn mark_video_watched(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Marked> {
        let video = auth.catalog(&state).playable(id.0).await?;
        state.watching.mark(auth.0.id, &[video.id], true).await?;
        Ok(Marked::Done)
    }

    /// Marks a video unwatched (its progress and plays cleared; its rating stays).
    #[oai(
        path = "/api/videos/:id/watched",
        method = "delete",
        operation_id = "markUnwatched"
    )]
    async fn mark_video_unwatched(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Marked> {
        let video = auth.catalog(&state).playable(id.0).await?;
        state.watching.mark(auth.0.id, &[video.id], false).await?;
        Ok(Marked::Done)
    }

    /// What plays after a video: the next episode of its series (across seasons), or
    /// the next part of its film. The player offers it when the video ends.
    #[oai(
        path = "/api/videos/:id/next",
        method = "get",
        operation_id = "getNextVideo"
    )]
    async fn next(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<NextVideo>> {
        let catalog = auth.catalog(&state);
        let video = catalog.playable(id.0).await?;
        let next = catalog.following(&video).await?;
        let user_data = match &next {
            Some(v) => state.watching.user_video(auth.0.id, v.id).await?,
            None => None,
        };
        Ok(Json(NextVideo {
            video: next.as_ref().map(Video::from),
            user_data: user_data.map(UserData::from),
        }))
    }

    /// Next up: for each series the caller is watching (most recent first), the first
    /// episode after the one they finished last that they have not finished. Specials
    /// are left out.
    #[oai(path = "/api/next-up", method = "get", operation_id = "nextUp")]
    async fn next_up(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        #[oai(
            default = "default_next_up",
            validator(minimum(value = "1"), maximum(value = "100"))
        )]
        limit: Query<u32>,
    ) -> ApiResult<Json<EpisodeList>> {
        let rows = auth
            .catalog(&state)
            .next_up(auth.0.id, i64::from(limit.0))
            .await?;
        let mut mine = user_data(&state, auth.0.id, &rows).await?;
        Ok(Json(EpisodeList {
            items: rows
                .iter()
                .map(|e| Episode {
                    video: Video::from(e),
                    user_data: mine.remove(&e.id),
                })
                .collect(),
        }))
    }

    /// The genres and years of the films and series the caller may see, to filter the
    /// catalog by.
    #[oai(
        path = "/api/library/facets",
        method = "get",
        operation_id = "getFacets"
    )]
    async fn facets(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<Json<Facets>> {
        let (genres, years) = auth.catalog(&state).facets().await?;
        Ok(Json(Facets { genres, years }))
    }

    /// A series' poster (a season's, with `season`; else the first episode's frame) or
    /// backdrop, resized, with an ETag.
    #[oai(
        path = "/api/series/:id/image/:kind",
        method = "get",
        operation_id = "getSeriesImage"
    )]
    #[expect(
        clippy::too_many_arguments,
        reason = "one parameter per documented parameter"
    )]
    async fn series_image(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        kind: Path<ImageKind>,
        /// A season whose own poster to show (falls back to the series').
        #[oai(validator(minimum(value = "0"), maximum(value = "100000")))]
        season: Query<Option<i32>>,
        /// Pixels wide, rounded up to 160, 320, 640 or 1280.
        #[oai(
            default = "default_width",
            validator(minimum(value = "1"), maximum(value = "4096"))
        )]
        width: Query<u32>,
        #[oai(name = "If-None-Match")] if_none_match: Header<Option<String>>,
    ) -> ApiResult<ImageResponse> {
        let catalog = auth.catalog(&state);
        let series = catalog.series(id.0).await?;
        let season_poster = season
            .0
            .and_then(|n| series.season_posters.0.get(&n.to_string()).cloned());
        let file = match kind.0 {
            ImageKind::Poster => season_poster.or_else(|| series.poster.clone()),
            ImageKind::Backdrop => series.backdrop.clone(),
        };
        let resized = match file {
            Some(rel) => {
                catalog
                    .image(&series.library, Artwork::File(&rel), width.0)
                    .await?
            }
            None if kind.0 == ImageKind::Backdrop => {
                return Err(ApiError::not_found("backdrop of series", id.0));
            }
            None => {
                let episodes = catalog.episodes(&series).await?;
                let first = episodes
                    .iter()
                    .find(|e| e.thumbnail_path.is_some())
                    .ok_or_else(|| ApiError::not_found("image of series", id.0))?;
                catalog
                    .image(&series.library, Artwork::Thumbnail(first.id), width.0)
                    .await?
            }
        };
        image_response(resized, if_none_match.0.as_deref()).await
    }

    /// A video's poster (a film's poster, an episode's own thumb; else the grabbed
    /// frame) or backdrop, resized, with an ETag.
    #[oai(
        path = "/api/videos/:id/image/:kind",
        method = "get",
        operation_id = "getVideoImage"
    )]
    async fn video_image(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        kind: Path<ImageKind>,
        #[oai(
            default = "default_width",
            validator(minimum(value = "1"), maximum(value = "4096"))
        )]
        width: Query<u32>,
        #[oai(name = "If-None-Match")] if_none_match: Header<Option<String>>,
    ) -> ApiResult<ImageResponse> {
        let catalog = auth.catalog(&state);
        let video = catalog.playable(id.0).await?;
        let file = match kind.0 {
            ImageKind::Poster => video.poster.as_deref(),
            ImageKind::Backdrop => video.backdrop.as_deref(),
        };
        let art = match file {
            Some(rel) => Artwork::File(rel),
            None if kind.0 == ImageKind::Poster && video.thumbnail_path.is_some() => {
                Artwork::Thumbnail(video.id)
            }
            None => return Err(ApiError::not_found("image of video", id.0)),
        };
        let resized = catalog.image(&video.library, art, width.0).await?;
        image_response(resized, if_none_match.0.as_deref()).await
    }
}

/// Series orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
enum SeriesSort {
    /// By title, ignoring case and a leading "The", "A" or "An".
    Title,
    /// Newest episode first.
    Added,
}

async fn mark_series(
    state: &AppState,
    auth: &BearerAuth,
    id: Uuid,
    season: Option<i32>,
    watched: bool,
) -> ApiResult<Marked> {
    let catalog = auth.catalog(state);
    let series = catalog.series(id).await?;
    let ids: Vec<Uuid> = catalog
        .episodes(&series)
        .await?
        .iter()
        .filter(|e| season.is_none_or(|n| e.season == Some(n)))
        .map(|e| e.id)
        .collect();
    if ids.is_empty() {
        return Err(ApiError::not_found(
            "season of series",
            season.map_or_else(|| id.to_string(), |n| format!("{n} of {id}")),
        ));
    }
    state.watching.mark(auth.0.id, &ids, watched).await?;
    Ok(Marked::Done)
}

async fn user_data(
    state: &AppState,
    user_id: Uuid,
    videos: &[VideoRow],
) -> ApiResult<HashMap<Uuid, UserData>> {
    let ids: Vec<Uuid> = videos.iter().map(|v| v.id).collect();
    Ok(state
        .watching
        .user_videos(user_id, &ids)
        .await?
        .into_iter()
        .map(|(id, u)| (id, UserData::from(u)))
        .collect())
}

async fn image_response(resized: Resized, if_none_match: Option<&str>) -> ApiResult<ImageResponse> {
    if if_none_match.is_some_and(|v| none_match_hits(v, &resized.etag)) {
        return Ok(ImageResponse::NotModified(resized.etag));
    }
    let bytes = tokio::fs::read(&resized.path)
        .await
        .map_err(|_| ApiError::not_found("image", resized.etag.clone()))?;
    Ok(ImageResponse::Image(
        Binary(bytes),
        resized.etag,
        "private, max-age=604800".to_owned(),
    ))
}

fn season_name(season: Option<i32>) -> String {
    match season {
        None => "Episodes".to_owned(),
        Some(0) => "Specials".to_owned(),
        Some(n) => format!("Season {n}"),
    }
}

fn default_limit() -> u32 {
    50
}

fn default_next_up() -> u32 {
    20
}

fn default_width() -> u32 {
    320
}

fn default_sort() -> SeriesSort {
    SeriesSort::Title
}
