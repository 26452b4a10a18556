//! Redis across instances and through faults: two instances on one PostgreSQL and one
//! Redis share sessions and one stream limit; a Redis that stops answering leaves
//! login and streaming working, shows in `/ready`, and is resynchronised on return.

use crate::helpers::{assert_problem, redis_available, redis_url, Backend, Store, TestApp};
use crate::media::{for_each_backend, spawn_media_app, spawn_media_store};
use homestream::accounts::Role;
use homestream::config::{ConnectionUrl, HumanDuration, PositiveInt};
use reqwest::Method;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

async fn stream_range(app: &TestApp, id: &str, token: &str) -> reqwest::Response {
    app.client
        .get(app.url(&format!("/api/stream/{id}")))
        .bearer_auth(token)
        .header("range", "bytes=0-1023")
        .send()
        .await
        .unwrap()
}

/// Polls until `check` holds, for at most `within`.
async fn eventually(within: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < within {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test]
async fn two_instances_share_sessions_and_one_stream_limit() {
    let store = Store {
        backend: Backend::Postgres,
        redis: true,
    };
    let files = [("big_raw.mkv", "big.mkv")];
    let Some(a) = spawn_media_store(store, &files, |s| {
        s.streaming.max_concurrent_streams = PositiveInt(1);
        s.streaming.idle_timeout = HumanDuration(Duration::from_secs(1));
    })
    .await
    else {
        return;
    };
    a.scan().await;
    // A second instance: same database, Redis prefix, secret and library.
    let b = a.another_instance().await;

    let ann = a.token_for("ann", Role::User).await;
    b.create_user("bob", Role::User).await;
    let bob = b.login_token("bob").await;
    assert_eq!(
        b.get("/api/users/me", &ann).await.status(),
        200,
        "A's session works on B"
    );
    let id = a.video_id(&ann, "big.mkv").await;

    // Ann streams from A; the one server-wide slot is taken on B too.
    let held = a.get(&format!("/api/stream/{id}"), &ann).await;
    assert_eq!(held.status(), 200);
    let refused = assert_problem(stream_range(&b, &id, &bob).await, 429, "rate_limited").await;
    assert_eq!(refused["limit"], "streaming.max_concurrent_streams");
    // The README's keys hold the shared slots: the global set and Ann's own.
    let ann_id = a.my_id(&ann).await;
    let prefix = &a.settings.redis.key_prefix;
    for key in [
        format!("{prefix}streaming:active"),
        format!("{prefix}streaming:active:user:{ann_id}"),
    ] {
        let out = Command::new("redis-cli")
            .args(["-u", a.settings.redis.url.expose(), "EXISTS", &key])
            .output()
            .expect("redis-cli runs (package redis-tools)");
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1", "{key}");
    }
    // Ann's own parallel request through B joins her stream.
    assert_eq!(stream_range(&b, &id, &ann).await.status(), 206);

    // B's admin view lists the stream A serves; ending it through B stops A's transfer.
    let admin = b.token_for("boss", Role::Admin).await;
    let mut listed = Vec::new();
    let seen = eventually(Duration::from_secs(5), async || {
        listed = b
            .get("/api/admin/streams", &admin)
            .await
            .json()
            .await
            .unwrap();
        listed.iter().any(|s: &Value| s["username"] == "ann")
    })
    .await;
    assert!(seen, "B lists A's stream: {listed:?}");
    let stream_id = listed[0]["id"].as_str().unwrap().to_owned();
    let end = async || {
        let path = format!("/api/admin/streams/{stream_id}");
        b.send_json(Method::DELETE, &path, &admin, &json!({}))
            .await
            .status()
    };
    assert_eq!(end().await, 204);
    let mut held = held;
    let stopped = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            // A player reading at its own pace.
            match held.chunk().await {
                Ok(Some(_)) => tokio::time::sleep(Duration::from_millis(50)).await,
                other => return other.is_err(),
            }
        }
    })
    .await;
    assert_eq!(
        stopped,
        Ok(true),
        "A's transfer was cut by the end made on B"
    );
    let gone = eventually(Duration::from_secs(5), async || {
        let list: Vec<Value> = b
            .get("/api/admin/streams", &admin)
            .await
            .json()
            .await
            .unwrap();
        list.is_empty()
    })
    .await;
    assert!(gone, "the ended stream left the shared list");
    assert_eq!(end().await, 404, "an ended stream is gone");

    // When her stream closes, Bob gets the slot on B.
    drop(held);
    let freed = eventually(Duration::from_secs(8), async || {
        stream_range(&b, &id, &bob).await.status() == 206
    })
    .await;
    assert!(freed, "the shared slot was never released");

    // Logging out on B ends the session on A at once.
    let out = b
        .send_json(Method::POST, "/api/auth/logout", &ann, &json!({}))
        .await;
    assert_eq!(out.status(), 204);
    assert_problem(a.get("/api/users/me", &ann).await, 401, "session_ended").await;
}

