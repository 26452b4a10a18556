//! The `user_sessions` table: the durable record of every login.

use super::{with_pool, Database, DbResult, SqlxResultExt};
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

/// A stored session.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub session_data: Json<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub last_activity: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str =
    "id, user_id, session_data, created_at, last_activity, expires_at, revoked_at";

/// Records a new session.
pub async fn insert(
    db: &Database,
    id: Uuid,
    user_id: Uuid,
    data: &serde_json::Value,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> DbResult<()> {
    let sql = "INSERT INTO user_sessions (id, user_id, session_data, created_at, last_activity, expires_at) \
               VALUES ($1, $2, $3, $4, $4, $5)";
    with_pool!(db, pool => sqlx::query(sql)
        .bind(id)
        .bind(user_id)
        .bind(Json(data))
        .bind(now)
        .bind(expires_at)
        .execute(pool)
        .await.map(|r| r.rows_affected()))
    .db()?;
    Ok(())
}

/// The session with this id, ended or not.
pub async fn find(db: &Database, id: Uuid) -> DbResult<Option<SessionRow>> {
    let sql = format!("SELECT {COLUMNS} FROM user_sessions WHERE id = $1");
    with_pool!(db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await).db()
}

/// Moves `last_activity` forward.
pub async fn touch(db: &Database, id: Uuid, now: DateTime<Utc>) -> DbResult<()> {
    let sql = "UPDATE user_sessions SET last_activity = $2 WHERE id = $1 AND revoked_at IS NULL";
    with_pool!(db, pool => sqlx::query(sql).bind(id).bind(now).execute(pool).await.map(|r| r.rows_affected())).db()?;
    Ok(())
}

/// Ends one session; returns whether it was still open.
pub async fn revoke(db: &Database, id: Uuid, now: DateTime<Utc>, reason: &str) -> DbResult<bool> {
    let sql = "UPDATE user_sessions SET revoked_at = $2, end_reason = $3 \
               WHERE id = $1 AND revoked_at IS NULL";
    let done = with_pool!(db, pool => sqlx::query(sql).bind(id).bind(now).bind(reason).execute(pool).await.map(|r| r.rows_affected())).db()?;
    Ok(done == 1)
}

/// Ends every open session of a user; returns their ids.
pub async fn revoke_all_for_user(
    db: &Database,
    user_id: Uuid,
    now: DateTime<Utc>,
    reason: &str,
) -> DbResult<Vec<Uuid>> {
    let sql = "UPDATE user_sessions SET revoked_at = $2, end_reason = $3 \
               WHERE user_id = $1 AND revoked_at IS NULL RETURNING id";
    with_pool!(db, pool => sqlx::query_scalar(sql).bind(user_id).bind(now).bind(reason).fetch_all(pool).await).db()
}

/// Ends the open sessions of a user beyond the `keep` most recently used; returns the
/// ids it ended. Run after a login inserted its session, so the new one is kept.
pub async fn cap(
    db: &Database,
    user_id: Uuid,
    keep: i64,
    now: DateTime<Utc>,
) -> DbResult<Vec<Uuid>> {
    let sql = "UPDATE user_sessions SET revoked_at = $3, end_reason = 'replaced' \
               WHERE user_id = $1 AND revoked_at IS NULL AND id NOT IN ( \
                   SELECT id FROM user_sessions WHERE user_id = $1 AND revoked_at IS NULL \
                   ORDER BY last_activity DESC, created_at DESC, id LIMIT $2) \
               RETURNING id";
    with_pool!(db, pool => sqlx::query_scalar(sql).bind(user_id).bind(keep).bind(now).fetch_all(pool).await).db()
}

/// Ends sessions past their lifetime or idle since `idle_before` (of one user, or of
/// everyone); returns the ended (session, user) pairs.
pub async fn sweep(
    db: &Database,
    now: DateTime<Utc>,
    idle_before: DateTime<Utc>,
    user_id: Option<Uuid>,
) -> DbResult<Vec<(Uuid, Uuid)>> {
    let sql = "UPDATE user_sessions SET revoked_at = $1, \
                   end_reason = CASE WHEN expires_at <= $1 THEN 'expired' ELSE 'idle' END \
               WHERE revoked_at IS NULL AND (expires_at <= $1 OR last_activity <= $2) \
                 AND ($3 IS NULL OR user_id = $3) \
               RETURNING id, user_id";
    with_pool!(db, pool => sqlx::query_as(sql).bind(now).bind(idle_before).bind(user_id).fetch_all(pool).await).db()
}

/// Deletes the records of sessions that ended before `before`.
pub async fn purge_ended(db: &Database, before: DateTime<Utc>) -> DbResult<u64> {
    let sql = "DELETE FROM user_sessions WHERE revoked_at IS NOT NULL AND revoked_at < $1";
    with_pool!(db, pool => sqlx::query(sql).bind(before).execute(pool).await.map(|r| r.rows_affected())).db()
}

/// Adds what a session streamed.
pub async fn add_streaming(db: &Database, id: Uuid, streams: i64, bytes: i64) -> DbResult<()> {
    let sql = "UPDATE user_sessions SET streams_started = streams_started + $2, \
               bytes_streamed = bytes_streamed + $3 WHERE id = $1";
    with_pool!(db, pool => sqlx::query(sql).bind(id).bind(streams).bind(bytes).execute(pool).await.map(|r| r.rows_affected())).db()?;
    Ok(())
}

/// An open session with its user's name, for the session lists.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OpenSessionRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub username: String,
    pub session_data: Json<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub last_activity: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub streams_started: i64,
    pub bytes_streamed: i64,
}

