//! Playlists: visibility, ordering under concurrent edits, and the M3U of signed links.

use crate::helpers::{assert_problem, on_each_store, Store};
use crate::media::{spawn_media_store, MediaApp};
use homestream::accounts::Role;
use reqwest::Method;
use serde_json::{json, Value};

on_each_store!(
    a_private_playlist_is_invisible_to_other_users,
    concurrent_edits_keep_positions_unique_and_dense,
    the_m3u_lists_signed_links_that_play,
    a_player_walks_the_whole_m3u_on_one_slot,
);

const FILES: [(&str, &str); 5] = [
    ("h264_aac.mp4", "a.mp4"),
    ("hevc_ac3.mkv", "b.mkv"),
    ("vp9_opus.webm", "c.webm"),
    ("mpeg4_mp3.avi", "d.avi"),
    ("big_raw.mkv", "e.mkv"),
];

/// An app with five scanned clips, a token for `ann` and the clips' ids in FILES order.
async fn ready(store: Store) -> Option<(MediaApp, String, Vec<String>)> {
    let app = spawn_media_store(store, &FILES, |_| {}).await?;
    app.scan().await;
    let token = app.token_for("ann", Role::User).await;
    let mut ids = Vec::new();
    for (_, name) in FILES {
        ids.push(
            app.video(&token, name).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    Some((app, token, ids))
}

async fn create(app: &MediaApp, token: &str, body: Value) -> String {
    let resp = app
        .send_json(Method::POST, "/api/playlists", token, &body)
        .await;
    assert_eq!(resp.status(), 201);
    let v: Value = resp.json().await.unwrap();
    v["id"].as_str().unwrap().to_owned()
}

async fn add(app: &MediaApp, token: &str, playlist: &str, video: &str) -> reqwest::Response {
    app.send_json(
        Method::POST,
        &format!("/api/playlists/{playlist}/videos"),
        token,
        &json!({ "video_id": video }),
    )
    .await
}

async fn a_private_playlist_is_invisible_to_other_users(store: Store) {
    let Some((app, ann, ids)) = ready(store).await else {
        return;
    };
    let bob = app.token_for("bob", Role::User).await;
    let admin = app.token_for("root", Role::Admin).await;
    let private = create(&app, &ann, json!({"name": "Mine"})).await;
    let public = create(&app, &ann, json!({"name": "Shared", "is_public": true})).await;
    assert_eq!(add(&app, &ann, &private, &ids[0]).await.status(), 200);

    for path in [
        format!("/api/playlists/{private}"),
        format!("/api/playlists/{private}/m3u"),
    ] {
        assert_problem(app.get(&path, &bob).await, 404, "not_found").await;
        assert_eq!(app.get(&path, &admin).await.status(), 200, "{path}");
    }
    assert_problem(add(&app, &bob, &private, &ids[1]).await, 404, "not_found").await;
    let listed: Value = app
        .get("/api/playlists?public=true", &bob)
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Shared"]);

    // A public playlist can be read by others but changed only by its owner.
    assert_eq!(
        app.get(&format!("/api/playlists/{public}"), &bob)
            .await
            .status(),
        200
    );
    assert_problem(add(&app, &bob, &public, &ids[1]).await, 403, "forbidden").await;
    let rename = app
        .send_json(
            Method::PATCH,
            &format!("/api/playlists/{public}"),
            &bob,
            &json!({"name": "x"}),
        )
        .await;
    assert_problem(rename, 403, "forbidden").await;

    // The owner renames, describes and makes it private; then bob cannot see it.
    let changed = app
        .send_json(
            Method::PATCH,
            &format!("/api/playlists/{public}"),
            &ann,
            &json!({"name": "Road trip", "description": "For the car", "is_public": false}),
        )
        .await;
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["name"], "Road trip");
    assert_eq!(changed["description"], "For the car");
    assert_problem(
        app.get(&format!("/api/playlists/{public}"), &bob).await,
        404,
        "not_found",
    )
    .await;

    let bad = app
        .send_json(Method::POST, "/api/playlists", &ann, &json!({"name": ""}))
        .await;
    assert_problem(bad, 400, "bad_request").await;
    let blank = app
        .send_json(
            Method::POST,
            "/api/playlists",
            &ann,
            &json!({"name": "   "}),
        )
        .await;
    // The contract's pattern says a name is not only blanks: refused before any work.
    assert_problem(blank, 400, "bad_request").await;
    let unknown = add(&app, &ann, &private, &uuid::Uuid::new_v4().to_string()).await;
    assert_problem(unknown, 404, "not_found").await;
    assert_problem(
        add(&app, &ann, &private, &ids[0]).await,
        409,
        "already_in_playlist",
    )
    .await;

    let deleted = app
        .send_json(
            Method::DELETE,
            &format!("/api/playlists/{private}"),
            &ann,
            &json!({}),
        )
        .await;
    assert_eq!(deleted.status(), 204);
    assert_problem(
        app.get(&format!("/api/playlists/{private}"), &ann).await,
        404,
        "not_found",
    )
    .await;
}

async fn concurrent_edits_keep_positions_unique_and_dense(store: Store) {
    let Some((app, token, ids)) = ready(store).await else {
        return;
    };
    let playlist = create(&app, &token, json!({"name": "Busy"})).await;
    // Five adds at once: all land, in some order, at positions 0..5.
    let adds = ids.iter().map(|id| add(&app, &token, &playlist, id));
    for resp in futures_util::future::join_all(adds).await {
        assert_eq!(resp.status(), 200);
    }
    // Then forty moves at once, to every position.
    let moves = (0..40).map(|i| {
        let video = &ids[i % ids.len()];
        let path = format!("/api/playlists/{playlist}/videos/{video}");
        let body = json!({ "position": (i * 3) % ids.len() });
        let (app, token) = (&app, &token);
        async move { app.send_json(Method::PUT, &path, token, &body).await }
    });
    for resp in futures_util::future::join_all(moves).await {
        assert_eq!(resp.status(), 200);
    }
    let detail: Value = app
        .get(&format!("/api/playlists/{playlist}"), &token)
        .await
        .json()
        .await
        .unwrap();
    let entries = detail["entries"].as_array().unwrap();
    let positions: Vec<i64> = entries
        .iter()
        .map(|e| e["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, [0, 1, 2, 3, 4]);
    let mut seen: Vec<&str> = entries
        .iter()
        .map(|e| e["video"]["id"].as_str().unwrap())
        .collect();
    seen.sort_unstable();
    let mut want: Vec<&str> = ids.iter().map(String::as_str).collect();
    want.sort_unstable();
    assert_eq!(seen, want);
    assert_eq!(detail["video_count"], 5);

    // Removing closes the gap; moving past the end moves to the end.
    let removed = app
        .send_json(
            Method::DELETE,
            &format!("/api/playlists/{playlist}/videos/{}", ids[0]),
            &token,
            &json!({}),
        )
        .await;
    let removed: Value = removed.json().await.unwrap();
    let positions: Vec<i64> = removed["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, [0, 1, 2, 3]);
    let far = app
        .send_json(
            Method::PUT,
            &format!("/api/playlists/{playlist}/videos/{}", ids[1]),
            &token,
            &json!({ "position": 40 }),
        )
        .await;
    let far: Value = far.json().await.unwrap();
    let last = &far["entries"][3];
    assert_eq!(last["video"]["id"].as_str(), Some(ids[1].as_str()), "{far}");
    assert_eq!(last["position"], 3);
}

async fn the_m3u_lists_signed_links_that_play(store: Store) {
    let Some((app, token, ids)) = ready(store).await else {
        return;
    };
    let playlist = create(&app, &token, json!({"name": "Evening"})).await;
    for id in &ids[..2] {
        assert_eq!(add(&app, &token, &playlist, id).await.status(), 200);
    }
    let resp = app
        .get(&format!("/api/playlists/{playlist}/m3u"), &token)
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "audio/x-mpegurl");
    let text = resp.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "#EXTM3U");
    assert!(lines[2].starts_with("#EXTINF:1,"), "{text}");
    let urls: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("http"))
        .collect();
    assert_eq!(urls.len(), 2);
    for (url, id) in urls.iter().zip(&ids) {
        assert!(url.contains(&format!("/api/stream/{id}?token=")), "{url}");
        // A player with no Authorization header plays it.
        let played = app
            .client
            .get(*url)
            .header("range", "bytes=0-99")
            .send()
            .await
            .unwrap();
        assert_eq!(played.status(), 206, "{url}");
        assert_eq!(played.bytes().await.unwrap().len(), 100);
    }
}

/// A player walking an M3U holds one stream slot, whatever the per-user limit: each
/// entry it opens ends its session's previous stream. A `stopped` progress report frees
/// the slot at once, on this instance and in the shared slots.
async fn a_player_walks_the_whole_m3u_on_one_slot(store: Store) {
    let Some(app) = spawn_media_store(store, &FILES, |s| {
        s.streaming.max_concurrent_streams = homestream::config::PositiveInt(1);
        s.streaming.max_streams_per_user = homestream::config::PositiveInt(1);
    })
    .await
    else {
        return;
    };
    app.scan().await;
    let ann = app.token_for("ann", Role::User).await;
    let bob = app.token_for("bob", Role::User).await;
    let playlist = create(&app, &ann, json!({"name": "All"})).await;
    let mut ids = Vec::new();
    for (_, name) in FILES {
        let id = app.video(&ann, name).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(add(&app, &ann, &playlist, &id).await.status(), 200);
        ids.push(id);
    }
    let text = app
        .get(&format!("/api/playlists/{playlist}/m3u"), &ann)
        .await
        .text()
        .await
        .unwrap();
    let urls: Vec<&str> = text.lines().filter(|l| l.starts_with("http")).collect();
    assert_eq!(urls.len(), FILES.len());
    for url in &urls {
        // As a player does: the head of the file, then a range further in.
        for range in ["bytes=0-99", "bytes=100-199"] {
            let resp = app
                .client
                .get(*url)
                .header("range", range)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 206, "{url} {range}");
            resp.bytes().await.unwrap();
        }
    }
    let last = ids.last().unwrap();
    let busy = app.get(&format!("/api/stream/{}", ids[0]), &bob).await;
    assert_eq!(busy.status(), 429, "Ann's player holds the one slot");
    let stopped = app
        .send_json(
            Method::PUT,
            &format!("/api/videos/{last}/progress"),
            &ann,
            &json!({"position_seconds": 0.5, "state": "stopped"}),
        )
        .await;
    assert_eq!(stopped.status(), 200);
    let resp = app
        .client
        .get(app.url(&format!("/api/stream/{}", ids[0])))
        .bearer_auth(&bob)
        .header("range", "bytes=0-9")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        206,
        "the slot was freed by the stopped report"
    );
}

