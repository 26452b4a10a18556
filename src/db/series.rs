//! The `series` table, and the catalog's questions about series and films: a series'
//! episodes in order, next up, the film versions of one film.

use super::filter::{
    bind_all, genre_pattern, libraries_filter, libraries_filter_as, search_text, sort_title, Arg,
    Search,
};
use super::videos::{VideoRow, COLUMNS as VIDEO_COLUMNS, SEARCH_TEXT_CHARS, UNKNOWN_EPISODE};
use super::{with_pool, Database, DbResult, SqlxResultExt};
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// A series, as the scanner found it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct SeriesRow {
    pub id: Uuid,
    pub library: String,
    /// The cleaned name, lowercased, `|` and the year: the series' identity in its library.
    pub key: String,
    pub title: String,
    pub original_title: Option<String>,
    pub year: Option<i32>,
    pub plot: Option<String>,
    pub genres: Json<Vec<String>>,
    pub rating: Option<f64>,
    pub premiered: Option<String>,
    /// The series folder, library-relative; `None` when the episodes have none.
    pub folder: Option<String>,
    pub poster: Option<String>,
    pub backdrop: Option<String>,
    /// Season number (as text) to the library-relative path of its poster.
    pub season_posters: Json<BTreeMap<String, String>>,
    pub episode_count: i32,
    pub season_count: i32,
    pub latest_added: Option<DateTime<Utc>>,
    pub art_stamp: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, library, key, title, original_title, year, plot, genres, rating, \
    premiered, folder, poster, backdrop, season_posters, episode_count, season_count, \
    latest_added, art_stamp, created_at, updated_at";

/// The series of a library, by key (the scanner's view, empty ones included).
pub async fn of_library(db: &Database, library: &str) -> DbResult<Vec<SeriesRow>> {
    let sql = format!("SELECT {COLUMNS} FROM series WHERE library = $1");
    with_pool!(db, pool => sqlx::query_as(&sql).bind(library).fetch_all(pool).await).db()
}

/// One series.
pub async fn find(db: &Database, id: Uuid) -> DbResult<Option<SeriesRow>> {
    let sql = format!("SELECT {COLUMNS} FROM series WHERE id = $1");
    with_pool!(db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await).db()
}

/// Inserts a series or replaces the metadata of the one with its library and key (the
/// counts are the scanner's recount's); returns the stored series' id.
pub async fn upsert(db: &Database, s: &SeriesRow) -> DbResult<Uuid> {
    let sql = format!(
        "INSERT INTO series ({COLUMNS}, sort_title, search_text) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
         $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) \
         ON CONFLICT (library, key) DO UPDATE SET title = excluded.title, \
         original_title = excluded.original_title, year = excluded.year, plot = excluded.plot, \
         genres = excluded.genres, rating = excluded.rating, premiered = excluded.premiered, \
         folder = excluded.folder, poster = excluded.poster, backdrop = excluded.backdrop, \
         season_posters = excluded.season_posters, art_stamp = excluded.art_stamp, \
         updated_at = excluded.updated_at, sort_title = excluded.sort_title, \
         search_text = excluded.search_text RETURNING id"
    );
    with_pool!(db, pool => sqlx::query_scalar(&sql)
        .bind(s.id)
        .bind(&s.library)
        .bind(&s.key)
        .bind(&s.title)
        .bind(&s.original_title)
        .bind(s.year)
        .bind(&s.plot)
        .bind(&s.genres)
        .bind(s.rating)
        .bind(&s.premiered)
        .bind(&s.folder)
        .bind(&s.poster)
        .bind(&s.backdrop)
        .bind(&s.season_posters)
        .bind(s.episode_count)
        .bind(s.season_count)
        .bind(s.latest_added)
        .bind(s.art_stamp)
        .bind(s.created_at)
        .bind(s.updated_at)
        .bind(sort_title(&s.title))
        .bind(series_search_text(&s.title, s.original_title.as_deref()))
        .fetch_one(pool)
        .await)
    .db()
}

