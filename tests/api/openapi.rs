//! The committed OpenAPI document is the contract: it must match the code.

use crate::helpers::{spawn_app, Backend};
use serde_json::Value;

const COMMITTED: &str = "openapi/openapi.json";

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(COMMITTED);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = homestream::api::spec_json();
    assert!(
        committed == generated,
        "{COMMITTED} is out of date; regenerate it with `cargo run -- openapi -o {COMMITTED}`"
    );
}

#[test]
fn every_operation_documents_its_errors_as_problems() {
    let spec: Value = serde_json::from_str(&homestream::api::spec_json()).unwrap();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if path == "/health" || path == "/ready" {
                continue;
            }
            let responses = op["responses"].as_object().unwrap();
            for status in ["400", "500"] {
                let problem = responses
                    .get(status)
                    .map(|r| &r["content"]["application/problem+json"]);
                let problem = problem.unwrap_or(&Value::Null);
                assert!(
                    problem.is_object(),
                    "{method} {path} lacks a {status} problem"
                );
            }
            if op.get("security").is_some() {
                assert!(responses.contains_key("401"), "{method} {path} lacks 401");
            }
            assert!(
                responses["405"]["headers"]["Allow"].is_object(),
                "{method} {path}: 405 with Allow"
            );
            for status in ["429", "503"] {
                assert!(
                    responses[status]["headers"]["Retry-After"].is_object(),
                    "{method} {path}: {status} with Retry-After"
                );
            }
            let takes_body = op.get("requestBody").is_some();
            assert_eq!(
                responses.contains_key("415"),
                takes_body,
                "{method} {path}: 415 exactly where a body is taken"
            );
        }
    }
}

#[tokio::test]
async fn the_server_serves_the_same_document_and_swagger_ui() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let served: Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let generated: Value = serde_json::from_str(&homestream::api::spec_json()).unwrap();
    assert_eq!(served, generated);
    let docs = app.client.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    let page = docs.text().await.unwrap();
    assert!(page.contains("swagger"));
    // Swagger UI shows the refined contract, not poem-openapi's first draft.
    assert!(
        page.contains("\"nullable\": true"),
        "Swagger UI embeds the served document"
    );

    // A known path with another method: 405 naming the methods it takes (RFC 9110).
    for (method, path, allow) in [
        (reqwest::Method::PUT, "/api/videos", "GET, HEAD"),
        (reqwest::Method::POST, "/api/users/me", "GET, HEAD"),
        (
            reqwest::Method::PUT,
            "/api/stream/00000000-0000-0000-0000-000000000000",
            "GET, HEAD",
        ),
    ] {
        let resp = app
            .client
            .request(method, app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 405, "{path}");
        assert_eq!(resp.headers()["allow"], allow, "{path}");
        let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
        assert_eq!(ct, "application/problem+json");
    }
    // HEAD is really accepted where Allow says so.
    let head = app
        .client
        .head(app.url("/api/videos"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 401, "HEAD reaches the GET operation's guard");
}

#[tokio::test]
async fn the_server_refuses_what_the_contract_does_not_allow_and_takes_what_it_does() {
    use homestream::accounts::Role;
    use reqwest::Method;
    use serde_json::json;
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let token = app.token_for("ann", Role::User).await;
    let refused = [
        // A boolean or a number where text goes (poem-openapi's String would take it).
        json!({"name": false}),
        json!({"name": 12}),
        // A field the schema does not have (additionalProperties: false).
        json!({"name": "Evening", "colour": "red"}),
        // null for a required field.
        json!({"name": null}),
        // The pattern: not only blanks; no NUL.
        json!({"name": " \t "}),
    ];
    for body in refused {
        let resp = app
            .send_json(Method::POST, "/api/playlists", &token, &body)
            .await;
        crate::helpers::assert_problem(resp, 400, "bad_request").await;
    }
    let nul = app
        .send_json(
            Method::POST,
            "/api/playlists",
            &token,
            &json!({"name": "a\u{0}b"}),
        )
        .await;
    assert!(nul.status().is_client_error(), "{}", nul.status());
    // null for an optional (nullable) field is taken as absent.
    let made = app
        .send_json(
            Method::POST,
            "/api/playlists",
            &token,
            &json!({"name": "Evening", "description": null, "is_public": null}),
        )
        .await;
    assert_eq!(made.status(), 201);
    let made: Value = made.json().await.unwrap();
    assert_eq!(made["description"], Value::Null);
    assert_eq!(made["is_public"], false);
}
