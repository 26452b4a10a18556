//! Direct play over HTTP: ranges, validators, traversal, limits, links.

use crate::helpers::{assert_problem, Backend};
use crate::media::{for_each_backend, spawn_media_app, MediaApp};
use homestream::accounts::Role;
use homestream::auth::{LinkClaims, TokenKeys};
use homestream::streaming::limits::{ABORT_GRACE, RELEASE_GRACE};
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;
use std::time::Duration;

for_each_backend!(
    ranges_follow_rfc_9110_over_http,
    traversal_attempts_never_reach_a_file,
    the_ninth_stream_is_refused_and_parallel_ranges_count_once,
    a_slot_comes_back_after_each_grace_and_the_idle_timeout,
    an_admin_sees_and_ends_streams,
    signed_links_are_bound_to_a_video_and_to_streaming,
    a_signed_link_never_outlives_its_session,
    a_signed_link_dies_at_its_expires_at_to_the_millisecond,
    each_container_is_served_with_its_own_content_type,
    listed_origins_may_read_media_across_origins,
);

/// A playable app with `a.mp4` scanned, an admin token and the file's bytes.
async fn ready(
    backend: Backend,
    tweak: impl FnOnce(&mut homestream::config::Settings),
) -> Option<(MediaApp, String, String, Vec<u8>)> {
    let files = [
        ("h264_aac.mp4", "a.mp4"),
        ("big_raw.mkv", "big.mkv"),
        ("vp9_opus.webm", "Shows/S1/e1.webm"),
    ];
    let app = spawn_media_app(backend, &files, tweak).await?;
    // A Last-Modified date is a strong validator (usable in If-Range) only once it is at
    // least a second old; date the copies back so the test does not race the clock.
    let an_hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    for (_, name) in files {
        let file = std::fs::File::options()
            .write(true)
            .open(app.library.join(name))
            .unwrap();
        file.set_modified(an_hour_ago).unwrap();
    }
    app.scan().await;
    let token = app.token_for("admin", Role::Admin).await;
    let id = app.video_id(&token, "a.mp4").await;
    let bytes = std::fs::read(app.library.join("a.mp4")).unwrap();
    Some((app, token, id, bytes))
}

