//! Viewing analytics from plays made through the real server: a direct play and an HLS
//! transcode appear with their modes and bytes in the administrators' report and in
//! the player's own totals, on both backends; the retention sweep deletes them.

use crate::helpers::{assert_problem, Backend};
use crate::media::{for_each_backend, spawn_media_app};
use homestream::accounts::Role;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

async fn plays_appear_in_the_analytics_with_their_modes(backend: Backend) {
    let Some(app) = spawn_media_app(
        backend,
        &[
            ("h264_aac.mp4", "direct.mp4"),
            ("hevc_ac3_long.mkv", "film.mkv"),
        ],
        |_| {},
    )
    .await
    else {
        return;
    };
    app.scan().await;
    let admin = app.token_for("root", Role::Admin).await;
    let ann = app.token_for("ann", Role::User).await;
    let bob = app.token_for("bob", Role::User).await;
    let direct = app.video(&ann, "direct.mp4").await;
    let film = app.video(&ann, "film.mkv").await;
    let (direct_id, film_id) = (direct["id"].as_str().unwrap(), film["id"].as_str().unwrap());

    // A direct play of the whole file, then the player stops.
    let body = app.get(&format!("/api/stream/{direct_id}"), &ann).await;
    assert_eq!(body.status(), 200);
    let direct_bytes = body.bytes().await.unwrap().len() as u64;
    assert_eq!(direct_bytes, direct["size"].as_u64().unwrap());
    let stop = json!({ "position_seconds": 1.0, "state": "stopped" });
    let path = format!("/api/videos/{direct_id}/progress");
    assert_eq!(
        app.send_json(Method::PUT, &path, &ann, &stop)
            .await
            .status(),
        200
    );
    // One HLS segment of the transcode, then the player stops.
    let segment = app
        .get(&format!("/api/hls/{film_id}/480p/0.ts"), &ann)
        .await;
    assert_eq!(segment.status(), 200);
    let segment_bytes = segment.bytes().await.unwrap().len() as u64;
    let path = format!("/api/videos/{film_id}/progress");
    assert_eq!(
        app.send_json(Method::PUT, &path, &ann, &stop)
            .await
            .status(),
        200
    );

    // The writer batches off the stream path: wait for both stops.
    let mut report = Value::Null;
    for _ in 0..50 {
        report = app
            .get("/api/admin/analytics?bucket=hour", &admin)
            .await
            .json()
            .await
            .unwrap();
        if report["total"]["bytes_streamed"].as_u64() >= Some(direct_bytes + segment_bytes) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let total = &report["total"];
    assert_eq!(total["plays"], 2, "{report}");
    assert_eq!(total["active_users"], 1, "{report}");
    assert_eq!(total["direct_share"], 0.5, "{report}");
    assert_eq!(total["transcode_share"], 0.5, "{report}");
    assert_eq!(total["remux_share"], 0.0, "{report}");
    assert_eq!(
        total["bytes_streamed"].as_u64().unwrap(),
        direct_bytes + segment_bytes,
        "{report}"
    );
    assert!(total["peak_concurrent_streams"].as_u64().unwrap() >= 1);
    let buckets = report["buckets"].as_array().unwrap();
    assert_eq!(
        buckets.len(),
        30 * 24 + 1,
        "hourly over 30 days, the current hour too"
    );
    let plays: u64 = buckets
        .iter()
        .map(|b| b["figures"]["plays"].as_u64().unwrap())
        .sum();
    assert_eq!(plays, 2);
    assert_eq!(report["users"][0]["username"], "ann", "{report}");
    assert_eq!(report["users"][0]["plays"], 2, "{report}");
    let titles: Vec<&str> = report["top_videos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.len(), 2, "{report}");

    // Each user's own.
    let mine: Value = app
        .get("/api/users/me/stats", &ann)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["total"]["plays"], 2, "{mine}");
    let his: Value = app
        .get("/api/users/me/stats", &bob)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(his["total"]["plays"], 0, "{his}");
    assert_eq!(his["top_videos"], json!([]));
    // Only administrators read everyone's.
    assert_problem(
        app.get("/api/admin/analytics", &ann).await,
        403,
        "forbidden",
    )
    .await;
    // A reversed period is empty; a long one starts 2,000 buckets before its end.
    let reversed = "/api/admin/analytics?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z";
    let empty: Value = app.get(reversed, &admin).await.json().await.unwrap();
    assert_eq!(empty["buckets"], json!([]), "{empty}");
    assert_eq!(empty["total"]["plays"], 0, "{empty}");
    let long = "/api/admin/analytics?bucket=hour&from=2000-01-01T00:00:00Z";
    let long: Value = app.get(long, &admin).await.json().await.unwrap();
    assert!(long["from"].as_str().unwrap() > "2026", "{}", long["from"]);
    assert!(long["buckets"].as_array().unwrap().len() <= 2001);

    // Past retention, they go.
    let deleted = app.state.analytics.sweep(Duration::ZERO).await.unwrap();
    assert_eq!(deleted, 4, "two starts and two stops");
    let after: Value = app
        .get("/api/admin/analytics", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["total"]["plays"], 0, "{after}");
}

for_each_backend!(plays_appear_in_the_analytics_with_their_modes);

/// Recording never waits: with nobody draining the queue, events past its size are
/// dropped and counted, and recording stays instant.
#[test]
fn a_full_queue_drops_and_counts_instead_of_blocking() {
    use homestream::analytics::{PlayMode, Playback, Recorder, QUEUE};
    let (recorder, _rx) = Recorder::new();
    let playback = Playback {
        id: uuid::Uuid::new_v4(),
        user_id: uuid::Uuid::new_v4(),
        session_id: uuid::Uuid::new_v4(),
        video_id: uuid::Uuid::new_v4(),
        mode: PlayMode::Direct,
        variant: None,
        device_type: None,
    };
    // A blocking send would hang here for good.
    for _ in 0..QUEUE + 10 {
        recorder.started(&playback);
    }
    assert_eq!(recorder.dropped(), 10);
}

/// While the events table is locked (a database too slow to take them), plays go on
/// at once and their events wait; once it is free, they are written.
#[tokio::test]
async fn a_slow_database_does_not_slow_streaming() {
    let Some(app) = spawn_media_app(Backend::Postgres, &[("h264_aac.mp4", "a.mp4")], |_| {}).await
    else {
        return;
    };
    app.scan().await;
    let admin = app.token_for("root", Role::Admin).await;
    let ann = app.token_for("ann", Role::User).await;
    let id = app.video_id(&ann, "a.mp4").await;
    let homestream::db::Database::Postgres(pool) = &app.state.db else {
        panic!("a PostgreSQL app");
    };
    let mut lock = pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE playback_events IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();

    for round in 0..3 {
        let path = format!("/api/stream/{id}");
        let play = app.get(&path, &ann);
        let resp = tokio::time::timeout(Duration::from_secs(10), play)
            .await
            .unwrap_or_else(|_| panic!("play {round} waited for the locked table"));
        assert_eq!(resp.status(), 200);
        resp.bytes().await.unwrap();
        let stop = json!({ "position_seconds": 1.0, "state": "stopped" });
        let path = format!("/api/videos/{id}/progress");
        assert_eq!(
            app.send_json(Method::PUT, &path, &ann, &stop)
                .await
                .status(),
            200
        );
    }
    lock.rollback().await.unwrap();

    let mut plays = Value::Null;
    for _ in 0..50 {
        let report: Value = app
            .get("/api/admin/analytics", &admin)
            .await
            .json()
            .await
            .unwrap();
        plays = report["total"]["plays"].clone();
        if plays == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(plays, 3, "the events written once the table was free");
}

/// While PostgreSQL refuses connections, the `stopped` events of playbacks that end
/// wait in the queue and are written once it is back, none counted as lost.
#[tokio::test]
async fn stopped_events_survive_a_database_outage() {
    let Some(app) = spawn_media_app(Backend::Postgres, &[("h264_aac.mp4", "a.mp4")], |s| {
        s.database.acquire_timeout = homestream::config::HumanDuration::secs(1);
    })
    .await
    else {
        return;
    };
    app.scan().await;
    let ann = app.token_for("ann", Role::User).await;
    let id = app.video_id(&ann, "a.mp4").await;
    for _ in 0..4 {
        let token = app.login_token("ann").await;
        let resp = app.get(&format!("/api/stream/{id}"), &token).await;
        assert_eq!(resp.status(), 200);
    }
    let homestream::db::Database::Postgres(pool) = &app.state.db else {
        panic!("a PostgreSQL app");
    };
    let count = |kind: &'static str| async move {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM playback_events WHERE kind = $1")
            .bind(kind)
            .fetch_one(pool)
            .await
            .unwrap()
    };
    for _ in 0..50 {
        if count("started").await == 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(count("started").await, 4);

    let url = app.settings.database.url.expose().to_owned();
    crate::helpers::postgres_accepting(&url, false).await;
    // The four playbacks end during the outage (as the server's own stop ends them).
    app.state.streamer.registry().end_all("the test ends them");
    tokio::time::sleep(Duration::from_secs(4)).await;
    crate::helpers::postgres_accepting(&url, true).await;
    let mut stopped = 0;
    for _ in 0..150 {
        stopped = count("stopped").await;
        if stopped == 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lost = metrics
        .lines()
        .find(|l| l.starts_with("homestream_analytics_events_lost_total{outcome=\"failed\"}"))
        .unwrap_or_default()
        .to_owned();
    println!("after a 4 s outage: {stopped} of 4 stopped events written; {lost}");
    assert_eq!(stopped, 4, "stopped events were lost in the outage");
    assert!(lost.ends_with(" 0"), "{lost}");
}

/// A server stopped with SIGTERM while three players read writes their `stopped`
/// events before it exits (three of three, where none was before).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigterm_writes_the_stopped_events_of_open_streams() {
    if !crate::media::ffmpeg_available() {
        return;
    }
    let (settings, dir, _pg) = crate::helpers::test_settings(Backend::Sqlite)
        .await
        .unwrap();
    let library = dir.path().join("library");
    crate::media::add_clip(&library, "big_raw.mkv", "big.mkv");
    for (name, role) in [("boss", "admin"), ("ann", "user")] {
        let made = crate::cli::homestream(
            &settings,
            &["user", "create", name, "--role", role, "--password-stdin"],
            &format!("{}\n", crate::helpers::PASSWORD),
        );
        assert!(made.status.success());
    }
    let mut server = crate::cli::server_process_with(&settings, &library, &[], None).await;
    let boss = server.login("boss").await;
    let id = server.scan_for_first_video(&boss).await;
    let mut players = Vec::new();
    for _ in 0..3 {
        let token = server.login("ann").await;
        let mut resp = reqwest::Client::new()
            .get(server.url(&format!("/api/stream/{id}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        resp.chunk().await.unwrap();
        players.push(resp);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.ask_to_stop();
    let status = server.exit_within(Duration::from_secs(30));
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
    drop(players);
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        settings.default_sqlite_path().display()
    ))
    .await
    .unwrap();
    let counts: Vec<(String, i64)> =
        sqlx::query_as("SELECT kind, COUNT(*) FROM playback_events GROUP BY kind ORDER BY kind")
            .fetch_all(&db)
            .await
            .unwrap();
    println!("events after SIGTERM with three players: {counts:?}");
    assert_eq!(
        counts,
        [("started".to_owned(), 3), ("stopped".to_owned(), 3)]
    );
}
