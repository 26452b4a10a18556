//! The `videos` table: what the scanner found and the catalog serves.

use super::filter::{
    bind_all, genre_pattern, libraries_filter, search_text, sort_title, Arg, Search, SORT_KEY_CHARS,
};
use super::{with_pool, Database, DbResult, SqlxResultExt};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::types::Json;
use uuid::Uuid;

/// A fieldless enum stored as lowercase text on both backends.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// The stored text.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            fn parse(text: &str) -> Option<Self> {
                [$(Self::$variant),+].into_iter().find(|s| s.as_str() == text)
            }
        }

        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
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

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            String: sqlx::Decode<'r, DB>,
        {
            fn decode(
                value: <DB as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <String as sqlx::Decode<'r, DB>>::decode(value)?;
                Self::parse(&text)
                    .ok_or_else(|| format!("unknown {} {text:?}", stringify!($name)).into())
            }
        }

        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name
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
    };
}

text_enum! {
    /// Where a catalog entry's file stands.
    FileStatus {
        /// Probed and playable.
        Ok => "ok",
        /// ffprobe could not read it (`probe_error` says why).
        Failed => "failed",
        /// Gone from disk since `missing_since`; kept a while in case it was moved.
        Missing => "missing",
    }
}

text_enum! {
    /// What a catalog entry is, read from its path (and its `.nfo`) by the scanner.
    #[derive(Default)]
    VideoKind {
        /// Not classified yet: a row stored before the library knew series and films,
        /// until the next scan.
        #[default]
        Video => "video",
        /// An episode (or several, in one file) of a series.
        Episode => "episode",
        /// A film, or one part or version of it.
        Film => "film",
    }
}

fn listed_default() -> bool {
    true
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
    // What the file is (cached rows written before these existed read as defaults).
    #[serde(default)]
    pub kind: VideoKind,
    #[serde(default)]
    pub series_id: Option<Uuid>,
    #[serde(default)]
    pub series_title: Option<String>,
    /// 0 for specials; `None` when unknown.
    #[serde(default)]
    pub season: Option<i32>,
    /// The (first) episode; the absolute number when the season is unknown.
    #[serde(default)]
    pub episode: Option<i32>,
    /// The last episode of a file covering several.
    #[serde(default)]
    pub episode_end: Option<i32>,
    #[serde(default)]
    pub year: Option<i32>,
    #[serde(default)]
    pub original_title: Option<String>,
    #[serde(default)]
    pub genres: Json<Vec<String>>,
    /// The community rating from an `.nfo`, 0 to 10.
    #[serde(default)]
    pub rating: Option<f64>,
    /// `YYYY-MM-DD`: a film's release or an episode's air date.
    #[serde(default)]
    pub premiered: Option<String>,
    /// Library-relative paths of artwork found beside the file.
    #[serde(default)]
    pub poster: Option<String>,
    #[serde(default)]
    pub backdrop: Option<String>,
    /// The folder's nfo-and-artwork stamp when they were last read.
    #[serde(default)]
    pub art_stamp: i64,
    /// Shared by the parts and versions of one film.
    #[serde(default)]
    pub film_key: Option<String>,
    #[serde(default)]
    pub part: Option<i32>,
    #[serde(default)]
    pub version: Option<String>,
    /// Whether the entry is a card of the catalog (not a later part or another version).
    #[serde(default = "listed_default")]
    pub listed: bool,
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

/// Characters of the text a search looks in.
pub(crate) const SEARCH_TEXT_CHARS: usize = 300;

/// Where an episode of unknown number sorts in its season: last (the SQL's
/// `COALESCE(episode, 1000000)`).
pub(crate) const UNKNOWN_EPISODE: i32 = 1_000_000;

/// What a row's stored sort and search keys are made of.
struct Names<'a> {
    kind: VideoKind,
    series_title: Option<&'a str>,
    season: Option<i32>,
    episode: Option<i32>,
    title: &'a str,
    original_title: Option<&'a str>,
    filename: &'a str,
}

impl<'a> Names<'a> {
    fn of(v: &'a VideoRow) -> Self {
        Self {
            kind: v.kind,
            series_title: v.series_title.as_deref(),
            season: v.season,
            episode: v.episode,
            title: &v.title,
            original_title: v.original_title.as_deref(),
            filename: &v.filename,
        }
    }

