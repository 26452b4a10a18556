//! Request bodies as an attacker sends them: stalled, over the limit, framed twice,
//! and sent to operations before their credentials are checked. Against a server
//! process where memory or the file limit is what is measured. Each prints its
//! figures (`--nocapture` shows them).

use crate::cli::server_process_with;
use crate::helpers::{spawn_with, test_settings, Backend};
use serde_json::Value;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Opens a connection, writes `head` and as much of `body_bytes` as the socket takes
/// without blocking, and leaves it there.
fn stall(port: u16, head: &str, body_bytes: usize) -> Option<TcpStream> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.write_all(head.as_bytes()).ok()?;
    s.set_nonblocking(true).ok()?;
    let chunk = vec![b'x'; 64 * 1024];
    let mut sent = 0;
    while sent < body_bytes {
        let n = chunk.len().min(body_bytes - sent);
        match s.write(&chunk[..n]) {
            Ok(0) => break,
            Ok(n) => sent += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(_) => break,
        }
    }
    Some(s)
}

/// Reads what the server sent on a stalled connection until it closes or `within`
/// passes: the text, and whether it closed.
fn answer_of(s: &mut TcpStream, within: Duration) -> (String, bool) {
    let _ = s.set_nonblocking(false);
    let deadline = Instant::now() + within;
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return (String::from_utf8_lossy(&out).into_owned(), false);
        }
        let _ = s.set_read_timeout(Some(left));
        match s.read(&mut buf) {
            Ok(0) => return (String::from_utf8_lossy(&out).into_owned(), true),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return (String::from_utf8_lossy(&out).into_owned(), false)
            }
            // A reset after the answer: closed all the same.
            Err(_) => return (String::from_utf8_lossy(&out).into_owned(), true),
        }
    }
}

/// 1,000 anonymous connections each send `GET /health` declaring a 1 MiB body, send
/// what the socket takes, and stop; then 1,000 more do the same to the login, which
/// reads its body. The server process's resident memory stays under 100 MB, `/health`
/// answers on a new connection throughout, the `/health` ones are answered at once
/// (nothing reads their bodies), and the logins are answered within the body deadline
/// (408), or at once with 503 once the body budget is spent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_stalled_bodies_keep_memory_bounded_and_health_answering() {
    let (settings, dir, _pg) = test_settings(Backend::Sqlite).await.unwrap();
    let library = dir.path().join("library");
    std::fs::create_dir_all(&library).unwrap();
    // 3 s for a whole body of any size here (the rate gives 1 MiB no extra time).
    let env = [
        ("HOMESTREAM_SERVER__BODY_READ_TIMEOUT", "3s"),
        ("HOMESTREAM_SERVER__BODY_MIN_RATE", "1MiB"),
    ];
    let server = server_process_with(&settings, &library, &env, None).await;
    let pid = server.pid();
    let port = crate::helpers::port_of(&server.address);
    let idle = crate::helpers::status_bytes(pid, "VmRSS:");
    let watch = crate::helpers::ServerWatch::start(pid, server.url("/health"));

    let started = Instant::now();
    let phases = [
        ("GET /health", "GET /health HTTP/1.1\r\nHost: x\r\n"),
        (
            "POST /api/auth/login",
            "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n",
        ),
    ];
    let mut report = Vec::new();
    for (what, head) in phases {
        let head = format!("{head}Content-Length: 1048576\r\n\r\n");
        let mut stalled = tokio::task::spawn_blocking(move || {
            (0..1000)
                .filter_map(|_| stall(port, &head, (1 << 20) - 1))
                .collect::<Vec<_>>()
        })
        .await
        .unwrap();
        let opened = stalled.len();
        let answers = tokio::task::spawn_blocking(move || {
            let mut statuses = std::collections::BTreeMap::<String, usize>::new();
            let mut closed = 0;
            for s in &mut stalled {
                let (text, was_closed) = answer_of(s, Duration::from_secs(10));
                let status = text.get(9..12).unwrap_or("none").to_owned();
                *statuses.entry(status).or_default() += 1;
                closed += usize::from(was_closed);
            }
            (statuses, closed)
        })
        .await
        .unwrap();
        report.push((what, opened, answers));
    }
    let took = started.elapsed();
    let (peak, times) = watch.finish().await;
    let mut latencies: Vec<Duration> = times.iter().map(|(t, _)| *t).collect();
    latencies.sort();
    let failed = times.iter().filter(|(_, status)| *status != 200).count();
    let p50 = latencies[latencies.len() / 2];
    let max = latencies.last().copied().unwrap_or_default();
    let peak_mb = peak.max(idle) as f64 / (1 << 20) as f64;
    println!(
        "stalled bodies: {report:?} in {took:?}; peak RSS {peak_mb:.1} MB (idle {:.1} MB); \
         /health on new connections: {} answered, {failed} failed, p50 {p50:?}, max {max:?}",
        idle as f64 / (1 << 20) as f64,
        times.len()
    );
    assert!(peak_mb < 100.0, "peak RSS {peak_mb:.1} MB");
    assert_eq!(failed, 0, "/health went unanswered during the burst");
    assert!(max < Duration::from_secs(2), "/health took {max:?}");
    let (_, opened, (health_answers, health_closed)) = &report[0];
    assert_eq!(
        health_answers.get("200"),
        Some(opened),
        "{health_answers:?}"
    );
    assert_eq!(
        health_closed, opened,
        "every stalled /health closed after its answer"
    );
    let (_, opened, (login_answers, login_closed)) = &report[1];
    assert_eq!(
        login_closed, opened,
        "every stalled login closed within 10 s"
    );
    assert!(
        login_answers
            .keys()
            .all(|status| status == "408" || status == "503"),
        "{login_answers:?}"
    );
    assert!(
        login_answers.get("503").is_some_and(|n| *n > 900),
        "past the 32 MiB budget, bodies are refused at once: {login_answers:?}"
    );
}

