//! Upgrading: a database made by the previous release (its migrations, rows as its
//! scanner and services wrote them) is migrated by this one at start-up; the next scan
//! gives its files their series without probing them again, and every user's progress,
//! rating, history and playlist stays.

use crate::helpers::{spawn_with, test_settings, Backend, PASSWORD};
use crate::media::{add_clip, ffmpeg_available, for_each_backend};
use chrono::Utc;
use homestream::config::Library;
use homestream::db::Database;
use serde_json::{json, Value};
use sqlx::types::Json;
use std::borrow::Cow;
use uuid::Uuid;

/// The last migration of the previous release.
const PREVIOUS_RELEASE: i64 = 7;

for_each_backend!(a_database_of_the_previous_release_upgrades_and_keeps_everything);

/// The ids of what the previous release stored.
struct Before {
    user: Uuid,
    video: Uuid,
    playlist: Uuid,
}

/// Applies the previous release's migrations only, and writes a user, a catalog row of
/// `file` as the previous scanner recorded it, progress with a rating, and a playlist.
async fn previous_release(db: &Database, library: &std::path::Path, file: &str) -> Before {
    let meta = std::fs::metadata(library.join(file)).unwrap();
    let mtime_ns = meta
        .modified()
        .unwrap()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i64;
    let before = Before {
        user: Uuid::new_v4(),
        video: Uuid::new_v4(),
        playlist: Uuid::new_v4(),
    };
    let salt = argon2::password_hash::SaltString::encode_b64(b"upgrade-test-salt").unwrap();
    let hash = argon2::PasswordHasher::hash_password(
        &argon2::Argon2::default(),
        PASSWORD.as_bytes(),
        &salt,
    )
    .unwrap()
    .to_string();
    let now = Utc::now();
    let name = file.rsplit('/').next().unwrap();
    let metadata = json!({ "audio": [{ "index": 1, "codec": "aac", "channels": 1, "language": null,
        "title": null, "default": true }], "subtitles": [], "sidecars": [] });
    macro_rules! run {
        ($pool:expr, $migrations:expr) => {{
            let pool = $pool;
            let mut migrator = $migrations;
            migrator.migrations = Cow::Owned(
                migrator
                    .migrations
                    .iter()
                    .filter(|m| m.version <= PREVIOUS_RELEASE)
                    .cloned()
                    .collect(),
            );
            migrator.run(pool).await.unwrap();
            sqlx::query(
                "INSERT INTO users (id, username, password_hash, role, created_at, updated_at) \
                 VALUES ($1, 'ann', $2, 'user', $3, $3)",
            )
            .bind(before.user)
            .bind(&hash)
            .bind(now)
            .execute(pool)
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO videos (id, library, file_path, filename, title, file_size, mtime_ns, \
                 fingerprint, status, duration, width, height, resolution, format, video_codec, \
                 video_profile, video_level, bit_rate, metadata, created_at, updated_at, \
                 sort_title, search_text) \
                 VALUES ($1, 'Videos', $2, $3, 'Show S01E02 Two', $4, $5, 'previous', 'ok', 1.0, \
                 320, 240, '320x240', 'mp4', 'h264', 'High', 13, 100000, $6, $7, $7, \
                 'show s01e02 two', $8)",
            )
            .bind(before.video)
            .bind(file)
            .bind(name)
            .bind(meta.len() as i64)
            .bind(mtime_ns)
            .bind(Json(&metadata))
            .bind(now)
            .bind(format!("show s01e02 two {}", name.to_lowercase()))
            .execute(pool)
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO user_videos (id, user_id, video_id, watch_time, watch_progress, \
                 position_seconds, rating, last_watched, created_at, updated_at, play_count) \
                 VALUES ($1, $2, $3, 12, 40, 0.4, 4, $4, $4, $4, 0)",
            )
            .bind(Uuid::new_v4())
            .bind(before.user)
            .bind(before.video)
            .bind(now)
            .execute(pool)
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO playlists (id, user_id, name, is_public, created_at, updated_at) \
                 VALUES ($1, $2, 'favourites', FALSE, $3, $3)",
            )
            .bind(before.playlist)
            .bind(before.user)
            .bind(now)
            .execute(pool)
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO playlist_videos (id, playlist_id, video_id, position, added_at) \
                 VALUES ($1, $2, $3, 0, $4)",
            )
            .bind(Uuid::new_v4())
            .bind(before.playlist)
            .bind(before.video)
            .bind(now)
            .execute(pool)
            .await
            .unwrap();
        }};
    }
    match db {
        Database::Sqlite(pool) => run!(pool, sqlx::migrate!("migrations/sqlite")),
        Database::Postgres(pool) => run!(pool, sqlx::migrate!("migrations/postgres")),
    }
    before
}

