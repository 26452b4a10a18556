//! Real players against a real server: hls.js 1.x in Debian's Chromium (through
//! playwright-core, `tests/browser/`), on a page of another origin, playing an HEVC/AC-3
//! film the server transcodes to HLS.

use crate::helpers::{skip, Backend};
use crate::media::spawn_media_app;
use homestream::accounts::Role;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

const PAGE_ORIGIN: &str = "http://player.test";

/// The folder of the browser scripts, when node, Chromium and the npm packages are all
/// there (`cd tests/browser && npm ci`; `apt-get install chromium`).
fn browser_kit() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let node = std::process::Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        skip("node", "node not found on PATH");
        return None;
    }
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        skip(
            "chromium",
            "Debian's chromium not found (apt-get install chromium)",
        );
        return None;
    }
    if !dir.join("node_modules/playwright-core").exists() {
        skip(
            "chromium",
            "tests/browser has no node_modules (npm ci there)",
        );
        return None;
    }
    Some(dir)
}

/// hls.js plays the transcoded film from the master playlist a playback decision
/// gives: it starts on the cheapest rung, a seek to 80% plays again, a forced switch
/// to the other rung plays on, and the server never answers 503 or 429 to this one
/// viewer. Prints the times.
#[tokio::test]
async fn hls_js_in_chromium_starts_seeks_and_switches_without_a_503() {
    let Some(kit) = browser_kit() else {
        return;
    };
    let Some(app) = spawn_media_app(Backend::Sqlite, &[("hevc_ac3_720p.mkv", "film.mkv")], |s| {
        s.server.cors_origins = vec![PAGE_ORIGIN.to_owned()];
        s.transcode.max_concurrent_jobs = 1;
    })
    .await
    else {
        return;
    };
    app.scan().await;
    let token = app.token_for("viewer", Role::User).await;
    let id = app.video_id(&token, "film.mkv").await;
    let decision: Value = app
        .send_json(
            reqwest::Method::POST,
            &format!("/api/videos/{id}/playback"),
            &token,
            &json!({ "preset": "browser" }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(decision["method"], "transcode", "{decision}");
    let master = decision["url"].as_str().unwrap().to_owned();

    let run = tokio::process::Command::new("node")
        .current_dir(&kit)
        .args(["hls-player.mjs", &master, PAGE_ORIGIN])
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(240), run)
        .await
        .expect("the player finished within 4 minutes")
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    let seen: Value = serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("{e}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    println!("hls.js in Chromium: {seen}");
    assert_eq!(seen["errors"], json!([]), "{seen}");
    let fatal: Vec<&Value> = seen["hlsErrors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e.as_str().is_some_and(|e| e.ends_with(":true")))
        .collect();
    assert!(fatal.is_empty(), "{seen}");
    assert_eq!(seen["levels"], json!([480, 720]), "{seen}");
    assert_eq!(
        seen["startLevel"], 480,
        "starts on the cheapest rung: {seen}"
    );
    for figure in ["firstFrameMs", "seekMs", "switchMs"] {
        assert!(seen[figure].is_number(), "{figure} never happened: {seen}");
    }
    assert_eq!(seen["switchedTo"], 720, "{seen}");
    let statuses = seen["statuses"].as_object().unwrap();
    for refused in ["503", "429"] {
        assert!(!statuses.contains_key(refused), "{seen}");
    }
}