    /// `sort_title`: the title's order key; an episode's is its series' and then its
    /// season and number, so that title order lists a show's episodes together, in
    /// viewing order (specials first, unknown numbers last).
    fn sort_key(&self) -> String {
        match (self.kind, self.series_title) {
            (VideoKind::Episode, Some(series)) => {
                let series: String = sort_title(series)
                    .chars()
                    .take(SORT_KEY_CHARS - 20)
                    .collect();
                format!(
                    "{series} s{:04}e{:07}",
                    self.season.unwrap_or(1).clamp(0, 9999),
                    self.episode.unwrap_or(UNKNOWN_EPISODE).clamp(0, 9_999_999)
                )
            }
            _ => sort_title(self.title),
        }
    }

    /// `search_text`: the words a search matches, lowercased, joined by spaces: of an
    /// episode's series and `s01e02`, the title, the original title, and an unclassified
    /// file's name (the short ones first: a long title does not crowd them out).
    fn search_text(&self) -> String {
        let mut parts: Vec<&str> = self.series_title.into_iter().collect();
        let code;
        if let (Some(season), Some(episode)) = (self.season, self.episode) {
            code = format!("s{season:02}e{episode:02}");
            parts.push(&code);
        }
        parts.push(self.title);
        parts.extend(self.original_title);
        if self.kind == VideoKind::Video {
            parts.push(self.filename);
        }
        search_text(parts, SEARCH_TEXT_CHARS)
    }
}

pub(crate) const COLUMNS: &str = "id, library, file_path, filename, title, description, file_size, mtime_ns, \
    fingerprint, status, probe_error, duration, width, height, resolution, format, video_codec, \
    video_profile, video_level, bit_rate, thumbnail_path, metadata, missing_since, created_at, updated_at, \
    kind, series_id, series_title, season, episode, episode_end, year, original_title, genres, rating, premiered, \
    poster, backdrop, art_stamp, film_key, part, version, listed";

/// What the scanner knows of a stored file, to decide whether to probe it again.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct KnownFile {
    pub id: Uuid,
    pub file_path: String,
    pub file_size: i64,
    pub mtime_ns: i64,
    pub fingerprint: String,
    pub status: FileStatus,
    pub kind: VideoKind,
    pub art_stamp: i64,
}

/// Every file recorded for a library, missing ones included.
pub async fn known_files(db: &Database, library: &str) -> DbResult<Vec<KnownFile>> {
    let sql = "SELECT id, file_path, file_size, mtime_ns, fingerprint, status, kind, art_stamp \
               FROM videos WHERE library = $1";
    with_pool!(db, pool => sqlx::query_as(sql).bind(library).fetch_all(pool).await).db()
}

/// The columns an upsert replaces: all but the id and when the row was first added.
const REPLACED: [&str; 43] = [
    "library",
    "file_path",
    "filename",
    "title",
    "description",
    "file_size",
    "mtime_ns",
    "fingerprint",
    "status",
    "probe_error",
    "duration",
    "width",
    "height",
    "resolution",
    "format",
    "video_codec",
    "video_profile",
    "video_level",
    "bit_rate",
    "thumbnail_path",
    "metadata",
    "missing_since",
    "updated_at",
    "kind",
    "series_id",
    "series_title",
    "season",
    "episode",
    "episode_end",
    "year",
    "original_title",
    "genres",
    "rating",
    "premiered",
    "poster",
    "backdrop",
    "art_stamp",
    "film_key",
    "part",
    "version",
    "listed",
    "sort_title",
    "search_text",
];

/// Binds every column of `$v`, in [`COLUMNS`]' order, and then its sort and search keys,
/// to the query `$q` (a macro: the query is of either backend).
macro_rules! bind_row {
    ($q:expr, $v:expr, $search_text:expr) => {{
        let v: &VideoRow = $v;
        $q.bind(v.id)
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
            .bind(v.kind)
            .bind(v.series_id)
            .bind(&v.series_title)
            .bind(v.season)
            .bind(v.episode)
            .bind(v.episode_end)
            .bind(v.year)
            .bind(&v.original_title)
            .bind(&v.genres)
            .bind(v.rating)
            .bind(&v.premiered)
            .bind(&v.poster)
            .bind(&v.backdrop)
            .bind(v.art_stamp)
            .bind(&v.film_key)
            .bind(v.part)
            .bind(&v.version)
            .bind(v.listed)
            .bind(Names::of(v).sort_key())
            .bind($search_text)
    }};
}

