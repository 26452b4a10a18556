//! Operations: Prometheus metrics (content, token, separate listener).

use crate::helpers::{
    assert_problem, on_both_backends, spawn_with, test_settings, Backend, TestApp,
};
use crate::media::spawn_media_app;
use homestream::accounts::Role;
use homestream::config::Secret;
use homestream::startup::Application;

on_both_backends!(metrics_count_requests_by_route_and_report_state);

async fn metrics_count_requests_by_route_and_report_state(app: TestApp) {
    let token = app.token_for("ann", Role::User).await;
    for _ in 0..3 {
        assert_eq!(app.get("/api/users/me", &token).await.status(), 200);
    }
    let missing = format!("/api/videos/{}", uuid::Uuid::new_v4());
    assert_eq!(app.get(&missing, &token).await.status(), 404);
    assert_eq!(app.get("/api/no/such/thing", &token).await.status(), 404);
    assert_eq!(app.get("/library", &token).await.status(), 200);

    let resp = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let text = resp.text().await.unwrap();
    let has = |needle: &str| assert!(text.contains(needle), "{needle} missing from:\n{text}");
    has(r#"homestream_http_requests_total{method="GET",route="/api/users/me",status="200"} 3"#);
    has(r#"homestream_http_requests_total{method="GET",route="/api/videos/{id}",status="404"} 1"#);
    has(r#"homestream_http_requests_total{method="GET",route="other",status="404"} 1"#);
    has(r#"homestream_http_requests_total{method="GET",route="web",status="200"} 1"#);
    has(
        r#"homestream_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/api/users/me"} 3"#,
    );
    has("homestream_active_streams 0");
    has("homestream_active_sessions 1");
    has("homestream_streamed_bytes_total 0");
    has(r#"homestream_db_connections{state="idle"}"#);
    has(r#"homestream_scan_files{state="running"} 0"#);
    has(r#"homestream_cache_lookups{cache="video:metadata",result="miss"} 1"#);
    assert!(!text.contains(&missing[12..]), "ids never become labels");
    assert!(text.trim_end().ends_with("# EOF"));
}

#[tokio::test]
async fn bytes_streamed_are_counted() {
    let Some(app) = spawn_media_app(Backend::Sqlite, &[("h264_aac.mp4", "a.mp4")], |_| {}).await
    else {
        return;
    };
    app.scan().await;
    let token = app.token_for("ann", Role::User).await;
    let id = app.video_id(&token, "a.mp4").await;
    let resp = app
        .client
        .get(app.url(&format!("/api/stream/{id}")))
        .bearer_auth(&token)
        .header("range", "bytes=0-999")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.bytes().await.unwrap().len(), 1000);
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("homestream_streamed_bytes_total 1000"),
        "{text}"
    );
    assert!(text.contains("homestream_active_streams 1"), "{text}");
}

#[tokio::test]
async fn metrics_can_require_a_token_or_move_to_their_own_address() {
    let (mut settings, dir, pg) = test_settings(Backend::Sqlite).await.unwrap();
    settings.metrics.token = Secret::new("scrape-me".to_owned());
    let app = spawn_with(settings.clone(), dir, pg).await;
    assert_problem(
        app.client.get(app.url("/metrics")).send().await.unwrap(),
        401,
        "unauthorized",
    )
    .await;
    let wrong = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("scrape-you")
        .send()
        .await
        .unwrap();
    assert_problem(wrong, 401, "unauthorized").await;
    let right = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("scrape-me")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);

    let (mut settings, _dir, _) = test_settings(Backend::Sqlite).await.unwrap();
    settings.metrics.listen = "127.0.0.1:0".to_owned();
    let server = Application::build(settings).await.unwrap();
    let (api, metrics) = (server.port(), server.metrics_port().unwrap());
    tokio::spawn(server.run_until(std::future::pending()));
    let client = reqwest::Client::new();
    let on_api = client
        .get(format!("http://127.0.0.1:{api}/metrics"))
        .send()
        .await
        .unwrap();
    assert_problem(on_api, 404, "not_found").await;
    let own = client
        .get(format!("http://127.0.0.1:{metrics}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
    assert!(own
        .text()
        .await
        .unwrap()
        .contains("homestream_http_requests_total"));
    let other = client
        .get(format!("http://127.0.0.1:{metrics}/api/users/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404, "only /metrics is served there");
}
