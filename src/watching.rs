//! Watch progress, history, continue watching, ratings and popular videos.
//!
//! Players report the position every ~10 s. Each report is written to the database in
//! one statement that commits before the answer is sent (SQLite runs with
//! `synchronous = FULL` in WAL mode, PostgreSQL with its default synchronous commit),
//! so a report answered with 2xx survives the server being killed right after. A write
//! per report is cheap at that rate, and a write-behind buffer would lose exactly the
//! reports the issue asks us to keep.
//!
//! A video counts as watched from [`WATCHED_AT`] percent on; its resume position is
//! then offered no more. Watch time adds the wall-clock time between reports, capped
//! at [`MAX_REPORT_GAP`], so a paused player or a seek does not inflate it.

use crate::cache::{Cache, CacheKind};
use crate::db::progress::{self, Listing, ProgressRow, ProgressUpdate};
use crate::db::{Database, DbError};
use crate::library::{FileError, MediaLibrary, Scope};
use crate::streaming::limits::SlotKey;
use crate::streaming::Streamer;
use chrono::{Duration, Utc};
use std::sync::Arc;
use uuid::Uuid;

/// What a player reporting progress is doing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PlayerState {
    #[default]
    Playing,
    Paused,
    Stopped,
}

/// From this percentage on a video counts as watched.
pub const WATCHED_AT: f64 = 90.0;
/// The longest gap between two reports that counts as watching.
pub const MAX_REPORT_GAP: i64 = 60;
/// How long "popular" looks back.
const POPULAR_WINDOW_DAYS: i64 = 30;
/// The longest continue-watching list.
const CONTINUE_LIMIT: i64 = 50;

/// Why a report or rating was refused.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The watch service.
#[derive(Debug)]
pub struct Watching {
    db: Database,
    cache: Arc<Cache>,
    library: Arc<MediaLibrary>,
    streamer: Arc<Streamer>,
}

/// One user's state of one video.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UserVideo {
    pub video_id: Uuid,
    /// Where to resume; `None` once watched or never started.
    pub resume_seconds: Option<f64>,
    pub position_seconds: f64,
    pub progress_percent: f64,
    pub watched: bool,
    pub watch_time_seconds: i64,
    pub play_count: i64,
    pub rating: Option<i32>,
    pub last_watched: Option<chrono::DateTime<Utc>>,
}

impl From<&ProgressRow> for UserVideo {
    fn from(r: &ProgressRow) -> Self {
        let watched = r.watch_progress >= WATCHED_AT;
        Self {
            video_id: r.video_id,
            resume_seconds: (!watched && r.position_seconds > 0.0).then_some(r.position_seconds),
            position_seconds: r.position_seconds,
            progress_percent: r.watch_progress,
            watched,
            watch_time_seconds: r.watch_time,
            play_count: r.play_count,
            rating: r.rating,
            last_watched: r.last_watched,
        }
    }
}

impl Watching {
    pub fn new(
        db: Database,
        cache: Arc<Cache>,
        library: Arc<MediaLibrary>,
        streamer: Arc<Streamer>,
    ) -> Self {
        Self {
            db,
            cache,
            library,
            streamer,
        }
    }

    /// Stores a position report and keeps the session's stream of the video open.
    ///
    /// # Errors
    /// A position past the known end (a player's rounding, or one that ran on) counts
    /// as the end.
    ///
    /// [`WatchError::Invalid`] for a negative position,
    /// [`WatchError::File`] for a video not in the catalog.
    pub async fn report(
        &self,
        user_id: Uuid,
        session_id: Uuid,
        video_id: Uuid,
        scope: &Scope,
        position: f64,
        state: PlayerState,
    ) -> Result<UserVideo, WatchError> {
        let video = self.library.for_caller(scope).playable(video_id).await?;
        if !position.is_finite() || position < 0.0 {
            return Err(WatchError::Invalid(
                "position_seconds must be a number of seconds, 0 or more".into(),
            ));
        }
        let duration = video.duration.filter(|d| *d > 0.0);
        let position = duration.map_or(position, |d| position.min(d));
        let percent = duration.map_or(0.0, |d| (position / d * 100.0).clamp(0.0, 100.0));
        let now = Utc::now();
        let before = progress::find(&self.db, user_id, video_id).await?;
        let watched_seconds = before
            .as_ref()
            .and_then(|b| b.last_watched)
            .map(|last| (now - last).num_seconds())
            .filter(|gap| (0..=MAX_REPORT_GAP).contains(gap))
            .unwrap_or(0);
        let was_watched = before
            .as_ref()
            .is_some_and(|b| b.watch_progress >= WATCHED_AT);
        let update = ProgressUpdate {
            user_id,
            video_id,
            position_seconds: position,
            watch_progress: percent,
            watched_seconds,
            completed: percent >= WATCHED_AT && !was_watched,
            now,
        };
        let row = progress::record(&self.db, &update).await?;
        match state {
            PlayerState::Playing | PlayerState::Paused => {
                self.streamer.registry().touch(session_id, video_id);
            }
            PlayerState::Stopped => {
                let slot = SlotKey {
                    session_id,
                    video_id,
                    user_id,
                };
                self.streamer.stop(&slot).await;
            }
        }
        self.cache
            .invalidate(CacheKind::RecentlyWatched, &user_id.to_string())
            .await;
        Ok(UserVideo::from(&row))
    }