/// mpv, a real player, walks a 10-entry M3U of signed links to its end: each entry
/// opens a stream of the session that follows the one before, so the per-user limit
/// (3) never refuses an entry.
#[tokio::test]
async fn mpv_plays_a_ten_entry_m3u_without_a_429() {
    let mpv = std::process::Command::new("mpv").arg("--version").output();
    if !mpv.is_ok_and(|o| o.status.success()) {
        crate::helpers::skip("mpv", "mpv not found (apt-get install mpv)");
        return;
    }
    let clips = [
        "h264_aac.mp4",
        "vp9_opus.webm",
        "mpeg4_mp3.avi",
        "hevc_ac3.mkv",
    ];
    let names: Vec<String> = (0..10)
        .map(|i| {
            let clip = clips[i % clips.len()];
            let ext = clip.rsplit('.').next().unwrap();
            format!("entry{i:02}.{ext}")
        })
        .collect();
    let files: Vec<(&str, &str)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (clips[i % clips.len()], n.as_str()))
        .collect();
    let store = Store {
        backend: crate::helpers::Backend::Sqlite,
        redis: false,
    };
    let Some(app) = spawn_media_store(store, &files, |_| {}).await else {
        return;
    };
    app.scan().await;
    let ann = app.token_for("ann", Role::User).await;
    let playlist = create(&app, &ann, json!({"name": "Ten"})).await;
    for name in &names {
        let id = app.video(&ann, name).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            add(&app, &ann, &playlist, &id).await.status(),
            200,
            "{name}"
        );
    }
    let m3u = app
        .get(&format!("/api/playlists/{playlist}/m3u"), &ann)
        .await
        .text()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("ten.m3u8");
    std::fs::write(&list, &m3u).unwrap();
    let played = tokio::process::Command::new("mpv")
        .args([
            "--no-config",
            "--vo=null",
            "--ao=null",
            "--untimed",
            "--msg-level=all=warn",
        ])
        .arg(format!("--playlist={}", list.display()))
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(std::time::Duration::from_secs(120), played)
        .await
        .expect("mpv finished the playlist within 2 minutes")
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let metrics = reqwest::get(app.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let answered = |status: &str| {
        metrics
            .lines()
            .filter(|l| {
                l.starts_with("homestream_http_requests_total")
                    && l.contains("route=\"/api/stream/{video_id}\"")
            })
            .filter(|l| l.contains(&format!("status=\"{status}\"")))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>()
    };
    println!(
        "mpv: {said}\nstream answers: 206 {} 200 {} 429 {}",
        answered("206"),
        answered("200"),
        answered("429")
    );
    assert_eq!(answered("429"), 0.0, "{said}");
    assert!(
        answered("206") + answered("200") >= 10.0,
        "every entry was fetched: {metrics}"
    );
    assert!(!said.contains("429"), "{said}");
}
