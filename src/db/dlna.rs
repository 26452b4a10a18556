//! The `dlna_devices` table: the TVs and players that browsed the DLNA server.

use super::{with_pool, Database, DbResult, SqlxResultExt};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A device as stored (its credential is derived, never stored).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DeviceRow {
    pub id: Uuid,
    pub address: String,
    pub name: String,
    pub user_agent: Option<String>,
    /// Bumped when a blocked device is allowed again: the URLs it had stay dead.
    pub generation: i32,
    pub blocked_at: Option<DateTime<Utc>>,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "id, address, name, user_agent, generation, blocked_at, first_seen_at, last_seen_at";

/// The device at `address`, if it was seen before.
pub async fn find_by_address(db: &Database, address: &str) -> DbResult<Option<DeviceRow>> {
    let sql = format!("SELECT {COLUMNS} FROM dlna_devices WHERE address = $1");
    with_pool!(db, pool => sqlx::query_as(&sql).bind(address).fetch_optional(pool).await).db()
}

pub async fn find(db: &Database, id: Uuid) -> DbResult<Option<DeviceRow>> {
    let sql = format!("SELECT {COLUMNS} FROM dlna_devices WHERE id = $1");
    with_pool!(db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await).db()
}

/// Records a visit from `address`: a new device, or the last visit (and what it calls
/// itself) of a known one, in one statement (two instances seeing a new device at
/// once make one row).
pub async fn seen(
    db: &Database,
    id: Uuid,
    address: &str,
    name: &str,
    user_agent: Option<&str>,
    now: DateTime<Utc>,
) -> DbResult<DeviceRow> {
    let sql = format!(
        "INSERT INTO dlna_devices (id, address, name, user_agent, generation, first_seen_at, \
         last_seen_at) VALUES ($1, $2, $3, $4, 1, $5, $5) \
         ON CONFLICT (address) DO UPDATE SET last_seen_at = $5, name = $3, \
         user_agent = COALESCE($4, dlna_devices.user_agent) \
         RETURNING {COLUMNS}"
    );
    with_pool!(db, pool => sqlx::query_as(&sql)
        .bind(id)
        .bind(address)
        .bind(name)
        .bind(user_agent)
        .bind(now)
        .fetch_one(pool)
        .await)
    .db()
}

/// Forgets the devices not blocked beyond the `limit` seen most recently; how many.
pub async fn keep_latest(db: &Database, limit: usize) -> DbResult<u64> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let sql = "DELETE FROM dlna_devices WHERE blocked_at IS NULL AND id NOT IN \
               (SELECT id FROM dlna_devices WHERE blocked_at IS NULL \
                ORDER BY last_seen_at DESC, id LIMIT $1)";
    with_pool!(db, pool => sqlx::query(sql).bind(limit).execute(pool).await.map(|r| r.rows_affected()))
        .db()
}

/// Every device, the most recently seen first.
pub async fn list(db: &Database) -> DbResult<Vec<DeviceRow>> {
    let sql = format!("SELECT {COLUMNS} FROM dlna_devices ORDER BY last_seen_at DESC, id");
    with_pool!(db, pool => sqlx::query_as(&sql).fetch_all(pool).await).db()
}

/// Blocks a device (`now`) or allows it again with a new generation (`None`); `None`
/// when there is no such device.
pub async fn set_blocked(
    db: &Database,
    id: Uuid,
    blocked_at: Option<DateTime<Utc>>,
) -> DbResult<Option<DeviceRow>> {
    let sql = format!(
        "UPDATE dlna_devices SET blocked_at = $2, \
         generation = CASE WHEN $2 IS NULL AND blocked_at IS NOT NULL \
                           THEN generation + 1 ELSE generation END \
         WHERE id = $1 RETURNING {COLUMNS}"
    );
    with_pool!(db, pool => sqlx::query_as(&sql).bind(id).bind(blocked_at).fetch_optional(pool).await)
        .db()
}
