//! Connections as the accept loop serves them: a burst of fresh connections is
//! answered, and a stop lets a transfer in flight finish.

use crate::cli::server_process_with;
use crate::helpers::{spawn_with, test_settings, Backend};
use crate::media::spawn_media_app;
use homestream::accounts::Role;
use std::io::{Read, Write};
use std::time::Duration;

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

/// Sixteen client threads released together, each making five requests on fresh
/// connections: every one is answered.
#[tokio::test]
async fn a_burst_of_fresh_connections_is_answered() {
    let Some((settings, dir, pg)) = test_settings(Backend::Sqlite).await else {
        return;
    };
    let app = spawn_with(settings, dir, pg).await;
    let port = crate::helpers::port_of(&app.address);
    let statuses = tokio::task::spawn_blocking(move || {
        let start = std::sync::Arc::new(std::sync::Barrier::new(16));
        let clients: Vec<_> = (0..16)
            .map(|_| {
                let start = start.clone();
                std::thread::spawn(move || {
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

/// `homestream serve` in its own process stops on SIGTERM: a transfer in flight is
/// finished to its last byte, new connections are refused, and the process exits 0.
#[tokio::test]
async fn a_transfer_in_flight_finishes_when_the_server_stops() {
    let files = [("big_raw.mkv", "big.mkv")];
    let Some(app) = spawn_media_app(Backend::Sqlite, &files, |_| {}).await else {
        return;
    };
    app.scan().await;
    let token = app.token_for("admin", Role::Admin).await;
    let id = app.video_id(&token, "big.mkv").await;
    let size = app.file_len("big.mkv");
    let mut server = server_process_with(&app.settings, &app.library, &[], None).await;
    let port = crate::helpers::port_of(&server.address);

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
