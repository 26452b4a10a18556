//! The `user_videos` table: watch progress, history and ratings.

use super::{with_pool, Database, DbResult, SqlxResultExt};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// One user's record of one video.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProgressRow {
    pub video_id: Uuid,
    pub watch_time: i64,
    pub watch_progress: f64,
    pub position_seconds: f64,
    pub rating: Option<i32>,
    pub last_watched: Option<DateTime<Utc>>,
    pub play_count: i64,
    pub completed_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "video_id, CAST(watch_time AS BIGINT) AS watch_time, watch_progress, \
    position_seconds, rating, last_watched, CAST(play_count AS BIGINT) AS play_count, completed_at";

/// A progress report to store.
#[derive(Debug, Clone)]
pub struct ProgressUpdate {
    pub user_id: Uuid,
    pub video_id: Uuid,
    pub position_seconds: f64,
    pub watch_progress: f64,
    /// Seconds to add to the total watch time.
    pub watched_seconds: i64,
    /// Whether this report finished the video (crossed 90%).
    pub completed: bool,
    pub now: DateTime<Utc>,
}

/// The user's record of a video.
pub async fn find(db: &Database, user_id: Uuid, video_id: Uuid) -> DbResult<Option<ProgressRow>> {
    let sql = format!("SELECT {COLUMNS} FROM user_videos WHERE user_id = $1 AND video_id = $2");
    with_pool!(db, pool => sqlx::query_as(&sql).bind(user_id).bind(video_id).fetch_optional(pool).await).db()
}

/// Stores a progress report in one statement (insert or update), committed before the
/// caller answers.
pub async fn record(db: &Database, u: &ProgressUpdate) -> DbResult<ProgressRow> {
    let sql = format!(
        "INSERT INTO user_videos (id, user_id, video_id, watch_time, watch_progress, \
             position_seconds, last_watched, created_at, updated_at, play_count, completed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7, $8, $9) \
         ON CONFLICT (user_id, video_id) DO UPDATE SET \
             watch_time = user_videos.watch_time + excluded.watch_time, \
             watch_progress = excluded.watch_progress, \
             position_seconds = excluded.position_seconds, \
             last_watched = excluded.last_watched, \
             updated_at = excluded.updated_at, \
             play_count = user_videos.play_count + excluded.play_count, \
             completed_at = COALESCE(excluded.completed_at, user_videos.completed_at) \
         RETURNING {COLUMNS}"
    );
    with_pool!(db, pool => sqlx::query_as(&sql)
        .bind(Uuid::new_v4())
        .bind(u.user_id)
        .bind(u.video_id)
        .bind(u.watched_seconds)
        .bind(u.watch_progress)
        .bind(u.position_seconds)
        .bind(u.now)
        .bind(i32::from(u.completed))
        .bind(u.completed.then_some(u.now))
        .fetch_one(pool)
        .await)
    .db()
}

/// Sets or clears a rating.
pub async fn set_rating(
    db: &Database,
    user_id: Uuid,
    video_id: Uuid,
    rating: Option<i32>,
    now: DateTime<Utc>,
) -> DbResult<()> {
    let sql = "INSERT INTO user_videos (id, user_id, video_id, rating, created_at, updated_at) \
               VALUES ($1, $2, $3, $4, $5, $5) \
               ON CONFLICT (user_id, video_id) DO UPDATE SET rating = excluded.rating, \
                   updated_at = excluded.updated_at";
    with_pool!(db, pool => sqlx::query(sql)
        .bind(Uuid::new_v4())
        .bind(user_id)
        .bind(video_id)
        .bind(rating)
        .bind(now)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
    .db()?;
    Ok(())
}

/// Removes a video from a user's history (a rating stays); returns whether it was
/// there.
pub async fn forget(
    db: &Database,
    user_id: Uuid,
    video_id: Uuid,
    now: DateTime<Utc>,
) -> DbResult<bool> {
    let delete = "DELETE FROM user_videos WHERE user_id = $1 AND video_id = $2 AND rating IS NULL \
                  AND last_watched IS NOT NULL";
    let reset = "UPDATE user_videos SET watch_time = 0, watch_progress = 0, position_seconds = 0, \
                     last_watched = NULL, play_count = 0, completed_at = NULL, updated_at = $3 \
                 WHERE user_id = $1 AND video_id = $2 AND last_watched IS NOT NULL";
    let deleted = with_pool!(db, pool => sqlx::query(delete).bind(user_id).bind(video_id).execute(pool).await.map(|r| r.rows_affected())).db()?;
    let reset = with_pool!(db, pool => sqlx::query(reset).bind(user_id).bind(video_id).bind(now).execute(pool).await.map(|r| r.rows_affected())).db()?;
    Ok(deleted + reset > 0)
}

/// Which records a list takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// Everything watched, most recent first.
    History,
    /// Started but not finished (under 90%), most recent first.
    InProgress,
}

