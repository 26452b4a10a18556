//! The contract from outside: the generated Python client runs a whole flow against a
//! real server, and schemathesis fuzzes every operation of the served document with
//! the checks generated clients rely on. Both come from the contract venv
//! (`target/contract-venv`, or `HS_CONTRACT_VENV`), which `.ci/run` makes from
//! `clients/python/requirements.txt`.

use crate::helpers::{skip, Backend, PASSWORD};
use crate::media::spawn_media_app;
use homestream::accounts::Role;
use homestream::config::PositiveInt;
use std::path::{Path, PathBuf};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The venv with the generator, the generated client's dependencies and schemathesis.
fn contract_venv() -> Option<PathBuf> {
    let venv = std::env::var("HS_CONTRACT_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|_| repo().join("target/contract-venv"));
    if !venv.join("bin/schemathesis").exists() {
        skip(
            "python-contract",
            "no contract venv: python3 -m venv target/contract-venv && \
             target/contract-venv/bin/pip install -r clients/python/requirements.txt",
        );
        return None;
    }
    Some(venv)
}

/// Runs a command to its end and fails the test with its output unless it succeeded.
async fn run_ok(mut cmd: tokio::process::Command, what: &str) -> String {
    let out = cmd.output().await.unwrap_or_else(|e| panic!("{what}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{what} failed:\n{stdout}\n{stderr}");
    stdout
}

/// A server with two videos and the user `ann`, for the client flows.
async fn flow_app() -> Option<crate::media::MediaApp> {
    let files = [
        ("h264_aac.mp4", "first.mp4"),
        ("vp9_opus.webm", "second.webm"),
    ];
    let app = spawn_media_app(Backend::Sqlite, &files, |_| {}).await?;
    app.scan().await;
    app.create_user("ann", Role::User).await;
    Some(app)
}

#[tokio::test]
async fn the_generated_python_client_runs_a_users_whole_flow() {
    let Some(venv) = contract_venv() else {
        return;
    };
    let Some(app) = flow_app().await else {
        return;
    };
    let mut cmd = tokio::process::Command::new(venv.join("bin/python"));
    cmd.arg(repo().join("clients/python/flow.py"))
        .args([
            "--url",
            &app.address,
            "--username",
            "ann",
            "--password",
            PASSWORD,
        ])
        .env("PYTHONPATH", repo().join("clients/python"));
    let said = run_ok(cmd, "clients/python/flow.py").await;
    assert!(said.contains("python client flow: 2 videos"), "{said}");
}

/// The Rust client progenitor generates from the committed document at build time
/// (`clients/rust`): login, list, search, get, a signed link, a range, progress and a
/// playlist, each parsed into the generated types, so a spec that lies fails here.
#[tokio::test]
async fn the_generated_rust_client_logs_in_lists_streams_and_fills_a_playlist() {
    use futures_util::StreamExt;
    use homestream_client::{types, Client};
    let Some(app) = flow_app().await else {
        return;
    };

    let anonymous = Client::new(&app.address);
    let login = anonymous
        .login()
        .body(
            types::LoginRequest::builder()
                .username("ann")
                .password(PASSWORD),
        )
        .send()
        .await
        .expect("login")
        .into_inner();
    let mut headers = reqwest::header::HeaderMap::new();
    let bearer = format!("Bearer {}", login.access_token);
    headers.insert(reqwest::header::AUTHORIZATION, bearer.parse().unwrap());
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let client = Client::new_with_client(&app.address, http);

    let page = client
        .list_videos()
        .sort(types::Sort::Title)
        .send()
        .await
        .expect("list")
        .into_inner();
    assert_eq!((page.total, page.has_more), (Some(2), false));
    let titles: Vec<&str> = page.items.iter().map(|v| v.title.as_str()).collect();
    assert_eq!(titles, ["first", "second"]);
    let found = client
        .list_videos()
        .q("second")
        .send()
        .await
        .expect("search")
        .into_inner();
    assert_eq!(found.items.len(), 1);
    let id = page.items[0].id;
    let video = client
        .get_video()
        .id(id)
        .send()
        .await
        .expect("get")
        .into_inner();
    assert!(video.size > 0 && video.duration.unwrap_or(0.0) > 0.0);

    let link = client
        .create_stream_url()
        .id(id)
        .send()
        .await
        .expect("signed link")
        .into_inner();
    let played = reqwest::get(app.url(&link.path)).await.unwrap();
    assert_eq!(played.status(), 200, "the signed link alone plays");
    let ranged = client
        .stream_video()
        .video_id(id)
        .range("bytes=0-99")
        .send()
        .await
        .expect("a range");
    assert_eq!(ranged.status(), 206);
    let mut body = ranged.into_inner().into_inner();
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        bytes.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(bytes.len(), 100);

    let duration = video.duration.unwrap();
    let progress = client
        .report_progress()
        .id(id)
        .body(
            types::ProgressReport::builder()
                .position_seconds(duration / 2.0)
                .state(Some(types::PlayerState::Paused)),
        )
        .send()
        .await
        .expect("progress")
        .into_inner();
    assert!((progress.position_seconds - duration / 2.0).abs() < 0.01);

    let playlist = client
        .create_playlist()
        .body(types::NewPlaylist::builder().name("From Rust"))
        .send()
        .await
        .expect("create playlist")
        .into_inner();
    for v in &page.items {
        client
            .add_playlist_video()
            .id(playlist.id)
            .body(types::AddVideo::builder().video_id(v.id))
            .send()
            .await
            .expect("add to playlist");
    }
    let filled = client
        .get_playlist()
        .id(playlist.id)
        .send()
        .await
        .expect("get playlist")
        .into_inner();
    let order: Vec<_> = filled.entries.iter().map(|e| e.video.id).collect();
    assert_eq!(order, page.items.iter().map(|v| v.id).collect::<Vec<_>>());
}

/// The TypeScript client the web app uses: openapi-typescript's types through
/// openapi-fetch, compiled with `tsc --strict`, running the same flow under node.
#[tokio::test]
async fn the_generated_typescript_client_runs_a_users_whole_flow() {
    let dir = repo().join("clients/typescript");
    if !dir.join("node_modules/.bin/tsc").exists() {
        skip(
            "node",
            "clients/typescript has no node_modules (npm ci there)",
        );
        return;
    }
    let Some(app) = flow_app().await else {
        return;
    };
    let mut tsc = tokio::process::Command::new(dir.join("node_modules/.bin/tsc"));
    tsc.current_dir(&dir);
    run_ok(tsc, "tsc --strict in clients/typescript").await;
    let mut cmd = tokio::process::Command::new("node");
    cmd.current_dir(&dir).arg("dist/flow.js").args([
        "--url",
        &app.address,
        "--username",
        "ann",
        "--password",
        PASSWORD,
    ]);
    let said = run_ok(cmd, "clients/typescript flow").await;
    assert!(said.contains("typescript client flow: 2 videos"), "{said}");
}

/// The checks that say a client generated from the document can trust it.
const CHECKS: &str = "not_a_server_error,response_schema_conformance,\
status_code_conformance,content_type_conformance,positive_data_acceptance,\
negative_data_rejection";

/// The operations that end the fuzzer's own session (or account): fuzzed on their own,
/// after the rest.
const ENDING: &[&str] = &[
    "logout",
    "changeMyPassword",
    "endMySession",
    "updateUser",
    "deleteUser",
    "resetUserPassword",
];

/// schemathesis over every operation, as an administrator, on a library with a film:
/// no server error, every response as documented (schema, status, content type),
/// every schema-valid request taken and every schema-invalid one refused. Bounded by
/// `HS_FUZZ_EXAMPLES` cases per operation (default 25) and a fixed seed
/// (`HS_FUZZ_SEED`), so a failure reproduces.
#[tokio::test]
async fn schemathesis_finds_nothing_the_contract_does_not_say() {
    let Some(venv) = contract_venv() else {
        return;
    };
    let files = [("h264_aac.mp4", "film.mp4")];
    let Some(app) = spawn_media_app(Backend::Sqlite, &files, |s| {
        // The fuzzer logs in with made-up names from one address.
        s.auth.max_failed_logins = PositiveInt(100_000);
    })
    .await
    else {
        return;
    };
    app.scan().await;
    let examples = std::env::var("HS_FUZZ_EXAMPLES").unwrap_or_else(|_| "25".into());
    let seed = std::env::var("HS_FUZZ_SEED").unwrap_or_else(|_| "20261201".into());
    for ending in [false, true] {
        // A fresh administrator session for each run: the second one ends its own.
        let token = app
            .token_for(if ending { "closer" } else { "fuzzer" }, Role::Admin)
            .await;
        let mut cmd = tokio::process::Command::new(venv.join("bin/schemathesis"));
        cmd.arg("run")
            .arg(app.url("/api/openapi.json"))
            .args(["--url", &app.address])
            .args(["-H", &format!("Authorization: Bearer {token}")])
            .args(["--checks", CHECKS])
            .args(["--max-examples", &examples, "--seed", &seed])
            .args(["--phases", "examples,coverage,fuzzing", "--no-color"]);
        for op in ENDING {
            let flag = if ending {
                "--include-operation-id"
            } else {
                "--exclude-operation-id"
            };
            cmd.args([flag, op]);
        }
        let said = run_ok(cmd, "schemathesis").await;
        let summary = said
            .lines()
            .rev()
            .find(|l| l.contains("generated"))
            .unwrap_or("");
        println!(
            "schemathesis ({}): {summary}",
            if ending {
                "ending operations"
            } else {
                "the rest"
            }
        );
        assert!(summary.contains("passed"), "{said}");
    }
}