/// A series' search text: the words of its title and original title.
fn series_search_text(title: &str, original_title: Option<&str>) -> String {
    search_text(
        std::iter::once(title).chain(original_title),
        SEARCH_TEXT_CHARS,
    )
}

/// Rewrites the sort and search keys of a library's series where they are not this
/// release's (a migration's SQL stand-ins): the scanner rewrites a series only when its
/// metadata or artwork changed. Returns how many it rewrote.
pub async fn refresh_keys(db: &Database, library: &str) -> DbResult<usize> {
    let sql = "SELECT id, title, original_title, sort_title, search_text FROM series \
               WHERE library = $1";
    let rows: Vec<(Uuid, String, Option<String>, String, String)> =
        with_pool!(db, pool => sqlx::query_as(sql).bind(library).fetch_all(pool).await).db()?;
    let stale: Vec<(Uuid, String, String)> = rows
        .into_iter()
        .filter_map(|(id, title, original, sort, search)| {
            let keys = (
                sort_title(&title),
                series_search_text(&title, original.as_deref()),
            );
            (keys != (sort, search)).then_some((id, keys.0, keys.1))
        })
        .collect();
    if stale.is_empty() {
        return Ok(0);
    }
    let update = "UPDATE series SET sort_title = $2, search_text = $3 WHERE id = $1";
    with_pool!(db, pool => async {
        let mut tx = pool.begin().await?;
        for (id, sort, search) in &stale {
            sqlx::query(update).bind(id).bind(sort).bind(search).execute(&mut *tx).await?;
        }
        tx.commit().await
    }
    .await)
    .db()?;
    Ok(stale.len())
}

/// Recounts the playable episodes and seasons of a library's series, and for a film
/// kept in several files lists one: the first part of the best version (the tallest
/// picture, then the largest file). Run at the end of each scan.
pub async fn recount(db: &Database, library: &str) -> DbResult<()> {
    // One pass over the library's episodes (a correlated count per series walked the
    // whole table for each: 2.6 s for 100 series of 10,000 episodes).
    let counts = "UPDATE series SET episode_count = c.n, season_count = c.seasons, \
            latest_added = c.latest \
        FROM (SELECT series_id, COUNT(*) AS n, COUNT(DISTINCT COALESCE(season, -1)) AS seasons, \
                MAX(created_at) AS latest FROM videos \
              WHERE library = $1 AND status = 'ok' AND series_id IS NOT NULL GROUP BY series_id) AS c \
        WHERE series.id = c.series_id";
    let emptied = "UPDATE series SET episode_count = 0, season_count = 0 \
        WHERE library = $1 AND episode_count > 0 AND id NOT IN ( \
            SELECT series_id FROM videos WHERE library = $1 AND status = 'ok' AND series_id IS NOT NULL)";
    // A file of no film is listed; of a film, when no other ok file of it ranks above.
    let unfilmed = "UPDATE videos SET listed = TRUE \
        WHERE library = $1 AND film_key IS NULL AND listed = FALSE";
    let listed = "UPDATE videos SET listed = NOT EXISTS ( \
            SELECT 1 FROM videos o WHERE o.film_key = videos.film_key AND o.library = videos.library \
              AND o.status = 'ok' AND o.id <> videos.id AND ( \
                COALESCE(o.part, 1) < COALESCE(videos.part, 1) \
                OR (COALESCE(o.part, 1) = COALESCE(videos.part, 1) AND ( \
                    COALESCE(o.height, 0) > COALESCE(videos.height, 0) \
                    OR (COALESCE(o.height, 0) = COALESCE(videos.height, 0) AND ( \
                        o.file_size > videos.file_size \
                        OR (o.file_size = videos.file_size AND o.file_path < videos.file_path))))))) \
        WHERE library = $1 AND film_key IS NOT NULL";
    with_pool!(db, pool => async {
        let mut tx = pool.begin().await?;
        for sql in [counts, emptied, unfilmed, listed] {
            sqlx::query(sql).bind(library).execute(&mut *tx).await?;
        }
        tx.commit().await
    }
    .await)
    .db()
}