async fn fetch(
    app: &MediaApp,
    path: &str,
    token: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut map = HeaderMap::new();
    for (k, v) in headers {
        map.insert(
            reqwest::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    app.client
        .get(app.url(path))
        .bearer_auth(token)
        .headers(map)
        .send()
        .await
        .unwrap()
}

async fn ranges_follow_rfc_9110_over_http(backend: Backend) {
    let Some((app, token, id, file)) = ready(backend, |_| {}).await else {
        return;
    };
    let len = file.len();
    let path = format!("/api/stream/{id}");
    let full = fetch(&app, &path, &token, &[]).await;
    assert_eq!(full.status(), 200);
    let h = full.headers().clone();
    assert_eq!(h["accept-ranges"], "bytes");
    assert_eq!(h["content-type"], "video/mp4");
    assert_eq!(h["content-length"].to_str().unwrap(), len.to_string());
    let etag = h["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"'), "strong ETag: {etag}");
    let modified = h["last-modified"].to_str().unwrap().to_owned();
    assert_eq!(full.bytes().await.unwrap(), file);

    // (Range, If-Range, status, expected bytes)
    let wrong_date = "Mon, 01 Jan 2001 00:00:00 GMT";
    let cases: Vec<(&str, Option<&str>, u16, std::ops::Range<usize>)> = vec![
        ("bytes=0-99", None, 206, 0..100),
        ("bytes=100-", None, 206, 100..len),
        ("bytes=-50", None, 206, len - 50..len),
        ("bytes=10-10", None, 206, 10..11),
        ("bytes=0-999999999", None, 206, 0..len),
        ("bytes=abc", None, 200, 0..len),
        ("bytes=5-1", None, 200, 0..len),
        ("chunks=0-1", None, 200, 0..len),
        ("bytes=0-99", Some(etag.as_str()), 206, 0..100),
        ("bytes=0-99", Some("\"stale\""), 200, 0..len),
        ("bytes=0-99", Some(modified.as_str()), 206, 0..100),
        ("bytes=0-99", Some(wrong_date), 200, 0..len),
    ];
    for (range, if_range, status, want) in cases {
        let mut headers = vec![("range", range)];
        if let Some(v) = if_range {
            headers.push(("if-range", v));
        }
        let resp = fetch(&app, &path, &token, &headers).await;
        assert_eq!(resp.status(), status, "{range} {if_range:?}");
        if status == 206 {
            let cr = format!("bytes {}-{}/{len}", want.start, want.end - 1);
            assert_eq!(resp.headers()["content-range"], cr.as_str());
        }
        assert_eq!(resp.bytes().await.unwrap(), file[want], "{range}");
    }

    let unsatisfiable = fetch(&app, &path, &token, &[("range", &format!("bytes={len}-"))]).await;
    assert_eq!(unsatisfiable.status(), 416);
    assert_eq!(
        unsatisfiable.headers()["content-range"],
        format!("bytes */{len}").as_str()
    );

    let multi = fetch(&app, &path, &token, &[("range", "bytes=0-9,-10")]).await;
    assert_eq!(multi.status(), 206);
    let ct = multi.headers()["content-type"].to_str().unwrap().to_owned();
    let boundary = ct
        .strip_prefix("multipart/byteranges; boundary=")
        .expect("multipart")
        .to_owned();
    let declared: usize = multi.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body = multi.bytes().await.unwrap();
    assert_eq!(body.len(), declared);
    let mut want = Vec::new();
    for (r, data) in [
        ((0, 9), &file[..10]),
        ((len - 10, len - 1), &file[len - 10..]),
    ] {
        want.extend_from_slice(format!("\r\n--{boundary}\r\nContent-Type: video/mp4\r\nContent-Range: bytes {}-{}/{len}\r\n\r\n", r.0, r.1).as_bytes());
        want.extend_from_slice(data);
    }
    want.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    assert_eq!(body.to_vec(), want);

    for (name, value) in [
        ("if-none-match", etag.as_str()),
        ("if-modified-since", modified.as_str()),
    ] {
        let resp = fetch(&app, &path, &token, &[(name, value)]).await;
        assert_eq!(resp.status(), 304, "{name}");
        assert!(resp.bytes().await.unwrap().is_empty());
    }
    let head = app
        .client
        .head(app.url(&path))
        .bearer_auth(&token)
        .header("range", "bytes=0-9")
        .send()
        .await
        .unwrap();
    // RFC 9110 §14.2: Range is ignored on HEAD; the answer is the whole file's head.
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-length"], len.to_string());
    assert_eq!(head.headers()["accept-ranges"], "bytes");
    assert!(head.headers().get("content-range").is_none());
    // The library path by name: encoded as one segment, or written as it is.
    for path in [
        "/api/stream/video/Shows%2FS1%2Fe1.webm",
        "/api/stream/video/Shows/S1/e1.webm",
    ] {
        let by_name = fetch(&app, path, &token, &[("range", "bytes=0-3")]).await;
        assert_eq!(by_name.status(), 206, "{path}");
        assert_eq!(by_name.headers()["content-type"], "video/webm");
        assert_eq!(
            by_name.bytes().await.unwrap().as_ref(),
            &[0x1A, 0x45, 0xDF, 0xA3],
            "EBML magic from {path}"
        );
    }
}

async fn traversal_attempts_never_reach_a_file(backend: Backend) {
    let Some((app, token, id, _)) = ready(backend, |_| {}).await else {
        return;
    };
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.mp4");
    std::fs::copy(app.library.join("a.mp4"), &secret).unwrap();
    std::os::unix::fs::symlink(&secret, app.library.join("escape.mp4")).unwrap();
    let summary = app.scan().await;
    assert_eq!(
        summary.seen, 3,
        "a symlink leading outside is not scanned: {summary:?}"
    );

    let attempts = [
        "..%2F..%2F..%2Fetc%2Fpasswd",
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "%2Fetc%2Fpasswd",
        "a.mp4%00.txt",
        "..%5C..%5Cetc%5Cpasswd",
        "Shows%2F..%2Fa.mp4",
        "escape.mp4",
        "%252e%252e%252fetc%252fpasswd",
        "%2E%2E",
        "Shows/..%2F..%2F..%2Fetc/passwd",
        "Shows/S1/..%2F..%2Fa.mp4",
        "Shows//S1/e1.webm",
    ];
    for attempt in attempts {
        let resp = fetch(&app, &format!("/api/stream/video/{attempt}"), &token, &[]).await;
        let status = resp.status().as_u16();
        // 422 for the NUL character, refused before any path is built.
        assert!(
            status == 400 || status == 404 || status == 422,
            "{attempt}: {status}"
        );
        assert_eq!(
            resp.headers()["content-type"],
            "application/problem+json",
            "{attempt}"
        );
    }
    // Literal dot segments, which HTTP clients would resolve away, sent as they are.
    for raw in [
        "Shows/../../../etc/passwd",
        "Shows/S1/../../a.mp4",
        "./a.mp4",
    ] {
        let status = raw_status(&app, &format!("/api/stream/video/{raw}"), &token).await;
        assert!(status == "400" || status == "404", "{raw}: {status}");
    }
    // A scanned file swapped for a symlink to the outside afterwards is refused too.
    let inside = app.library.join("a.mp4");
    std::fs::remove_file(&inside).unwrap();
    std::os::unix::fs::symlink(&secret, &inside).unwrap();
    let swapped = fetch(&app, &format!("/api/stream/{id}"), &token, &[]).await;
    assert_problem(swapped, 404, "not_found").await;
}

async fn the_ninth_stream_is_refused_and_parallel_ranges_count_once(backend: Backend) {
    // Room for a fourth session of a user: a login past the cap would end the oldest
    // session, and its stream with it.
    let Some((app, admin, id, _)) = ready(backend, |s| {
        s.auth.max_sessions_per_user = homestream::config::PositiveInt(4);
    })
    .await
    else {
        return;
    };
    let path = format!("/api/stream/{id}");
    let mut tokens = Vec::new();
    for user in ["u1", "u2", "u3"] {
        app.create_user(user, Role::User).await;
        for _ in 0..3 {
            tokens.push(app.login_token(user).await);
        }
    }
    // One session, many parallel range requests: one stream.
    let parallel = (0..6).map(|i| {
        let range = format!("bytes={}-{}", i * 100, i * 100 + 99);
        app.client
            .get(app.url(&path))
            .bearer_auth(&tokens[0])
            .header("range", range)
            .send()
    });
    for resp in futures_util::future::join_all(parallel).await {
        assert_eq!(resp.unwrap().status(), 206);
    }
    let streams: Vec<Value> = app
        .get("/api/admin/streams", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(streams.len(), 1, "{streams:?}");

    for token in &tokens[1..8] {
        assert_eq!(
            fetch(&app, &path, token, &[("range", "bytes=0-0")])
                .await
                .status(),
            206
        );
    }
    let ninth = fetch(&app, &path, &tokens[8], &[("range", "bytes=0-0")]).await;
    assert!(ninth.headers().contains_key("retry-after"));
    let problem = assert_problem(ninth, 429, "rate_limited").await;
    assert_eq!(problem["limit"], "streaming.max_concurrent_streams");
    // A session starting another video ends its previous stream: still one slot.
    let other_video = app.video_id(&admin, "e1.webm").await;
    let switched = fetch(
        &app,
        &format!("/api/stream/{other_video}"),
        &tokens[0],
        &[("range", "bytes=0-0")],
    )
    .await;
    assert_eq!(switched.status(), 206);
    let streams: Vec<Value> = app
        .get("/api/admin/streams", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(streams.len(), 8, "{streams:?}");
    assert_eq!(
        streams
            .iter()
            .filter(|s| s["video_id"] == other_video.as_str())
            .count(),
        1,
        "{streams:?}"
    );
    // Another session of a user with three streams is refused.
    let fourth_session = app.login_token("u1").await;
    let refused = fetch(&app, &path, &fourth_session, &[("range", "bytes=0-0")]).await;
    assert_eq!(refused.status(), 429);
    // HEAD and 304 answers open no stream.
    let head = app
        .client
        .head(app.url(&path))
        .bearer_auth(&tokens[8])
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
}

/// One slot, and the clock moved over each time that holds it: a finished request's
/// grace (15 s), an aborted one's (2 s) and a progress report's idle timeout (30 s
/// here), each checked just before and just after it ends, so a grace swapped for
/// another fails. The slot comes back the moment it is due, with no request in between.
async fn a_slot_comes_back_after_each_grace_and_the_idle_timeout(backend: Backend) {
    let Some((app, _admin, id, _)) = ready(backend, |s| {
        s.streaming.max_concurrent_streams = homestream::config::PositiveInt(1);
        s.streaming.idle_timeout = homestream::config::HumanDuration::secs(30);
    })
    .await
    else {
        return;
    };
    app.create_user("ann", Role::User).await;
    app.create_user("bob", Role::User).await;
    let (ann, bob) = (app.login_token("ann").await, app.login_token("bob").await);
    let path = format!("/api/stream/{id}");
    let clock = &app.state.clock;
    let second = Duration::from_secs(1);
    // Bob's try: the status, and the Retry-After of a refusal.
    let bob_tries = || async {
        let resp = fetch(&app, &path, &bob, &[("range", "bytes=0-9")]).await;
        let after = resp
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
        (resp.status().as_u16(), after)
    };

    // A finished request: the slot is held for RELEASE_GRACE.
    let got = fetch(&app, &path, &ann, &[("range", "bytes=0-9")]).await;
    assert_eq!(got.status(), 206);
    let (status, after) = bob_tries().await;
    assert_eq!(status, 429);
    assert!(after.is_some_and(|s| (14..=15).contains(&s)), "{after:?}");
    clock.advance(RELEASE_GRACE - second);
    assert_eq!(
        bob_tries().await.0,
        429,
        "1 s before the release grace ends"
    );
    clock.advance(2 * second);
    assert_eq!(bob_tries().await.0, 206, "1 s after the release grace");
    clock.advance(RELEASE_GRACE + second);

    // Aborted transfers: the slot is held for ABORT_GRACE after the last one, and many
    // of them leave one stream behind.
    let big = app.video_id(&ann, "big.mkv").await;
    for _ in 0..50 {
        let mut resp = fetch(&app, &format!("/api/stream/{big}"), &ann, &[]).await;
        assert_eq!(resp.status(), 200);
        resp.chunk().await.unwrap();
        drop(resp);
    }
    let registry = app.state.streamer.registry();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let streams = registry.list();
        assert!(streams.len() <= 1, "{streams:?}");
        if streams.iter().all(|s| s.connections == 0) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the aborts were noticed: {streams:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (status, after) = bob_tries().await;
    assert_eq!(status, 429);
    assert!(after.is_some_and(|s| (1..=2).contains(&s)), "{after:?}");
    clock.advance(ABORT_GRACE / 2);
    assert_eq!(bob_tries().await.0, 429, "within the abort grace");
    clock.advance(ABORT_GRACE / 2 + second);
    assert_eq!(
        bob_tries().await.0,
        206,
        "after the abort grace, long before the release grace"
    );
    clock.advance(RELEASE_GRACE + second);

    // A progress report keeps the stream open for the idle timeout, past the grace.
    assert_eq!(
        fetch(&app, &path, &ann, &[("range", "bytes=0-9")])
            .await
            .status(),
        206
    );
    let report = app
        .send_json(
            reqwest::Method::PUT,
            &format!("/api/videos/{id}/progress"),
            &ann,
            &serde_json::json!({ "position_seconds": 1.0, "state": "playing" }),
        )
        .await;
    assert_eq!(report.status(), 200);
    clock.advance(RELEASE_GRACE + second);
    assert_eq!(
        bob_tries().await.0,
        429,
        "past the grace, within the idle timeout"
    );
    clock.advance(Duration::from_secs(30) - RELEASE_GRACE);
    assert_eq!(bob_tries().await.0, 206, "after the idle timeout");
}

async fn an_admin_sees_and_ends_streams(backend: Backend) {
    let Some((app, admin, _, _)) = ready(backend, |_| {}).await else {
        return;
    };
    let ann = app.token_for("ann", Role::User).await;
    let big = app.video_id(&admin, "big.mkv").await;
    let mut resp = app
        .client
        .get(app.url(&format!("/api/stream/{big}")))
        .bearer_auth(&ann)
        .header("user-agent", "VLC/3.0.20")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.chunk().await.unwrap();

    let streams: Vec<Value> = app
        .get("/api/admin/streams", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(streams.len(), 1);
    let s = &streams[0];
    assert_eq!(s["username"], "ann");
    assert_eq!(s["video_id"], big.as_str());
    assert_eq!(s["user_agent"], "VLC/3.0.20");
    assert_eq!(s["client_address"], "127.0.0.1");
    assert!(s["bytes_sent"].as_u64().unwrap() > 0);
    assert_problem(app.get("/api/admin/streams", &ann).await, 403, "forbidden").await;

    let end = app
        .client
        .delete(app.url(&format!("/api/admin/streams/{}", s["id"].as_str().unwrap())))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(end.status(), 204);
    let finished = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match resp.chunk().await {
                Ok(Some(_)) => continue,
                Ok(None) => return false,
                Err(_) => return true,
            }
        }
    })
    .await
    .expect("the transfer stops");
    assert!(finished, "the ended transfer is cut, not completed");
    let streams: Vec<Value> = app
        .get("/api/admin/streams", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(streams.is_empty());
}

async fn signed_links_are_bound_to_a_video_and_to_streaming(backend: Backend) {
    let Some((app, admin, id, file)) = ready(backend, |_| {}).await else {
        return;
    };
    let ann = app.token_for("ann", Role::User).await;
    let link = signed_link(&app, &ann, &id).await;
    let token = link["token"].as_str().unwrap().to_owned();
    assert!(link["url"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));
    let expires: chrono::DateTime<chrono::Utc> =
        link["expires_at"].as_str().unwrap().parse().unwrap();
    let hours = (expires - chrono::Utc::now()).num_minutes() as f64 / 60.0;
    assert!((5.9..=6.0).contains(&hours), "{hours}");

    let played = app
        .client
        .get(app.url(link["path"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(played.status(), 200);
    assert_eq!(played.bytes().await.unwrap(), file);
    let by_name = app
        .client
        .get(app.url(&format!("/api/stream/video/a.mp4?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(by_name.status(), 200);

    let other = app.video_id(&admin, "e1.webm").await;
    // Another video answers as a video that does not exist: a link tells nothing of
    // what its holder cannot see.
    let wrong_video = app
        .client
        .get(app.url(&format!("/api/stream/{other}?token={token}")))
        .send()
        .await
        .unwrap();
    let wrong = assert_problem(wrong_video, 404, "not_found").await;
    let missing_id = uuid::Uuid::new_v4();
    let missing = app
        .client
        .get(app.url(&format!("/api/stream/{missing_id}?token={token}")))
        .send()
        .await
        .unwrap();
    let missing = assert_problem(missing, 404, "not_found").await;
    assert_eq!(
        wrong["detail"].as_str().unwrap().replace(&other, "ID"),
        missing["detail"]
            .as_str()
            .unwrap()
            .replace(&missing_id.to_string(), "ID")
    );
    for path in [
        format!("/api/hls/{other}/master.m3u8?token={token}"),
        format!("/api/hls/{missing_id}/master.m3u8?token={token}"),
    ] {
        let resp = app.client.get(app.url(&path)).send().await.unwrap();
        assert_problem(resp, 404, "not_found").await;
    }
    let as_bearer = app.get("/api/users/me", &token).await;
    assert_problem(as_bearer, 401, "invalid_token").await;
    let on_api = app
        .client
        .get(app.url(&format!("/api/users/me?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(on_api.status(), 401);
    let access_as_link = app
        .client
        .get(app.url(&format!("/api/stream/{id}?token={ann}")))
        .send()
        .await
        .unwrap();
    assert_eq!(access_as_link.status(), 401);

    let keys = TokenKeys::new(app.settings.auth.jwt_secret.expose().as_bytes());
    let mut claims: LinkClaims = (*keys.verify_link(&token).unwrap()).clone();
    claims.exp = chrono::Utc::now().timestamp() - 60;
    let expired = keys.issue(&claims).unwrap();
    let resp = app
        .client
        .get(app.url(&format!("/api/stream/{id}?token={expired}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    let probed = crate::media::ffprobe(link["url"].as_str().unwrap()).await;
    assert_eq!(probed["streams"][0]["codec_name"], "h264");
    let duration: f64 = probed["format"]["duration"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((0.9..1.2).contains(&duration));

    app.client
        .post(app.url("/api/auth/logout"))
        .bearer_auth(&ann)
        .send()
        .await
        .unwrap();
    let after_logout = app
        .client
        .get(app.url(link["path"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(after_logout.status(), 401, "a link dies with its session");
}

/// A link made with a two-second life works until the `expires_at` it was issued with,
/// and not a millisecond past it (a token's `exp` is in whole seconds: the link ends at
/// the whole second before its TTL runs out, and says so).
async fn a_signed_link_dies_at_its_expires_at_to_the_millisecond(backend: Backend) {
    let Some((app, _admin, id, _file)) = ready(backend, |s| {
        s.streaming.link_ttl = homestream::config::HumanDuration::secs(2);
    })
    .await
    else {
        return;
    };
    let ann = app.token_for("ann", Role::User).await;
    // Measured from before the request: the link's expiry is in whole seconds, so read
    // after the answer (a loaded machine's millisecond later) it may show just under 1 s.
    let asked = chrono::Utc::now();
    let link = signed_link(&app, &ann, &id).await;
    let expires: chrono::DateTime<chrono::Utc> =
        link["expires_at"].as_str().unwrap().parse().unwrap();
    let answered = chrono::Utc::now();
    let (most, least) = (expires - asked, expires - answered);
    assert!(
        most.num_milliseconds() >= 1000 && least.num_milliseconds() <= 2000,
        "{least:?} to {most:?} left of a 2 s link"
    );
    let path = link["path"].as_str().unwrap().to_owned();
    let get = || async {
        app.client
            .get(app.url(&path))
            .header("range", "bytes=0-0")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(get().await, 206, "the link works before its expiry");
    let wait = (expires - chrono::Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait + Duration::from_millis(20)).await;
    assert_eq!(get().await, 401, "refused from expires_at on");
}

/// Splits what a server wrote on one connection into responses (head, body); `bodiless`
/// marks the answers to HEAD requests, whose `Content-Length` announces no body.
fn responses(mut raw: &[u8], bodiless: &[bool]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for &no_body in bodiless {
        let end = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a complete response head")
            + 4;
        let head = String::from_utf8(raw[..end].to_vec()).unwrap();
        let len: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length: ")
                    .map(str::to_owned)
            })
            .map_or(0, |v| v.trim().parse().unwrap());
        let len = if no_body { 0 } else { len };
        out.push((head, raw[end..end + len].to_vec()));
        raw = &raw[end + len..];
    }
    assert!(
        raw.is_empty(),
        "{} bytes after the last response",
        raw.len()
    );
    out
}

/// File transfers are written with sendfile(2) outside hyper; one connection must still
/// carry pipelined and kept-alive requests in order, a file that is not in the page
/// cache must arrive intact, and a request that path does not take is answered by hyper
/// on the same connection.
#[tokio::test]
async fn one_connection_carries_pipelined_streams_and_then_any_request() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Some((app, token, id, file)) = ready(Backend::Sqlite, |_| {}).await else {
        return;
    };
    // Out of the page cache, so the first transfer reads it on the blocking pool.
    let f = std::fs::File::open(app.library.join("a.mp4")).unwrap();
    f.sync_all().unwrap();
    rustix::fs::fadvise(&f, 0, None, rustix::fs::Advice::DontNeed).unwrap();

    let addr = app.address.trim_start_matches("http://");
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    let auth = format!("Host: x\r\nAuthorization: Bearer {token}\r\n");
    let get = |range: &str| {
        format!("GET /api/stream/{id} HTTP/1.1\r\n{auth}Range: bytes={range}\r\n\r\n")
    };
    let pipelined = [
        format!("GET /api/stream/{id} HTTP/1.1\r\n{auth}\r\n"),
        get("0-99"),
        get("-50"),
        format!("HEAD /api/stream/{id} HTTP/1.1\r\n{auth}\r\n"),
        get("0-1,10-19"),
        format!("GET /api/stream/{id} HTTP/1.1\r\n{auth}If-None-Match: *\r\n\r\n"),
        format!("GET /api/videos HTTP/1.1\r\n{auth}Connection: close\r\n\r\n"),
    ]
    .concat();
    conn.write_all(pipelined.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), conn.read_to_end(&mut raw))
        .await
        .expect("the server closes after `Connection: close`")
        .unwrap();
    let got = responses(&raw, &[false, false, false, true, false, false, false]);

    assert!(got[0].0.starts_with("HTTP/1.1 200 OK\r\n"), "{}", got[0].0);
    assert!(got[0].1 == file, "the whole file arrives intact");
    assert!(got[1].0.starts_with("HTTP/1.1 206 "), "{}", got[1].0);
    assert!(got[1]
        .0
        .contains(&format!("content-range: bytes 0-99/{}", file.len())));
    assert_eq!(got[1].1, file[..100]);
    assert_eq!(got[2].1, file[file.len() - 50..]);
    assert!(
        got[3]
            .0
            .contains(&format!("content-length: {}", file.len())),
        "{}",
        got[3].0
    );
    assert!(
        got[4].0.contains("multipart/byteranges; boundary="),
        "{}",
        got[4].0
    );
    let multipart = String::from_utf8_lossy(&got[4].1).into_owned();
    assert!(
        multipart.contains("Content-Range: bytes 10-19/"),
        "{multipart}"
    );
    assert!(got[5].0.starts_with("HTTP/1.1 304 "), "{}", got[5].0);
    for (head, _) in &got[..6] {
        assert!(head.contains("\r\ndate: "), "{head}");
        assert!(
            head.contains("\r\nx-content-type-options: nosniff"),
            "middleware ran: {head}"
        );
    }
    // hyper answered the last request, on the same connection.
    assert!(got[6].0.starts_with("HTTP/1.1 200 OK\r\n"), "{}", got[6].0);
    let catalog: Value = serde_json::from_slice(&got[6].1).unwrap();
    assert!(
        catalog["items"].as_array().is_some_and(|v| !v.is_empty()),
        "{catalog}"
    );

    // A head the sendfile path cannot parse still gets hyper's 400, not a dropped line.
    let mut bad = tokio::net::TcpStream::connect(addr).await.unwrap();
    bad.write_all(format!("GET /api/stream/{id} HTTP/1.1\r\nNo colon here\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), bad.read_to_end(&mut raw))
        .await
        .expect("hyper closes a connection it cannot parse")
        .unwrap();
    assert!(
        raw.starts_with(b"HTTP/1.1 400 "),
        "{}",
        String::from_utf8_lossy(&raw)
    );
}

/// `homestream_file_transfers_total` by path, from `/metrics`.
async fn transfers(app: &MediaApp) -> (u64, u64) {
    let text = reqwest::get(app.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let count = |path: &str| {
        let prefix = format!("homestream_file_transfers_total{{path=\"{path}\"}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0)
    };
    (count("sendfile"), count("hyper"))
}

/// Which path sent each transfer: a stream request on a fresh HTTP/1.1 connection goes
/// by sendfile; after an API request on the same connection (handed to hyper), or with
/// `server.sendfile = false`, through hyper; the bytes are the same either way.
#[tokio::test]
async fn the_sendfile_hand_off_is_taken_where_it_should_be() {
    let Some((app, token, id, bytes)) = ready(Backend::Sqlite, |_| {}).await else {
        return;
    };
    let range = [("range", "bytes=100-199")];
    let fresh = reqwest::Client::new();
    let resp = fresh
        .get(app.url(&format!("/api/stream/{id}")))
        .bearer_auth(&token)
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.bytes().await.unwrap().as_ref(), &bytes[100..200]);
    assert_eq!(
        transfers(&app).await,
        (1, 0),
        "a fresh connection: sendfile"
    );
    // The same pooled connection, now handed over to hyper by an API request.
    let api = fresh
        .get(app.url("/api/users/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 200);
    let resp = fresh
        .get(app.url(&format!("/api/stream/{id}")))
        .bearer_auth(&token)
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.bytes().await.unwrap().as_ref(), &bytes[100..200]);
    assert_eq!(transfers(&app).await, (1, 1), "after hand-over: hyper");

    let Some((off, token, id, bytes)) = ready(Backend::Sqlite, |s| s.server.sendfile = false).await
    else {
        return;
    };
    let resp = fetch(&off, &format!("/api/stream/{id}"), &token, &range).await;
    assert_eq!(resp.bytes().await.unwrap().as_ref(), &bytes[100..200]);
    assert_eq!(
        transfers(&off).await,
        (0, 1),
        "server.sendfile = false: hyper"
    );
}

/// The status code of a GET sent byte for byte as written, with no path normalisation.
async fn raw_status(app: &MediaApp, path: &str, token: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = app.address.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    s.write_all(request.as_bytes()).await.unwrap();
    let mut head = [0u8; 12];
    tokio::time::timeout(Duration::from_secs(10), s.read_exact(&mut head))
        .await
        .expect("an answer within 10 s")
        .unwrap();
    String::from_utf8_lossy(&head[9..12]).into_owned()
}

/// `server.cors_origins`: a listed origin's preflight is answered and its range
/// answers are readable (sendfile path and hyper path alike); others get no CORS
/// headers, as with the default empty list.
async fn listed_origins_may_read_media_across_origins(backend: Backend) {
    let listed = "https://app.example";
    let Some((app, token, id, file)) = ready(backend, |s| {
        s.server.cors_origins = vec![listed.to_owned()];
    })
    .await
    else {
        return;
    };
    let path = format!("/api/stream/{id}");
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url(&path))
        .header("origin", listed)
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization, range")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    let h = preflight.headers();
    assert_eq!(h["access-control-allow-origin"], listed);
    let allowed = h["access-control-allow-headers"].to_str().unwrap();
    assert!(allowed.contains("authorization") && allowed.contains("range"));
    assert!(h["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("GET"));
    assert_eq!(h["x-content-type-options"], "nosniff");

    for origin in [Some(listed), Some("https://evil.example"), None] {
        let mut headers = vec![("range", "bytes=0-9")];
        if let Some(o) = origin {
            headers.push(("origin", o));
        }
        let resp = fetch(&app, &path, &token, &headers).await;
        assert_eq!(resp.status(), 206, "{origin:?}");
        let h = resp.headers().clone();
        if origin == Some(listed) {
            assert_eq!(h["access-control-allow-origin"], listed);
            let exposed = h["access-control-expose-headers"].to_str().unwrap();
            for name in ["content-range", "accept-ranges", "content-length"] {
                assert!(exposed.contains(name), "{name} not exposed: {exposed}");
            }
        } else {
            assert!(h.get("access-control-allow-origin").is_none(), "{origin:?}");
        }
        assert!(
            h.get_all("vary").iter().any(|v| v == "origin"),
            "{origin:?}"
        );
        assert_eq!(resp.bytes().await.unwrap().as_ref(), &file[..10]);
    }
    // Errors carry the headers too, so the page can read why it was refused.
    let refused = app
        .client
        .get(app.url(&path))
        .header("origin", listed)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(refused.headers()["access-control-allow-origin"], listed);
    // An unlisted origin's preflight is not answered as allowed.
    let foreign = app
        .client
        .request(reqwest::Method::OPTIONS, app.url(&path))
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert!(foreign
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}

async fn a_signed_link_never_outlives_its_session(backend: Backend) {
    let Some((app, _admin, id, _)) = ready(backend, |s| {
        s.auth.reauth_after = homestream::config::HumanDuration(Duration::from_secs(3600));
    })
    .await
    else {
        return;
    };
    let ann = app.token_for("ann", Role::User).await;
    let link = signed_link(&app, &ann, &id).await;
    let expires: chrono::DateTime<chrono::Utc> =
        link["expires_at"].as_str().unwrap().parse().unwrap();
    let minutes = (expires - chrono::Utc::now()).num_minutes();
    // streaming.link_ttl is 6 h, but the session must log in again within the hour.
    assert!((58..=60).contains(&minutes), "{minutes} minutes");
}

async fn each_container_is_served_with_its_own_content_type(backend: Backend) {
    let files = [
        ("h264_aac.mp4", "a.mp4"),
        ("h264_aac.mp4", "a.m4v"),
        ("hevc_ac3.mkv", "b.mkv"),
        ("vp9_opus.webm", "c.webm"),
        ("mpeg4_mp3.avi", "d.avi"),
        ("h264_aac.mp4", "e.mov"),
    ];
    let Some(app) = spawn_media_app(backend, &files, |_| {}).await else {
        return;
    };
    app.scan().await;
    let ann = app.token_for("ann", Role::User).await;
    for (name, want) in [
        ("a.mp4", "video/mp4"),
        ("a.m4v", "video/mp4"),
        ("b.mkv", "video/x-matroska"),
        ("c.webm", "video/webm"),
        ("d.avi", "video/x-msvideo"),
        ("e.mov", "video/quicktime"),
    ] {
        let id = app.video(&ann, name).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let resp = app.get(&format!("/api/stream/{id}"), &ann).await;
        assert_eq!(resp.status(), 200, "{name}");
        assert_eq!(resp.headers()["content-type"], want, "{name}");
    }
}

/// A signed player link for a video (`POST /api/videos/{id}/stream-url`).
async fn signed_link(app: &MediaApp, token: &str, id: &str) -> Value {
    let resp = app
        .client
        .post(app.url(&format!("/api/videos/{id}/stream-url")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

crate::helpers::on_each_store!(an_ended_session_s_running_transfer_stops_within_a_second);

/// A user reading a large file at about 2 MB/s on one instance is logged out, or
/// deactivated, on the other (the same instance without Redis): the serving instance
/// resets the connection (on the sendfile path and on hyper's) and frees the slot at
/// once, so the reader stops when what its own buffers held is read, within two
/// seconds and a few MB, not at the end of the 46 MB file.
async fn an_ended_session_s_running_transfer_stops_within_a_second(store: crate::helpers::Store) {
    let Some(app) =
        crate::media::spawn_media_store(store, &[("big_raw.mkv", "big.mkv")], |_| {}).await
    else {
        return;
    };
    app.scan().await;
    // A second instance on the same database and Redis (its own cache folder is not
    // needed: it serves no transcode here).
    let other = if store.redis {
        let dir = tempfile::tempdir().unwrap();
        Some(crate::helpers::spawn_with(app.settings.clone(), dir, None).await)
    } else {
        None
    };
    let ender: &crate::helpers::TestApp = other.as_ref().unwrap_or(&app);
    let admin = app.token_for("root", Role::Admin).await;
    let big = app.video_id(&admin, "big.mkv").await;
    let size = app.file_len("big.mkv");
    for how in ["logout", "deactivation"] {
        let user = format!("reader_{how}");
        let token = app.token_for(&user, Role::User).await;
        // The logout's transfer on a fresh connection (the sendfile path), the
        // deactivation's on the app's client, whose connection hyper already serves.
        let client = if how == "logout" {
            reqwest::Client::new()
        } else {
            app.client.clone()
        };
        let mut resp = client
            .get(app.url(&format!("/api/stream/{big}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let so_far = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counted = so_far.clone();
        let reader = tokio::spawn(async move {
            let mut read = 0u64;
            loop {
                match resp.chunk().await {
                    Ok(Some(chunk)) => {
                        read += chunk.len() as u64;
                        counted.store(read, std::sync::atomic::Ordering::Relaxed);
                        // About 2 MB/s.
                        let pause = Duration::from_micros(chunk.len() as u64 / 2);
                        tokio::time::sleep(pause).await;
                    }
                    Ok(None) | Err(_) => return (read, std::time::Instant::now()),
                }
            }
        });
        tokio::time::sleep(Duration::from_millis(700)).await;
        let ended = match how {
            "logout" => {
                let out = ender
                    .client
                    .post(ender.url("/api/auth/logout"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(out.status(), 204);
                std::time::Instant::now()
            }
            _ => {
                let id = app.my_id(&token).await;
                let off = ender
                    .send_json(
                        reqwest::Method::PATCH,
                        &format!("/api/users/{id}"),
                        &admin,
                        &serde_json::json!({ "is_active": false }),
                    )
                    .await;
                assert_eq!(off.status(), 200);
                std::time::Instant::now()
            }
        };
        let read_at_end = so_far.load(std::sync::atomic::Ordering::Relaxed);
        let (read, stopped) = tokio::time::timeout(Duration::from_secs(10), reader)
            .await
            .expect("the transfer stops")
            .unwrap();
        let after = stopped.saturating_duration_since(ended);
        // What the client still read after the end, at its own pace of 2 MB/s: what its
        // socket and buffers held, and what the server sent before it stopped.
        let drained = Duration::from_micros((read - read_at_end) / 2);
        println!(
            "{store:?} {how}: transfer stopped {after:?} after the end ({drained:?} of it \
             reading {} bytes at 2 MB/s), {read} of {size} bytes",
            read - read_at_end
        );
        // The server resets the connection within a tick of the end: the client sees
        // the end within a second of it, but for the time its own pace took to read
        // what was already on its way; never the rest of the file.
        assert!(read < size / 4, "{how}: {read} of {size} bytes were sent");
        assert!(
            after.saturating_sub(drained) < Duration::from_secs(1),
            "{how}: stopped after {after:?}, {drained:?} of it reading what was sent"
        );
        let streams: Vec<Value> = app
            .get("/api/admin/streams", &admin)
            .await
            .json()
            .await
            .unwrap();
        assert!(streams.is_empty(), "{how}: the slot is free: {streams:?}");
    }
}
