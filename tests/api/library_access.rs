//! Per-library access: an administrator limits an account (or a guest pass) to some
//! libraries, and a video of another library is nowhere for it: catalog, search,
//! popular, continue watching, history, playlists and their M3U, the video's page,
//! thumbnail, playback decision, signed link, direct play, HLS, progress and rating.

use crate::helpers::{assert_problem, Backend};
use crate::media::{add_clip, for_each_backend, spawn_media_app, MediaApp};
use homestream::accounts::Role;
use homestream::config::Library;
use reqwest::Method;
use serde_json::{json, Value};

/// An app with two libraries: `Videos` (movie.mp4) and `Kids` (cartoon.mp4).
async fn two_libraries(backend: Backend) -> Option<(MediaApp, tempfile::TempDir)> {
    let kids = tempfile::tempdir().unwrap();
    add_clip(kids.path(), "h264_aac.mp4", "cartoon.mp4");
    let kids_path = kids.path().to_owned();
    let app = spawn_media_app(backend, &[("h264_aac.mp4", "movie.mp4")], move |s| {
        s.media.libraries.push(Library {
            name: "Kids".into(),
            path: kids_path,
            kind: Default::default(),
        });
    })
    .await?;
    app.scan().await;
    Some((app, kids))
}

async fn json(resp: reqwest::Response) -> Value {
    assert_eq!(resp.status(), 200, "{:?}", resp.url().path());
    resp.json().await.unwrap()
}

async fn limit(app: &MediaApp, admin: &str, user_id: &str, body: Value) -> reqwest::Response {
    app.send_json(
        Method::PATCH,
        &format!("/api/users/{user_id}"),
        admin,
        &body,
    )
    .await
}