/// Replaces the words an entry is found by (`search_terms`) with those of its search
/// text, in the transaction `$tx`.
macro_rules! write_terms {
    ($tx:expr, $id:expr, $search_text:expr) => {{
        let id: Uuid = $id;
        // Planned each time, not once: a plan made while the table was nearly empty (a
        // first scan) read all of it for each entry, 415 s for 50,000 on PostgreSQL.
        sqlx::query("DELETE FROM search_terms WHERE video_id = $1")
            .persistent(false)
            .bind(id)
            .execute(&mut *$tx)
            .await?;
        let terms = terms_of($search_text);
        if !terms.is_empty() {
            let sql = terms_sql(terms.len());
            terms
                .iter()
                .fold(sqlx::query(&sql).bind(id), |q, t| q.bind(*t))
                .execute(&mut *$tx)
                .await?;
        }
    }};
}

/// The distinct words of a stored search text.
fn terms_of(search_text: &str) -> Vec<&str> {
    let mut terms: Vec<&str> = search_text.split(' ').filter(|w| !w.is_empty()).collect();
    terms.sort_unstable();
    terms.dedup();
    terms
}

/// One statement inserting `n` words of the entry `$1`; a word another instance's scan
/// wrote meanwhile is kept (the same file, scanned by both at once).
fn terms_sql(n: usize) -> String {
    let rows: Vec<String> = (2..n + 2).map(|i| format!("(${i}, $1)")).collect();
    format!(
        "INSERT INTO search_terms (term, video_id) VALUES {} ON CONFLICT DO NOTHING",
        rows.join(", ")
    )
}

/// Inserts a row, or replaces the one with the same id. The id is kept, so progress
/// and playlists stay attached to a re-probed or moved file.
pub async fn upsert(db: &Database, v: &VideoRow) -> DbResult<()> {
    upsert_many(db, &[v]).await
}

/// [`upsert`] of many rows in one transaction: all or none.
pub async fn upsert_many(db: &Database, rows: &[&VideoRow]) -> DbResult<()> {
    let sql = upsert_sql();
    with_pool!(db, pool => async {
        let mut tx = pool.begin().await?;
        for v in rows {
            let text = Names::of(v).search_text();
            bind_row!(sqlx::query(&sql), v, &text).execute(&mut *tx).await?;
            write_terms!(tx, v.id, &text);
        }
        tx.commit().await
    }
    .await)
    .db()
}

fn upsert_sql() -> String {
    let placeholders: Vec<String> = (1..=REPLACED.len() + 2).map(|i| format!("${i}")).collect();
    let set: Vec<String> = REPLACED
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO videos ({COLUMNS}, sort_title, search_text) VALUES ({}) ON CONFLICT (id) DO UPDATE SET {}",
        placeholders.join(", "),
        set.join(", ")
    )
}

/// What the scanner read of an entry from its path, `.nfo` and artwork: the columns
/// an unchanged file's rescan may set without probing it again.
#[derive(Debug, Clone, PartialEq)]
pub struct Identification {
    pub kind: VideoKind,
    pub series_id: Option<Uuid>,
    pub series_title: Option<String>,
    /// `None` keeps the title the file gave.
    pub title: Option<String>,
    pub original_title: Option<String>,
    pub year: Option<i32>,
    pub season: Option<i32>,
    pub episode: Option<i32>,
    pub episode_end: Option<i32>,
    pub plot: Option<String>,
    pub genres: Vec<String>,
    pub rating: Option<f64>,
    pub premiered: Option<String>,
    pub poster: Option<String>,
    pub backdrop: Option<String>,
    pub art_stamp: i64,
    pub film_key: Option<String>,
    pub part: Option<i32>,
    pub version: Option<String>,
}

impl Identification {
    /// Sets these columns of `row`.
    pub fn apply_to(&self, row: &mut VideoRow) {
        row.kind = self.kind;
        row.series_id = self.series_id;
        row.series_title.clone_from(&self.series_title);
        if let Some(title) = &self.title {
            row.title.clone_from(title);
        }
        row.original_title.clone_from(&self.original_title);
        row.year = self.year;
        row.season = self.season;
        row.episode = self.episode;
        row.episode_end = self.episode_end;
        row.description.clone_from(&self.plot);
        row.genres = Json(self.genres.clone());
        row.rating = self.rating;
        row.premiered.clone_from(&self.premiered);
        row.poster.clone_from(&self.poster);
        row.backdrop.clone_from(&self.backdrop);
        row.art_stamp = self.art_stamp;
        row.film_key.clone_from(&self.film_key);
        row.part = self.part;
        row.version.clone_from(&self.version);
    }
}

