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
pub async fn revoke(db: &Database, id: Uuid, now: DateTime<Utc>) -> DbResult<bool> {
    let sql = "UPDATE user_sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL";
    let done = with_pool!(db, pool => sqlx::query(sql).bind(id).bind(now).execute(pool).await.map(|r| r.rows_affected())).db()?;
    Ok(done == 1)
}

/// Ends every open session of a user; returns how many were open.
pub async fn revoke_all_for_user(
    db: &Database,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> DbResult<u64> {
    let sql = "UPDATE user_sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL";
    let done = with_pool!(db, pool => sqlx::query(sql).bind(user_id).bind(now).execute(pool).await.map(|r| r.rows_affected())).db()?;
    Ok(done)
}
