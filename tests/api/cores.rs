//! Connections served by one pinned thread per CPU (`server.accept_per_cpu`, the
//! default) and by one socket on the shared runtime: both take bursts from every CPU,
//! and both stop gracefully with a transfer in flight. How connections are steered
//! between the sockets is tested beside the code (`server::cores`).

use crate::cli::server_process_with;
use crate::helpers::{spawn_with, test_settings, Backend};
use crate::media::spawn_media_app;
use homestream::accounts::Role;
use std::io::{Read, Write};
use std::time::Duration;

/// The threads of process `pid` serving `port`, as (name, CPUs it may run on). A thread
/// names itself as it starts, so this waits up to 5 s for `expected` of them.
fn connection_threads(pid: u32, port: u16, expected: usize) -> Vec<(String, String)> {
    let prefix = format!("http{port}:cpu");
    let mut found = Vec::new();
    for _ in 0..250 {
        found.clear();
        for task in std::fs::read_dir(format!("/proc/{pid}/task"))
            .unwrap()
            .flatten()
        {
            let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            let name = comm.trim();
            if !name.starts_with(&prefix) {
                continue;
            }
            let status = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
            let allowed = status
                .lines()
                .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
                .unwrap_or_default()
                .trim()
                .to_owned();
            found.push((name.to_owned(), allowed));
        }
        if found.len() >= expected {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    found.sort();
    found
}

/// The CPUs this process may run on.
fn cpus() -> Vec<usize> {
    homestream::server::cores::allowed()
}

/// `GET /health` on a fresh connection; the status line.
fn health(port: u16) -> String {
    let mut conn = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connects");
    conn.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    conn.write_all(b"GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    let _ = conn.read_to_string(&mut answer);
    answer.lines().next().unwrap_or_default().to_owned()
}

/// Eight client threads per CPU, each pinned to its CPU, released together, each
/// making five requests on fresh connections: every one is answered.
async fn a_burst_from_every_cpu_is_answered(port: u16) {
    let cpus = cpus();
    let statuses = tokio::task::spawn_blocking(move || {
        let start = std::sync::Arc::new(std::sync::Barrier::new(cpus.len() * 8));
        let clients: Vec<_> = cpus
            .iter()
            .flat_map(|&cpu| std::iter::repeat_n(cpu, 8))
            .map(|cpu| {
                let start = start.clone();
                std::thread::spawn(move || {
                    homestream::server::cores::pin(cpu).unwrap();
                    start.wait();
                    (0..5).map(|_| health(port)).collect::<Vec<_>>()
                })
            })
            .collect();
        clients
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    assert!(!statuses.is_empty());
    for status in statuses {
        assert_eq!(status, "HTTP/1.1 200 OK");
    }
}

#[tokio::test]
async fn each_cpu_has_a_pinned_connection_thread_that_serves() {
    let Some((settings, dir, pg)) = test_settings(Backend::Sqlite).await else {
        return;
    };
    assert!(settings.server.accept_per_cpu, "on by default");
    let app = spawn_with(settings, dir, pg).await;
    let port = crate::helpers::port_of(&app.address);
    // Serving has begun once a request is answered.
    let answer = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let cpus = cpus();
    let expected: Vec<_> = if cpus.len() > 1 {
        cpus.iter()
            .map(|c| (format!("http{port}:cpu{c}"), c.to_string()))
            .collect()
    } else {
        Vec::new()
    };
    let mut expected = expected;
    expected.sort();
    let me = std::process::id();
    assert_eq!(connection_threads(me, port, expected.len()), expected);
    a_burst_from_every_cpu_is_answered(port).await;
}

/// CPU time (user and system, in clock ticks) of this process's thread named `name`.
fn thread_cpu_ticks(name: &str) -> u64 {
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim() != name {
            continue;
        }
        let stat = std::fs::read_to_string(task.path().join("stat")).unwrap();
        // After the name in parentheses: state is field 3, utime 14, stime 15.
        let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
        return fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    }
    panic!("no thread named {name}");
}

#[tokio::test]
async fn connections_all_from_one_cpu_are_shared_by_every_thread() {
    // A single-worker proxy opens all its connections from one CPU, so steering alone
    // would leave the other CPUs' threads idle: they must still take a share.
    let Some((settings, dir, pg)) = test_settings(Backend::Sqlite).await else {
        return;
    };
    let cpus = cpus();
    if cpus.len() < 2 {
        assert!(
            !crate::helpers::required(),
            "one CPU allowed: nothing to share"
        );
        eprintln!("SKIPPED: one CPU allowed, per-CPU threads not tested");
        return;
    }
    let app = spawn_with(settings, dir, pg).await;
    let port = crate::helpers::port_of(&app.address);
    let answer = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let names: Vec<String> = cpus.iter().map(|c| format!("http{port}:cpu{c}")).collect();
    assert_eq!(
        connection_threads(std::process::id(), port, cpus.len()).len(),
        cpus.len()
    );
    let before: Vec<u64> = names.iter().map(|n| thread_cpu_ticks(n)).collect();
    let from = cpus[0];
    // The clients run until the threads have spent enough CPU to compare (other tests
    // may hold the CPUs), or 20 s.
    let spent_since = move |names: &[String]| -> Vec<u64> {
        names
            .iter()
            .zip(&before)
            .map(|(n, b)| thread_cpu_ticks(n) - b)
            .collect()
    };
    let watched = names.clone();
    let (answered, spent) = tokio::task::spawn_blocking(move || {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let clients: Vec<_> = (0..4)
            .map(|_| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    homestream::server::cores::pin(from).unwrap();
                    let mut conns: Vec<_> = (0..4)
                        .map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).unwrap())
                        .collect();
                    let mut answered = 0u64;
                    let mut buf = vec![0u8; 4096];
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        for conn in &mut conns {
                            conn.write_all(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
                                .unwrap();
                            let n = conn.read(&mut buf).unwrap();
                            assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
                            answered += 1;
                        }
                    }
                    answered
                })
            })
            .collect();
        let started = std::time::Instant::now();
        while spent_since(&watched).iter().sum::<u64>() < 100
            && started.elapsed() < Duration::from_secs(20)
        {
            std::thread::sleep(Duration::from_millis(100));
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let answered = clients.into_iter().map(|c| c.join().unwrap()).sum::<u64>();
        (answered, spent_since(&watched))
    })
    .await
    .unwrap();
    let total: u64 = spent.iter().sum();
    assert!(
        answered > 100 && total >= 50,
        "{answered} requests, {total} ticks"
    );
    for (name, ticks) in names.iter().zip(&spent) {
        assert!(
            *ticks * 5 >= total,
            "{name} served {ticks} of {total} ticks: {spent:?}"
        );
    }
}

