//! The `playback_events` table.

use super::{with_pool, Database, DbResult, SqlxResultExt};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// One stored event.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub playback_id: Uuid,
    pub user_id: Uuid,
    pub session_id: Uuid,
    pub video_id: Uuid,
    pub mode: String,
    pub variant: Option<String>,
    pub device_type: Option<String>,
    pub bytes: i64,
    pub seconds: f64,
}

const COLUMNS: &str = "id, at, kind, playback_id, user_id, session_id, video_id, mode, \
    variant, device_type, CAST(bytes AS BIGINT) AS bytes, seconds";

/// Inserts a batch in one transaction. Rows of a user deleted meanwhile are skipped.
pub async fn insert_batch(db: &Database, rows: &[EventRow]) -> DbResult<()> {
    let sql = "INSERT INTO playback_events (id, at, kind, playback_id, user_id, session_id, \
               video_id, mode, variant, device_type, bytes, seconds) \
               SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 \
               WHERE EXISTS (SELECT 1 FROM users WHERE id = $5)";
    with_pool!(db, pool => async {
        let mut tx = pool.begin().await?;
        for r in rows {
            sqlx::query(sql)
                .bind(r.id)
                .bind(r.at)
                .bind(&r.kind)
                .bind(r.playback_id)
                .bind(r.user_id)
                .bind(r.session_id)
                .bind(r.video_id)
                .bind(&r.mode)
                .bind(&r.variant)
                .bind(&r.device_type)
                .bind(r.bytes)
                .bind(r.seconds)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }.await)
    .db()
}

/// Events from `from` (inclusive) to `to` (exclusive), oldest first; with `user`, that
/// user's only.
pub async fn between(
    db: &Database,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    user: Option<Uuid>,
) -> DbResult<Vec<EventRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM playback_events WHERE at >= $1 AND at < $2 \
         AND ($3 IS NULL OR user_id = $3) ORDER BY at, kind"
    );
    with_pool!(db, pool => sqlx::query_as(&sql).bind(from).bind(to).bind(user).fetch_all(pool).await).db()
}

/// Deletes events older than `before`; returns how many.
pub async fn purge_before(db: &Database, before: DateTime<Utc>) -> DbResult<u64> {
    let sql = "DELETE FROM playback_events WHERE at < $1";
    with_pool!(db, pool => sqlx::query(sql).bind(before).execute(pool).await.map(|r| r.rows_affected())).db()
}