/// How series are listed.
#[derive(Debug, Clone, Default)]
pub struct SeriesQuery {
    pub search: Option<String>,
    pub genre: Option<String>,
    pub year: Option<i32>,
    /// Most recently added first, instead of by title.
    pub recent: bool,
    pub limit: i64,
    pub offset: i64,
}

/// A page of series with playable episodes in `libraries` (`None`: every one), and
/// the total.
pub async fn list(
    db: &Database,
    q: &SeriesQuery,
    libraries: Option<&[String]>,
) -> DbResult<(Vec<SeriesRow>, i64)> {
    let mut filters = vec!["episode_count > 0".to_owned()];
    let mut args: Vec<Arg> = Vec::new();
    let mut arg = |a: Arg| {
        args.push(a);
        format!("${}", args.len())
    };
    // Each typed word begins a word of the title or original title, as videos are
    // searched (a few thousand series at most: their search text is read).
    if let Some(search) = Search::parse(q.search.as_deref()) {
        filters.extend(search.filters("search_text", None, &mut arg));
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
    libraries_filter(&mut filters, &mut arg, libraries);
    let filter = filters.join(" AND ");
    let order = if q.recent {
        "latest_added DESC, id"
    } else {
        "sort_title, year, id"
    };
    let count_sql = format!("SELECT COUNT(*) FROM series WHERE {filter}");
    let n = args.len();
    let page_sql = format!(
        "SELECT {COLUMNS} FROM series WHERE {filter} ORDER BY {order} LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let total: i64 = with_pool!(db, pool => bind_all(sqlx::query_scalar(&count_sql), &args).fetch_one(pool).await).db()?;
    args.push(Arg::Int(q.limit));
    args.push(Arg::Int(q.offset));
    let rows =
        with_pool!(db, pool => bind_all(sqlx::query_as(&page_sql), &args).fetch_all(pool).await)
            .db()?;
    Ok((rows, total))
}

/// The playable episodes of a series, in order: season, episode, then file path
/// (unknown seasons with the first, specials last).
pub async fn episodes(db: &Database, series_id: Uuid) -> DbResult<Vec<VideoRow>> {
    let sql = format!(
        "SELECT {VIDEO_COLUMNS} FROM videos WHERE series_id = $1 AND status = 'ok' \
         ORDER BY CASE WHEN season = 0 THEN 1 ELSE 0 END, {EPISODE_ORDER}"
    );
    with_pool!(db, pool => sqlx::query_as(&sql).bind(series_id).fetch_all(pool).await).db()
}

/// Episodes in viewing order.
const EPISODE_ORDER: &str = "COALESCE(season, 1), COALESCE(episode, 1000000), file_path";

/// Next up for a page of a user's series in progress (most recently finished first,
/// `limit` series from `offset`; specials left out): for each, the first episode after
/// the one they finished last that they have not finished. Returns those episodes in
/// the same order, and how many series the page held (fewer than `limit`: the last).
pub async fn next_up(
    db: &Database,
    user_id: Uuid,
    libraries: Option<&[String]>,
    limit: i64,
    offset: i64,
) -> DbResult<(Vec<VideoRow>, i64)> {
    let mut filters = vec![
        "uv.user_id = $1".to_owned(),
        "uv.watch_progress >= 90".to_owned(),
        "v.series_id IS NOT NULL".to_owned(),
        "v.status = 'ok'".to_owned(),
        "COALESCE(v.season, 1) > 0".to_owned(),
    ];
    let mut args = vec![Arg::Uuid(user_id)];
    let mut arg = |a: Arg| {
        args.push(a);
        format!("${}", args.len())
    };
    libraries_filter_as(&mut filters, &mut arg, libraries, "v.library");
    let (limit, offset) = (arg(Arg::Int(limit)), arg(Arg::Int(offset)));
    // One statement (a query per series cost 2.6 ms each on PostgreSQL): each finished
    // episode ranked within its series (the latest finish first, then the furthest in
    // order: a season marked at once finishes together); the page of series by their
    // latest finish, with the place of that episode ([`place`]); each series' later
    // episodes the user has not finished, ranked in viewing order; the first of each.
    // CROSS JOIN keeps SQLite on the page's series first (it walked every video: 116 ms).
    let sql = format!(
        "WITH finished AS (SELECT v.series_id AS series_id, \
             COALESCE(uv.completed_at, uv.last_watched) AS at, \
             COALESCE(v.season, 1) AS season, \
             COALESCE(v.episode_end, v.episode, {UNKNOWN_EPISODE}) AS episode, \
             CASE WHEN v.episode IS NULL THEN v.file_path ELSE '' END AS path, \
             ROW_NUMBER() OVER (PARTITION BY v.series_id ORDER BY \
                 COALESCE(uv.completed_at, uv.last_watched) DESC, COALESCE(v.season, 1) DESC, \
                 COALESCE(v.episode, {UNKNOWN_EPISODE}) DESC, v.file_path DESC) AS n \
             FROM user_videos uv JOIN videos v ON v.id = uv.video_id WHERE {filters}), \
         page AS (SELECT series_id, at, season, episode, path FROM finished WHERE n = 1 \
             ORDER BY at DESC, series_id LIMIT {limit} OFFSET {offset}), \
         later AS (SELECT v.id AS id, p.at AS at, p.series_id AS series_id, \
             ROW_NUMBER() OVER (PARTITION BY p.series_id ORDER BY {EPISODE_ORDER_V}) AS k \
             FROM page p CROSS JOIN videos v \
             LEFT JOIN user_videos uv ON uv.video_id = v.id AND uv.user_id = $1 \
             WHERE v.series_id = p.series_id AND v.status = 'ok' AND COALESCE(v.season, 1) > 0 \
               AND {AFTER} > (p.season, p.episode, p.path) \
               AND COALESCE(uv.watch_progress, 0) < 90) \
         SELECT p.series_id, l.id FROM page p \
         LEFT JOIN later l ON l.series_id = p.series_id AND l.k = 1 \
         ORDER BY p.at DESC, p.series_id",
        filters = filters.join(" AND "),
    );
    let page: Vec<(Uuid, Option<Uuid>)> =
        with_pool!(db, pool => bind_all(sqlx::query_as(&sql), &args).fetch_all(pool).await).db()?;
    let ids: Vec<Uuid> = page.iter().filter_map(|(_, next)| *next).collect();
    let mut found: HashMap<Uuid, VideoRow> = super::videos::find_many(db, &ids)
        .await?
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    let next = ids.iter().filter_map(|id| found.remove(id)).collect();
    Ok((next, page.len() as i64))
}

/// An episode's place in its series' order, as [`AFTER`] compares it: its season, its
/// (last) episode, and its path only when its number is unknown (two files of one
/// episode, two versions, are one place).
fn place(v: &VideoRow) -> (i32, i32, &str) {
    let episode = v.episode_end.or(v.episode);
    (
        v.season.unwrap_or(1),
        episode.unwrap_or(UNKNOWN_EPISODE),
        if episode.is_some() { "" } else { &v.file_path },
    )
}

/// The place of a row of `v` in its series' order, compared with a [`place`].
const AFTER: &str = "(COALESCE(v.season, 1), COALESCE(v.episode, 1000000), \
    CASE WHEN v.episode IS NULL THEN v.file_path ELSE '' END)";

/// [`EPISODE_ORDER`] on the table named `v`.
const EPISODE_ORDER_V: &str = "COALESCE(v.season, 1), COALESCE(v.episode, 1000000), v.file_path";

/// The episode after `video` in its series' order (for any user: what follows, not
/// what is unwatched): a special is followed by the next special, any other episode by
/// the next that is not one. `None` after the last, or for a file of no series.
pub async fn next_episode(db: &Database, video: &VideoRow) -> DbResult<Option<VideoRow>> {
    let Some(series) = video.series_id else {
        return Ok(None);
    };
    let sql = format!(
        "SELECT {columns} FROM videos v WHERE v.series_id = $1 AND v.status = 'ok' \
         AND (CASE WHEN v.season = 0 THEN 1 ELSE 0 END) = $2 AND {AFTER} > ($3, $4, $5) \
         ORDER BY {EPISODE_ORDER_V} LIMIT 1",
        columns = prefixed(VIDEO_COLUMNS, "v")
    );
    let (season, episode, path) = place(video);
    with_pool!(db, pool => sqlx::query_as(&sql)
        .bind(series)
        .bind(i32::from(video.season == Some(0)))
        .bind(season)
        .bind(episode)
        .bind(path)
        .fetch_optional(pool)
        .await)
    .db()
}

/// The next part of a film split over files, of the same version.
pub async fn next_part(db: &Database, video: &VideoRow) -> DbResult<Option<VideoRow>> {
    let (Some(key), Some(part)) = (&video.film_key, video.part) else {
        return Ok(None);
    };
    let sql = format!(
        "SELECT {VIDEO_COLUMNS} FROM videos WHERE film_key = $1 AND library = $2 AND status = 'ok' \
         AND part > $3 AND COALESCE(version, '') = $4 ORDER BY part LIMIT 1"
    );
    let version = video.version.clone().unwrap_or_default();
    with_pool!(db, pool => sqlx::query_as(&sql)
        .bind(key)
        .bind(&video.library)
        .bind(part)
        .bind(&version)
        .fetch_optional(pool)
        .await)
    .db()
}

/// The other files of a film (parts and versions), `video` included, best first.
pub async fn film_files(db: &Database, video: &VideoRow) -> DbResult<Vec<VideoRow>> {
    let Some(key) = &video.film_key else {
        return Ok(Vec::new());
    };
    let sql = format!(
        "SELECT {VIDEO_COLUMNS} FROM videos WHERE film_key = $1 AND library = $2 AND status = 'ok' \
         ORDER BY COALESCE(part, 1), COALESCE(height, 0) DESC, file_size DESC, file_path"
    );
    with_pool!(db, pool => sqlx::query_as(&sql).bind(key).bind(&video.library).fetch_all(pool).await).db()
}

/// Genres and years of the films and series in `libraries`, for filters.
pub async fn facets(
    db: &Database,
    libraries: Option<&[String]>,
) -> DbResult<(Vec<String>, Vec<i32>)> {
    let mut filters = Vec::new();
    let mut args = Vec::new();
    let mut arg = |a: Arg| {
        args.push(a);
        format!("${}", args.len())
    };
    libraries_filter(&mut filters, &mut arg, libraries);
    let within = filters
        .iter()
        .map(|f| format!(" AND {f}"))
        .collect::<String>();
    let films =
        format!("FROM videos WHERE status = 'ok' AND listed = TRUE AND kind = 'film'{within}");
    let series = format!("FROM series WHERE episode_count > 0{within}");
    let genres_sql = format!(
        "SELECT DISTINCT CAST(genres AS TEXT) {films} UNION SELECT DISTINCT CAST(genres AS TEXT) {series}"
    );
    let years_sql = format!(
        "SELECT DISTINCT year {films} AND year IS NOT NULL \
         UNION SELECT DISTINCT year {series} AND year IS NOT NULL"
    );
    let lists: Vec<String> = with_pool!(db, pool => bind_all(sqlx::query_scalar(&genres_sql), &args).fetch_all(pool).await).db()?;
    let mut years: Vec<i32> = with_pool!(db, pool => bind_all(sqlx::query_scalar(&years_sql), &args).fetch_all(pool).await).db()?;
    let mut genres: Vec<String> = lists
        .iter()
        .filter_map(|l| serde_json::from_str::<Vec<String>>(l).ok())
        .flatten()
        .collect();
    genres.sort_by_key(|g| g.to_lowercase());
    genres.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    Ok((genres, years))
}

/// A column list with each column taken from `table`.
fn prefixed(columns: &str, table: &str) -> String {
    columns
        .split(',')
        .map(|c| format!("{table}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}
