//! Logs and traces of a real server process: JSON log lines carry the request's ids,
//! and spans reach an OTLP/HTTP receiver on loopback with the same attributes.

use crate::cli::server_process_with;
use crate::helpers::Backend;
use crate::media::spawn_media_app;
use homestream::accounts::Role;
use serde_json::Value;
use std::sync::{Arc, Mutex};

/// An OTLP/HTTP receiver: keeps the body of every `POST /v1/traces`.
async fn receiver() -> (u16, Arc<Mutex<Vec<String>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    let endpoint = poem::endpoint::make(move |mut req: poem::Request| {
        let store = store.clone();
        async move {
            let body = req.take_body().into_string().await.unwrap_or_default();
            store.lock().unwrap().push(body);
            poem::Response::builder()
                .content_type("application/json")
                .body("{}")
        }
    });
    let routes = poem::Route::new().at("/v1/traces", poem::post(endpoint));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let acceptor = poem::listener::TcpAcceptor::from_tokio(listener).unwrap();
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(routes));
    (port, received)
}

/// The string attributes of every exported span named `name`.
fn spans(bodies: &[String], name: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut out = Vec::new();
    for body in bodies {
        let v: Value = serde_json::from_str(body).expect("OTLP JSON");
        for rs in v["resourceSpans"].as_array().into_iter().flatten() {
            let service = rs["resource"]["attributes"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|a| a["key"] == "service.name")
                .map(|a| a["value"]["stringValue"].clone());
            assert_eq!(service, Some(Value::from("homestream-test")));
            for ss in rs["scopeSpans"].as_array().into_iter().flatten() {
                for span in ss["spans"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|s| s["name"] == name)
                {
                    let attrs = span["attributes"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|a| {
                            let value = a["value"]["stringValue"].as_str()?;
                            Some((a["key"].as_str()?.to_owned(), value.to_owned()))
                        })
                        .collect();
                    out.push(attrs);
                }
            }
        }
    }
    out
}

// Multi-threaded: the receiver must keep answering while the test thread waits for the
// server to exit (the server flushes its spans to the receiver while stopping).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_and_traces_carry_the_request_user_session_and_video() {
    let Some(app) = spawn_media_app(Backend::Sqlite, &[("h264_aac.mp4", "a.mp4")], |_| {}).await
    else {
        return;
    };
    app.scan().await;
    let token = app.token_for("ann", Role::User).await;
    let me: Value = app.get("/api/users/me", &token).await.json().await.unwrap();
    let ann_id = me["id"].as_str().unwrap().to_owned();
    let video = app.video_id(&token, "a.mp4").await;

    let (port, received) = receiver().await;
    let endpoint = format!("http://127.0.0.1:{port}");
    let log = app.library.parent().unwrap().join("server.log");
    let env = [
        ("HOMESTREAM_TELEMETRY__OTLP_ENDPOINT", endpoint.as_str()),
        ("HOMESTREAM_TELEMETRY__SERVICE_NAME", "homestream-test"),
        ("HOMESTREAM_LOG__LEVEL", "info"),
        ("HOMESTREAM_LOG__FORMAT", "json"),
    ];
    let mut server = server_process_with(&app.settings, &app.library, &env, Some(&log)).await;
    let resp = server
        .client
        .get(server.url(&format!("/api/videos/{video}")))
        .bearer_auth(&token)
        .header("x-request-id", "trace-me-1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // The answer read whole, so the request has ended (its span closed) before the
    // stop; a clean stop flushes the spans still waiting for their batch.
    resp.bytes().await.unwrap();
    server.terminate();

    let lines = std::fs::read_to_string(&log).unwrap();
    let line: Value = lines
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["span"]["request_id"] == "trace-me-1" && l["message"] == "request completed")
        .unwrap_or_else(|| panic!("no JSON line for the request in:\n{lines}"));
    assert_eq!(line["status"], 200);
    assert_eq!(line["span"]["user_id"], ann_id.as_str(), "{line}");
    assert_eq!(line["span"]["video_id"], video.as_str(), "{line}");
    assert!(
        line["span"]["session_id"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "{line}"
    );
    assert!(
        line["timestamp"].is_string() && line["level"] == "INFO",
        "{line}"
    );

    // The stop blocked this test's thread, where the receiver runs: the last export may
    // be read only now that the test yields to it.
    let mut bodies = Vec::new();
    let mut span = None;
    for _ in 0..50 {
        bodies = received.lock().unwrap().clone();
        span = spans(&bodies, "request")
            .into_iter()
            .find(|a| a.get("request_id").map(String::as_str) == Some("trace-me-1"));
        if span.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let span = span.unwrap_or_else(|| panic!("the request's span was not exported: {bodies:?}"));
    assert_eq!(span["method"], "GET");
    assert_eq!(span["path"], format!("/api/videos/{video}"));
    assert_eq!(span["user_id"], ann_id);
    assert_eq!(span["video_id"], video);
}

/// At the default `info`, a player's range requests leave no line each: the stream's
/// opening is logged once, a refused request is logged with its request id, and every
/// answer still carries a request id of its own.
#[tokio::test]
async fn media_transfers_are_logged_once_per_stream_at_info() {
    let Some(app) = spawn_media_app(Backend::Sqlite, &[("h264_aac.mp4", "a.mp4")], |_| {}).await
    else {
        return;
    };
    app.scan().await;
    let token = app.token_for("ann", Role::User).await;
    let video = app.video_id(&token, "a.mp4").await;
    let log = app.library.parent().unwrap().join("server-media.log");
    let env = [
        ("HOMESTREAM_LOG__LEVEL", "info"),
        ("HOMESTREAM_LOG__FORMAT", "json"),
    ];
    let mut server = server_process_with(&app.settings, &app.library, &env, Some(&log)).await;
    let stream = server.url(&format!("/api/stream/{video}"));
    let mut ids = std::collections::HashSet::new();
    for i in 0..5u64 {
        let resp = server
            .client
            .get(&stream)
            .bearer_auth(&token)
            .header("range", format!("bytes={}-{}", i * 100, i * 100 + 99))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 206);
        let id = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        ids.insert(id);
    }
    assert_eq!(ids.len(), 5, "every answer has its own request id: {ids:?}");
    let refused = server
        .client
        .get(&stream)
        .bearer_auth("not-a-token")
        .header("x-request-id", "refused-range-1")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    server.terminate();

    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .collect();
    let about_stream = |l: &&Value| {
        l["path"].as_str().or(l["span"]["path"].as_str()) == Some(&format!("/api/stream/{video}"))
    };
    let per_request: Vec<&Value> = lines
        .iter()
        .filter(about_stream)
        .filter(|l| l["message"] == "request completed")
        .collect();
    assert_eq!(per_request.len(), 1, "only the refusal is a line: {text}");
    let line = per_request[0];
    assert_eq!(line["status"], 401, "{line}");
    assert_eq!(line["request_id"], "refused-range-1", "{line}");
    assert_eq!(line["method"], "GET", "{line}");
    let opened = lines
        .iter()
        .filter(|l| l["message"] == "stream opened" && l["video"] == video.as_str())
        .count();
    assert_eq!(opened, 1, "one stream, opened once: {text}");
}