fn names(list: &Value, pointer: &str) -> Vec<String> {
    let mut names: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.pointer(pointer).unwrap().as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

async fn an_account_sees_only_its_libraries_everywhere(backend: Backend) {
    let Some((app, _kids)) = two_libraries(backend).await else {
        return;
    };
    let admin = app.token_for("root", Role::Admin).await;
    let ann = app.token_for("ann", Role::User).await;
    let movie = app.video_id(&admin, "movie.mp4").await;
    let cartoon = app.video_id(&admin, "cartoon.mp4").await;
    // Before the limit: ann watches both, and the admin shares both in a playlist.
    for id in [&movie, &cartoon] {
        let report = json!({ "position_seconds": 0.3, "state": "stopped" });
        for token in [&ann, &admin] {
            let path = format!("/api/videos/{id}/progress");
            let resp = app.send_json(Method::PUT, &path, token, &report).await;
            assert_eq!(resp.status(), 200);
        }
    }
    let playlist: Value = app
        .send_json(
            Method::POST,
            "/api/playlists",
            &admin,
            &json!({ "name": "family", "is_public": true }),
        )
        .await
        .json()
        .await
        .unwrap();
    let playlist = playlist["id"].as_str().unwrap().to_owned();
    for id in [&movie, &cartoon] {
        let path = format!("/api/playlists/{playlist}/videos");
        let resp = app
            .send_json(Method::POST, &path, &admin, &json!({ "video_id": id }))
            .await;
        assert_eq!(resp.status(), 200);
    }

    // Unknown names and contradictions are refused; the limit ends ann's sessions.
    let ann_id = app.my_id(&ann).await;
    let unknown = limit(&app, &admin, &ann_id, json!({ "libraries": ["Nope"] })).await;
    assert_problem(unknown, 404, "not_found").await;
    let both = json!({ "libraries": ["Kids"], "all_libraries": true });
    assert_problem(
        limit(&app, &admin, &ann_id, both).await,
        422,
        "invalid_value",
    )
    .await;
    let account = json(limit(&app, &admin, &ann_id, json!({ "libraries": ["Kids"] })).await).await;
    assert_eq!(account["libraries"], json!(["Kids"]));
    assert_eq!(app.get("/api/users/me", &ann).await.status(), 401);
    let ann = app.login_token("ann").await;

    let libraries = json(app.get("/api/libraries", &ann).await).await;
    assert_eq!(libraries, json!([{ "name": "Kids", "videos": 1 }]));
    let page = json(app.get("/api/videos", &ann).await).await;
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(names(&page["items"], "/filename"), ["cartoon.mp4"]);
    let search = json(app.get("/api/videos?q=movie", &ann).await).await;
    assert_eq!(search["total"], 0, "{search}");
    let popular = json(app.get("/api/videos/popular", &ann).await).await;
    assert_eq!(names(&popular, "/video/filename"), ["cartoon.mp4"]);
    let history = json(app.get("/api/users/me/history", &ann).await).await;
    assert_eq!(history["total"], 1, "{history}");
    assert_eq!(names(&history["items"], "/video/filename"), ["cartoon.mp4"]);
    let detail = json(app.get(&format!("/api/playlists/{playlist}"), &ann).await).await;
    assert_eq!(
        names(&detail["entries"], "/video/filename"),
        ["cartoon.mp4"]
    );
    // Counted as listed: the hidden video is neither listed nor counted.
    assert_eq!(detail["video_count"], 1, "{detail}");
    let public = json(app.get("/api/playlists?public=true", &ann).await).await;
    let shared = public
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == playlist.as_str())
        .expect("the public playlist is listed");
    assert_eq!(shared["video_count"], 1, "{shared}");
    let admin_view = json(app.get(&format!("/api/playlists/{playlist}"), &admin).await).await;
    assert_eq!(admin_view["video_count"], 2, "the admin sees both");
    let m3u = app
        .get(&format!("/api/playlists/{playlist}/m3u"), &ann)
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(m3u.matches("/api/stream/").count(), 1, "{m3u}");
    assert!(m3u.contains(&cartoon) && !m3u.contains(&movie), "{m3u}");

    // The movie is not there for ann, by any route.
    let gets = [
        format!("/api/videos/{movie}"),
        format!("/api/videos/{movie}/thumbnail"),
        format!("/api/stream/{movie}"),
        "/api/stream/video/movie.mp4".to_owned(),
        format!("/api/hls/{movie}/master.m3u8"),
    ];
    for path in &gets {
        assert_eq!(app.get(path, &ann).await.status(), 404, "{path}");
    }
    let posts = [
        (
            Method::POST,
            format!("/api/videos/{movie}/playback"),
            json!({}),
        ),
        (
            Method::POST,
            format!("/api/videos/{movie}/stream-url"),
            json!({}),
        ),
        (
            Method::PUT,
            format!("/api/videos/{movie}/progress"),
            json!({ "position_seconds": 0.1 }),
        ),
        (
            Method::PUT,
            format!("/api/videos/{movie}/rating"),
            json!({ "rating": 4 }),
        ),
    ];
    for (method, path, body) in &posts {
        let resp = app.send_json(method.clone(), path, &ann, body).await;
        assert_eq!(resp.status(), 404, "{method} {path}");
    }
    // The cartoon plays.
    assert_eq!(
        app.get(&format!("/api/stream/{cartoon}"), &ann)
            .await
            .status(),
        200
    );

    // Every library again.
    json(limit(&app, &admin, &ann_id, json!({ "all_libraries": true })).await).await;
    let ann = app.login_token("ann").await;
    assert_eq!(json(app.get("/api/videos", &ann).await).await["total"], 2);
    let libraries = json(app.get("/api/libraries", &ann).await).await;
    assert_eq!(names(&libraries, "/name"), ["Kids", "Videos"]);
    assert_eq!(
        app.get(&format!("/api/videos/{movie}"), &ann)
            .await
            .status(),
        200
    );
}

async fn a_guest_pass_names_the_libraries_its_guests_see(backend: Backend) {
    let Some((app, _kids)) = two_libraries(backend).await else {
        return;
    };
    let admin = app.token_for("root", Role::Admin).await;
    let issued: Value = app
        .send_json(
            Method::POST,
            "/api/admin/guest-passes",
            &admin,
            &json!({ "valid_hours": 2, "max_uses": 1, "libraries": ["Kids"] }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(issued["pass"]["libraries"], json!(["Kids"]), "{issued}");
    let login: Value = app
        .client
        .post(app.url("/api/auth/guest"))
        .json(&json!({ "code": issued["code"] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let guest = login["access_token"].as_str().unwrap();
    let page = json(app.get("/api/videos", guest).await).await;
    assert_eq!(names(&page["items"], "/filename"), ["cartoon.mp4"]);
}

for_each_backend!(
    an_account_sees_only_its_libraries_everywhere,
    a_guest_pass_names_the_libraries_its_guests_see
);
