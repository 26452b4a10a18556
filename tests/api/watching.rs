//! Watch progress, resume, history, continue watching, ratings and popular videos; and
//! a progress report surviving `kill -9`.

use crate::cli::server_process;
use crate::helpers::{assert_problem, on_each_store, Backend, Store};
use crate::media::{for_each_backend, spawn_media_store, MediaApp};
use homestream::accounts::Role;
use reqwest::Method;
use serde_json::{json, Value};

on_each_store!(
    progress_gives_a_resume_position_history_and_continue_watching,
    ratings_and_bad_reports_are_checked,
    a_closing_page_reports_by_beacon_with_the_video_s_link,
);

for_each_backend!(a_progress_report_survives_kill_9);

/// An app with two scanned one-second clips, a token, and the clips' ids.
async fn ready(store: Store) -> Option<(MediaApp, String, String, String)> {
    let files = [("h264_aac.mp4", "a.mp4"), ("vp9_opus.webm", "b.webm")];
    let app = spawn_media_store(store, &files, |_| {}).await?;
    app.scan().await;
    let token = app.token_for("ann", Role::User).await;
    let a = app.video_id(&token, "a.mp4").await;
    let b = app.video_id(&token, "b.webm").await;
    Some((app, token, a, b))
}

async fn report(app: &MediaApp, token: &str, id: &str, position: f64) -> reqwest::Response {
    app.send_json(
        Method::PUT,
        &format!("/api/videos/{id}/progress"),
        token,
        &json!({ "position_seconds": position }),
    )
    .await
}

async fn json_of(resp: reqwest::Response) -> Value {
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

async fn progress_gives_a_resume_position_history_and_continue_watching(store: Store) {
    let Some((app, token, a, b)) = ready(store).await else {
        return;
    };
    let fresh = json_of(app.get(&format!("/api/videos/{a}"), &token).await).await;
    assert!(fresh.get("user_data").is_none(), "{fresh}");

    let data = json_of(report(&app, &token, &a, 0.4).await).await;
    assert_eq!(data["resume_seconds"], 0.4);
    assert_eq!(data["watched"], false);
    let pct = data["progress_percent"].as_f64().unwrap();
    assert!((30.0..=50.0).contains(&pct), "{data}");
    let detail = json_of(app.get(&format!("/api/videos/{a}"), &token).await).await;
    assert_eq!(detail["user_data"]["resume_seconds"], 0.4);
    json_of(report(&app, &token, &b, 0.3).await).await;

    let cont = json_of(app.get("/api/users/me/continue-watching", &token).await).await;
    let ids: Vec<&str> = cont
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["video"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [b.as_str(), a.as_str()], "most recent first");

    // At 90% the video is watched: no resume position, out of continue watching.
    let done = json_of(report(&app, &token, &a, 0.95).await).await;
    assert_eq!(done["watched"], true);
    assert_eq!(done["play_count"], 1);
    assert!(
        done.get("resume_seconds").is_none_or(Value::is_null),
        "{done}"
    );
    let cont = json_of(app.get("/api/users/me/continue-watching", &token).await).await;
    assert_eq!(cont.as_array().unwrap().len(), 1);
    assert_eq!(cont[0]["video"]["id"], b.as_str());

    let history = json_of(app.get("/api/users/me/history?limit=1", &token).await).await;
    assert_eq!(history["total"], 2);
    assert_eq!(history["items"].as_array().unwrap().len(), 1);
    assert_eq!(history["items"][0]["video"]["id"], a.as_str());

    // Another user's progress is their own.
    let bob = app.token_for("bob", Role::User).await;
    let theirs = json_of(app.get(&format!("/api/videos/{a}"), &bob).await).await;
    assert!(theirs.get("user_data").is_none());

    // Removing from history removes the resume position too.
    let del = app
        .send_json(
            Method::DELETE,
            &format!("/api/users/me/history/{b}"),
            &token,
            &json!({}),
        )
        .await;
    assert_eq!(del.status(), 204);
    let again = app
        .send_json(
            Method::DELETE,
            &format!("/api/users/me/history/{b}"),
            &token,
            &json!({}),
        )
        .await;
    assert_problem(again, 404, "not_found").await;
    let cont = json_of(app.get("/api/users/me/continue-watching", &token).await).await;
    assert!(cont.as_array().unwrap().is_empty(), "{cont}");

    // Popular counts viewers.
    json_of(report(&app, &bob, &a, 0.2).await).await;
    let popular = json_of(app.get("/api/videos/popular", &token).await).await;
    assert_eq!(popular[0]["video"]["id"], a.as_str());
    assert_eq!(popular[0]["viewers"], 2);
}

async fn ratings_and_bad_reports_are_checked(store: Store) {
    let Some((app, token, a, _)) = ready(store).await else {
        return;
    };
    for bad in [
        json!({"rating": 0}),
        json!({"rating": 6}),
        json!({"rating": "five"}),
    ] {
        let resp = app
            .send_json(
                Method::PUT,
                &format!("/api/videos/{a}/rating"),
                &token,
                &bad,
            )
            .await;
        assert_problem(resp, 400, "bad_request").await;
    }
    let rated = app
        .send_json(
            Method::PUT,
            &format!("/api/videos/{a}/rating"),
            &token,
            &json!({"rating": 4}),
        )
        .await;
    assert_eq!(json_of(rated).await["rating"], 4);
    let detail = json_of(app.get(&format!("/api/videos/{a}"), &token).await).await;
    assert_eq!(detail["user_data"]["rating"], 4);
    assert!(detail["user_data"]
        .get("resume_seconds")
        .is_none_or(Value::is_null));

    assert_problem(report(&app, &token, &a, -1.0).await, 400, "bad_request").await;
    // A position past the end (a player that ran on) counts as the end: watched.
    let ran_on = json_of(report(&app, &token, &a, 3600.0).await).await;
    let duration = detail["duration"].as_f64().unwrap();
    assert_eq!(
        ran_on["position_seconds"].as_f64(),
        Some(duration),
        "{ran_on}"
    );
    assert_eq!(ran_on["watched"], true, "{ran_on}");
    let unknown = uuid::Uuid::new_v4();
    assert_problem(
        report(&app, &token, &unknown.to_string(), 1.0).await,
        404,
        "not_found",
    )
    .await;
    let text = app
        .client
        .put(app.url(&format!("/api/videos/{a}/progress")))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"position_seconds\": ")
        .send()
        .await
        .unwrap();
    assert_problem(text, 400, "bad_request").await;
}

