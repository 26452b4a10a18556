//! The `videos` table: what the scanner found and the catalog serves.

use super::{with_pool, Database, DbResult, SqlxResultExt};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::types::Json;
use uuid::Uuid;

/// Where a catalog entry's file stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    /// Probed and playable.
    Ok,
    /// ffprobe could not read it (`probe_error` says why).
    Failed,
    /// Gone from disk since `missing_since`; kept a while in case it was moved.
    Missing,
}

impl FileStatus {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Failed => "failed",
            Self::Missing => "missing",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Ok, Self::Failed, Self::Missing]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

// Stored as text on both backends.
impl<DB: sqlx::Database> sqlx::Type<DB> for FileStatus
where
    String: sqlx::Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <String as sqlx::Type<DB>>::type_info()
    }

    fn compatible(ty: &DB::TypeInfo) -> bool {
        <String as sqlx::Type<DB>>::compatible(ty)
    }
}

impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for FileStatus
where
    String: sqlx::Decode<'r, DB>,
{
    fn decode(
        value: <DB as sqlx::Database>::ValueRef<'r>,
    ) -> Result<Self, sqlx::error::BoxDynError> {
        let text = <String as sqlx::Decode<'r, DB>>::decode(value)?;
        Self::parse(&text).ok_or_else(|| format!("unknown file status {text:?}").into())
    }
}

impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for FileStatus
where
    String: sqlx::Encode<'q, DB>,
{
    fn encode_by_ref(
        &self,
        buf: &mut <DB as sqlx::Database>::ArgumentBuffer<'q>,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        self.as_str().to_owned().encode_by_ref(buf)
    }
}

/// A catalog entry.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct VideoRow {
    pub id: Uuid,
    pub library: String,
    pub file_path: String,
    pub filename: String,
    pub title: String,
    pub description: Option<String>,
    pub file_size: i64,
    pub mtime_ns: i64,
    pub fingerprint: String,
    pub status: FileStatus,
    pub probe_error: Option<String>,
    pub duration: Option<f64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub resolution: Option<String>,
    pub format: String,
    pub video_codec: Option<String>,
    pub video_profile: Option<String>,
    pub video_level: Option<i32>,
    pub bit_rate: Option<i64>,
    pub thumbnail_path: Option<String>,
    pub metadata: Json<serde_json::Value>,
    pub missing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl VideoRow {
    /// The picture's width in pixels, when probed.
    pub fn width_px(&self) -> Option<u32> {
        self.width.and_then(|w| u32::try_from(w).ok())
    }

    /// The picture's height in pixels, when probed.
    pub fn height_px(&self) -> Option<u32> {
        self.height.and_then(|h| u32::try_from(h).ok())
    }

    /// A list the scanner stored in `metadata` (`audio`, `subtitles`, `sidecars`);
    /// empty when absent or of another shape.
    pub fn metadata_list<T: serde::de::DeserializeOwned>(&self, key: &str) -> Vec<T> {
        self.metadata
            .0
            .get(key)
            .and_then(|x| Vec::<T>::deserialize(x).ok())
            .unwrap_or_default()
    }
}

const COLUMNS: &str = "id, library, file_path, filename, title, description, file_size, mtime_ns, \
    fingerprint, status, probe_error, duration, width, height, resolution, format, video_codec, \
    video_profile, video_level, bit_rate, thumbnail_path, metadata, missing_since, created_at, updated_at";

/// What the scanner knows of a stored file, to decide whether to probe it again.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct KnownFile {
    pub id: Uuid,
    pub file_path: String,
    pub file_size: i64,
    pub mtime_ns: i64,
    pub fingerprint: String,
    pub status: FileStatus,
}

/// Every file recorded for a library, missing ones included.
pub async fn known_files(db: &Database, library: &str) -> DbResult<Vec<KnownFile>> {
    let sql = "SELECT id, file_path, file_size, mtime_ns, fingerprint, status FROM videos WHERE library = $1";
    with_pool!(db, pool => sqlx::query_as(sql).bind(library).fetch_all(pool).await).db()
}

/// Inserts a row, or replaces the one with the same id. The id is kept, so progress
/// and playlists stay attached to a re-probed or moved file.
pub async fn upsert(db: &Database, v: &VideoRow) -> DbResult<()> {
    let sql = format!(
        "INSERT INTO videos ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
         $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25) \
         ON CONFLICT (id) DO UPDATE SET library = excluded.library, file_path = excluded.file_path, \
         filename = excluded.filename, title = excluded.title, file_size = excluded.file_size, \
         mtime_ns = excluded.mtime_ns, fingerprint = excluded.fingerprint, status = excluded.status, \
         probe_error = excluded.probe_error, duration = excluded.duration, width = excluded.width, \
         height = excluded.height, resolution = excluded.resolution, format = excluded.format, \
         video_codec = excluded.video_codec, video_profile = excluded.video_profile, \
         video_level = excluded.video_level, bit_rate = excluded.bit_rate, \
         thumbnail_path = excluded.thumbnail_path, metadata = excluded.metadata, \
         missing_since = excluded.missing_since, updated_at = excluded.updated_at"
    );
    with_pool!(db, pool => sqlx::query(&sql)
        .bind(v.id)
        .bind(&v.library)
        .bind(&v.file_path)
        .bind(&v.filename)
        .bind(&v.title)
        .bind(&v.description)
        .bind(v.file_size)
        .bind(v.mtime_ns)
        .bind(&v.fingerprint)
        .bind(v.status)
        .bind(&v.probe_error)
        .bind(v.duration)
        .bind(v.width)
        .bind(v.height)
        .bind(&v.resolution)
        .bind(&v.format)
        .bind(&v.video_codec)
        .bind(&v.video_profile)
        .bind(v.video_level)
        .bind(v.bit_rate)
        .bind(&v.thumbnail_path)
        .bind(&v.metadata)
        .bind(v.missing_since)
        .bind(v.created_at)
        .bind(v.updated_at)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
    .db()?;
    Ok(())
}