    /// The user's state of a video, if any.
    ///
    /// # Errors
    /// When the store cannot be read.
    pub async fn user_video(
        &self,
        user_id: Uuid,
        video_id: Uuid,
    ) -> Result<Option<UserVideo>, DbError> {
        Ok(progress::find(&self.db, user_id, video_id)
            .await?
            .as_ref()
            .map(UserVideo::from))
    }

    /// Rates a video 1 to 5, or clears the rating.
    ///
    /// # Errors
    /// [`WatchError::Invalid`] outside 1-5, [`WatchError::File`] for an unknown video.
    pub async fn rate(
        &self,
        user_id: Uuid,
        video_id: Uuid,
        scope: &Scope,
        rating: Option<i32>,
    ) -> Result<(), WatchError> {
        self.library.for_caller(scope).playable(video_id).await?;
        if rating.is_some_and(|r| !(1..=5).contains(&r)) {
            return Err(WatchError::Invalid("rating must be from 1 to 5".into()));
        }
        progress::set_rating(&self.db, user_id, video_id, rating, Utc::now()).await?;
        self.cache
            .invalidate(CacheKind::RecentlyWatched, &user_id.to_string())
            .await;
        Ok(())
    }

    /// A page of the user's history, most recent first, and the total.
    ///
    /// # Errors
    /// When the store cannot be read.
    pub async fn history(
        &self,
        user_id: Uuid,
        scope: &Scope,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<UserVideo>, i64), DbError> {
        let (rows, total) = progress::list(
            &self.db,
            user_id,
            Listing::History,
            scope.names(),
            limit,
            offset,
        )
        .await?;
        Ok((rows.iter().map(UserVideo::from).collect(), total))
    }

    /// Videos started and not finished, most recently watched first (cached per user
    /// as `user:recently_watched:{user_id}`, dropped by progress, ratings and history
    /// changes).
    ///
    /// # Errors
    /// When the store cannot be read.
    pub async fn continue_watching(&self, user_id: Uuid) -> Result<Vec<UserVideo>, DbError> {
        let key = user_id.to_string();
        if let Some(hit) = self.cache.get(CacheKind::RecentlyWatched, &key).await {
            return Ok(hit);
        }
        let (rows, _) = progress::list(
            &self.db,
            user_id,
            Listing::InProgress,
            None,
            CONTINUE_LIMIT,
            0,
        )
        .await?;
        let list: Vec<UserVideo> = rows.iter().map(UserVideo::from).collect();
        self.cache
            .put(CacheKind::RecentlyWatched, &key, &list)
            .await;
        Ok(list)
    }

    /// Removes a video from the user's history; returns whether it was there.
    ///
    /// # Errors
    /// When the store cannot be written.
    pub async fn forget(&self, user_id: Uuid, video_id: Uuid) -> Result<bool, DbError> {
        let found = progress::forget(&self.db, user_id, video_id, Utc::now()).await?;
        self.cache
            .invalidate(CacheKind::RecentlyWatched, &user_id.to_string())
            .await;
        Ok(found)
    }

    /// The videos most users watched in the last 30 days, with their viewer counts
    /// (cached as `video:popular` for 5 minutes).
    ///
    /// # Errors
    /// When the store cannot be read.
    pub async fn popular(&self, limit: usize) -> Result<Vec<(Uuid, i64)>, DbError> {
        let all = match self
            .cache
            .get::<Vec<(Uuid, i64)>>(CacheKind::PopularVideos, "")
            .await
        {
            Some(hit) => hit,
            None => {
                let since = Utc::now() - Duration::days(POPULAR_WINDOW_DAYS);
                let fresh = progress::popular(&self.db, since, 100).await?;
                self.cache.put(CacheKind::PopularVideos, "", &fresh).await;
                fresh
            }
        };
        Ok(all.into_iter().take(limit).collect())
    }

    /// Marks videos watched or unwatched for the user (an episode, a season, a series).
    ///
    /// # Errors
    /// When the store cannot be written.
    pub async fn mark(
        &self,
        user_id: Uuid,
        video_ids: &[Uuid],
        watched: bool,
    ) -> Result<(), DbError> {
        progress::mark(&self.db, user_id, video_ids, watched, Utc::now()).await?;
        self.cache
            .invalidate(CacheKind::RecentlyWatched, &user_id.to_string())
            .await;
        Ok(())
    }

    /// The user's state of each of these videos that has one.
    ///
    /// # Errors
    /// When the store cannot be read.
    pub async fn user_videos(
        &self,
        user_id: Uuid,
        video_ids: &[Uuid],
    ) -> Result<std::collections::HashMap<Uuid, UserVideo>, DbError> {
        Ok(progress::of_videos(&self.db, user_id, video_ids)
            .await?
            .iter()
            .map(|r| (r.video_id, UserVideo::from(r)))
            .collect())
    }
}