#[tokio::test]
async fn with_accept_per_cpu_off_one_socket_serves_on_the_shared_runtime() {
    let Some((mut settings, dir, pg)) = test_settings(Backend::Sqlite).await else {
        return;
    };
    settings.server.accept_per_cpu = false;
    let app = spawn_with(settings, dir, pg).await;
    let port = crate::helpers::port_of(&app.address);
    let answer = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let me = std::process::id();
    assert_eq!(connection_threads(me, port, 0), Vec::new());
    a_burst_from_every_cpu_is_answered(port).await;
}

/// `homestream serve` in its own process stops on SIGTERM: a transfer in flight is
/// finished to its last byte, new connections are refused, and the process exits 0.
async fn a_transfer_in_flight_finishes_when_the_server_stops(per_cpu: bool) {
    let files = [("big_raw.mkv", "big.mkv")];
    let Some(app) = spawn_media_app(Backend::Sqlite, &files, |_| {}).await else {
        return;
    };
    app.scan().await;
    let token = app.token_for("admin", Role::Admin).await;
    let id = app.video(&token, "big.mkv").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let size = std::fs::metadata(app.library.join("big.mkv"))
        .unwrap()
        .len();
    let flag = if per_cpu { "true" } else { "false" };
    let env = [("HOMESTREAM_SERVER__ACCEPT_PER_CPU", flag)];
    let mut server = server_process_with(&app.settings, &app.library, &env, None).await;
    let port = crate::helpers::port_of(&server.address);
    let expected = if per_cpu && cpus().len() > 1 {
        cpus().len()
    } else {
        0
    };
    let threads = connection_threads(server.pid(), port, expected).len();
    assert_eq!(
        threads, expected,
        "connection threads of the server process"
    );

    let received = tokio::task::spawn_blocking(move || {
        let mut conn = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let head = format!(
            "GET /api/stream/{id} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {token}\r\n\r\n"
        );
        conn.write_all(head.as_bytes()).unwrap();
        let mut first = vec![0u8; 64 * 1024];
        conn.read_exact(&mut first).unwrap();
        let text = String::from_utf8_lossy(&first);
        assert!(text.starts_with("HTTP/1.1 200"), "{}", &text[..80]);
        let body_start = text.find("\r\n\r\n").unwrap() + 4;
        server.ask_to_stop();
        // The listener goes first: a new connection is refused while the transfer runs.
        let refused = (0..100).any(|_| {
            std::thread::sleep(Duration::from_millis(20));
            std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
        });
        assert!(refused, "new connections are still taken after SIGTERM");
        let mut rest = Vec::new();
        conn.read_to_end(&mut rest).unwrap();
        let status = server.exit_within(Duration::from_secs(20));
        (first.len() - body_start + rest.len(), status)
    })
    .await
    .unwrap();
    assert_eq!(received.0 as u64, size, "the whole file arrived");
    let status = received.1.expect("the server exited after its transfer");
    assert!(status.success(), "{status}");
}

#[tokio::test]
async fn a_transfer_in_flight_finishes_when_the_server_stops_per_cpu() {
    a_transfer_in_flight_finishes_when_the_server_stops(true).await;
}

#[tokio::test]
async fn a_transfer_in_flight_finishes_when_the_server_stops_on_one_socket() {
    a_transfer_in_flight_finishes_when_the_server_stops(false).await;
}
