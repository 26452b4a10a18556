//! The `guest_passes` table and the guest accounts its uses make.

use super::{with_pool, Database, DbResult, SqlxResultExt};
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

/// A stored pass (never its code: only the code's hash is kept).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GuestPassRow {
    pub id: Uuid,
    pub label: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub max_uses: i64,
    pub uses: i64,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The libraries its guests see, as a JSON array; `None`: every one.
    pub libraries: Option<String>,
    /// Guest sessions open now from this pass.
    pub open_sessions: i64,
}

const COLUMNS: &str = "p.id, p.label, p.created_by, p.created_at, p.expires_at, \
    CAST(p.max_uses AS BIGINT) AS max_uses, CAST(p.uses AS BIGINT) AS uses, p.revoked_at, p.libraries, \
    (SELECT COUNT(*) FROM user_sessions s JOIN users u ON u.id = s.user_id \
      WHERE u.guest_pass_id = p.id AND s.revoked_at IS NULL) AS open_sessions";

/// What a new pass is made of.
#[derive(Debug, Clone)]
pub struct NewGuestPass<'a> {
    pub id: Uuid,
    pub code_hash: &'a str,
    pub label: Option<&'a str>,
    pub created_by: Uuid,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub max_uses: i32,
    pub libraries: Option<&'a str>,
}

pub async fn insert(db: &Database, pass: &NewGuestPass<'_>) -> DbResult<()> {
    let sql = "INSERT INTO guest_passes (id, code_hash, label, created_by, created_at, \
               expires_at, max_uses, uses, libraries) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8)";
    with_pool!(db, pool => sqlx::query(sql)
        .bind(pass.id)
        .bind(pass.code_hash)
        .bind(pass.label)
        .bind(pass.created_by)
        .bind(pass.now)
        .bind(pass.expires_at)
        .bind(pass.max_uses)
        .bind(pass.libraries)
        .execute(pool)
        .await.map(|r| r.rows_affected()))
    .db()?;
    Ok(())
}

/// Every pass, newest first.
pub async fn list(db: &Database) -> DbResult<Vec<GuestPassRow>> {
    let sql = format!("SELECT {COLUMNS} FROM guest_passes p ORDER BY p.created_at DESC");
    with_pool!(db, pool => sqlx::query_as(&sql).fetch_all(pool).await).db()
}

pub async fn find(db: &Database, id: Uuid) -> DbResult<Option<GuestPassRow>> {
    let sql = format!("SELECT {COLUMNS} FROM guest_passes p WHERE p.id = $1");
    with_pool!(db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await).db()
}

/// The pass with this code hash, whatever its state.
pub async fn find_by_code(db: &Database, code_hash: &str) -> DbResult<Option<GuestPassRow>> {
    let sql = format!("SELECT {COLUMNS} FROM guest_passes p WHERE p.code_hash = $1");
    with_pool!(db, pool => sqlx::query_as(&sql).bind(code_hash).fetch_optional(pool).await).db()
}

/// Takes one use of a live pass in one statement (concurrent uses never exceed
/// `max_uses`); `None` when it is unknown, revoked, expired or used up.
pub async fn take_use(
    db: &Database,
    code_hash: &str,
    now: DateTime<Utc>,
) -> DbResult<Option<(Uuid, DateTime<Utc>)>> {
    let sql = "UPDATE guest_passes SET uses = uses + 1 \
               WHERE code_hash = $1 AND revoked_at IS NULL AND expires_at > $2 \
                 AND uses < max_uses \
               RETURNING id, expires_at";
    with_pool!(db, pool => sqlx::query_as(sql).bind(code_hash).bind(now).fetch_optional(pool).await)
        .db()
}

/// Marks a pass revoked; `false` when it does not exist or already was.
pub async fn revoke(db: &Database, id: Uuid, now: DateTime<Utc>) -> DbResult<bool> {
    let sql = "UPDATE guest_passes SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL";
    let n = with_pool!(db, pool => sqlx::query(sql).bind(id).bind(now).execute(pool).await.map(|r| r.rows_affected())).db()?;
    Ok(n > 0)
}

/// Inserts the guest account one use of a pass makes, seeing the pass's libraries. Its
/// password hash never matches (the account signs in only through its pass).
pub async fn insert_guest(
    db: &Database,
    id: Uuid,
    username: &str,
    pass_id: Uuid,
    now: DateTime<Utc>,
) -> DbResult<()> {
    let sql = "INSERT INTO users (id, username, email, password_hash, role, \
               streaming_preferences, created_at, updated_at, is_active, guest_pass_id, \
               libraries) \
               SELECT $1, $2, NULL, '!guest-pass', 'guest', $3, $4, $4, TRUE, id, libraries \
               FROM guest_passes WHERE id = $5";
    with_pool!(db, pool => sqlx::query(sql)
        .bind(id)
        .bind(username)
        .bind(Json(serde_json::json!({})))
        .bind(now)
        .bind(pass_id)
        .execute(pool)
        .await.map(|r| r.rows_affected()))
    .db()?;
    Ok(())
}

/// The guest accounts made by passes that are revoked or expired (`pass` narrows it to
/// one pass, whatever its state).
pub async fn spent_guests(
    db: &Database,
    now: DateTime<Utc>,
    pass: Option<Uuid>,
) -> DbResult<Vec<Uuid>> {
    let sql = "SELECT u.id FROM users u JOIN guest_passes p ON p.id = u.guest_pass_id \
               WHERE ($2 IS NULL AND (p.revoked_at IS NOT NULL OR p.expires_at <= $1)) \
                  OR p.id = $2";
    let rows: Vec<(Uuid,)> =
        with_pool!(db, pool => sqlx::query_as(sql).bind(now).bind(pass).fetch_all(pool).await)
            .db()?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}