/// Sets the identification of unchanged files, in one transaction.
pub async fn set_identities(db: &Database, batch: &[(Uuid, Identification)]) -> DbResult<()> {
    let sql = "UPDATE videos SET kind = $2, series_id = $3, title = COALESCE($4, title), \
        original_title = $5, year = $6, season = $7, episode = $8, episode_end = $9, \
        description = $10, genres = $11, rating = $12, premiered = $13, poster = $14, \
        backdrop = $15, art_stamp = $16, film_key = $17, part = $18, version = $19, \
        updated_at = $20, series_title = $21 WHERE id = $1 RETURNING title, filename";
    let keys = "UPDATE videos SET sort_title = $2, search_text = $3 WHERE id = $1";
    let now = Utc::now();
    with_pool!(db, pool => async {
        let mut tx = pool.begin().await?;
        for (id, i) in batch {
            let names: Option<(String, String)> = sqlx::query_as(sql)
                .bind(id)
                .bind(i.kind)
                .bind(i.series_id)
                .bind(&i.title)
                .bind(&i.original_title)
                .bind(i.year)
                .bind(i.season)
                .bind(i.episode)
                .bind(i.episode_end)
                .bind(&i.plot)
                .bind(Json(&i.genres))
                .bind(i.rating)
                .bind(&i.premiered)
                .bind(&i.poster)
                .bind(&i.backdrop)
                .bind(i.art_stamp)
                .bind(&i.film_key)
                .bind(i.part)
                .bind(&i.version)
                .bind(now)
                .bind(&i.series_title)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((title, filename)) = names else { continue };
            let names = Names {
                kind: i.kind,
                series_title: i.series_title.as_deref(),
                season: i.season,
                episode: i.episode,
                title: &title,
                original_title: i.original_title.as_deref(),
                filename: &filename,
            };
            let text = names.search_text();
            sqlx::query(keys)
                .bind(id)
                .bind(names.sort_key())
                .bind(&text)
                .execute(&mut *tx)
                .await?;
            write_terms!(tx, *id, &text);
        }
        tx.commit().await
    }
    .await)
    .db()
}