async fn a_progress_report_survives_kill_9(backend: Backend) {
    let store = Store {
        backend,
        redis: false,
    };
    let Some((app, token, a, _)) = ready(store).await else {
        return;
    };
    // The same database, served by a separate process that can be killed.
    let mut server = server_process(&app.settings, &app.library).await;
    let resp = server
        .client
        .put(server.url(&format!("/api/videos/{a}/progress")))
        .bearer_auth(&token)
        .json(&json!({ "position_seconds": 0.7 }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    server.kill9();

    let restarted = server_process(&app.settings, &app.library).await;
    let detail: Value = restarted
        .client
        .get(restarted.url(&format!("/api/videos/{a}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detail["user_data"]["resume_seconds"], 0.7, "{detail}");
}

/// What `navigator.sendBeacon` sends as a page closes: a POST with the report as plain
/// text and the video's signed link in the URL. It is stored like a PUT; a link for
/// another video (404, as for a video that does not exist), a bad body or no
/// credentials are refused.
async fn a_closing_page_reports_by_beacon_with_the_video_s_link(store: Store) {
    let Some((app, token, a, b)) = ready(store).await else {
        return;
    };
    let link: Value = json_of(
        app.client
            .post(app.url(&format!("/api/videos/{a}/stream-url")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let signed = link["token"].as_str().unwrap().to_owned();
    let beacon = |id: &str, query: String, body: &str| {
        app.client
            .post(app.url(&format!("/api/videos/{id}/progress{query}")))
            .header("content-type", "text/plain;charset=UTF-8")
            .body(body.to_owned())
            .send()
    };
    let body = r#"{"position_seconds": 0.6, "state": "stopped"}"#;
    let sent = beacon(&a, format!("?token={signed}"), body).await.unwrap();
    assert_eq!(sent.status(), 204);
    let video = json_of(app.get(&format!("/api/videos/{a}"), &token).await).await;
    assert_eq!(video["user_data"]["position_seconds"], 0.6, "{video}");

    let other = beacon(&b, format!("?token={signed}"), body).await.unwrap();
    assert_problem(other, 404, "not_found").await;
    let anonymous = beacon(&a, String::new(), body).await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let garbled = beacon(&a, format!("?token={signed}"), "position=1")
        .await
        .unwrap();
    assert_problem(garbled, 400, "bad_request").await;
    let negative = beacon(
        &a,
        format!("?token={signed}"),
        r#"{"position_seconds": -1}"#,
    );
    assert_eq!(negative.await.unwrap().status().as_u16() / 100, 4);
}
