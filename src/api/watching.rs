//! Watching: preferences, progress and resume, history, continue watching, ratings and
//! popular videos.

use super::tags::ApiTags;
use super::videos::{UserData, Video};
use crate::accounts::Role;
use crate::api::error::{ApiError, ApiResult};
use crate::api::guard::BearerAuth;
use crate::api::guard::StreamAuth;
use crate::api::views::{PlayerState, Preferences};
use crate::library::Scope;
use crate::state::AppState;
use crate::watching::UserVideo;
use poem::web::Data;
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

pub struct WatchingApi;

#[derive(ApiResponse)]
enum Beaconed {
    /// The report was stored.
    #[oai(status = 204)]
    Recorded,
}

/// A position report.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
struct ProgressReport {
    /// The playback position in seconds, from 0 to the video's duration.
    #[oai(validator(minimum(value = "0"), maximum(value = "1000000")))]
    position_seconds: f64,
    /// What the player is doing: `playing` (the default) and `paused` keep the
    /// session's stream of the video open; `stopped` (the player closed) frees its
    /// stream slot at once.
    #[oai(default)]
    state: PlayerState,
}

/// A rating.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
struct RatingRequest {
    /// 1 to 5 stars; `null` clears the rating.
    #[oai(validator(minimum(value = "1"), maximum(value = "5")))]
    rating: Option<i32>,
}

/// A video with the caller's state of it.
#[derive(Debug, Object)]
struct WatchedVideo {
    video: Video,
    user_data: UserData,
}

/// One page of history.
#[derive(Debug, Object)]
struct HistoryPage {
    items: Vec<WatchedVideo>,
    /// Videos in the whole history.
    total: i64,
    limit: u32,
    offset: u64,
}

/// A popular video and how many users watched it in the last 30 days.
#[derive(Debug, Object)]
struct PopularVideo {
    video: Video,
    viewers: i64,
}

#[derive(ApiResponse)]
enum Forgotten {
    /// The video is no longer in the caller's history.
    #[oai(status = 204)]
    Done,
}

/// The records with their videos, leaving out those the caller's libraries hide.
async fn with_videos(
    state: &AppState,
    scope: &Scope,
    items: Vec<UserVideo>,
) -> ApiResult<Vec<WatchedVideo>> {
    let mut out = Vec::with_capacity(items.len());
    let catalog = state.library.for_caller(scope);
    for item in items {
        if let Some(v) = catalog.visible(item.video_id).await? {
            out.push(WatchedVideo {
                video: Video::from(v.as_ref()),
                user_data: item.into(),
            });
        }
    }
    Ok(out)
}

