//! Roles as callers meet them: every operation of the document called as anonymous,
//! guest, user and administrator and compared with this file's own table; a guest's
//! temporary single session, quality-only preferences and forgotten watch data.

use crate::helpers::{spawn_app, spawn_with, test_settings, Backend};
use crate::media::for_each_backend;
use homestream::accounts::Role;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Who may call each operation, written out independently of the server's table:
/// 0 anyone, 1 any signed-in role, 2 user and admin, 3 admin only.
const EXPECTED: &[(&str, u8)] = &[
    ("health", 0),
    ("ready", 0),
    ("metrics", 0),
    ("login", 0),
    ("redeemGuestPass", 0),
    ("logout", 1),
    ("getMe", 1),
    ("listMySessions", 1),
    ("endMySession", 1),
    ("getPreferences", 1),
    ("setPreferences", 1),
    ("listVideos", 1),
    ("getVideo", 1),
    ("popularVideos", 1),
    ("getThumbnail", 1),
    ("getTrickplayIndex", 1),
    ("getTrickplaySheet", 1),
    ("listSeries", 1),
    ("getSeries", 1),
    ("listEpisodes", 1),
    ("getSeriesImage", 1),
    ("getVideoImage", 1),
    ("getNextVideo", 1),
    ("nextUp", 1),
    ("getFacets", 1),
    ("markWatched", 1),
    ("markUnwatched", 1),
    ("markSeriesWatched", 1),
    ("markSeriesUnwatched", 1),
    ("decidePlayback", 1),
    ("createStreamUrl", 1),
    ("streamVideo", 1),
    ("headVideo", 1),
    ("streamVideoByPath", 1),
    ("headVideoByPath", 1),
    ("hlsMaster", 1),
    ("hlsVariant", 1),
    ("hlsSegment", 1),
    ("hlsSubtitles", 1),
    ("subtitleWebVtt", 1),
    ("progressiveStream", 1),
    ("reportProgress", 1),
    ("beaconProgress", 1),
    ("continueWatching", 1),
    ("getHistory", 1),
    ("deleteHistoryEntry", 1),
    ("listPlaylists", 1),
    ("getPlaylist", 1),
    ("getPlaylistM3u", 1),
    ("getUser", 1),
    ("changeMyPassword", 2),
    ("rateVideo", 2),
    ("createPlaylist", 2),
    ("updatePlaylist", 2),
    ("deletePlaylist", 2),
    ("addPlaylistVideo", 2),
    ("movePlaylistVideo", 2),
    ("removePlaylistVideo", 2),
    ("listUsers", 3),
    ("createUser", 3),
    ("updateUser", 3),
    ("deleteUser", 3),
    ("resetUserPassword", 3),
    ("listAllSessions", 3),
    ("listStreams", 3),
    ("endStream", 3),
    ("listDlnaDevices", 3),
    ("updateDlnaDevice", 3),
    ("getScanProgress", 3),
    ("listLibraries", 1),
    ("startScan", 3),
    ("createGuestPass", 3),
    ("listGuestPasses", 3),
    ("revokeGuestPass", 3),
    ("getAnalytics", 3),
    ("getMyStats", 1),
];

/// A path with every parameter filled in with something well-formed.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|seg| match seg {
            "{filename}" => "film.mp4".to_owned(),
            "{variant}" => "720p".to_owned(),
            "{segment}" => "0.ts".to_owned(),
            "{track}" => "s0".to_owned(),
            "{sheet}" => "0.jpg".to_owned(),
            s if s.starts_with('{') => uuid::Uuid::new_v4().to_string(),
            s => s.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// What a caller met: refused as unknown (401), refused by role (403), or let through
/// (any other status: the handler ran, or the request's own content was refused).
fn outcome(status: u16) -> &'static str {
    match status {
        401 => "401",
        403 => "403",
        _ => "through",
    }
}