/// Playable entries with a picture and no thumbnail yet, oldest first, after `after`
/// (when they were added, their id).
pub async fn without_thumbnail(
    db: &Database,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> DbResult<Vec<(DateTime<Utc>, Uuid)>> {
    let (from, id) = after.unwrap_or((DateTime::<Utc>::UNIX_EPOCH, Uuid::nil()));
    let sql = "SELECT created_at, id FROM videos WHERE status = 'ok' AND width IS NOT NULL \
               AND thumbnail_path IS NULL AND (created_at > $1 OR (created_at = $1 AND id > $2)) \
               ORDER BY created_at, id LIMIT $3";
    with_pool!(db, pool => sqlx::query_as(sql).bind(from).bind(id).bind(limit).fetch_all(pool).await).db()
}

/// Playable entries with a picture and a duration, oldest first, after `after` (when
/// they were added, their id): with their file's size and modification time, what their
/// seek previews are made for.
pub async fn with_pictures(
    db: &Database,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> DbResult<Vec<(DateTime<Utc>, Uuid, i64, i64)>> {
    let (from, id) = after.unwrap_or((DateTime::<Utc>::UNIX_EPOCH, Uuid::nil()));
    let sql = "SELECT created_at, id, file_size, mtime_ns FROM videos WHERE status = 'ok' \
               AND width IS NOT NULL AND duration > 0 \
               AND (created_at > $1 OR (created_at = $1 AND id > $2)) \
               ORDER BY created_at, id LIMIT $3";
    with_pool!(db, pool => sqlx::query_as(sql).bind(from).bind(id).bind(limit).fetch_all(pool).await).db()
}

/// Records the thumbnail made for an entry.
pub async fn set_thumbnail(db: &Database, id: Uuid, path: &str) -> DbResult<()> {
    let sql = "UPDATE videos SET thumbnail_path = $2 WHERE id = $1";
    with_pool!(db, pool => sqlx::query(sql).bind(id).bind(path).execute(pool).await.map(|r| r.rows_affected()))
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

/// The entries with these ids (those that exist), in no particular order.
pub async fn find_many(db: &Database, ids: &[Uuid]) -> DbResult<Vec<VideoRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT {COLUMNS} FROM videos WHERE id IN ({})",
        list.join(", ")
    );
    let args: Vec<Arg> = ids.iter().map(|id| Arg::Uuid(*id)).collect();
    with_pool!(db, pool => bind_all(sqlx::query_as(&sql), &args).fetch_all(pool).await).db()
}

/// The playable entries of `library` whose path begins with `prefix` (a folder's path
/// with its trailing slash, or empty for the whole library): id and path, by path.
pub async fn under(db: &Database, library: &str, prefix: &str) -> DbResult<Vec<(Uuid, String)>> {
    // Compared by characters, not as a range: PostgreSQL's collation may not order a
    // prefix's strings together.
    let sql = "SELECT id, file_path FROM videos WHERE library = $1 AND status = 'ok' \
               AND substr(file_path, 1, $3) = $2 ORDER BY file_path";
    let chars = i32::try_from(prefix.chars().count()).unwrap_or(i32::MAX);
    with_pool!(db, pool => sqlx::query_as(sql).bind(library).bind(prefix).bind(chars).fetch_all(pool).await)
        .db()
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
    /// Only films, only episodes...
    pub kind: Option<VideoKind>,
    pub genre: Option<String>,
    pub year: Option<i32>,
    pub sort: SortKey,
    pub descending: bool,
    pub limit: i64,
    pub offset: i64,
    /// Whether to count every match (an infinite list's later pages need not).
    pub count: bool,
}

/// A page of a catalog query.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogPage {
    pub rows: Vec<VideoRow>,
    /// Every match, when counted; a search's at most [`SEARCH_COUNT_CAP`].
    pub total: Option<i64>,
    /// Whether more matches than `total` were left uncounted (a search at the cap).
    pub capped: bool,
    /// Whether matches follow this page.
    pub more: bool,
}

/// Matches of a search counted at most: more, and the total says "1,000 or more".
pub const SEARCH_COUNT_CAP: i64 = 1000;

/// A word of a search is rare when at most this many stored words begin with it: the
/// search then starts from its entries (from the index of words) instead of walking the
/// catalog's order.
const RARE_WORD: i64 = 1000;