#[OpenApi(tag = "ApiTags::Watching")]
impl WatchingApi {
    /// The caller's streaming preferences.
    #[oai(
        path = "/api/users/me/preferences",
        method = "get",
        operation_id = "getPreferences"
    )]
    async fn preferences(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<Json<Preferences>> {
        Ok(Json(state.accounts.preferences(auth.0.id).await?.into()))
    }

    /// Replaces the caller's streaming preferences. Sessions opened from now on carry
    /// them; the playback decision uses them.
    #[oai(
        path = "/api/users/me/preferences",
        method = "put",
        operation_id = "setPreferences"
    )]
    async fn set_preferences(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: Json<Preferences>,
    ) -> ApiResult<Json<Preferences>> {
        let wanted = crate::preferences::Preferences::from(body.0);
        if auth.0.role == Role::Guest {
            // A guest changes the quality and nothing else.
            let mut only_quality = state.accounts.preferences(auth.0.id).await?;
            only_quality.quality = wanted.quality;
            if only_quality != wanted {
                return Err(ApiError::forbidden(
                    "a guest may change only the playback quality",
                ));
            }
        }
        state.accounts.set_preferences(auth.0.id, &wanted).await?;
        Ok(Json(wanted.into()))
    }

    /// Reports the playback position (players send it every ~10 s, and with `stopped`
    /// when they close). It is stored before the answer, keeps the session's stream of
    /// the video open (or ends it, when stopped), and at 90% or more marks the video
    /// watched.
    #[oai(
        path = "/api/videos/:id/progress",
        method = "put",
        operation_id = "reportProgress"
    )]
    async fn progress(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<ProgressReport>,
    ) -> ApiResult<Json<UserData>> {
        let user = &auth.0;
        let v = state
            .watching
            .report(
                user.id,
                user.session_id,
                id.0,
                &user.scope,
                body.position_seconds,
                body.state.into(),
            )
            .await?;
        Ok(Json(v.into()))
    }

    /// The same report from `navigator.sendBeacon`, which a page sends as it closes and
    /// which can carry neither an `Authorization` header nor a JSON content type: the
    /// body is the report's JSON (sent as `text/plain`, it is read as `application/json`),
    /// and the caller is named by the video's
    /// signed link (`?token=`, as the playback decision gave it) or a bearer token.
    #[oai(
        path = "/api/videos/:id/progress",
        method = "post",
        operation_id = "beaconProgress"
    )]
    async fn beacon(
        &self,
        state: Data<&AppState>,
        auth: StreamAuth,
        req: &Request,
        id: Path<Uuid>,
        body: Json<ProgressReport>,
    ) -> ApiResult<Beaconed> {
        let viewer = super::stream::viewer_of(&state, &auth, req, id.0)?;
        let report = body.0;
        state
            .watching
            .report(
                viewer.user_id,
                viewer.session_id,
                id.0,
                &auth.scope(),
                report.position_seconds,
                report.state.into(),
            )
            .await?;
        Ok(Beaconed::Recorded)
    }

    /// Rates a video from 1 to 5 stars, or clears the rating with `null`.
    #[oai(
        path = "/api/videos/:id/rating",
        method = "put",
        operation_id = "rateVideo"
    )]
    async fn rate(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<RatingRequest>,
    ) -> ApiResult<Json<UserData>> {
        state
            .watching
            .rate(auth.0.id, id.0, &auth.0.scope, body.rating)
            .await?;
        let v = state
            .watching
            .user_video(auth.0.id, id.0)
            .await?
            .ok_or_else(|| ApiError::not_found("video", id.0))?;
        Ok(Json(v.into()))
    }

    /// Videos the caller started and has not finished, most recently watched first.
    #[oai(
        path = "/api/users/me/continue-watching",
        method = "get",
        operation_id = "continueWatching"
    )]
    async fn continue_watching(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<Json<Vec<WatchedVideo>>> {
        let items = state.watching.continue_watching(auth.0.id).await?;
        Ok(Json(with_videos(&state, &auth.0.scope, items).await?))
    }

    /// Everything the caller watched, most recent first.
    #[oai(
        path = "/api/users/me/history",
        method = "get",
        operation_id = "getHistory"
    )]
    async fn history(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// Videos per page, 1 to 200.
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        limit: Query<u32>,
        #[oai(default, validator(maximum(value = "1000000000")))] offset: Query<u64>,
    ) -> ApiResult<Json<HistoryPage>> {
        let (items, total) = state
            .watching
            .history(
                auth.0.id,
                &auth.0.scope,
                i64::from(limit.0),
                offset.0 as i64,
            )
            .await?;
        Ok(Json(HistoryPage {
            items: with_videos(&state, &auth.0.scope, items).await?,
            total,
            limit: limit.0,
            offset: offset.0,
        }))
    }

    /// Removes a video from the caller's history (and its resume position); a rating
    /// stays.
    #[oai(
        path = "/api/users/me/history/:video_id",
        method = "delete",
        operation_id = "deleteHistoryEntry"
    )]
    async fn forget(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        video_id: Path<Uuid>,
    ) -> ApiResult<Forgotten> {
        if !state.watching.forget(auth.0.id, video_id.0).await? {
            return Err(ApiError::not_found("history entry for video", video_id.0));
        }
        Ok(Forgotten::Done)
    }

    /// The videos most users watched in the last 30 days (refreshed every 5 minutes).
    #[oai(
        path = "/api/videos/popular",
        method = "get",
        operation_id = "popularVideos"
    )]
    async fn popular(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// How many, 1 to 100.
        #[oai(
            default = "default_popular",
            validator(minimum(value = "1"), maximum(value = "100"))
        )]
        limit: Query<u32>,
    ) -> ApiResult<Json<Vec<PopularVideo>>> {
        let mut out = Vec::new();
        let catalog = auth.catalog(&state);
        // The top 100, less what the caller's libraries hide, cut to the limit.
        for (id, viewers) in state.watching.popular(100).await? {
            if out.len() == limit.0 as usize {
                break;
            }
            if let Some(v) = catalog.visible_playable(id).await? {
                out.push(PopularVideo {
                    video: Video::from(v.as_ref()),
                    viewers,
                });
            }
        }
        Ok(Json(out))
    }
}

fn default_limit() -> u32 {
    50
}

fn default_popular() -> u32 {
    20
}