/// Every operation in the document, as each kind of caller, against the table above;
/// the session-ending `logout` goes last. Mismatches are all listed at once.
#[tokio::test]
async fn every_operation_admits_exactly_the_roles_in_the_table() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let expected: BTreeMap<&str, u8> = EXPECTED.iter().copied().collect();
    let spec: Value = serde_json::from_str(&homestream::api::spec_json()).unwrap();
    let mut operations = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap().to_owned();
            let has_body = op.get("requestBody").is_some();
            operations.push((id, method.to_uppercase(), path.clone(), has_body));
        }
    }
    operations.sort_by_key(|(id, ..)| id == "logout");
    let documented: Vec<&str> = operations.iter().map(|(id, ..)| id.as_str()).collect();
    for id in expected.keys() {
        assert!(
            documented.contains(id),
            "{id} is in the table, not the document"
        );
    }

    let callers = [
        ("anonymous", None),
        ("guest", Some(app.token_for("a_guest", Role::Guest).await)),
        ("user", Some(app.token_for("a_user", Role::User).await)),
        ("admin", Some(app.token_for("an_admin", Role::Admin).await)),
    ];
    let mut wrong = Vec::new();
    for (id, method, path, has_body) in &operations {
        let Some(&least) = expected.get(id.as_str()) else {
            wrong.push(format!("{id}: not in this test's table"));
            continue;
        };
        let description = spec["paths"][path][method.to_lowercase()]["description"]
            .as_str()
            .unwrap_or_default();
        assert!(
            description.starts_with("**Who may call:**"),
            "{id}: the description does not say who may call it"
        );
        for (rank, (who, token)) in callers.iter().enumerate() {
            // One's own account (another's is the ownership check's: tests/api/users.rs).
            let url = match (id.as_str(), token) {
                ("getUser", Some(token)) => format!("/api/users/{}", app.my_id(token).await),
                _ => concrete(path),
            };
            let mut req = app
                .client
                .request(method.parse::<Method>().unwrap(), app.url(&url));
            if let Some(token) = token {
                req = req.bearer_auth(token);
            }
            if *has_body {
                req = req.json(&json!({}));
            }
            let status = req.send().await.unwrap().status().as_u16();
            let want = match (rank as u8, least) {
                (_, 0) => "through",
                (0, _) => "401",
                (r, l) if r >= l => "through",
                _ => "403",
            };
            if outcome(status) != want {
                wrong.push(format!(
                    "{id} ({method} {path}) as {who}: {status}, expected {want}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A guest has one session at a time, which ends at `auth.guest_session_lifetime`;
/// a user's sessions live `auth.reauth_after` and several are open.
async fn a_guest_session_is_temporary_and_single(backend: Backend) {
    let Some((mut settings, dir, pg)) = test_settings(backend).await else {
        return;
    };
    settings.auth.guest_session_lifetime = homestream::config::HumanDuration::secs(2 * 3600);
    let app = spawn_with(settings, dir, pg).await;
    let first = app.token_for("visitor", Role::Guest).await;
    let login: Value = app
        .login("visitor", crate::helpers::PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(login["expires_in"], 2 * 3600, "{login}");
    let second = login["access_token"].as_str().unwrap();
    assert_eq!(app.get("/api/users/me", &first).await.status(), 401);
    assert_eq!(app.get("/api/users/me", second).await.status(), 200);

    let member = app.token_for("member", Role::User).await;
    let again: Value = app
        .login("member", crate::helpers::PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["expires_in"], 24 * 3600, "{again}");
    assert_eq!(app.get("/api/users/me", &member).await.status(), 200);
}

/// A guest may change the playback quality and nothing else of their preferences.
async fn a_guest_changes_only_the_quality(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let guest = app.token_for("visitor", Role::Guest).await;
    let path = "/api/users/me/preferences";
    let resp = app
        .send_json(Method::PUT, path, &guest, &json!({ "quality": "720p" }))
        .await;
    assert_eq!(resp.status(), 200);
    let both = json!({ "quality": "720p", "audio_language": "fra" });
    let resp = app.send_json(Method::PUT, path, &guest, &both).await;
    assert_eq!(resp.status(), 403);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let prefs: Value = app
        .get("/api/users/me/preferences", &guest)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(prefs["quality"], "720p");
    assert_eq!(prefs["audio_language"], Value::Null);
}

/// A guest keeps their place while their session lives; once it has ended, the sweep
/// deletes their watch data, and a user's stays.
async fn a_guests_watch_data_goes_with_the_session(backend: Backend) {
    let Some(app) =
        crate::media::spawn_media_app(backend, &[("h264_aac.mp4", "a.mp4")], |_| {}).await
    else {
        return;
    };
    app.scan().await;
    let guest = app.token_for("visitor", Role::Guest).await;
    let member = app.token_for("member", Role::User).await;
    let id = app.video_id(&guest, "a.mp4").await;
    for token in [&guest, &member] {
        let resp = app
            .send_json(
                Method::PUT,
                &format!("/api/videos/{id}/progress"),
                token,
                &json!({ "position_seconds": 0.4, "state": "paused" }),
            )
            .await;
        assert_eq!(resp.status(), 200);
    }
    let resume = |token: String| {
        let app = &app;
        let id = id.clone();
        async move {
            let video: Value = app
                .get(&format!("/api/videos/{id}"), &token)
                .await
                .json()
                .await
                .unwrap();
            video["user_data"]["resume_seconds"].clone()
        }
    };
    app.state.accounts.sessions().sweep().await.unwrap();
    assert_eq!(
        resume(guest.clone()).await,
        0.4,
        "kept while the session lives"
    );

    let resp = app
        .client
        .post(app.url("/api/auth/logout"))
        .bearer_auth(&guest)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    app.state.accounts.sessions().sweep().await.unwrap();
    let again = app.login_token("visitor").await;
    assert_eq!(
        resume(again).await,
        Value::Null,
        "the guest's place is gone"
    );
    assert_eq!(resume(member).await, 0.4, "a user's place stays");
}

for_each_backend!(
    a_guest_session_is_temporary_and_single,
    a_guest_changes_only_the_quality,
    a_guests_watch_data_goes_with_the_session
);
