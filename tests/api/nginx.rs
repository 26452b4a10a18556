//! Debian's nginx, with `deploy/nginx/homestream.conf`, in front of the app on
//! loopback: ranges, validators, 429s and forwarded addresses pass through unchanged.

use crate::helpers::{assert_problem, Backend};
use crate::media::{for_each_backend, spawn_media_app};
use homestream::accounts::Role;
use homestream::config::PositiveInt;
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

for_each_backend!(nginx_passes_ranges_validators_and_limits_through);

/// nginx running the deploy configuration, pointed at `app_port`.
struct Nginx {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Nginx {
    /// A fast shutdown, in which the master stops its worker: killed outright, the
    /// master would leave its worker running, orphaned, after the tests.
    fn drop(&mut self) {
        crate::helpers::terminate(&mut self.child, Duration::from_secs(5));
    }
}

fn nginx_binary() -> Option<&'static str> {
    let found = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    if found.is_none() {
        crate::helpers::skip("nginx", "nginx not found (apt-get install nginx-light)");
    }
    found
}

impl Nginx {
    fn start(binary: &str, app_port: u16) -> Self {
        Self::start_for(binary, &[app_port])
    }

    /// nginx spreading requests over the instances on `app_ports` (round robin).
    fn start_for(binary: &str, app_ports: &[u16]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(binary);
        // nginx takes listening sockets from `NGINX=fd;` (its binary upgrade) and
        // matches them to `listen` by address: the port is bound here and never let go.
        let (listener, port) = crate::helpers::hand_over_listener(&mut cmd);
        let site = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/deploy/nginx/homestream.conf"
        ))
        .unwrap();
        assert!(site.contains("server app:3000;") && site.contains("listen 80;"));
        let upstreams: String = app_ports
            .iter()
            .map(|p| format!("server 127.0.0.1:{p};\n"))
            .collect();
        let site = site
            .replace("server app:3000;", &upstreams)
            .replace("listen 80;", &format!("listen 127.0.0.1:{port};"));
        let d = dir.path().display();
        let conf = format!(
            "user root;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
             events {{ worker_connections 1024; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
             fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
             {site}\n}}\n"
        );
        std::fs::write(dir.path().join("nginx.conf"), conf).unwrap();
        let child = cmd
            .env("NGINX", "3;")
            .args(["-p", &d.to_string(), "-e", &format!("{d}/error.log")])
            .args(["-c", &format!("{d}/nginx.conf"), "-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("nginx runs");
        drop(listener);
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "nginx did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            port,
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The master's child processes (its worker).
    fn workers(&self) -> Vec<u32> {
        let pid = self.child.id();
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect()
    }
}

async fn nginx_passes_ranges_validators_and_limits_through(backend: Backend) {
    let Some(binary) = nginx_binary() else {
        return;
    };
    let files = [("big_raw.mkv", "big.mkv"), ("h264_aac.mp4", "a.mp4")];
    let Some(app) = spawn_media_app(backend, &files, |s| {
        s.streaming.max_concurrent_streams = PositiveInt(2);
        s.server.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await
    else {
        return;
    };
    app.scan().await;
    let port = crate::helpers::port_of(&app.address);
    let nginx = Nginx::start(binary, port);
    let client = reqwest::Client::new();
    let ann = app.token_for("ann", Role::User).await;
    let bob = app.token_for("bob", Role::User).await;
    let a = app.video_id(&ann, "a.mp4").await;
    let big = app.video_id(&ann, "big.mkv").await;
    let file = std::fs::read(app.library.join("a.mp4")).unwrap();

    // A range, as the app answers it.
    let ranged = client
        .get(nginx.url(&format!("/api/stream/{a}")))
        .bearer_auth(&ann)
        .header("range", "bytes=100-1123")
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.status(), 206);
    let h = ranged.headers().clone();
    assert_eq!(
        h["content-range"],
        format!("bytes 100-1123/{}", file.len()).as_str()
    );
    assert_eq!(h["accept-ranges"], "bytes");
    assert_eq!(h["content-type"], "video/mp4");
    assert!(h.contains_key("x-request-id"));
    assert_eq!(ranged.bytes().await.unwrap(), file[100..1124]);
    let etag = h["etag"].to_str().unwrap().to_owned();

    // Validators: a 304, and a multipart answer for two ranges.
    let not_modified = client
        .get(nginx.url(&format!("/api/stream/{a}")))
        .bearer_auth(&ann)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(not_modified.status(), 304);
    let multi = client
        .get(nginx.url(&format!("/api/stream/{a}")))
        .bearer_auth(&ann)
        .header("range", "bytes=0-9,20-29")
        .send()
        .await
        .unwrap();
    assert_eq!(multi.status(), 206);
    assert!(multi.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("multipart/byteranges"));

    // nginx is a trusted proxy, so the address in its X-Forwarded-For is the client's
    // (here the one the test put there, since the test itself runs on loopback).
    let addrs: Vec<String> = app
        .state
        .streamer
        .registry()
        .list()
        .iter()
        .filter_map(|s| s.client_addr.map(|a| a.to_string()))
        .collect();
    assert_eq!(addrs, ["203.0.113.9"]);

    // Both stream slots are Ann's (her second device plays another video); Bob's
    // request is refused through nginx unchanged.
    let ann_tv = app.login_token("ann").await;
    let held = client
        .get(nginx.url(&format!("/api/stream/{big}")))
        .bearer_auth(&ann_tv)
        .send()
        .await
        .unwrap();
    assert_eq!(held.status(), 200);
    let refused = client
        .get(nginx.url(&format!("/api/stream/{big}")))
        .bearer_auth(&bob)
        .header("range", "bytes=0-99")
        .send()
        .await
        .unwrap();
    assert!(refused.headers().contains_key("retry-after"));
    let body = assert_problem(refused, 429, "rate_limited").await;
    assert_eq!(body["limit"], "streaming.max_concurrent_streams");
    drop(held);

    // Signed links name the host the client used, as nginx forwarded it.
    let link: Value = client
        .post(nginx.url(&format!("/api/videos/{a}/stream-url")))
        .bearer_auth(&ann)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let want = format!("http://127.0.0.1:{}/api/stream/{a}?token=", nginx.port);
    assert!(link["url"].as_str().unwrap().starts_with(&want), "{link}");

    // HLS through nginx: the playlists' relative URIs carry the link, the segment comes
    // from ffmpeg unbuffered.
    let get = |path: String| client.get(nginx.url(&path)).send();
    let token = link["token"].as_str().unwrap();
    let master = get(format!("/api/hls/{a}/master.m3u8?token={token}"))
        .await
        .unwrap();
    assert_eq!(
        master.headers()["content-type"],
        "application/vnd.apple.mpegurl"
    );
    let master = master.text().await.unwrap();
    let variant = master
        .lines()
        .find(|l| l.starts_with("240p/"))
        .expect("a 240p rung");
    let media = get(format!("/api/hls/{a}/{variant}")).await.unwrap();
    let media = media.text().await.unwrap();
    let segment = media
        .lines()
        .find(|l| l.starts_with("0.ts"))
        .expect("segment 0");
    let ts = get(format!("/api/hls/{a}/240p/{segment}")).await.unwrap();
    assert_eq!(ts.status(), 200);
    assert_eq!(ts.headers()["content-type"], "video/mp2t");
    assert_eq!(ts.bytes().await.unwrap()[0], 0x47, "an MPEG-TS sync byte");

    // Stopped, nginx leaves no worker behind to hold the port after the tests.
    let workers = nginx.workers();
    assert!(!workers.is_empty(), "nginx runs a worker");
    drop(nginx);
    for pid in workers {
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists(),
            "nginx's worker {pid} outlived its master"
        );
    }
}

/// Two instances on one database behind nginx, which sends a player's requests to each
/// in turn: each instance makes the segments it is asked for with an ffmpeg run of its
/// own (one from segment 0, one from segment 1), and the segments, joined as the
/// player received them, decode without a single message from `ffmpeg -v error`.
#[tokio::test]
async fn segments_made_by_two_instances_behind_nginx_join_cleanly() {
    let Some(binary) = nginx_binary() else {
        return;
    };
    let trust = |s: &mut homestream::config::Settings| {
        s.server.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    };
    let Some(a) = spawn_media_app(
        Backend::Postgres,
        &[("hevc_ac3_long.mkv", "film.mkv")],
        trust,
    )
    .await
    else {
        return;
    };
    a.scan().await;
    // The second instance: the same database, library and secret; its own data
    // directory, so its own transcode cache and ffmpeg runs.
    let b = a.another_instance().await;
    let port = |app: &crate::helpers::TestApp| -> u16 { crate::helpers::port_of(&app.address) };
    let nginx = Nginx::start_for(binary, &[port(&a), port(&b)]);
    let token = a.token_for("viewer", Role::User).await;
    let id = a.video_id(&token, "film.mkv").await;
    let client = reqwest::Client::new();
    let mut joined = Vec::new();
    for n in 0..8 {
        let url = nginx.url(&format!("/api/hls/{id}/480p/{n}.ts"));
        let mut resp = client.get(&url).bearer_auth(&token).send().await.unwrap();
        // A late segment is asked again, sooner than its Retry-After, within 6 s.
        for _ in 0..24 {
            if resp.status() != 503 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
            resp = client.get(&url).bearer_auth(&token).send().await.unwrap();
        }
        assert_eq!(resp.status(), 200, "segment {n}");
        joined.extend_from_slice(&resp.bytes().await.unwrap());
    }
    let runs = |app: &crate::helpers::TestApp| app.state.transcoder.stats.totals().0;
    assert!(
        runs(&a) >= 1 && runs(&b) >= 1,
        "both instances made segments: {} and {} runs",
        runs(&a),
        runs(&b)
    );
    crate::media::assert_decodes_silently(&joined).await;
}