/// A page of playable entries in `libraries` (`None`: every one) and, when asked, the
/// total that match (a search's up to [`SEARCH_COUNT_CAP`]).
pub async fn catalog(
    db: &Database,
    q: &CatalogQuery,
    libraries: Option<&[String]>,
) -> DbResult<CatalogPage> {
    let search = Search::parse(q.search.as_deref());
    let rare = match &search {
        Some(search) => rarest_word(db, search).await?,
        None => None,
    };
    let mut args = Vec::new();
    let mut arg = |a: Arg| {
        args.push(a);
        format!("${}", args.len())
    };
    // A rare word: its entries first (SQLite keeps a CROSS JOIN's order), each looked
    // up by id; otherwise the catalog's order is walked and every word checked.
    let source = match rare {
        Some(word) => {
            let (from, to) = Search::range(word);
            format!(
                "(SELECT DISTINCT video_id FROM search_terms WHERE term >= {} AND term < {}) \
                 AS hits CROSS JOIN videos",
                arg(Arg::Text(from)),
                arg(Arg::Text(to))
            )
        }
        None => "videos".to_owned(),
    };
    let mut filters = catalog_filters(q, libraries, &mut arg);
    if let Some(search) = &search {
        if rare.is_some() {
            filters.push("videos.id = hits.video_id".to_owned());
        }
        filters.extend(search.filters("search_text", rare, &mut arg));
    }
    let dir = if q.descending { "DESC" } else { "ASC" };
    let order = match q.sort {
        SortKey::Title => format!("sort_title {dir}, id {dir}"),
        SortKey::Added => format!("created_at {dir}, id {dir}"),
        // Unknown durations count as the longest: last when shortest first.
        SortKey::Duration => format!("duration IS NULL {dir}, duration {dir}, id {dir}"),
    };
    let filter = filters.join(" AND ");
    // A search counts its matches up to the cap (a common word matches most of the
    // catalog, and an exact count of 50,000 matches read them all).
    let count_sql = if search.is_some() {
        format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM {source} WHERE {filter} LIMIT {}) AS m",
            SEARCH_COUNT_CAP + 1
        )
    } else {
        format!("SELECT COUNT(*) FROM {source} WHERE {filter}")
    };
    // One more than the page: whether more follow.
    let limit = arg(Arg::Int(q.limit + 1));
    let offset = arg(Arg::Int(q.offset));
    // The page's ids first (from an index alone when one covers the order), then their
    // rows: a deep page does not read the rows it skips.
    let page_sql = format!(
        "SELECT {COLUMNS} FROM videos WHERE id IN (SELECT id FROM {source} WHERE {filter} \
         ORDER BY {order} LIMIT {limit} OFFSET {offset}) ORDER BY {order}"
    );
    let filter_args = &args[..args.len() - 2];
    let total: Option<i64> = if q.count {
        Some(
            with_pool!(db, pool => bind_all(sqlx::query_scalar(&count_sql), filter_args).fetch_one(pool).await)
                .db()?,
        )
    } else {
        None
    };
    let mut rows: Vec<VideoRow> =
        with_pool!(db, pool => bind_all(sqlx::query_as(&page_sql), &args).fetch_all(pool).await)
            .db()?;
    let more = rows.len() as i64 > q.limit;
    rows.truncate(usize::try_from(q.limit).unwrap_or(0));
    let capped = search.is_some() && total.is_some_and(|n| n > SEARCH_COUNT_CAP);
    Ok(CatalogPage {
        rows,
        total: if capped {
            Some(SEARCH_COUNT_CAP)
        } else {
            total
        },
        capped,
        more,
    })
}

/// The search's rarest word when it is rare ([`RARE_WORD`]): the stored words that
/// begin with each are counted up to that many, in one statement, in the index's order
/// (so that it stops there: a bitmap scan of PostgreSQL's read all 195,000 words
/// beginning with "s" for 33 ms).
async fn rarest_word<'s>(db: &Database, search: &'s Search) -> DbResult<Option<&'s str>> {
    let mut args = Vec::new();
    let counts: Vec<String> = search
        .words
        .iter()
        .enumerate()
        .map(|(i, word)| {
            let (from, to) = Search::range(word);
            args.push(Arg::Text(from));
            args.push(Arg::Text(to));
            format!(
                "SELECT CAST({i} AS BIGINT) AS word, COUNT(*) AS n FROM (SELECT 1 FROM search_terms \
                 WHERE term >= ${} AND term < ${} ORDER BY term LIMIT {}) AS w{i}",
                args.len() - 1,
                args.len(),
                RARE_WORD + 1
            )
        })
        .collect();
    if counts.is_empty() {
        return Ok(None);
    }
    let sql = counts.join(" UNION ALL ");
    let counts: Vec<(i64, i64)> =
        with_pool!(db, pool => bind_all(sqlx::query_as(&sql), &args).fetch_all(pool).await).db()?;
    Ok(counts
        .into_iter()
        .filter(|&(_, n)| n <= RARE_WORD)
        .min_by_key(|&(_, n)| n)
        .and_then(|(i, _)| search.words.get(usize::try_from(i).ok()?))
        .map(String::as_str))
}

/// The WHERE conditions of a catalog query but its search, with placeholders made by
/// `arg`.
fn catalog_filters(
    q: &CatalogQuery,
    libraries: Option<&[String]>,
    arg: &mut impl FnMut(Arg) -> String,
) -> Vec<String> {
    let mut filters = vec!["status = 'ok'".to_owned(), "listed = TRUE".to_owned()];
    if let Some(library) = &q.library {
        filters.push(format!("library = {}", arg(Arg::Text(library.clone()))));
    }
    libraries_filter(&mut filters, &mut *arg, libraries);
    if let Some(h) = q.min_height {
        filters.push(format!("height >= {}", arg(Arg::Int(i64::from(h)))));
    }
    if let Some(codec) = &q.codec {
        filters.push(format!(
            "video_codec = {}",
            arg(Arg::Text(codec.to_lowercase()))
        ));
    }
    if let Some(kind) = q.kind {
        filters.push(format!(
            "kind = {}",
            arg(Arg::Text(kind.as_str().to_owned()))
        ));
    }
    if let Some(genre) = &q.genre {
        filters.push(format!(
            "lower(CAST(genres AS TEXT)) LIKE {} ESCAPE '\\'",
            arg(Arg::Text(genre_pattern(genre)))
        ));
    }
    if let Some(year) = q.year {
        filters.push(format!("year = {}", arg(Arg::Int(i64::from(year)))));
    }
    filters
}