async fn json_of(app: &crate::helpers::TestApp, path: &str, token: &str) -> Value {
    let resp = app.get(path, token).await;
    assert_eq!(resp.status(), 200, "{path}");
    resp.json().await.unwrap()
}

async fn a_database_of_the_previous_release_upgrades_and_keeps_everything(backend: Backend) {
    if !ffmpeg_available() {
        return;
    }
    let Some((mut settings, dir, pg)) = test_settings(backend).await else {
        return;
    };
    let library = dir.path().join("videos");
    let file = "Show (2020)/Season 01/Show - S01E02 - Two.mp4";
    add_clip(&library, "h264_aac.mp4", file);
    add_clip(
        &library,
        "h264_aac.mp4",
        "Show (2020)/Season 01/Show - S01E03 - Three.mp4",
    );
    settings.media.libraries = vec![Library {
        name: "Videos".into(),
        path: library.clone(),
        kind: Default::default(),
    }];
    settings.media.scan_on_startup = false;
    settings.media.watch = false;
    if backend == Backend::Sqlite {
        let path = dir.path().join("previous.db");
        settings.database.url =
            homestream::config::ConnectionUrl::new(format!("sqlite:{}", path.display()));
    }
    let db = Database::connect(&settings).await.unwrap();
    let before = previous_release(&db, &library, file).await;
    db.close().await;

    // This release starts on it: the migrations since run, nothing else is touched.
    let app = spawn_with(settings, dir, pg).await;
    let token = app.login_token("ann").await;
    let old = json_of(&app, &format!("/api/videos/{}", before.video), &token).await;
    assert_eq!(old["kind"], "video", "not classified before a scan: {old}");
    // Searched by the words the migration read from the stored text, before any scan.
    let found = json_of(&app, "/api/videos?q=TWO%20s01e", &token).await;
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(json_of(&app, "/api/videos?q=wo", &token).await["total"], 0);

    let summary = app.state.library.scan(None).await;
    assert_eq!(
        (summary.skipped, summary.probed),
        (1, 1),
        "the old file is not probed again, the new one is: {summary:?}"
    );
    let video = json_of(&app, &format!("/api/videos/{}", before.video), &token).await;
    assert_eq!(video["kind"], "episode");
    assert_eq!(video["display_title"], "Show - S01E02 - Two");
    assert_eq!(video["user_data"]["rating"], 4);
    assert_eq!(video["user_data"]["position_seconds"], 0.4);
    assert_eq!(video["video_codec"], "h264", "probed facts kept");
    // Its sort and search keys are this release's (the migration's stand-ins sorted it
    // after the new file).
    let in_order = json_of(&app, "/api/videos?sort=title", &token).await;
    assert_eq!(
        in_order["items"][0]["id"],
        before.video.to_string(),
        "{in_order}"
    );
    assert_eq!(in_order["items"][1]["episode"], 3, "{in_order}");
    let found = json_of(&app, "/api/videos?q=show%20two", &token).await;
    assert_eq!(found["items"][0]["id"], before.video.to_string(), "{found}");
    assert_eq!(json_of(&app, "/api/series?q=sho", &token).await["total"], 1);
    let series = json_of(&app, "/api/series", &token).await;
    assert_eq!(series["items"][0]["title"], "Show");
    assert_eq!(series["items"][0]["year"], 2020);
    assert_eq!(series["items"][0]["episode_count"], 2);
    // A series the scanner does not rewrite (unchanged metadata) still gets this
    // release's keys when its stored ones are another's (a migration's stand-ins).
    let stand_in = "UPDATE series SET sort_title = 'zzz', search_text = 'x'";
    match &app.state.db {
        Database::Sqlite(pool) => sqlx::query(stand_in).execute(pool).await.map(|_| ()),
        Database::Postgres(pool) => sqlx::query(stand_in).execute(pool).await.map(|_| ()),
    }
    .unwrap();
    assert_eq!(
        json_of(&app, "/api/series?q=show", &token).await["total"],
        0
    );
    let rescan = app.state.library.scan(None).await;
    assert_eq!(rescan.probed, 0, "{rescan:?}");
    assert_eq!(
        json_of(&app, "/api/series?q=show", &token).await["total"],
        1
    );
    let playlist = json_of(&app, &format!("/api/playlists/{}", before.playlist), &token).await;
    assert_eq!(
        playlist["entries"][0]["video"]["id"],
        before.video.to_string()
    );
    let history = json_of(&app, "/api/users/me/history", &token).await;
    assert_eq!(history["total"], 1);
    assert_eq!(
        json_of(&app, "/api/users/me", &token).await["id"],
        before.user.to_string()
    );
}
