//! Drills under hostile load and faults, with real processes where a process is the
//! thing under test: a login burst against the server's memory, concurrent guesses
//! against the throttle, logouts racing requests on two instances, ends made while
//! Redis is stopped and an instance killed, deletion with Redis, the database refusing
//! connections, a connection flood under a low file limit, and the NUL character.
//! Each prints its figures (`--nocapture` shows them).

use crate::cli::{homestream, server_process_with, ServerProcess};
use crate::helpers::{
    assert_problem, on_both_backends, on_each_store, pair, redis_available, redis_url, spawn_with,
    test_settings, Backend, Store, TestApp, PASSWORD,
};
use crate::redis::PrivateRedis;
use homestream::accounts::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{IpAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Resident memory of a process, in bytes.
fn rss(pid: u32) -> u64 {
    crate::helpers::status_bytes(pid, "VmRSS:")
}

/// The process's anonymous resident memory: what it allocated, without the pages of
/// its binary (which the server drops after start-up and maps back as it runs code).
fn anon(pid: u32) -> u64 {
    crate::helpers::status_bytes(pid, "RssAnon:")
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

async fn login_status(app: &TestApp, client: &reqwest::Client, user: &str, pw: &str) -> u16 {
    client
        .post(app.url("/api/auth/login"))
        .json(&json!({ "username": user, "password": pw }))
        .send()
        .await
        .map_or(0, |r| r.status().as_u16())
}

async fn me_status(app: &TestApp, token: &str) -> u16 {
    app.get("/api/users/me", token).await.status().as_u16()
}

/// An empty library folder under `dir`, and the user `ann` made with the CLI in the
/// database of `settings` (for server processes to share).
fn library_with_ann(
    settings: &homestream::config::Settings,
    dir: &std::path::Path,
) -> std::path::PathBuf {
    let library = dir.join("library");
    std::fs::create_dir_all(&library).unwrap();
    let created = homestream(
        settings,
        &[
            "user",
            "create",
            "ann",
            "--role",
            "user",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(created.status.success());
    library
}

// --- 1. unauthenticated memory -------------------------------------------------------

/// 500 wrong-password logins at once, for many usernames, from 25 loopback addresses
/// (20 each: the per-address budget lets every one reach the password check), against
/// a server process: its peak RSS, its RSS 10 s later, and `/health` meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_login_burst_keeps_memory_bounded_and_health_answering() {
    let (settings, dir, _pg) = test_settings(Backend::Sqlite).await.unwrap();
    let library = library_with_ann(&settings, dir.path());
    let server = server_process_with(&settings, &library, &[], None).await;
    let pid = server.pid();
    let client = reqwest::Client::new();
    let url = server.url("/api/auth/login");
    let ok = client
        .post(&url)
        .json(&json!({ "username": "ann", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    // The worker hands its block back after 2 s idle.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle = rss(pid);
    let idle_anon = anon(pid);

    let watch = crate::helpers::ServerWatch::start(pid, server.url("/health"));
    let barrier = Arc::new(tokio::sync::Barrier::new(500));
    let burst: Vec<_> = (0..500u32)
        .map(|i| {
            let addr = IpAddr::from([127, 0, 0, 2 + (i % 25) as u8]);
            let client = reqwest::Client::builder()
                .local_address(addr)
                .build()
                .unwrap();
            let (barrier, url) = (barrier.clone(), url.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let resp = client
                    .post(&url)
                    .json(
                        &json!({ "username": format!("nobody{i}"), "password": "wrong password" }),
                    )
                    .send()
                    .await
                    .unwrap();
                let retry = resp.headers().contains_key("retry-after");
                (resp.status().as_u16(), retry)
            })
        })
        .collect();
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for task in burst {
        let (status, retry) = task.await.unwrap();
        assert!(
            matches!(status, 401 | 429 | 503),
            "a wrong login answered {status}"
        );
        if status == 503 || status == 429 {
            assert!(retry, "{status} without Retry-After");
        }
        *statuses.entry(status).or_default() += 1;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (peak, times) = watch.finish().await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    let settled = rss(pid);
    let settled_anon = anon(pid);
    let peak = peak.max(idle);
    let mut latencies: Vec<Duration> = times.iter().map(|(t, _)| *t).collect();
    latencies.sort();
    let p99 = latencies[(latencies.len() * 99 / 100).min(latencies.len() - 1)];
    println!(
        "login burst: answers {statuses:?}; RSS idle {:.1} MB, peak {:.1} MB, 10 s later {:.1} MB; \
         anonymous idle {:.1} MB, 10 s later {:.1} MB; /health {} probes, p99 {:.1} ms",
        mb(idle),
        mb(peak),
        mb(settled),
        mb(idle_anon),
        mb(settled_anon),
        latencies.len(),
        p99.as_secs_f64() * 1000.0
    );
    assert!(
        times.iter().all(|(_, s)| *s == 200),
        "/health failed during the burst"
    );
    assert!(peak < 100_000_000, "peak RSS {:.1} MB", mb(peak));
    // What the logins allocated is given back: one argon2 block kept is 19 MiB, so
    // 12 MB of slack (what 1.5x of the whole idle RSS allowed before the server gave
    // its start-up pages back) still catches one, and leaves the runtime's buffers and
    // the allocator's arenas of 500 connections. The code the burst ran stays mapped,
    // clean pages of the binary, and is not counted.
    assert!(
        settled_anon <= idle_anon + 12_000_000,
        "anonymous memory {:.1} MB 10 s after the burst, idle was {:.1} MB",
        mb(settled_anon),
        mb(idle_anon)
    );
    drop(server);
}

// --- 2. the throttle under a burst -----------------------------------------------------

crate::helpers::on_one_and_two_instances!(a_concurrent_guess_burst_verifies_at_most_the_budget);

/// 60 wrong guesses for one user from one address, released together (over two
/// instances when Redis is in use): at most `auth.max_failed_logins` (5) passwords are
/// checked, so at most 5 answers are 401.
async fn a_concurrent_guess_burst_verifies_at_most_the_budget(store: Store) {
    let Some((a, b)) = pair(store).await else {
        return;
    };
    a.create_user("victim", Role::User).await;
    let apps = Arc::new((a, b));
    let barrier = Arc::new(tokio::sync::Barrier::new(60));
    let tasks: Vec<_> = (0..60)
        .map(|i| {
            let (apps, barrier) = (apps.clone(), barrier.clone());
            tokio::spawn(async move {
                let app = match (&apps.1, i % 2) {
                    (Some(b), 1) => b,
                    _ => &apps.0,
                };
                let client = reqwest::Client::new();
                barrier.wait().await;
                login_status(app, &client, "victim", &format!("guess number {i}")).await
            })
        })
        .collect();
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for task in tasks {
        *statuses.entry(task.await.unwrap()).or_default() += 1;
    }
    println!("{store:?}: 60 concurrent guesses answered {statuses:?}");
    let verified = statuses.get(&401).copied().unwrap_or(0);
    assert!(verified <= 5, "{verified} passwords checked: {statuses:?}");
    assert!(
        statuses.keys().all(|s| matches!(s, 401 | 429 | 503)),
        "{statuses:?}"
    );
    // A spent budget (five checked) refuses even the right password now; attempts
    // refused unchecked (503) spent none of it.
    let client = reqwest::Client::new();
    assert_eq!(
        login_status(&apps.0, &client, "victim", PASSWORD).await,
        if verified == 5 { 429 } else { 200 },
        "{statuses:?}"
    );
}

// --- 3. logout racing requests -----------------------------------------------------------

crate::helpers::on_one_and_two_instances!(a_logout_racing_requests_stays_final);

/// 50 trials: six tasks use a token on instance B while it is logged out on A; once
/// the logout has answered, neither instance accepts the token again.
async fn a_logout_racing_requests_stays_final(store: Store) {
    let Some((a, b)) = pair(store).await else {
        return;
    };
    a.create_user("ann", Role::User).await;
    let a = Arc::new(a);
    let b = Arc::new(b);
    let mut resurrected = 0;
    for _ in 0..50 {
        let token = a.login_token("ann").await;
        let stop = Arc::new(AtomicBool::new(false));
        let hammers: Vec<_> = (0..6)
            .map(|_| {
                let (a, b, token, stop) = (a.clone(), b.clone(), token.clone(), stop.clone());
                tokio::spawn(async move {
                    let app = b.as_ref().as_ref().unwrap_or(&a);
                    while !stop.load(Ordering::Relaxed) {
                        me_status(app, &token).await;
                    }
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(15)).await;
        let out = a
            .client
            .post(a.url("/api/auth/logout"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(out.status(), 204);
        tokio::time::sleep(Duration::from_millis(30)).await;
        stop.store(true, Ordering::Relaxed);
        for h in hammers {
            h.await.unwrap();
        }
        let other = b.as_ref().as_ref().unwrap_or(&a);
        let after = [me_status(&a, &token).await, me_status(other, &token).await];
        tokio::time::sleep(Duration::from_millis(100)).await;
        let later = [me_status(&a, &token).await, me_status(other, &token).await];
        if after.iter().chain(&later).any(|s| *s != 401) {
            resurrected += 1;
        }
    }
    println!("{store:?}: {resurrected} of 50 logged-out tokens came back");
    assert_eq!(resurrected, 0);
}

// --- 4. ends while Redis is stopped, an instance killed and restarted -------------------

crate::media::for_each_backend!(an_end_made_while_redis_is_stopped_stays_final);

/// Two server processes on one database and a Redis of the test's own. A logout on A
/// while Redis is stopped (`SIGSTOP`), then `kill -9` of A, Redis resumed and A started
/// again: neither B (which never served the logout) nor the new A accepts the token,
/// at once and later.
async fn an_end_made_while_redis_is_stopped_stays_final(backend: Backend) {
    if !redis_available(&redis_url()) {
        return;
    }
    let Some(redis) = PrivateRedis::start() else {
        return;
    };
    let Some((settings, dir, _pg)) = test_settings(backend).await else {
        return;
    };
    let library = library_with_ann(&settings, dir.path());
    let env = [("REDIS_URL", redis.url.as_str())];
    let mut a = server_process_with(&settings, &library, &env, None).await;
    let b = server_process_with(&settings, &library, &env, None).await;
    let token = process_login(&a).await;
    assert_eq!(process_me(&b, &token).await, 200);
    assert_eq!(process_me(&a, &token).await, 200);

    redis.signal("-STOP");
    let out = a
        .client
        .post(a.url("/api/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    a.kill9();
    redis.signal("-CONT");
    let at_once = process_me(&b, &token).await;
    let restarted = server_process_with(&settings, &library, &env, None).await;
    let mut seen = vec![at_once, process_me(&restarted, &token).await];
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        seen.push(process_me(&b, &token).await);
        seen.push(process_me(&restarted, &token).await);
    }
    println!("{backend:?}: token after a logout during a Redis stop: {seen:?}");
    assert!(seen.iter().all(|s| *s == 401), "{seen:?}");
}

async fn process_login(server: &ServerProcess) -> String {
    server.login("ann").await
}

async fn process_me(server: &ServerProcess, token: &str) -> u16 {
    server
        .client
        .get(server.url("/api/users/me"))
        .bearer_auth(token)
        .send()
        .await
        .map_or(0, |r| r.status().as_u16())
}

// --- 5. deletion with Redis -------------------------------------------------------------

on_each_store!(a_deleted_user_is_signed_out_everywhere_at_once);

/// An admin deletes a user on A; on B the user's token and signed link stop working
/// at once.
async fn a_deleted_user_is_signed_out_everywhere_at_once(store: Store) {
    let Some((a, b)) = pair(store).await else {
        return;
    };
    let admin = a.token_for("root", Role::Admin).await;
    let ann = a.create_user("ann", Role::User).await;
    let token = a.login_token("ann").await;
    let other = b.as_ref().unwrap_or(&a);
    assert_eq!(me_status(other, &token).await, 200);
    // A link for a video that does not exist: a live session gets 404, an ended one 401.
    let user = other.state.accounts.authenticate(&token).await.unwrap();
    let video = uuid::Uuid::new_v4();
    let (link, _) = other
        .state
        .accounts
        .issue_link(&user, video, Duration::from_secs(600))
        .await
        .unwrap();
    let link_url = other.url(&format!("/api/stream/{video}?token={link}"));
    assert_eq!(
        other.client.get(&link_url).send().await.unwrap().status(),
        404
    );

    let deleted = a
        .client
        .delete(a.url(&format!("/api/users/{}", ann.id)))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(me_status(other, &token).await, 401);
    assert_eq!(
        other.client.get(&link_url).send().await.unwrap().status(),
        401
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(me_status(other, &token).await, 401);
    assert_eq!(me_status(&a, &token).await, 401);
}

// --- 6. the database refusing connections -------------------------------------------------

/// A PostgreSQL database that stops accepting connections (and has its backends
/// terminated) gives named 503s with `Retry-After` and `/ready` says `unreachable`;
/// service resumes by itself when it accepts them again.
#[tokio::test]
async fn a_database_outage_answers_503_and_recovers() {
    let Some((mut settings, dir, pg)) = test_settings(Backend::Postgres).await else {
        return;
    };
    settings.database.acquire_timeout = homestream::config::HumanDuration::secs(2);
    let url = pg.as_ref().expect("a PostgreSQL test database").url.clone();
    let app = spawn_with(settings, dir, pg).await;
    let token = app.token_for("ann", Role::User).await;
    assert_eq!(app.get("/api/videos", &token).await.status(), 200);

    crate::helpers::postgres_accepting(&url, false).await;

    let started = Instant::now();
    let resp = app.get("/api/videos", &token).await;
    let waited = started.elapsed();
    assert!(
        resp.headers().contains_key("retry-after"),
        "{:?}",
        resp.headers()
    );
    let body = assert_problem(resp, 503, "database_unavailable").await;
    let ready = app.client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    let ready: Value = ready.json().await.unwrap();
    assert_eq!(ready["database_status"], "unreachable", "{ready}");
    let login = app.login("ann", PASSWORD).await;
    assert_eq!(login.status(), 503);
    println!(
        "database outage: answered 503 after {:.0} ms: {body}",
        waited.as_secs_f64() * 1000.0
    );

    crate::helpers::postgres_accepting(&url, true).await;
    let mut back = false;
    for _ in 0..50 {
        if app.get("/api/videos", &token).await.status() == 200 {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(back, "service did not resume after the database returned");
}

// --- 7. connections as a bounded resource ---------------------------------------------

/// 400 connections holding half-sent heads against a server process limited to 256
/// open files (`server.max_connections` 192, what the default makes of that limit): `/health` still answers on a new
/// connection, the half-sent heads are closed by the header-read timeout, and an idle
/// HTTP/2 preface by the keep-alive timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_flood_under_a_low_file_limit_leaves_health_answering() {
    let (settings, dir, _pg) = test_settings(Backend::Sqlite).await.unwrap();
    let library = dir.path().join("library");
    std::fs::create_dir_all(&library).unwrap();
    let env = [
        ("HOMESTREAM_SERVER__MAX_CONNECTIONS", "192"),
        ("HOMESTREAM_SERVER__HEADER_READ_TIMEOUT", "3s"),
        ("HOMESTREAM_SERVER__KEEP_ALIVE_TIMEOUT", "3s"),
    ];
    let log = dir.path().join("server.log");
    let server = server_process_with(&settings, &library, &env, Some(&log)).await;
    if !crate::helpers::limit_open_files(server.pid(), 256) {
        return;
    }
    let port = crate::helpers::port_of(&server.address);
    let mut flood = Vec::new();
    for _ in 0..400 {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.write_all(b"GET /api/videos HTTP/1.1\r\nHost: x\r\n");
            flood.push(s);
        }
    }
    let mut h2 = TcpStream::connect(("127.0.0.1", port)).unwrap();
    h2.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").unwrap();
    // A connection idle after a whole request (hyper's path), and an HTTP/1.0
    // keep-alive head that never ends.
    let mut after = TcpStream::connect(("127.0.0.1", port)).unwrap();
    after
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut http10 = TcpStream::connect(("127.0.0.1", port)).unwrap();
    http10
        .write_all(b"GET /health HTTP/1.0\r\nConnection: keep-alive\r\nX-Slow: ")
        .unwrap();

    let started = Instant::now();
    let health = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
        .get(server.url("/health"))
        .send()
        .await;
    let took = started.elapsed();
    assert!(
        health.as_ref().is_ok_and(|r| r.status() == 200),
        "/health during the flood: {health:?}"
    );
    // The oldest half-sent heads were closed for newer connections, the rest by the
    // header-read timeout (3 s).
    let deadline = Instant::now() + Duration::from_secs(8);
    let mut closed = 0;
    for s in &mut flood {
        let left = deadline.saturating_duration_since(Instant::now());
        s.set_read_timeout(Some(left.max(Duration::from_millis(10))))
            .unwrap();
        let mut buf = [0u8; 256];
        if matches!(s.read(&mut buf), Ok(_) | Err(_)) && s.read(&mut buf).is_ok_and(|n| n == 0) {
            closed += 1;
        }
    }
    h2.set_read_timeout(Some(Duration::from_secs(8))).unwrap();
    let mut buf = Vec::new();
    let h2_closed = h2.read_to_end(&mut buf).is_ok();
    let closed_within = |s: &mut TcpStream| {
        s.set_read_timeout(Some(Duration::from_secs(8))).unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).is_ok()
    };
    let idle_after_request_closed = closed_within(&mut after);
    let http10_closed = closed_within(&mut http10);
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    let emfile = log.matches("Too many open files").count();
    println!(
        "connection flood: /health answered in {:.0} ms; {closed} of {} half-sent heads closed \
         within 8 s; idle h2c preface closed: {h2_closed}; idle after a request closed: \
         {idle_after_request_closed}; endless HTTP/1.0 head closed: {http10_closed}; {emfile} \
         'Too many open files' lines",
        took.as_secs_f64() * 1000.0,
        flood.len()
    );
    assert_eq!(closed, flood.len(), "half-sent heads left open");
    assert!(h2_closed, "an idle HTTP/2 connection was held");
    assert!(
        idle_after_request_closed,
        "a connection idle after a request was held"
    );
    assert!(http10_closed, "an HTTP/1.0 head that never ends was held");
    assert_eq!(emfile, 0);
}

// --- 8. NUL, and what the HTTP layer answers itself ---------------------------------------

on_both_backends!(the_nul_character_is_refused_alike_everywhere);

async fn the_nul_character_is_refused_alike_everywhere(app: TestApp) {
    let token = app.token_for("ann", Role::User).await;
    let nul_login = app
        .client
        .post(app.url("/api/auth/login"))
        .json(&json!({ "username": "an\u{0}n", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_problem(nul_login, 422, "invalid_text").await;
    let device = app
        .client
        .post(app.url("/api/auth/login"))
        .json(&json!({ "username": "ann", "password": PASSWORD, "device_name": "tv\u{0}" }))
        .send()
        .await
        .unwrap();
    assert_problem(device, 422, "invalid_text").await;
    let search = app.get("/api/videos?q=%00", &token).await;
    assert_problem(search, 422, "invalid_text").await;
    let playlist = app
        .send_json(
            reqwest::Method::POST,
            "/api/playlists",
            &token,
            &json!({ "name": "a\u{0}b" }),
        )
        .await;
    assert_problem(playlist, 422, "invalid_text").await;
    let mine: Value = app
        .get("/api/playlists", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine.as_array().map(Vec::len), Some(0), "{mine}");
    // Text that merely spells the escape is text.
    let spelled = app
        .send_json(
            reqwest::Method::POST,
            "/api/playlists",
            &token,
            &json!({ "name": "a\\u0000b" }),
        )
        .await;
    assert_eq!(spelled.status(), StatusCode::CREATED);
}

/// Sends `request` on a fresh connection while reading the answer until the server
/// closes: how the write went, how the read went, and what was read. The server runs on
/// the test's runtime, so the blocking socket work goes elsewhere.
async fn exchange(
    port: u16,
    request: Vec<u8>,
) -> (std::io::Result<()>, std::io::Result<usize>, String) {
    tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut writer = s.try_clone().unwrap();
        let sending = std::thread::spawn(move || writer.write_all(&request));
        let mut out = Vec::new();
        let read = s.read_to_end(&mut out);
        let sent = sending.join().unwrap();
        (sent, read, String::from_utf8_lossy(&out).into_owned())
    })
    .await
    .unwrap()
}

/// A head that does not parse gets a problem document with the security headers; a
/// chunked body over `server.max_body_size` gets 413, not 400.
#[tokio::test]
async fn the_http_layer_s_own_answers_carry_the_headers_and_the_right_status() {
    let app = crate::helpers::spawn_app(Backend::Sqlite).await.unwrap();
    let port = crate::helpers::port_of(&app.address);
    let answer = |request: Vec<u8>| async move { exchange(port, request).await.2 };
    let garbage = answer(b"GARBAGE\x01 / HTTP/1.1\r\n\r\n".to_vec()).await;
    assert!(garbage.starts_with("HTTP/1.1 400"), "{garbage}");
    assert!(
        garbage.contains("x-content-type-options: nosniff"),
        "{garbage}"
    );
    assert!(garbage.contains("application/problem+json"), "{garbage}");
    // After a first request has handed the connection to hyper, a head hyper cannot
    // parse gets hyper's own bare 400 (no body, so nothing to sniff, frame or run: the
    // one answer not made by us), and the connection is closed after it.
    let second =
        answer(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\x01 / HTTP/1.1\r\n\r\n".to_vec())
            .await;
    let own = second
        .match_indices("HTTP/1.1 ")
        .nth(1)
        .map(|(i, _)| &second[i..])
        .unwrap_or_default();
    assert!(own.starts_with("HTTP/1.1 400"), "{second}");
    assert!(
        own.to_ascii_lowercase().contains("content-length: 0"),
        "{own}"
    );
    let huge_head = answer(
        format!(
            "GET /api/stream/x HTTP/1.1\r\nHost: x\r\nX-Pad: {}\r\n\r\n",
            "a".repeat(20_000)
        )
        .into_bytes(),
    )
    .await;
    assert!(huge_head.starts_with("HTTP/1.1 431"), "{huge_head}");
    assert!(huge_head.contains("x-frame-options: DENY"), "{huge_head}");

    let mut chunked = b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..40 {
        chunked.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        chunked.extend_from_slice(&chunk);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let big = answer(chunked).await;
    assert!(
        big.starts_with("HTTP/1.1 413"),
        "{}",
        &big[..big.len().min(300)]
    );
}

/// A client still uploading when it is refused (a body over the limit, a head too
/// large) reads the refusal after sending everything, as from nginx (its
/// `lingering_close`): the server does not reset a connection with unread bytes. One
/// that goes quiet, or trickles for ever, is closed after `linger::QUIET` or
/// `linger::TIME`.
#[tokio::test]
async fn a_refused_upload_is_answered_not_reset_and_lingers_only_briefly() {
    use homestream::server::linger;
    let app = crate::helpers::spawn_app(Backend::Sqlite).await.unwrap();
    let port = crate::helpers::port_of(&app.address);
    let sent_whole = |request: Vec<u8>| exchange(port, request);
    let body = 32 << 20;
    let mut declared = format!(
        "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {body}\r\n\r\n"
    )
    .into_bytes();
    declared.resize(declared.len() + body, b' ');
    let (sent, read, answer) = sent_whole(declared).await;
    assert!(sent.is_ok(), "the upload was cut: {sent:?}");
    assert!(read.is_ok(), "the answer was cut: {read:?}");
    assert!(
        answer.starts_with("HTTP/1.1 413"),
        "{}",
        &answer[..answer.len().min(300)]
    );
    assert!(answer.contains("body_too_large"), "{answer}");

    let mut head = b"GET /api/stream/x HTTP/1.1\r\nHost: x\r\nX-Pad: ".to_vec();
    head.resize(head.len() + (8 << 20), b'a');
    head.extend_from_slice(b"\r\n\r\n");
    let (sent, read, answer) = sent_whole(head).await;
    assert!(sent.is_ok() && read.is_ok(), "cut: {sent:?} {read:?}");
    assert!(
        answer.starts_with("HTTP/1.1 431"),
        "{}",
        &answer[..answer.len().min(300)]
    );

    // The answer comes with a FIN (the server shuts its side), and the socket stays
    // open, reading, while it lingers: a byte written then is taken, one written after
    // it closed is refused. Quiet after part of the body: closed `QUIET` later.
    // Writing a byte every 100 ms: closed `TIME` later.
    let closed_after = |trickle: bool| async move {
        tokio::task::spawn_blocking(move || {
            let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
            let mut start = format!(
                "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: {body}\r\n\r\n"
            )
            .into_bytes();
            start.resize(start.len() + (1 << 20), b' ');
            s.write_all(&start).unwrap();
            let began = std::time::Instant::now();
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let mut out = Vec::new();
            let _ = s.read_to_end(&mut out);
            if !trickle {
                std::thread::sleep(linger::QUIET + Duration::from_secs(1));
            }
            while began.elapsed() < Duration::from_secs(20) && s.write_all(b" ").is_ok() {
                std::thread::sleep(Duration::from_millis(100));
            }
            (began.elapsed(), String::from_utf8_lossy(&out).into_owned())
        })
        .await
        .unwrap()
    };
    let (quiet, answer) = closed_after(false).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        quiet < linger::QUIET + Duration::from_millis(2500),
        "quiet client held {quiet:?}"
    );
    let (trickling, answer) = closed_after(true).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        trickling >= linger::TIME - Duration::from_secs(1)
            && trickling < linger::TIME + Duration::from_secs(3),
        "trickling client held {trickling:?}"
    );
}

// --- 9. two instances starting at once on an empty database ---------------------------

crate::media::for_each_backend!(two_instances_scanning_an_empty_database_at_once_agree);

/// Two instances on one empty database scan the same library at the same moment (as
/// two first starts do): neither scan fails, and every file is recorded once.
async fn two_instances_scanning_an_empty_database_at_once_agree(backend: Backend) {
    let files = [
        ("h264_aac.mp4", "a.mp4"),
        ("vp9_opus.webm", "b.webm"),
        ("h264_aac.mp4", "Shows/c.mp4"),
    ];
    let Some(first) = crate::media::spawn_media_app(backend, &files, |_| {}).await else {
        return;
    };
    let second = spawn_with(first.settings.clone(), tempfile::tempdir().unwrap(), None).await;
    let (a, b) = tokio::join!(
        first.state.library.scan(None),
        second.state.library.scan(None)
    );
    println!("{backend:?}: concurrent first scans: {a:?} / {b:?}");
    assert!(a.errors.is_empty() && b.errors.is_empty(), "{a:?} {b:?}");
    let token = first.token_for("ann", Role::User).await;
    let page: Value = first
        .get("/api/videos?limit=100", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 3, "{page}");
}

// --- 5. a killed instance's stream slots ------------------------------------------------

/// Two server processes sharing Redis and one server-wide stream slot. Ann's player
/// streams from A; A is killed with `kill -9` mid-transfer. Her other device, on B, is
/// refused while A lives, and admitted within the shared slot lease (5 s) after,
/// instead of the idle minute.
#[tokio::test]
async fn a_killed_instance_s_stream_slots_lapse_within_seconds() {
    if !redis_available(&redis_url()) {
        return;
    }
    let Some(redis) = PrivateRedis::start() else {
        return;
    };
    if !crate::media::ffmpeg_available() {
        return;
    }
    let (settings, dir, _pg) = test_settings(Backend::Sqlite).await.unwrap();
    let library = library_with_ann(&settings, dir.path());
    crate::media::add_clip(&library, "big_raw.mkv", "big.mkv");
    let made = homestream(
        &settings,
        &[
            "user",
            "create",
            "boss",
            "--role",
            "admin",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(made.status.success());
    let env = [
        ("REDIS_URL", redis.url.as_str()),
        ("HOMESTREAM_STREAMING__MAX_CONCURRENT_STREAMS", "1"),
    ];
    let mut a = server_process_with(&settings, &library, &env, None).await;
    let b = server_process_with(&settings, &library, &env, None).await;
    let boss = a.login("boss").await;
    let id = a.scan_for_first_video(&boss).await;
    let path = format!("/api/stream/{id}");
    let player = process_login(&a).await;
    let other_device = process_login(&b).await;
    // Ann's player on A takes the slot and keeps reading slowly.
    let held = a
        .client
        .get(a.url(&path))
        .bearer_auth(&player)
        .send()
        .await
        .unwrap();
    assert_eq!(held.status(), 200);
    let range = |server: &ServerProcess| {
        server
            .client
            .get(server.url(&path))
            .bearer_auth(&other_device)
            .header("range", "bytes=0-9")
            .send()
    };
    assert_eq!(
        range(&b).await.unwrap().status(),
        429,
        "A holds the one slot"
    );
    a.kill9();
    let killed = Instant::now();
    let mut answers = Vec::new();
    while killed.elapsed() < Duration::from_secs(20) {
        let status = range(&b).await.unwrap().status().as_u16();
        answers.push(status);
        if status == 206 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let lapsed = killed.elapsed();
    drop(held);
    println!("slot of a kill -9'd instance free on the other after {lapsed:?}");
    assert_eq!(answers.last(), Some(&206), "{answers:?}");
    assert!(
        lapsed < Duration::from_secs(10),
        "the killed instance's slot lapsed after {lapsed:?}, want within the 5 s lease"
    );
}

/// While PostgreSQL refuses connections, a player's valid bearer token on the media
/// routes gets the same 503 `database_unavailable` with `Retry-After` as every other
/// route, not a 401 that a player reads as "signed out": GET and HEAD on the sendfile
/// path, GET on hyper's (a second request on a connection hyper serves), and the HLS
/// master playlist.
#[tokio::test]
async fn media_routes_answer_an_outage_with_503_not_401() {
    let Some(app) =
        crate::media::spawn_media_app(Backend::Postgres, &[("h264_aac.mp4", "a.mp4")], |s| {
            s.database.acquire_timeout = homestream::config::HumanDuration::secs(1)
        })
        .await
    else {
        return;
    };
    app.scan().await;
    let token = app.token_for("ann", Role::User).await;
    let id = app.video_id(&token, "a.mp4").await;
    let stream = format!("/api/stream/{id}");
    assert_eq!(app.get(&stream, &token).await.status(), 200);

    let url = app.state.settings.database.url.expose().to_owned();
    crate::helpers::postgres_accepting(&url, false).await;
    // The session was checked moments ago; it is checked against the database again
    // once its local copy is older than this.
    tokio::time::sleep(homestream::sessions::RECHECK + Duration::from_millis(200)).await;

    let get = app.get(&stream, &token).await;
    let head = app
        .client
        .head(app.url(&stream))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let hls = app.get(&format!("/api/hls/{id}/master.m3u8"), &token).await;
    for (what, resp) in [("GET", get), ("HEAD", head), ("HLS", hls)] {
        assert_eq!(resp.status(), 503, "{what}");
        assert!(resp.headers().contains_key("retry-after"), "{what}");
        if what != "HEAD" {
            assert_problem(resp, 503, "database_unavailable").await;
        }
    }
    let port = crate::helpers::port_of(&app.address);
    let request = format!(
        "GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET {stream} HTTP/1.1\r\nHost: x\r\n\
         Authorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    let (_, _, text) = exchange(port, request.into_bytes()).await;
    let second = text
        .match_indices("HTTP/1.1 ")
        .nth(1)
        .map_or("", |(i, _)| &text[i..]);
    assert!(second.starts_with("HTTP/1.1 503"), "hyper's path: {text}");
    assert!(second.contains("database_unavailable"), "{second}");

    crate::helpers::postgres_accepting(&url, true).await;
}