/// Playable entries per library name.
pub async fn count_by_library(db: &Database) -> DbResult<std::collections::HashMap<String, i64>> {
    let sql = "SELECT library, COUNT(*) FROM videos WHERE status = 'ok' GROUP BY library";
    let rows: Vec<(String, i64)> =
        with_pool!(db, pool => sqlx::query_as(sql).fetch_all(pool).await).db()?;
    Ok(rows.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names<'a>(kind: VideoKind, series: Option<&'a str>, title: &'a str) -> Names<'a> {
        Names {
            kind,
            series_title: series,
            season: None,
            episode: None,
            title,
            original_title: None,
            filename: "The.Wire.S01E02.mkv",
        }
    }

    #[test]
    fn a_title_sorts_without_its_article_and_case() {
        let key = |t| names(VideoKind::Film, None, t).sort_key();
        assert_eq!(key("The Wire"), "wire");
        assert_eq!(key("  An Education"), "education");
        assert_eq!(key("A"), "a", "an article alone is the title");
        assert_eq!(key("Theory"), "theory");
        assert_eq!(key("ÉCOLE"), "école");
        assert_eq!(key(&"x".repeat(500)).chars().count(), SORT_KEY_CHARS);
    }

    #[test]
    fn an_episode_sorts_under_its_series_in_viewing_order() {
        let key = |season, episode| {
            let mut n = names(VideoKind::Episode, Some("The Office"), "Pilot");
            n.season = season;
            n.episode = episode;
            n.sort_key()
        };
        let mut keys = [
            key(Some(2), Some(1)),
            key(Some(1), None),
            key(Some(1), Some(10)),
            key(Some(0), Some(1)),
            key(Some(1), Some(2)),
        ];
        keys.sort();
        assert_eq!(
            keys,
            [
                key(Some(0), Some(1)),
                key(Some(1), Some(2)),
                key(Some(1), Some(10)),
                key(Some(1), None),
                key(Some(2), Some(1)),
            ]
        );
        assert!(key(Some(1), Some(1)).starts_with("office "));
        let long = "y".repeat(500);
        let n = names(VideoKind::Episode, Some(&long), "Pilot");
        assert!(n.sort_key().chars().count() <= SORT_KEY_CHARS);
    }

    #[test]
    fn search_text_holds_the_names_a_viewer_types() {
        let mut n = names(VideoKind::Episode, Some("The Wire"), "The Target");
        n.season = Some(1);
        n.episode = Some(2);
        n.original_title = Some("Le Fil");
        assert_eq!(n.search_text(), "the wire s01e02 the target le fil");
        n.title = "Day ".repeat(100).leak();
        assert!(
            n.search_text().starts_with("the wire s01e02 day day"),
            "a long title does not crowd out the series"
        );
        let unclassified = names(VideoKind::Video, None, "Holiday");
        assert_eq!(
            unclassified.search_text(),
            "holiday the wire s01e02 mkv",
            "an unclassified file's name is searched, a classified one's not"
        );
        let long = "Ü".repeat(1000);
        let big = names(VideoKind::Film, None, &long).search_text();
        assert_eq!(big, "", "a word longer than the text is left out whole");
        let many = "Über ".repeat(100);
        let big = names(VideoKind::Film, None, &many).search_text();
        assert_eq!(big.chars().count(), 299, "whole words up to the limit");
        assert!(big.starts_with("über über"));
    }

    #[test]
    fn an_entry_is_found_by_each_distinct_word_once() {
        assert_eq!(terms_of("the wire the s01e02"), ["s01e02", "the", "wire"]);
        assert_eq!(terms_of(""), Vec::<&str>::new());
        assert_eq!(
            terms_sql(2),
            "INSERT INTO search_terms (term, video_id) VALUES ($2, $1), ($3, $1) ON CONFLICT DO NOTHING"
        );
    }
}