/// Sessions not ended, not expired and active since `idle_before`, most recent first;
/// of one user or of everyone.
pub async fn list_open(
    db: &Database,
    now: DateTime<Utc>,
    idle_before: DateTime<Utc>,
    user_id: Option<Uuid>,
) -> DbResult<Vec<OpenSessionRow>> {
    let sql = "SELECT s.id, s.user_id, u.username, s.session_data, s.created_at, \
                   s.last_activity, s.expires_at, \
                   CAST(s.streams_started AS BIGINT) AS streams_started, s.bytes_streamed \
               FROM user_sessions s JOIN users u ON u.id = s.user_id \
               WHERE s.revoked_at IS NULL AND s.expires_at > $1 AND s.last_activity > $2 \
                 AND ($3 IS NULL OR s.user_id = $3) \
               ORDER BY s.last_activity DESC LIMIT 1000";
    with_pool!(db, pool => sqlx::query_as(sql).bind(now).bind(idle_before).bind(user_id).fetch_all(pool).await).db()
}

/// How many sessions are open (not ended, not expired, active since `idle_before`),
/// and how many users they belong to.
pub async fn count_open(
    db: &Database,
    now: DateTime<Utc>,
    idle_before: DateTime<Utc>,
) -> DbResult<(i64, i64)> {
    let sql = "SELECT COUNT(*), COUNT(DISTINCT user_id) FROM user_sessions \
               WHERE revoked_at IS NULL AND expires_at > $1 AND last_activity > $2";
    with_pool!(db, pool => sqlx::query_as(sql).bind(now).bind(idle_before).fetch_one(pool).await)
        .db()
}

/// Records session ends whose Redis side is still to be applied.
pub async fn add_pending_ends(
    db: &Database,
    ends: &[(Uuid, Uuid)],
    now: DateTime<Utc>,
) -> DbResult<()> {
    let sql = "INSERT INTO pending_session_ends (session_id, user_id, ended_at) \
               VALUES ($1, $2, $3) ON CONFLICT (session_id) DO NOTHING";
    for (session, user) in ends {
        with_pool!(db, pool => sqlx::query(sql).bind(session).bind(user).bind(now).execute(pool).await.map(|r| r.rows_affected())).db()?;
    }
    Ok(())
}

/// Session ends whose Redis side is still to be applied, as (session, user), oldest
/// first.
pub async fn pending_ends(db: &Database, limit: i64) -> DbResult<Vec<(Uuid, Uuid)>> {
    let sql = "SELECT session_id, user_id FROM pending_session_ends ORDER BY ended_at LIMIT $1";
    with_pool!(db, pool => sqlx::query_as(sql).bind(limit).fetch_all(pool).await).db()
}

/// Forgets pending ends once Redis has them.
pub async fn clear_pending_ends(db: &Database, sessions: &[Uuid]) -> DbResult<()> {
    let sql = "DELETE FROM pending_session_ends WHERE session_id = $1";
    for session in sessions {
        with_pool!(db, pool => sqlx::query(sql).bind(session).execute(pool).await.map(|r| r.rows_affected())).db()?;
    }
    Ok(())
}