/// Under `ulimit -n 256` (`server.max_connections` 192), 192 connections that stall
/// their login bodies hold every slot only until the body deadline (2 s here): each is
/// answered 408 and closed, and `/health` answers on a new connection right after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_bodies_under_a_low_file_limit_free_their_slots_at_the_deadline() {
    let (settings, dir, _pg) = test_settings(Backend::Sqlite).await.unwrap();
    let library = dir.path().join("library");
    std::fs::create_dir_all(&library).unwrap();
    let env = [
        ("HOMESTREAM_SERVER__MAX_CONNECTIONS", "192"),
        ("HOMESTREAM_SERVER__BODY_READ_TIMEOUT", "2s"),
    ];
    let server = server_process_with(&settings, &library, &env, None).await;
    if !crate::helpers::limit_open_files(server.pid(), 256) {
        return;
    }
    let port = crate::helpers::port_of(&server.address);
    let head = "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                Content-Length: 100\r\n\r\n";
    let started = Instant::now();
    let mut stalled: Vec<TcpStream> = (0..192).filter_map(|_| stall(port, head, 10)).collect();
    // Let every one reach its handler and start waiting for its body.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let mut recovered = None;
    while started.elapsed() < Duration::from_secs(15) {
        if client
            .get(server.url("/health"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            recovered = Some(started.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let answers = tokio::task::spawn_blocking(move || {
        stalled
            .iter_mut()
            .map(|s| answer_of(s, Duration::from_secs(5)))
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let timed_out = answers
        .iter()
        .filter(|(text, closed)| text.starts_with("HTTP/1.1 408") && *closed)
        .count();
    println!(
        "192 stalled login bodies under ulimit -n 256: /health answered again after \
         {recovered:?}; {timed_out} of {} answered 408 and closed",
        answers.len()
    );
    let recovered = recovered.expect("/health answered again");
    assert!(recovered < Duration::from_secs(6), "{recovered:?}");
    assert_eq!(timed_out, answers.len());
}

/// Every operation that takes a body behind a bearer token answers 401 at once to a
/// caller without one whose body never arrives: no body byte is awaited before the
/// token and session are checked. A request framed by both `Content-Length` and
/// `Transfer-Encoding` gets 400 and a closed connection, on hyper's path and on the
/// sendfile path alike.
#[tokio::test]
async fn bodies_are_read_only_after_the_credentials_and_never_framed_twice() {
    let (settings, dir, pg) = test_settings(Backend::Sqlite).await.unwrap();
    let app = spawn_with(settings, dir, pg).await;
    let port = crate::helpers::port_of(&app.address);
    let spec: Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut checked = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let bearer = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("BearerAuth").is_some()));
            if op.get("requestBody").is_none() || !bearer {
                continue;
            }
            let target = path
                .split('/')
                .map(|seg| {
                    if seg.starts_with('{') {
                        "00000000-0000-4000-8000-000000000000"
                    } else {
                        seg
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let head = format!(
                "{} {target} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                 Content-Length: 100\r\n\r\n",
                method.to_uppercase()
            );
            let started = Instant::now();
            let answer = tokio::task::spawn_blocking(move || {
                let mut s = stall(port, &head, 10).expect("connects");
                answer_of(&mut s, Duration::from_secs(5)).0
            })
            .await
            .unwrap();
            let took = started.elapsed();
            assert!(
                answer.starts_with("HTTP/1.1 401"),
                "{method} {path}: {}",
                answer.lines().next().unwrap_or("no answer")
            );
            assert!(
                took < Duration::from_secs(2),
                "{method} {path} took {took:?}"
            );
            checked.push(format!("{method} {path}"));
        }
    }
    println!("401 before the body: {checked:?}");
    assert!(checked.len() >= 10, "{checked:?}");

    // The first request of a connection framed both ways: 400 and closed, nothing after
    // it read as a request, on hyper's routes and the sendfile path's alike.
    let twice = |target: &str| {
        let method = if target.contains("stream") {
            "GET"
        } else {
            "POST"
        };
        format!(
            "{method} {target} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
             Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n\
             GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
        )
    };
    let send = |request: String| async move {
        tokio::task::spawn_blocking(move || {
            let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
            s.write_all(request.as_bytes()).unwrap();
            answer_of(&mut s, Duration::from_secs(5))
        })
        .await
        .unwrap()
    };
    for target in [
        "/api/auth/login",
        "/api/stream/00000000-0000-4000-8000-000000000000",
    ] {
        let (text, closed) = send(twice(target)).await;
        assert!(text.starts_with("HTTP/1.1 400"), "{target}: {text}");
        assert!(text.contains("application/problem+json"), "{text}");
        assert!(text.contains("Transfer-Encoding"), "{text}");
        assert!(closed, "{target}: the connection is closed");
        assert_eq!(text.matches("HTTP/1.1 ").count(), 1, "{target}: {text}");
    }
    // On a connection hyper already serves, such a request is read by its
    // Transfer-Encoding alone and the connection closed after its answer (RFC 9112
    // section 6.3's other way): the bytes after it are never read as a request.
    let (text, closed) = send(format!(
        "GET /health HTTP/1.1\r\nHost: x\r\n\r\n{}",
        twice("/api/auth/login")
    ))
    .await;
    assert!(closed, "{text}");
    assert_eq!(text.matches("HTTP/1.1 ").count(), 2, "{text}");
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
}