/// Marks files as gone from disk; they leave the catalog but keep their rows, so a file
/// that comes back (or is found moved) keeps its identity.
pub async fn mark_missing(db: &Database, id: Uuid, now: DateTime<Utc>) -> DbResult<()> {
    let sql = "UPDATE videos SET status = 'missing', missing_since = $2, updated_at = $2 \
               WHERE id = $1 AND status <> 'missing'";
    with_pool!(db, pool => sqlx::query(sql).bind(id).bind(now).execute(pool).await.map(|r| r.rows_affected()))
        .db()?;
    Ok(())
}

/// One entry, in any state.
pub async fn find(db: &Database, id: Uuid) -> DbResult<Option<VideoRow>> {
    let sql = format!("SELECT {COLUMNS} FROM videos WHERE id = $1");
    with_pool!(db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await).db()
}

/// The playable entries at this path inside any library, first library name first.
pub async fn find_playable_by_path(db: &Database, file_path: &str) -> DbResult<Vec<VideoRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM videos WHERE file_path = $1 AND status = 'ok' ORDER BY library"
    );
    with_pool!(db, pool => sqlx::query_as(&sql).bind(file_path).fetch_all(pool).await).db()
}

/// Sort orders of the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Title,
    Added,
    Duration,
}

/// A catalog query; every filter is optional.
#[derive(Debug, Clone)]
pub struct CatalogQuery {
    pub search: Option<String>,
    pub library: Option<String>,
    pub min_height: Option<i32>,
    pub codec: Option<String>,
    pub sort: SortKey,
    pub descending: bool,
    pub limit: i64,
    pub offset: i64,
}

enum Arg {
    Text(String),
    Int(i64),
}

/// A page of playable entries in `libraries` (`None`: every one) and the total that
/// match.
pub async fn catalog(
    db: &Database,
    q: &CatalogQuery,
    libraries: Option<&[String]>,
) -> DbResult<(Vec<VideoRow>, i64)> {
    let (filters, mut args) = catalog_filters(q, libraries);
    let mut arg = |a: Arg| {
        args.push(a);
        format!("${}", args.len())
    };
    let dir = if q.descending { "DESC" } else { "ASC" };
    let order = match q.sort {
        SortKey::Title => format!("lower(title) {dir}, id"),
        SortKey::Added => format!("created_at {dir}, id"),
        SortKey::Duration => format!("duration IS NULL, duration {dir}, id"),
    };
    let filter = filters.join(" AND ");
    let count_sql = format!("SELECT COUNT(*) FROM videos WHERE {filter}");
    let limit = arg(Arg::Int(q.limit));
    let offset = arg(Arg::Int(q.offset));
    let page_sql = format!("SELECT {COLUMNS} FROM videos WHERE {filter} ORDER BY {order} LIMIT {limit} OFFSET {offset}");
    let filter_args = &args[..args.len() - 2];
    let total: i64 = with_pool!(db, pool => {
        let mut query = sqlx::query_scalar(&count_sql);
        for a in filter_args {
            query = match a {
                Arg::Text(s) => query.bind(s.as_str()),
                Arg::Int(i) => query.bind(*i),
            };
        }
        query.fetch_one(pool).await
    })
    .db()?;
    let rows: Vec<VideoRow> = with_pool!(db, pool => {
        let mut query = sqlx::query_as(&page_sql);
        for a in &args {
            query = match a {
                Arg::Text(s) => query.bind(s.as_str()),
                Arg::Int(i) => query.bind(*i),
            };
        }
        query.fetch_all(pool).await
    })
    .db()?;
    Ok((rows, total))
}

/// The WHERE conditions of a catalog query, with `$n` placeholders, and their values.
fn catalog_filters(q: &CatalogQuery, libraries: Option<&[String]>) -> (Vec<String>, Vec<Arg>) {
    let mut filters = vec!["status = 'ok'".to_owned()];
    let mut args = Vec::new();
    let mut arg = |a: Arg| {
        args.push(a);
        format!("${}", args.len())
    };
    if let Some(search) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let escaped = search
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let p = arg(Arg::Text(format!("%{escaped}%")));
        filters.push(format!(
            "(lower(title) LIKE {p} ESCAPE '\\' OR lower(filename) LIKE {p} ESCAPE '\\')"
        ));
    }
    if let Some(library) = &q.library {
        filters.push(format!("library = {}", arg(Arg::Text(library.clone()))));
    }
    if let Some(names) = libraries {
        if names.is_empty() {
            filters.push("1 = 0".to_owned());
        } else {
            let list: Vec<String> = names.iter().map(|n| arg(Arg::Text(n.clone()))).collect();
            filters.push(format!("library IN ({})", list.join(", ")));
        }
    }
    if let Some(h) = q.min_height {
        filters.push(format!("height >= {}", arg(Arg::Int(i64::from(h)))));
    }
    if let Some(codec) = &q.codec {
        filters.push(format!(
            "video_codec = {}",
            arg(Arg::Text(codec.to_lowercase()))
        ));
    }
    (filters, args)
}

/// Playable entries per library name.
pub async fn count_by_library(db: &Database) -> DbResult<std::collections::HashMap<String, i64>> {
    let sql = "SELECT library, COUNT(*) FROM videos WHERE status = 'ok' GROUP BY library";
    let rows: Vec<(String, i64)> =
        with_pool!(db, pool => sqlx::query_as(sql).fetch_all(pool).await).db()?;
    Ok(rows.into_iter().collect())
}