/// A page of a user's records of videos still in the catalog (in `libraries`, when
/// named), and the total.
pub async fn list(
    db: &Database,
    user_id: Uuid,
    listing: Listing,
    libraries: Option<&[String]>,
    limit: i64,
    offset: i64,
) -> DbResult<(Vec<ProgressRow>, i64)> {
    let filter = match listing {
        Listing::History => "uv.last_watched IS NOT NULL",
        Listing::InProgress => {
            "uv.last_watched IS NOT NULL AND uv.watch_progress > 0 AND uv.watch_progress < 90"
        }
    };
    // $1 the user, $2 and $3 the page, then one placeholder per library.
    let in_libraries = libraries.map_or(String::new(), |names| {
        let list = (0..names.len())
            .map(|i| format!("${}", i + 4))
            .collect::<Vec<_>>()
            .join(", ");
        if names.is_empty() {
            " AND 1 = 0".to_owned()
        } else {
            format!(" AND v.library IN ({list})")
        }
    });
    let from = format!(
        "FROM user_videos uv JOIN videos v ON v.id = uv.video_id \
         WHERE uv.user_id = $1 AND v.status = 'ok' AND {filter}{in_libraries}"
    );
    let columns = COLUMNS
        .split(", ")
        .map(|c| {
            if c.starts_with("CAST(") {
                c.replacen("CAST(", "CAST(uv.", 1)
            } else {
                format!("uv.{c}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let page = format!(
        "SELECT {columns} {from} ORDER BY uv.last_watched DESC, uv.video_id LIMIT $2 OFFSET $3"
    );
    // The count binds the page too, so the placeholders keep their numbers.
    let count = format!("SELECT COUNT(*) {from} AND $2 = $2 AND $3 = $3");
    let names = libraries.unwrap_or_default();
    let rows = with_pool!(db, pool => {
        let mut query = sqlx::query_as(&page).bind(user_id).bind(limit).bind(offset);
        for name in names {
            query = query.bind(name.as_str());
        }
        query.fetch_all(pool).await
    })
    .db()?;
    let total = with_pool!(db, pool => {
        let mut query = sqlx::query_scalar(&count).bind(user_id).bind(limit).bind(offset);
        for name in names {
            query = query.bind(name.as_str());
        }
        query.fetch_one(pool).await
    })
    .db()?;
    Ok((rows, total))
}

/// The videos most users watched since `since`, with how many did.
pub async fn popular(
    db: &Database,
    since: DateTime<Utc>,
    limit: i64,
) -> DbResult<Vec<(Uuid, i64)>> {
    let sql = "SELECT uv.video_id, COUNT(*) AS viewers FROM user_videos uv \
               JOIN videos v ON v.id = uv.video_id \
               WHERE uv.last_watched >= $1 AND v.status = 'ok' \
               GROUP BY uv.video_id ORDER BY viewers DESC, MAX(uv.last_watched) DESC LIMIT $2";
    with_pool!(db, pool => sqlx::query_as(sql).bind(since).bind(limit).fetch_all(pool).await).db()
}

/// Deletes the watch data of guests with no open session (a guest keeps their place
/// only while their session lives). Returns the rows deleted.
pub async fn forget_guests_without_session(db: &Database, now: DateTime<Utc>) -> DbResult<u64> {
    let sql = "DELETE FROM user_videos WHERE user_id IN ( \
                   SELECT u.id FROM users u WHERE u.role = 'guest' AND NOT EXISTS ( \
                       SELECT 1 FROM user_sessions s WHERE s.user_id = u.id \
                         AND s.revoked_at IS NULL AND s.expires_at > $1))";
    with_pool!(db, pool => sqlx::query(sql).bind(now).execute(pool).await.map(|r| r.rows_affected())).db()
}

/// Marks videos watched (to 100%, finished now, one more play) or unwatched (progress,
/// position, plays and the finish cleared; the rating and watch time stay), in one
/// transaction. A mark is not a viewing: when the video was last watched (history,
/// popular) is left as it was.
pub async fn mark(
    db: &Database,
    user_id: Uuid,
    video_ids: &[Uuid],
    watched: bool,
    now: DateTime<Utc>,
) -> DbResult<()> {
    let sql = if watched {
        "INSERT INTO user_videos (id, user_id, video_id, watch_progress, position_seconds, \
             created_at, updated_at, play_count, completed_at) \
         VALUES ($1, $2, $3, 100, 0, $4, $4, 1, $4) \
         ON CONFLICT (user_id, video_id) DO UPDATE SET watch_progress = 100, \
             position_seconds = 0, \
             updated_at = excluded.updated_at, completed_at = excluded.completed_at, \
             play_count = user_videos.play_count + \
                 CASE WHEN user_videos.watch_progress >= 90 THEN 0 ELSE 1 END"
    } else {
        "UPDATE user_videos SET watch_progress = 0, position_seconds = 0, play_count = 0, \
             completed_at = NULL, updated_at = $4 \
         WHERE $1 = $1 AND user_id = $2 AND video_id = $3"
    };
    with_pool!(db, pool => async {
        let mut tx = pool.begin().await?;
        for id in video_ids {
            sqlx::query(sql)
                .bind(Uuid::new_v4())
                .bind(user_id)
                .bind(*id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }
    .await)
    .db()
}

/// The user's records of these videos.
pub async fn of_videos(
    db: &Database,
    user_id: Uuid,
    video_ids: &[Uuid],
) -> DbResult<Vec<ProgressRow>> {
    if video_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows = Vec::with_capacity(video_ids.len());
    // In chunks: both backends cap the parameters of one statement.
    for chunk in video_ids.chunks(500) {
        let list = (0..chunk.len())
            .map(|i| format!("${}", i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {COLUMNS} FROM user_videos WHERE user_id = $1 AND video_id IN ({list})"
        );
        let found: Vec<ProgressRow> = with_pool!(db, pool => {
            let mut query = sqlx::query_as(&sql).bind(user_id);
            for id in chunk {
                query = query.bind(*id);
            }
            query.fetch_all(pool).await
        })
        .db()?;
        rows.extend(found);
    }
    Ok(rows)
}
