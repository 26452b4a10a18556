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
    assert!(docs.text().await.unwrap().contains("swagger"));
}