for_each_backend!(a_stopped_redis_leaves_login_and_streaming_working);

/// A redis-server of the test's own, on a free port, so it can be stopped.
pub struct PrivateRedis {
    child: Child,
    pub url: String,
    _dir: tempfile::TempDir,
}

impl PrivateRedis {
    /// Starts on a Unix socket of its own (no TCP port to race for).
    pub fn start() -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("redis.sock");
        let spawned = Command::new("redis-server")
            .args(["--port", "0", "--unixsocket"])
            .arg(&socket)
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(e) => {
                crate::helpers::skip("redis", &format!("redis-server cannot run ({e})"));
                return None;
            }
        };
        let url = format!("redis+unix://{}", socket.display());
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(5) {
            if std::os::unix::net::UnixStream::connect(&socket).is_ok() {
                return Some(Self {
                    child,
                    url,
                    _dir: dir,
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("redis-server did not start");
    }

    pub fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.signal("-CONT");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn ready_status(app: &TestApp) -> (String, String) {
    let v: Value = app
        .client
        .get(app.url("/ready"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        v["status"].as_str().unwrap().to_owned(),
        v["redis"].as_str().unwrap().to_owned(),
    )
}

async fn a_stopped_redis_leaves_login_and_streaming_working(backend: Backend) {
    if !redis_available(&redis_url()) {
        return;
    }
    let Some(redis) = PrivateRedis::start() else {
        return;
    };
    let url = redis.url.clone();
    let files = [("h264_aac.mp4", "a.mp4")];
    let Some(app) = spawn_media_app(backend, &files, |s| {
        s.redis.url = ConnectionUrl::new(url);
    })
    .await
    else {
        return;
    };
    app.scan().await;
    let ann = app.token_for("ann", Role::User).await;
    let id = app.video_id(&ann, "a.mp4").await;
    assert_eq!(stream_range(&app, &id, &ann).await.status(), 206);
    assert_eq!(ready_status(&app).await, ("ready".into(), "ok".into()));
    let doomed = app.login_token("ann").await;

    // Redis stops answering (SIGSTOP: connections hang rather than fail). A login
    // whose failure count Redis does not take while it is still believed up is refused
    // unchecked (a named 503: a burst that slowed Redis must not give each instance a
    // budget of its own); once the breaker opens, the local counts decide and logins
    // work again, as a client retrying after Retry-After finds.
    redis.signal("-STOP");
    let started = Instant::now();
    let first = app.login("ann", crate::helpers::PASSWORD).await;
    assert!(first.headers().contains_key("retry-after"));
    assert_problem(first, 503, "login_busy").await;
    let mut during = None;
    for _ in 0..20 {
        let resp = app.login("ann", crate::helpers::PASSWORD).await;
        if resp.status() == 200 {
            let body: Value = resp.json().await.unwrap();
            during = Some(body["access_token"].as_str().unwrap().to_owned());
            break;
        }
        assert_problem(resp, 503, "login_busy").await;
    }
    let during = during.expect("a login once the breaker opened");
    assert_eq!(stream_range(&app, &id, &ann).await.status(), 206);
    assert_eq!(stream_range(&app, &id, &during).await.status(), 206);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "requests waited on the dead Redis: {:?}",
        started.elapsed()
    );
    let degraded = eventually(Duration::from_secs(5), async || {
        ready_status(&app).await == ("degraded".to_owned(), "unavailable".to_owned())
    })
    .await;
    assert!(degraded, "/ready does not report the degraded state");
    let resp = app.client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(resp.status(), 200, "degraded is still ready to serve");
    // A logout while Redis is away must not be undone by its stale copy later.
    let out = app
        .send_json(Method::POST, "/api/auth/logout", &doomed, &json!({}))
        .await;
    assert_eq!(out.status(), 204);

    // Redis returns: the breaker closes and the shared copies are resynchronised.
    redis.signal("-CONT");
    let back = eventually(Duration::from_secs(10), async || {
        ready_status(&app).await.0 == "ready"
    })
    .await;
    assert!(back, "/ready never recovered");
    assert_problem(
        app.get("/api/users/me", &doomed).await,
        401,
        "session_ended",
    )
    .await;
    assert_eq!(app.get("/api/users/me", &during).await.status(), 200);
    assert_eq!(stream_range(&app, &id, &ann).await.status(), 206);
    assert_eq!(
        app.login("ann", crate::helpers::PASSWORD).await.status(),
        200
    );
}

#[tokio::test]
async fn failed_logins_on_one_instance_throttle_the_other() {
    let store = Store {
        backend: Backend::Postgres,
        redis: true,
    };
    let Some(a) = crate::helpers::spawn_store(store, |s| {
        s.auth.max_failed_logins = PositiveInt(3);
    })
    .await
    else {
        return;
    };
    let b = a.another_instance().await;
    a.create_user("ann", Role::User).await;
    for _ in 0..3 {
        assert_eq!(a.login("ann", "wrong password").await.status(), 401);
    }
    let refused = assert_problem(
        b.login("ann", crate::helpers::PASSWORD).await,
        429,
        "rate_limited",
    )
    .await;
    assert_eq!(refused["limit"], "auth.max_failed_logins");

    // A successful login forgets the user's failures on every instance.
    a.create_user("bob", Role::User).await;
    for _ in 0..2 {
        assert_eq!(a.login("bob", "wrong password").await.status(), 401);
    }
    assert_eq!(a.login("bob", crate::helpers::PASSWORD).await.status(), 200);
    for _ in 0..2 {
        assert_eq!(b.login("bob", "wrong password").await.status(), 401);
    }
    assert_eq!(
        b.login("bob", crate::helpers::PASSWORD).await.status(),
        200,
        "the success on A reset the shared count"
    );
}

/// A player on A reports `stopped` to B and opens the same video again on A at once,
/// while three other sessions keep asking B for the remaining slots (limit 4): the
/// reopened playback on A is not cut (its request came after the report), and at no
/// moment do Redis's live slots exceed the limit, though B answered the report.
#[tokio::test]
async fn a_stop_reported_elsewhere_never_cuts_a_reopened_stream_nor_overfills_the_limit() {
    let store = Store {
        backend: Backend::Postgres,
        redis: true,
    };
    let files = [("big_raw.mkv", "big.mkv")];
    let Some(a) = spawn_media_store(store, &files, |s| {
        s.streaming.max_concurrent_streams = PositiveInt(4);
        s.streaming.max_streams_per_user = PositiveInt(4);
    })
    .await
    else {
        return;
    };
    a.scan().await;
    let b = a.another_instance().await;
    let ann = a.token_for("ann", Role::User).await;
    let id = a.video_id(&ann, "big.mkv").await;
    let others: Vec<String> = {
        let mut tokens = Vec::new();
        for name in ["u1", "u2", "u3", "u4"] {
            tokens.push(b.token_for(name, Role::User).await);
        }
        tokens
    };
    // Ann and three others hold the four slots.
    assert_eq!(stream_range(&a, &id, &ann).await.status(), 206);
    for token in &others[..3] {
        assert_eq!(stream_range(&b, &id, token).await.status(), 206);
    }
    let live = {
        let (url, key) = (
            a.settings.redis.url.expose().to_owned(),
            format!("{}streaming:active", a.settings.redis.key_prefix),
        );
        move || {
            let now = chrono::Utc::now().timestamp_millis().to_string();
            let out = Command::new("redis-cli")
                .args(["-u", &url, "ZCOUNT", &key, &now, "+inf"])
                .output()
                .expect("redis-cli runs (package redis-tools)");
            String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse::<u32>()
                .unwrap_or(0)
        }
    };
    let sampler = std::thread::spawn({
        let live = live.clone();
        move || {
            let started = Instant::now();
            let mut most = 0;
            while started.elapsed() < Duration::from_secs(4) {
                most = most.max(live());
                std::thread::sleep(Duration::from_millis(20));
            }
            most
        }
    });
    let stopped = b
        .send_json(
            Method::PUT,
            &format!("/api/videos/{id}/progress"),
            &ann,
            &json!({ "position_seconds": 1.0, "state": "stopped" }),
        )
        .await;
    assert_eq!(stopped.status(), 200);
    let mut reopened = a.get(&format!("/api/stream/{id}"), &ann).await;
    assert_eq!(reopened.status(), 200);
    // The fourth other session asks B for a slot again and again meanwhile.
    let mut fourth = Vec::new();
    let reading = async {
        let started = Instant::now();
        let mut read = 0usize;
        while started.elapsed() < Duration::from_secs(3) {
            match reopened.chunk().await {
                Ok(Some(chunk)) => read += chunk.len(),
                other => return (false, read, other.is_err()),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        (true, read, false)
    };
    let asking = async {
        for _ in 0..15 {
            fourth.push(stream_range(&b, &id, &others[3]).await.status().as_u16());
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    let ((still_playing, read, cut), ()) = tokio::join!(reading, asking);
    let most = sampler.join().unwrap();
    println!(
        "reopened playback after a stop reported elsewhere: playing for 3 s {still_playing} \
         ({read} bytes, cut {cut}); the fourth other's tries {fourth:?}; most live slots {most}"
    );
    assert!(still_playing, "the reopened playback was cut");
    assert!(most <= 4, "{most} live slots against a limit of 4");
    assert!(fourth.iter().all(|s| *s == 429), "{fourth:?}");
}
