//! The `playlists` and `playlist_videos` tables.
//!
//! Every change to a playlist's videos runs in one transaction that starts by writing
//! the playlist's row: that takes the row lock on PostgreSQL and the write lock on
//! SQLite before anything is read, so concurrent edits run one after the other and
//! positions stay unique and gap-free (0, 1, 2, ...).

use super::{with_pool, Database, DbResult, SqlxResultExt};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A stored playlist with its number of videos.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlaylistRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub owner: String,
    pub name: String,
    pub description: Option<String>,
    pub is_public: bool,
    pub video_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const SELECT: &str = "SELECT p.id, p.user_id, u.username AS owner, p.name, p.description, \
    p.is_public, (SELECT COUNT(*) FROM playlist_videos pv WHERE pv.playlist_id = p.id) AS video_count, \
    p.created_at, p.updated_at FROM playlists p JOIN users u ON u.id = p.user_id";

/// One entry of a playlist.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EntryRow {
    pub video_id: Uuid,
    pub position: i64,
    pub added_at: DateTime<Utc>,
}

/// A new playlist.
pub async fn insert(
    db: &Database,
    id: Uuid,
    user_id: Uuid,
    name: &str,
    description: Option<&str>,
    is_public: bool,
    now: DateTime<Utc>,
) -> DbResult<()> {
    let sql = "INSERT INTO playlists (id, user_id, name, description, is_public, created_at, updated_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $6)";
    with_pool!(db, pool => sqlx::query(sql).bind(id).bind(user_id).bind(name).bind(description).bind(is_public).bind(now).execute(pool).await.map(|r| r.rows_affected())).db()?;
    Ok(())
}

/// One playlist.
pub async fn find(db: &Database, id: Uuid) -> DbResult<Option<PlaylistRow>> {
    let sql = format!("{SELECT} WHERE p.id = $1");
    with_pool!(db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await).db()
}

/// A user's playlists, and everyone's public ones when asked, by name.
pub async fn list(db: &Database, user_id: Uuid, with_public: bool) -> DbResult<Vec<PlaylistRow>> {
    let sql = format!(
        "{SELECT} WHERE p.user_id = $1 OR (p.is_public AND $2) ORDER BY lower(p.name), p.id LIMIT 1000"
    );
    with_pool!(db, pool => sqlx::query_as(&sql).bind(user_id).bind(with_public).fetch_all(pool).await).db()
}

/// How many entries of each listed playlist come from each library: what a caller who
/// sees only some libraries counts from (`playlist, library, entries`). `None` lists the
/// caller's own and, with `with_public`, the public ones, as [`list`] does.
pub async fn entries_by_library(
    db: &Database,
    only: Option<Uuid>,
    user_id: Uuid,
    with_public: bool,
) -> DbResult<Vec<(Uuid, String, i64)>> {
    let sql = "SELECT pv.playlist_id, v.library, COUNT(*) FROM playlist_videos pv \
               JOIN videos v ON v.id = pv.video_id JOIN playlists p ON p.id = pv.playlist_id \
               WHERE ($1 AND p.id = $2) OR (NOT $1 AND (p.user_id = $3 OR (p.is_public AND $4))) \
               GROUP BY pv.playlist_id, v.library";
    let one = only.is_some();
    let id = only.unwrap_or_default();
    with_pool!(db, pool => sqlx::query_as(sql).bind(one).bind(id).bind(user_id).bind(with_public).fetch_all(pool).await).db()
}

/// Renames, describes or shares a playlist.
pub async fn update(
    db: &Database,
    id: Uuid,
    name: &str,
    description: Option<&str>,
    is_public: bool,
    now: DateTime<Utc>,
) -> DbResult<bool> {
    let sql = "UPDATE playlists SET name = $2, description = $3, is_public = $4, updated_at = $5 WHERE id = $1";
    let n = with_pool!(db, pool => sqlx::query(sql).bind(id).bind(name).bind(description).bind(is_public).bind(now).execute(pool).await.map(|r| r.rows_affected())).db()?;
    Ok(n == 1)
}

/// Deletes a playlist with its entries.
pub async fn delete(db: &Database, id: Uuid) -> DbResult<bool> {
    let sql = "DELETE FROM playlists WHERE id = $1";
    let n = with_pool!(db, pool => sqlx::query(sql).bind(id).execute(pool).await.map(|r| r.rows_affected())).db()?;
    Ok(n == 1)
}

/// A playlist's entries in order.
pub async fn entries(db: &Database, id: Uuid) -> DbResult<Vec<EntryRow>> {
    let sql =
        "SELECT video_id, CAST(position AS BIGINT) AS position, added_at FROM playlist_videos \
               WHERE playlist_id = $1 ORDER BY position";
    with_pool!(db, pool => sqlx::query_as(sql).bind(id).fetch_all(pool).await).db()
}

/// Changes a playlist's order of videos under the playlist's lock: `change` gets the
/// current order and edits it; the difference is written. `None` when the playlist does
/// not exist; `Some(Err)` when `change` refused (nothing is written).
pub async fn edit<E>(
    db: &Database,
    id: Uuid,
    now: DateTime<Utc>,
    change: impl FnOnce(&mut Vec<Uuid>) -> Result<(), E>,
) -> DbResult<Option<Result<Vec<Uuid>, E>>> {
    let lock = "UPDATE playlists SET updated_at = $2 WHERE id = $1";
    let read = "SELECT video_id FROM playlist_videos WHERE playlist_id = $1 ORDER BY position";
    let remove = "DELETE FROM playlist_videos WHERE playlist_id = $1 AND video_id = $2";
    let add = "INSERT INTO playlist_videos (id, playlist_id, video_id, position, added_at) \
               VALUES ($1, $2, $3, $4, $5)";
    let moved = "UPDATE playlist_videos SET position = $3 WHERE playlist_id = $1 AND video_id = $2";
    with_pool!(db, pool => async {
        let mut tx = pool.begin().await?;
        let found = sqlx::query(lock).bind(id).bind(now).execute(&mut *tx).await?.rows_affected();
        if found == 0 {
            return Ok(None);
        }
        let before: Vec<Uuid> = sqlx::query_scalar(read).bind(id).fetch_all(&mut *tx).await?;
        let mut after = before.clone();
        if let Err(e) = change(&mut after) {
            return Ok(Some(Err(e)));
        }
        for gone in before.iter().filter(|v| !after.contains(v)) {
            sqlx::query(remove).bind(id).bind(gone).execute(&mut *tx).await?;
        }
        for (position, video) in after.iter().enumerate() {
            let position = position as i64;
            match before.iter().position(|v| v == video) {
                None => {
                    sqlx::query(add).bind(Uuid::new_v4()).bind(id).bind(video).bind(position).bind(now).execute(&mut *tx).await?;
                }
                Some(old) if old as i64 != position => {
                    sqlx::query(moved).bind(id).bind(video).bind(position).execute(&mut *tx).await?;
                }
                Some(_) => {}
            }
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(Some(Ok(after)))
    }.await)
    .db()
}
