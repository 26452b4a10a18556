//! The `users` table.

use super::{with_pool, Database, DbResult, SqlxResultExt};
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

/// A stored account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub email: Option<String>,
    pub password_hash: String,
    pub role: String,
    pub streaming_preferences: Json<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_login: Option<DateTime<Utc>>,
    pub is_active: bool,
    /// The libraries the account sees, as a JSON array of names; `NULL`: every one.
    pub libraries: Option<String>,
}

/// What a new account is made of.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub id: Uuid,
    pub username: &'a str,
    pub email: Option<&'a str>,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub now: DateTime<Utc>,
}

const COLUMNS: &str = "id, username, email, password_hash, role, streaming_preferences, \
                       created_at, updated_at, last_login, is_active, libraries";

/// Inserts an account.
///
/// # Errors
/// [`super::DbError::Duplicate`] when the username or e-mail is taken (case-insensitive).
pub async fn insert(db: &Database, user: &NewUser<'_>) -> DbResult<()> {
    let sql = "INSERT INTO users (id, username, email, password_hash, role, \
               streaming_preferences, created_at, updated_at, is_active) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $7, TRUE)";
    with_pool!(db, pool => sqlx::query(sql)
        .bind(user.id)
        .bind(user.username)
        .bind(user.email)
        .bind(user.password_hash)
        .bind(user.role)
        .bind(Json(serde_json::json!({})))
        .bind(user.now)
        .execute(pool)
        .await.map(|r| r.rows_affected()))
    .db()?;
    Ok(())
}

/// The account with this username, compared without case.
pub async fn find_by_username(db: &Database, username: &str) -> DbResult<Option<UserRow>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE lower(username) = lower($1)");
    with_pool!(db, pool => sqlx::query_as(&sql).bind(username).fetch_optional(pool).await).db()
}

/// The account with this id.
pub async fn find(db: &Database, id: Uuid) -> DbResult<Option<UserRow>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    with_pool!(db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await).db()
}

/// A page of accounts ordered by username, and the total count.
pub async fn list(db: &Database, limit: i64, offset: i64) -> DbResult<(Vec<UserRow>, i64)> {
    let sql = format!("SELECT {COLUMNS} FROM users ORDER BY lower(username) LIMIT $1 OFFSET $2");
    let rows =
        with_pool!(db, pool => sqlx::query_as(&sql).bind(limit).bind(offset).fetch_all(pool).await)
            .db()?;
    let total: i64 = with_pool!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await)
        .db()?;
    Ok((rows, total))
}

/// How many active administrators there are, not counting `except`.
pub async fn count_other_active_admins(db: &Database, except: Uuid) -> DbResult<i64> {
    let sql = "SELECT COUNT(*) FROM users WHERE role = 'admin' AND is_active AND id <> $1";
    with_pool!(db, pool => sqlx::query_scalar(sql).bind(except).fetch_one(pool).await).db()
}

/// What an account may do: its role, whether it may log in, the libraries it sees
/// (a JSON array of names; `None`: every one).
#[derive(Debug, Clone)]
pub struct Access<'a> {
    pub role: &'a str,
    pub is_active: bool,
    pub libraries: Option<&'a str>,
}

/// Sets an account's access; returns whether the account exists.
pub async fn update_access(
    db: &Database,
    id: Uuid,
    access: &Access<'_>,
    now: DateTime<Utc>,
) -> DbResult<bool> {
    let sql = "UPDATE users SET role = $2, is_active = $3, libraries = $4, updated_at = $5 \
               WHERE id = $1";
    let done = with_pool!(db, pool => sqlx::query(sql).bind(id).bind(access.role).bind(access.is_active).bind(access.libraries).bind(now).execute(pool).await.map(|r| r.rows_affected()))
        .db()?;
    Ok(done == 1)
}

/// Replaces the password hash; returns whether the account exists.
pub async fn set_password_hash(
    db: &Database,
    id: Uuid,
    hash: &str,
    now: DateTime<Utc>,
) -> DbResult<bool> {
    let sql = "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1";
    let done = with_pool!(db, pool => sqlx::query(sql).bind(id).bind(hash).bind(now).execute(pool).await.map(|r| r.rows_affected()))
        .db()?;
    Ok(done == 1)
}

/// Records a successful login.
pub async fn record_login(db: &Database, id: Uuid, now: DateTime<Utc>) -> DbResult<()> {
    let sql = "UPDATE users SET last_login = $2 WHERE id = $1";
    with_pool!(db, pool => sqlx::query(sql).bind(id).bind(now).execute(pool).await.map(|r| r.rows_affected())).db()?;
    Ok(())
}

/// Deletes an account and, by cascade, its sessions, progress and playlists; returns
/// whether it existed.
pub async fn delete(db: &Database, id: Uuid) -> DbResult<bool> {
    let done = with_pool!(db, pool => sqlx::query("DELETE FROM users WHERE id = $1").bind(id).execute(pool).await.map(|r| r.rows_affected()))
        .db()?;
    Ok(done == 1)
}

/// Replaces a user's streaming preferences; returns whether the user exists.
pub async fn set_preferences(
    db: &Database,
    id: Uuid,
    preferences: &serde_json::Value,
    now: DateTime<Utc>,
) -> DbResult<bool> {
    let sql = "UPDATE users SET streaming_preferences = $2, updated_at = $3 WHERE id = $1";
    let done = with_pool!(db, pool => sqlx::query(sql).bind(id).bind(Json(preferences)).bind(now).execute(pool).await.map(|r| r.rows_affected())).db()?;
    Ok(done == 1)
}
