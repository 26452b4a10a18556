//! What goes out compressed and what does not, as a client that sends
//! `Accept-Encoding` sees it (reqwest here decodes nothing itself).

use crate::helpers::{spawn_app, Backend};
use crate::media::spawn_media_app;
use homestream::accounts::Role;
use std::io::Read;

/// The answer's coding and its body decoded.
async fn fetch(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    accept: &str,
) -> (reqwest::header::HeaderMap, Option<String>, Vec<u8>) {
    let mut req = client.get(url).header("accept-encoding", accept);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let resp = req.send().await.unwrap();
    assert!(resp.status().is_success(), "{url}: {}", resp.status());
    let headers = resp.headers().clone();
    let coding = headers
        .get("content-encoding")
        .map(|v| v.to_str().unwrap().to_owned());
    let raw = resp.bytes().await.unwrap().to_vec();
    let mut plain = Vec::new();
    match coding.as_deref() {
        Some("br") => {
            brotli::Decompressor::new(&raw[..], 4096)
                .read_to_end(&mut plain)
                .expect("valid brotli");
        }
        Some("gzip") => {
            flate2::read::GzDecoder::new(&raw[..])
                .read_to_end(&mut plain)
                .expect("valid gzip");
        }
        None => plain = raw.clone(),
        Some(other) => panic!("{url}: unexpected coding {other}"),
    }
    if coding.is_some() {
        assert!(
            raw.len() * 3 < plain.len(),
            "{url}: {} bytes sent for {}",
            raw.len(),
            plain.len()
        );
    }
    (headers, coding, plain)
}

fn varies(headers: &reqwest::header::HeaderMap) -> bool {
    headers.get_all("vary").iter().any(|v| {
        v.to_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains("accept-encoding")
    })
}

#[tokio::test]
async fn the_contract_and_swagger_ui_go_out_compressed_when_accepted() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let committed =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json")).unwrap();
    for (accept, want) in [
        ("br", Some("br")),
        ("gzip", Some("gzip")),
        ("gzip, deflate, br", Some("br")),
        ("br;q=0, gzip", Some("gzip")),
        ("identity", None),
    ] {
        let url = app.url("/api/openapi.json");
        let (headers, coding, body) = fetch(&app.client, &url, None, accept).await;
        assert_eq!(coding.as_deref(), want, "openapi.json with {accept}");
        assert!(varies(&headers), "openapi.json: {headers:?}");
        assert_eq!(body, committed, "openapi.json with {accept}");
    }
    for accept in ["br", "gzip"] {
        let (_, coding, page) = fetch(&app.client, &app.url("/docs/"), None, accept).await;
        assert_eq!(coding.as_deref(), Some(accept));
        let page = String::from_utf8(page).unwrap();
        assert!(page.contains("swagger-ui") && page.contains("\"openapi\""));
    }
}

#[tokio::test]
async fn api_answers_are_compressed_and_media_never() {
    let files: Vec<(&str, String)> = (0..6)
        .map(|i| ("h264_aac.mp4", format!("film-{i}.mp4")))
        .collect();
    let files: Vec<(&str, &str)> = files.iter().map(|(c, n)| (*c, n.as_str())).collect();
    let Some(app) = spawn_media_app(Backend::Sqlite, &files, |_| {}).await else {
        return;
    };
    app.scan().await;
    let token = app.token_for("admin", Role::Admin).await;
    let list = app.url("/api/videos?limit=50");
    let (headers, coding, body) = fetch(&app.client, &list, Some(&token), "gzip").await;
    assert_eq!(coding.as_deref(), Some("gzip"), "{headers:?}");
    assert!(varies(&headers));
    let page: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 6);
    let (_, coding, plain) = fetch(&app.client, &list, Some(&token), "identity").await;
    assert_eq!(coding, None);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&plain).unwrap(),
        page
    );

    // The file itself, whole and in a range, goes as it is whatever the client accepts.
    let id = page["items"][0]["id"].as_str().unwrap();
    let file = std::fs::read(
        app.library
            .join(page["items"][0]["filename"].as_str().unwrap()),
    )
    .unwrap();
    let stream = app.url(&format!("/api/stream/{id}"));
    let (headers, coding, body) = fetch(&app.client, &stream, Some(&token), "br, gzip").await;
    assert_eq!(coding, None, "{headers:?}");
    assert_eq!(body, file);
    let resp = app
        .client
        .get(&stream)
        .bearer_auth(&token)
        .header("accept-encoding", "gzip")
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 206);
    assert!(resp.headers().get("content-encoding").is_none());
    assert_eq!(resp.bytes().await.unwrap(), &file[100..200]);
}
