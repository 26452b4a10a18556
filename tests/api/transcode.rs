//! Playback decisions, HLS, remux, the ffmpeg pool, the breaker and subtitles, with real
//! ffmpeg on media made by lavfi.

use crate::helpers::{assert_problem, Backend};
use crate::media::{for_each_backend, spawn_media_app, MediaApp};
use homestream::accounts::Role;
use homestream::config::Settings;
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};

const LONG: &str = "hevc_ac3_long.mkv";

/// An app with the long HEVC/AC-3 clip as `film.mkv`, scanned, and a user's token.
async fn app_with_film(
    backend: Backend,
    tweak: impl FnOnce(&mut Settings),
) -> Option<(MediaApp, String, Value)> {
    let app = spawn_media_app(backend, &[(LONG, "film.mkv")], tweak).await?;
    std::fs::write(
        app.library.join("film.en.srt"),
        "1\n00:00:00,500 --> 00:00:02,000\nHello <i>there</i>\n\n2\n00:00:03,000 --> 00:00:04,250\nSecond line\n",
    )
    .unwrap();
    app.scan().await;
    let token = app.token_for("viewer", Role::User).await;
    let video = app.video(&token, "film.mkv").await;
    Some((app, token, video))
}

/// ffprobe's JSON for some bytes.
async fn probe(bytes: &[u8], name: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    crate::media::ffprobe(&path).await
}

fn stream<'a>(probed: &'a Value, kind: &str) -> &'a Value {
    probed["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["codec_type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} stream in {probed}"))
}

async fn get_bytes(app: &MediaApp, path: &str) -> (u16, Vec<u8>) {
    let resp = reqwest::get(app.url(path)).await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.bytes().await.unwrap().to_vec())
}

async fn playback(app: &MediaApp, token: &str, id: &str, body: Value) -> Value {
    let resp = app
        .send_json(
            reqwest::Method::POST,
            &format!("/api/videos/{id}/playback"),
            token,
            &body,
        )
        .await;
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// The lines of a playlist that are URIs.
fn uris(playlist: &str) -> Vec<String> {
    playlist
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// ffmpeg processes whose command line names `dir`.
fn ffmpegs_writing_into(dir: &Path) -> Vec<i32> {
    let dir = dir.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| {
                let c = String::from_utf8_lossy(&c);
                c.contains("ffmpeg") && c.contains(&dir)
            })
        })
        .collect()
}

async fn hevc_mkv_becomes_h264_aac_hls_for_a_browser(backend: Backend) {
    let Some((app, token, video)) = app_with_film(backend, |_| {}).await else {
        return;
    };
    let id = video["id"].as_str().unwrap();
    let info = playback(&app, &token, id, json!({"preset": "browser"})).await;
    assert_eq!(info["method"], "transcode");
    assert_eq!(
        info["reasons"],
        json!([
            "video codec hevc not supported",
            "container mkv not supported",
            "audio codec ac3 not supported"
        ])
    );
    let master_path = info["path"].as_str().unwrap();
    assert!(master_path.starts_with(&format!("/api/hls/{id}/master.m3u8?token=")));

    let (status, master) = get_bytes(&app, master_path).await;
    assert_eq!(status, 200);
    let master = String::from_utf8(master).unwrap();
    assert!(master.contains("RESOLUTION=854x480"), "{master}");
    assert!(master.contains("TYPE=SUBTITLES"), "{master}");
    let variants = uris(&master);
    assert_eq!(variants.len(), 2, "480p and audio: {master}");
    let base = format!("/api/hls/{id}/");
    let (status, media) = get_bytes(&app, &format!("{base}{}", variants[0])).await;
    assert_eq!(status, 200);
    let media = String::from_utf8(media).unwrap();
    assert!(media.contains("#EXT-X-PLAYLIST-TYPE:VOD") && media.ends_with("#EXT-X-ENDLIST\n"));
    let segments = uris(&media);
    assert_eq!(segments.len(), 8, "24 s in 3 s segments: {media}");

    let (status, ts) = get_bytes(&app, &format!("{base}480p/{}", segments[0])).await;
    assert_eq!(status, 200);
    let probed = probe(&ts, "0.ts").await;
    assert_eq!(stream(&probed, "video")["codec_name"], "h264");
    assert_eq!(stream(&probed, "video")["height"], 480);
    assert_eq!(stream(&probed, "audio")["codec_name"], "aac");

    let (status, _) = get_bytes(&app, &format!("{base}480p/8.ts?token=x")).await;
    assert_eq!(status, 401, "a made-up token");
    let resp = app.get(&format!("{base}480p/8.ts"), &token).await;
    assert_problem(resp, 404, "not_found").await;
    let resp = app.get(&format!("{base}1080p/index.m3u8"), &token).await;
    assert_problem(resp, 404, "not_found").await;
}

async fn a_seek_far_ahead_restarts_ffmpeg_at_that_segment(backend: Backend) {
    let Some((app, token, video)) = app_with_film(backend, |_| {}).await else {
        return;
    };
    let id = video["id"].as_str().unwrap();
    let first = app.get(&format!("/api/hls/{id}/480p/0.ts"), &token).await;
    assert_eq!(first.status(), 200);
    // Sent as ffmpeg writes it: whole once read to its end.
    first.bytes().await.unwrap();
    let started = app.state.transcoder.stats.totals().0;
    let resp = app.get(&format!("/api/hls/{id}/480p/6.ts"), &token).await;
    assert_eq!(resp.status(), 200);
    let probed = probe(&resp.bytes().await.unwrap(), "6.ts").await;
    let start: f64 = probed["format"]["start_time"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // Timestamps are the source's, shifted by the same offset in every run.
    let offset = f64::from(homestream::transcode::encode::HLS_TS_OFFSET_SECONDS);
    assert!(
        (17.8..18.3).contains(&(start - offset)),
        "segment 6 starts at 18 s of the source, not {start} - {offset}"
    );
    let duration: f64 = probed["format"]["duration"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((2.8..3.3).contains(&duration), "{duration}");
    assert_eq!(
        app.state.transcoder.stats.totals().0,
        started + 1,
        "the seek started a new ffmpeg"
    );
    let back = app.get(&format!("/api/hls/{id}/480p/0.ts"), &token).await;
    assert_eq!(back.status(), 200);
    assert_eq!(
        app.state.transcoder.stats.totals().0,
        started + 1,
        "going back to a made segment is served from the cache"
    );
}

for_each_backend!(
    hevc_mkv_becomes_h264_aac_hls_for_a_browser,
    a_seek_far_ahead_restarts_ffmpeg_at_that_segment
);

#[tokio::test]
async fn two_viewers_share_one_ffmpeg() {
    let Some((app, token, video)) = app_with_film(Backend::Sqlite, |_| {}).await else {
        return;
    };
    let other = app.token_for("other", Role::User).await;
    let id = video["id"].as_str().unwrap();
    let path = format!("/api/hls/{id}/480p/1.ts");
    let (a, b) = tokio::join!(app.get(&path, &token), app.get(&path, &other));
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    let (a, b) = (a.bytes().await.unwrap(), b.bytes().await.unwrap());
    assert_eq!(a, b);
    assert_eq!(
        app.state.transcoder.stats.totals().0,
        1,
        "one ffmpeg for both"
    );

    // The supervisor counts a segment at its next look (50 ms), maybe after the last
    // byte went out.
    let lines = [
        r#"homestream_transcode_job_outcomes_total{state="started"} 1"#,
        r#"homestream_transcode_jobs{state="running"} 1"#,
        "homestream_transcode_first_segment_seconds_count 1",
    ];
    let mut metrics = String::new();
    for _ in 0..40 {
        metrics = reqwest::get(app.url("/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if lines.iter().all(|l| metrics.contains(l)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for line in lines {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }
}

#[tokio::test]
async fn an_idle_job_is_killed_and_leaves_no_ffmpeg() {
    let Some((app, token, video)) = app_with_film(Backend::Sqlite, |s| {
        s.transcode.idle_timeout = homestream::config::HumanDuration::secs(1);
        s.transcode.max_segments_ahead = homestream::config::PositiveInt(1);
    })
    .await
    else {
        return;
    };
    let id = video["id"].as_str().unwrap();
    let resp = as_a_player(&app, &format!("/api/hls/{id}/480p/0.ts"), &token).await;
    assert_eq!(resp.status(), 200);
    let cache = app.state.transcoder.cache_dir().to_path_buf();
    assert_eq!(
        app.state.transcoder.running_jobs().len(),
        1,
        "paused, not ended"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while !(app.state.transcoder.running_jobs().is_empty()
        && ffmpegs_writing_into(&cache).is_empty())
    {
        assert!(
            Instant::now() < deadline,
            "ffmpeg still running: {:?}",
            ffmpegs_writing_into(&cache)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.state.transcoder.pool.running(), 0, "the slot is free");
}

#[tokio::test]
async fn a_full_pool_and_queue_answer_503_with_retry_after() {
    let Some(app) = spawn_media_app(Backend::Sqlite, &[(LONG, "a.mkv"), (LONG, "b.mkv")], |s| {
        s.transcode.max_concurrent_jobs = 1;
        s.transcode.max_queued_jobs = 0;
    })
    .await
    else {
        return;
    };
    app.scan().await;
    let token = app.token_for("viewer", Role::User).await;
    // Another viewer: the same session moving to another video would end its own
    // progressive stream and take its slot over.
    let other = app.token_for("neighbour", Role::User).await;
    let a = app.video(&token, "a.mkv").await;
    let b = app.video(&token, "b.mkv").await;
    // A progressive stream holds the one slot for as long as its response is open.
    let held = app
        .get(
            &format!(
                "/api/transcode/{}/stream.mp4?mode=transcode",
                a["id"].as_str().unwrap()
            ),
            &token,
        )
        .await;
    assert_eq!(held.status(), 200);
    let resp = app
        .get(
            &format!("/api/hls/{}/480p/0.ts", b["id"].as_str().unwrap()),
            &other,
        )
        .await;
    let retry = resp.headers().get("retry-after").cloned();
    assert_problem(resp, 503, "transcode_busy").await;
    assert!(retry.is_some());
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(5);
    while app.state.transcoder.pool.running() > 0 {
        assert!(
            Instant::now() < deadline,
            "the slot came back when the client left"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let resp = app
        .get(
            &format!("/api/hls/{}/480p/0.ts", b["id"].as_str().unwrap()),
            &other,
        )
        .await;
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn a_corrupt_source_opens_the_breaker_after_the_configured_failures() {
    let Some((app, token, video)) = app_with_film(Backend::Sqlite, |s| {
        s.transcode.failures_to_open = homestream::config::PositiveInt(2);
    })
    .await
    else {
        return;
    };
    let file = app.library.join("film.mkv");
    let len = std::fs::metadata(&file).unwrap().len();
    std::fs::write(&file, vec![0x42; len as usize]).unwrap();
    let id = video["id"].as_str().unwrap();
    for segment in [0, 5] {
        let resp = app
            .get(&format!("/api/hls/{id}/480p/{segment}.ts"), &token)
            .await;
        assert_problem(resp, 503, "transcode_failed").await;
    }
    let started = app.state.transcoder.stats.totals().0;
    let resp = app.get(&format!("/api/hls/{id}/480p/0.ts"), &token).await;
    assert!(resp.headers().get("retry-after").is_some());
    assert_problem(resp, 503, "transcode_failing").await;
    assert_eq!(
        app.state.transcoder.stats.totals(),
        (started, 2),
        "no doomed ffmpeg was started"
    );
}

#[tokio::test]
async fn a_remux_copies_the_video_packets_bit_exact() {
    let Some((app, token, video)) = app_with_film(Backend::Sqlite, |_| {}).await else {
        return;
    };
    let id = video["id"].as_str().unwrap();
    let info = playback(&app, &token, id, json!({"preset": "ios"})).await;
    assert_eq!(info["method"], "remux");
    assert_eq!(info["reasons"], json!(["container mkv not supported"]));
    let (status, mp4) = get_bytes(&app, info["path"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("remux.mp4");
    std::fs::write(&out, &mp4).unwrap();
    let probed = crate::media::ffprobe(&out).await;
    assert_eq!(stream(&probed, "video")["codec_name"], "hevc");
    assert_eq!(stream(&probed, "audio")["codec_name"], "aac");
    let hash = |path: &Path| {
        let out = std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-i"])
            .arg(path)
            .args([
                "-map",
                "0:v:0",
                "-c",
                "copy",
                "-f",
                "streamhash",
                "-hash",
                "md5",
                "-",
            ])
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(hash(&out), hash(&app.library.join("film.mkv")));
}

#[tokio::test]
async fn a_progressive_transcode_starts_where_asked() {
    let Some((app, token, video)) = app_with_film(Backend::Sqlite, |_| {}).await else {
        return;
    };
    let id = video["id"].as_str().unwrap();
    let resp = app
        .get(
            &format!("/api/transcode/{id}/stream.mp4?mode=transcode&start=20&max_height=240"),
            &token,
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "video/mp4");
    let probed = probe(&resp.bytes().await.unwrap(), "p.mp4").await;
    let v = stream(&probed, "video");
    assert_eq!(
        (v["codec_name"].as_str(), v["height"].as_i64()),
        (Some("h264"), Some(240))
    );
    let duration: f64 = probed["format"]["duration"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (3.5..4.5).contains(&duration),
        "from 20 s of 24: {duration}"
    );
    // A start past the end plays the last second, as a seek to the end would.
    let resp = app
        .get(
            &format!("/api/transcode/{id}/stream.mp4?mode=transcode&start=99&max_height=240"),
            &token,
        )
        .await;
    assert_eq!(resp.status(), 200);
    let probed = probe(&resp.bytes().await.unwrap(), "end.mp4").await;
    let duration: f64 = probed["format"]["duration"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (0.5..1.6).contains(&duration),
        "the last second: {duration}"
    );
    // Not numbers of seconds at all: refused before any ffmpeg is started.
    for start in ["NaN", "inf", "-1"] {
        let resp = app
            .get(
                &format!("/api/transcode/{id}/stream.mp4?mode=transcode&start={start}"),
                &token,
            )
            .await;
        let status = resp.status().as_u16();
        assert!(
            status == 400 || status == 422,
            "start={start}: {status} {}",
            resp.text().await.unwrap()
        );
    }
}

#[tokio::test]
async fn a_sidecar_srt_is_served_as_webvtt() {
    let Some((app, token, video)) = app_with_film(Backend::Sqlite, |_| {}).await else {
        return;
    };
    let tracks = video["text_tracks"].as_array().unwrap();
    assert_eq!(tracks.len(), 1, "{video}");
    assert_eq!(tracks[0]["id"], "s0");
    assert_eq!(tracks[0]["language"], "en");
    let resp = app.get(tracks[0]["url"].as_str().unwrap(), &token).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/vtt");
    let vtt = resp.text().await.unwrap();
    assert!(vtt.starts_with("WEBVTT"), "{vtt}");
    assert!(vtt.contains("00:00.500 --> 00:02.000"), "{vtt}");
    assert!(vtt.contains("Second line"), "{vtt}");
    let id = video["id"].as_str().unwrap();
    let resp = app
        .get(&format!("/api/hls/{id}/subtitles/s9/subtitles.vtt"), &token)
        .await;
    assert_problem(resp, 404, "not_found").await;
}

#[tokio::test]
async fn the_cache_directory_is_emptied_at_start_up() {
    let Some(app) = spawn_media_app(Backend::Sqlite, &[], |s| {
        let stale = s.data_dir.join("transcode/hls/x/480p");
        std::fs::create_dir_all(&stale).unwrap();
        std::fs::write(stale.join("3.ts"), b"stale").unwrap();
        std::fs::write(stale.join("ffmpeg.pid"), b"999999999").unwrap();
    })
    .await
    else {
        return;
    };
    let cache = app.state.transcoder.cache_dir();
    assert!(cache.is_dir());
    assert_eq!(std::fs::read_dir(cache).unwrap().count(), 0);
}

#[tokio::test]
async fn ffmpeg_dies_with_a_killed_server_and_the_next_start_empties_the_cache() {
    let Some((app, token, video)) = app_with_film(Backend::Sqlite, |s| {
        s.transcode.max_segments_ahead = homestream::config::PositiveInt(1);
    })
    .await
    else {
        return;
    };
    let cache = app.state.transcoder.cache_dir().to_path_buf();
    let id = video["id"].as_str().unwrap();
    // The same data, served by a separate process that can be killed.
    let mut server = crate::cli::server_process(&app.settings, &app.library).await;
    let resp = server
        .client
        .get(server.url(&format!("/api/hls/{id}/480p/0.ts")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.bytes().await.unwrap();
    // Named complete at the run's supervisor's next look: a segment the restart must
    // remove.
    let first = cache.join(format!("hls/{id}/480p/0.ts"));
    assert!(until(Duration::from_secs(2), || first.exists()).await);
    assert_eq!(
        ffmpegs_writing_into(&cache).len(),
        1,
        "paused ahead, not ended"
    );
    server.kill9();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !ffmpegs_writing_into(&cache).is_empty() {
        assert!(
            Instant::now() < deadline,
            "ffmpeg outlived the killed server"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(first.exists());
    let _restarted = crate::cli::server_process(&app.settings, &app.library).await;
    assert!(
        !cache.join("hls").exists(),
        "the next start emptied the cache"
    );
}

/// The state letter of a process in `/proc` (`R`, `S`, `T` for stopped...).
fn process_state(pid: i32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name, which is in parentheses and may hold spaces.
    stat.rsplit_once(") ")?.1.chars().next()
}

/// Waits up to `within` for `check`.
async fn until(within: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    check()
}

/// ffmpeg running ahead of every viewer is really stopped (`T` in `/proc`), and a
/// request further on wakes it up again.
#[tokio::test]
async fn ffmpeg_ahead_of_its_viewers_is_stopped_and_resumed() {
    let Some((app, token, video)) = app_with_film(Backend::Sqlite, |s| {
        s.transcode.max_segments_ahead = homestream::config::PositiveInt(1);
    })
    .await
    else {
        return;
    };
    let id = video["id"].as_str().unwrap();
    let resp = app.get(&format!("/api/hls/{id}/480p/0.ts"), &token).await;
    assert_eq!(resp.status(), 200);
    let pid = app.state.transcoder.running_jobs()[0].2;
    assert!(
        until(Duration::from_secs(15), || process_state(pid) == Some('T')).await,
        "ffmpeg {pid} ahead of its viewer is {:?}, not stopped",
        process_state(pid)
    );
    // The viewer moves on: ffmpeg runs again to make what follows.
    let resp = app.get(&format!("/api/hls/{id}/480p/2.ts"), &token).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        app.state.transcoder.running_jobs()[0].2,
        pid,
        "the same run, resumed rather than restarted"
    );
    assert!(
        until(Duration::from_secs(5), || process_state(pid) != Some('T')).await
            || app.state.transcoder.running_jobs().is_empty(),
        "ffmpeg was not resumed"
    );
}

/// A GET that tries again after a 503 (a loaded test machine can make a segment
/// late), as players do after `Retry-After`, but sooner: within the same 6 s, the test
/// goes on the moment the segment is there.
async fn as_a_player(app: &MediaApp, path: &str, token: &str) -> reqwest::Response {
    for _ in 0..24 {
        let resp = app.get(path, token).await;
        if resp.status() != 503 {
            return resp;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    app.get(path, token).await
}

/// With a cache cap smaller than two variants, making the second deletes the first
/// (least recently used) from disk.
#[tokio::test]
async fn a_small_cache_deletes_the_least_recently_used_output() {
    let Some((app, token, video)) = app_with_film(Backend::Sqlite, |s| {
        s.transcode.cache_size = homestream::config::ByteSize(64 * 1024);
        s.transcode.idle_timeout = homestream::config::HumanDuration::secs(1);
        s.transcode.max_segments_ahead = homestream::config::PositiveInt(1);
    })
    .await
    else {
        return;
    };
    let id = video["id"].as_str().unwrap();
    let cache = app.state.transcoder.cache_dir().to_path_buf();
    let first = cache.join(format!("hls/{id}/480p"));
    let resp = as_a_player(&app, &format!("/api/hls/{id}/480p/0.ts"), &token).await;
    assert_eq!(resp.status(), 200);
    resp.bytes().await.unwrap();
    // Named complete at the run's supervisor's next look.
    assert!(until(Duration::from_secs(2), || first.join("0.ts").exists()).await);
    // The first job goes idle and ends; its output is no longer being written.
    assert!(
        until(Duration::from_secs(10), || app
            .state
            .transcoder
            .running_jobs()
            .is_empty())
        .await
    );
    let resp = as_a_player(&app, &format!("/api/hls/{id}/audio/0.ts"), &token).await;
    assert_eq!(resp.status(), 200);
    assert!(
        until(Duration::from_secs(10), || !first.exists()).await,
        "the least recently used output is still on disk"
    );
    assert!(
        cache.join(format!("hls/{id}/audio")).exists(),
        "the newest stays"
    );
}

/// An output whose ffmpeg finished is evicted even while its job is still remembered
/// (not yet idle): only a running ffmpeg's directory is spared from a cache over its
/// cap.
#[tokio::test]
async fn a_finished_output_is_evicted_while_its_job_is_still_remembered() {
    let Some((app, token, video)) = app_with_film(Backend::Sqlite, |s| {
        s.transcode.cache_size = homestream::config::ByteSize(64 * 1024);
        s.transcode.idle_timeout = homestream::config::HumanDuration::secs(600);
    })
    .await
    else {
        return;
    };
    let id = video["id"].as_str().unwrap();
    let cache = app.state.transcoder.cache_dir().to_path_buf();
    let first = cache.join(format!("hls/{id}/480p"));
    let resp = as_a_player(&app, &format!("/api/hls/{id}/480p/0.ts"), &token).await;
    assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
    // The whole film fits in the segments ffmpeg may run ahead: it finishes by itself,
    // long before the job could be forgotten as idle.
    assert!(
        until(Duration::from_secs(60), || app
            .state
            .transcoder
            .running_jobs()
            .is_empty())
        .await,
        "ffmpeg finished the film"
    );
    // Over the cap, and no ffmpeg writes it any more: the next upkeep tick deletes it.
    assert!(
        until(Duration::from_secs(10), || !first.exists()).await,
        "a finished output was spared as if its ffmpeg still ran"
    );
}

/// A real ffmpeg left by an earlier run (alive, named in its pid file, writing into the
/// cache) is killed at start-up.
#[tokio::test]
async fn a_leftover_ffmpeg_is_killed_at_start_up() {
    if !crate::media::ffmpeg_available() {
        return;
    }
    let (mut settings, dir, _pg) = crate::helpers::test_settings(Backend::Sqlite)
        .await
        .unwrap();
    settings.media.scan_on_startup = false;
    let stale = settings.data_dir.join("transcode/hls/x/480p");
    std::fs::create_dir_all(&stale).unwrap();
    let mut leftover = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i"])
        .arg("testsrc=size=64x64:rate=5")
        .args(["-t", "600", "-f", "mpegts", "-y"])
        .arg(stale.join("out.ts"))
        .stdin(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = leftover.id();
    std::fs::write(stale.join("ffmpeg.pid"), pid.to_string()).unwrap();
    assert!(process_state(pid as i32).is_some());
    let app = crate::helpers::spawn_with(settings, dir, None).await;
    let status = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if let Ok(Some(status)) = leftover.try_wait() {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the leftover ffmpeg was not killed");
    assert!(!status.success());
    assert_eq!(
        std::fs::read_dir(app.state.transcoder.cache_dir())
            .unwrap()
            .count(),
        0
    );
}

/// A session that logged in as a TV, asking with no preset and no lists, gets the TV
/// preset: the film's HEVC/AC-3 plays as it is (a browser would need a transcode).
#[tokio::test]
async fn the_session_s_device_type_picks_the_preset() {
    let Some((app, browser, video)) = app_with_film(Backend::Sqlite, |_| {}).await else {
        return;
    };
    let id = video["id"].as_str().unwrap();
    let login: Value = app
        .client
        .post(app.url("/api/auth/login"))
        .json(&json!({ "username": "viewer", "password": crate::helpers::PASSWORD, "device_type": "tv" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tv = login["access_token"].as_str().unwrap();
    let as_tv = playback(&app, tv, id, json!({})).await;
    let as_browser = playback(&app, &browser, id, json!({})).await;
    assert_ne!(as_tv["method"], "transcode", "{as_tv}");
    assert_eq!(as_browser["method"], "transcode", "{as_browser}");
}

/// A server with one transcode slot, a queue timeout of 3 s and two films; Ann and Bob.
struct OneSlot {
    app: MediaApp,
    ann: String,
    bob: String,
    a: String,
    b: String,
}

async fn one_slot() -> Option<OneSlot> {
    let app = spawn_media_app(Backend::Sqlite, &[(LONG, "a.mkv"), (LONG, "b.mkv")], |s| {
        s.transcode.max_concurrent_jobs = 1;
        s.transcode.max_queued_jobs = 4;
        s.transcode.queue_timeout = homestream::config::HumanDuration::secs(3);
        s.transcode.idle_timeout = homestream::config::HumanDuration::secs(120);
        // Paused one segment ahead, so an HLS ffmpeg cannot finish and free the slot.
        s.transcode.max_segments_ahead = homestream::config::PositiveInt(1);
    })
    .await?;
    app.scan().await;
    let ann = app.token_for("ann", Role::User).await;
    let bob = app.token_for("bob", Role::User).await;
    let a = app.video_id(&ann, "a.mkv").await;
    let b = app.video_id(&ann, "b.mkv").await;
    Some(OneSlot {
        app,
        ann,
        bob,
        a,
        b,
    })
}

/// With one slot, a player moving to another variant takes over the slot of the
/// ffmpeg it is leaving at once instead of queueing behind it; another user's ffmpeg
/// is never taken, and requests that waited on one failed start share its answer (one
/// `queue_timeout`, not one each).
#[tokio::test]
async fn a_player_switching_variant_takes_over_its_own_slot() {
    let Some(OneSlot {
        app,
        ann,
        bob,
        a,
        b,
    }) = one_slot().await
    else {
        return;
    };
    let t = &app.state.transcoder;

    let first = app.get(&format!("/api/hls/{a}/480p/0.ts"), &ann).await;
    assert_eq!(first.status(), 200);
    assert_eq!(t.running_jobs().len(), 1, "480p holds the one slot");
    // The switch: answered by the slot the 480p ffmpeg gave up, not after the queue.
    let switched = app.get(&format!("/api/hls/{a}/audio/0.ts"), &ann).await;
    assert_eq!(switched.status(), 200);
    let running: Vec<String> = t.running_jobs().into_iter().map(|(_, v, _)| v).collect();
    assert_eq!(running, ["audio"], "the abandoned 480p ffmpeg was stopped");
    let cache = t.cache_dir().join("hls").join(&a).join("480p");
    assert!(
        until(Duration::from_secs(5), || ffmpegs_writing_into(&cache)
            .is_empty())
        .await,
        "the 480p ffmpeg process is gone"
    );

    // Bob cannot take Ann's slot: his two requests wait one queue_timeout together.
    let path = format!("/api/hls/{b}/480p/0.ts");
    let started = Instant::now();
    let (one, two) = tokio::join!(app.get(&path, &bob), app.get(&path, &bob));
    let waited = started.elapsed();
    for resp in [one, two] {
        let body = assert_problem(resp, 503, "transcode_busy").await;
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.contains("transcode.queue_timeout (3 s)"), "{detail}");
    }
    assert!(
        waited < Duration::from_millis(5500),
        "both answered after one queue_timeout of 3 s, not one each: {waited:?}"
    );
    let running: Vec<String> = t.running_jobs().into_iter().map(|(_, v, _)| v).collect();
    assert_eq!(running, ["audio"], "Ann's ffmpeg still runs");
}

/// With one slot, a player moving between HLS and progressive playback (remux or
/// transcode, of the same video or another, or a seek that opens a new progressive
/// response) gets the slot of the ffmpeg only it was using at once, in every
/// direction; the response it left ends; another user's progressive request never
/// takes the slot.
#[tokio::test]
async fn a_player_moving_between_modes_takes_over_its_own_slot() {
    let Some(OneSlot {
        app,
        ann,
        bob,
        a,
        b,
    }) = one_slot().await
    else {
        return;
    };
    let t = &app.state.transcoder;
    // Answered without a place in the queue: the slot was handed over, not waited for
    // (timing it would count the first segment's encoding too).
    let at_once = async |path: String, token: &str, what: &str| {
        let request = app.get(&path, token);
        tokio::pin!(request);
        let mut queued = 0;
        let resp = loop {
            tokio::select! {
                resp = &mut request => break resp,
                () = tokio::time::sleep(Duration::from_millis(5)) => {
                    queued = queued.max(t.pool.queued());
                }
            }
        };
        assert_eq!(resp.status(), 200, "{what}");
        assert_eq!(queued, 0, "{what} waited in the queue for the slot");
        resp
    };
    let transcode = |id: &str, start: u32| {
        format!("/api/transcode/{id}/stream.mp4?mode=transcode&start={start}&max_height=480")
    };

    // HLS to remux of another video.
    assert_eq!(
        app.get(&format!("/api/hls/{a}/480p/0.ts"), &ann)
            .await
            .status(),
        200
    );
    assert_eq!(t.running_jobs().len(), 1, "480p holds the one slot");
    let remux = at_once(
        format!("/api/transcode/{b}/stream.mp4?mode=remux"),
        &ann,
        "HLS to remux",
    )
    .await;
    assert!(t.running_jobs().is_empty(), "the HLS ffmpeg was stopped");
    assert!(!remux.bytes().await.unwrap().is_empty());

    // A progressive transcode held open (its client reads nothing yet); a seek opens a
    // new progressive response, and the old one's ffmpeg gives way.
    let held = at_once(transcode(&a, 0), &ann, "a progressive transcode").await;
    let sought = at_once(transcode(&a, 10), &ann, "a seek in a progressive transcode").await;
    let started = Instant::now();
    let ended = tokio::time::timeout(Duration::from_secs(20), held.bytes()).await;
    assert!(ended.is_ok(), "the response the player left ends");
    println!("the left response ended after {:?}", started.elapsed());
    // Progressive back to HLS, of another video.
    at_once(
        format!("/api/hls/{b}/480p/0.ts"),
        &ann,
        "progressive to HLS",
    )
    .await;
    let running: Vec<String> = t.running_jobs().into_iter().map(|(_, v, _)| v).collect();
    assert_eq!(running, ["480p"], "the HLS ffmpeg has the slot");
    // Ann's ffmpeg (paused a segment ahead, it holds the slot) is not Bob's to take by
    // a progressive request: he waits out the queue.
    let refused = app.get(&transcode(&a, 0), &bob).await;
    assert_problem(refused, 503, "transcode_busy").await;
    let running: Vec<String> = t.running_jobs().into_iter().map(|(_, v, _)| v).collect();
    assert_eq!(running, ["480p"], "Ann's ffmpeg still runs");
    let started = Instant::now();
    let ended = tokio::time::timeout(Duration::from_secs(20), sought.bytes()).await;
    assert!(
        ended.is_ok(),
        "the progressive response the player left ends"
    );
    println!(
        "the left progressive response ended after {:?}",
        started.elapsed()
    );
}

/// A progressive stream whose ffmpeg fails at once (the file was replaced by something
/// it cannot read after the scan) is the named 503 of a failed transcode with ffmpeg's
/// words, not a 200 with an empty body; repeated failures open the video's breaker.
#[tokio::test]
async fn a_progressive_stream_that_ffmpeg_cannot_make_is_a_named_503() {
    let Some(app) = spawn_media_app(Backend::Sqlite, &[(LONG, "a.mkv")], |s| {
        s.transcode.failures_to_open = homestream::config::PositiveInt(2);
    })
    .await
    else {
        return;
    };
    app.scan().await;
    let ann = app.token_for("ann", Role::User).await;
    let a = app.video_id(&ann, "a.mkv").await;
    // Replaced by a file of the same name and size that is no longer a video (the
    // clip is a hard link to the suite's copy: unlinked first, never written through).
    let path = app.library.join("a.mkv");
    let len = std::fs::metadata(&path).unwrap().len();
    std::fs::remove_file(&path).unwrap();
    std::fs::write(&path, vec![0u8; usize::try_from(len).unwrap()]).unwrap();
    for mode in ["remux", "transcode"] {
        let resp = app
            .get(&format!("/api/transcode/{a}/stream.mp4?mode={mode}"), &ann)
            .await;
        assert!(resp.headers().contains_key("retry-after"), "{mode}");
        let body = assert_problem(resp, 503, "transcode_failed").await;
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("ffmpeg could not transcode"),
            "{mode}: {body}"
        );
    }
    let resp = app
        .get(&format!("/api/transcode/{a}/stream.mp4?mode=remux"), &ann)
        .await;
    assert_problem(resp, 503, "transcode_failing").await;
}

/// The pitch of the first audio stream in some media bytes, from its zero crossings.
async fn pitch_hz(bytes: &[u8]) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("media");
    std::fs::write(&path, bytes).unwrap();
    let out = tokio::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(&path)
        .args([
            "-map", "0:a:0", "-ac", "1", "-ar", "8000", "-f", "s16le", "-",
        ])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let samples: Vec<i16> = out
        .stdout
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    let crossings = samples
        .windows(2)
        .filter(|w| (w[0] < 0) != (w[1] < 0))
        .count();
    crossings as f64 / 2.0 / (samples.len() as f64 / 8000.0)
}

/// `audio_language` picks the audio stream that HLS and remux play (French at 880 Hz
/// here); without it the default stream (English, 220 Hz) plays.
#[tokio::test]
async fn the_preferred_audio_language_is_the_one_played() {
    let Some(app) = spawn_media_app(
        Backend::Sqlite,
        &[("two_languages.mkv", "film.mkv")],
        |_| {},
    )
    .await
    else {
        return;
    };
    app.scan().await;
    let ann = app.token_for("ann", Role::User).await;
    let bob = app.token_for("bob", Role::User).await;
    let prefs = json!({ "audio_language": "fr" });
    let resp = app
        .send_json(
            reqwest::Method::PUT,
            "/api/users/me/preferences",
            &ann,
            &prefs,
        )
        .await;
    assert!(resp.status().is_success(), "{}", resp.status());
    let id = app.video_id(&ann, "film.mkv").await;
    // Both languages are audio renditions; Bob's master lists French as the one to
    // fetch apart, and its segments carry the French stream.
    let master = app
        .get(&format!("/api/hls/{id}/master.m3u8"), &bob)
        .await
        .text()
        .await
        .unwrap();
    let french = master
        .lines()
        .find(|l| l.starts_with("#EXT-X-MEDIA:TYPE=AUDIO") && l.contains("LANGUAGE=\"fra\""))
        .unwrap_or_else(|| panic!("{master}"));
    assert!(french.contains("DEFAULT=NO"), "{master}");
    let uri = french
        .split("URI=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let rendition = uri.split('/').next().unwrap().to_owned();
    assert!(rendition.starts_with("audio-"), "{uri}");
    assert!(
        master.contains("LANGUAGE=\"eng\",DEFAULT=YES,AUTOSELECT=YES\n"),
        "English is in the variants: {master}"
    );
    let playlist = app.get(&format!("/api/hls/{id}/{uri}"), &bob).await;
    assert_eq!(playlist.status(), 200);
    let seg = as_a_player(&app, &format!("/api/hls/{id}/{rendition}/0.ts"), &bob).await;
    assert_eq!(seg.status(), 200);
    let hz = pitch_hz(&seg.bytes().await.unwrap()).await;
    assert!(
        (hz - 880.0).abs() < 88.0,
        "the French rendition at {hz:.0} Hz"
    );
    let missing = app.get(&format!("/api/hls/{id}/audio-99/0.ts"), &bob).await;
    assert_eq!(missing.status(), 404);

    for (token, want, who) in [(&ann, 880.0, "ann (fr)"), (&bob, 220.0, "bob (default)")] {
        let hls = as_a_player(&app, &format!("/api/hls/{id}/audio/0.ts"), token).await;
        assert_eq!(hls.status(), 200, "{who}");
        let hz = pitch_hz(&hls.bytes().await.unwrap()).await;
        assert!(
            (hz - want).abs() < want * 0.1,
            "{who}: HLS audio at {hz:.0} Hz"
        );
        let remux = as_a_player(
            &app,
            &format!("/api/transcode/{id}/stream.mp4?mode=remux"),
            token,
        )
        .await;
        assert_eq!(remux.status(), 200, "{who}");
        let hz = pitch_hz(&remux.bytes().await.unwrap()).await;
        assert!(
            (hz - want).abs() < want * 0.1,
            "{who}: remux audio at {hz:.0} Hz"
        );
    }
}

/// Segment n is the same frames whichever run made it, and joins any run's segment
/// before and after it. For every variant: the segments of a run from 0 on one
/// instance, and on another instance each segment k from a run started at k (a seek
/// to each segment, latest first); joined so that every segment of the later runs sits
/// between two of the first, they decode without a message from `ffmpeg -v error` and
/// without a corrupt packet at `-v warning` (what mpv prints as `Packet corrupt`).
#[tokio::test]
async fn segments_from_different_runs_and_instances_join_cleanly() {
    let quick = |s: &mut Settings| {
        s.transcode.max_segments_ahead = homestream::config::PositiveInt(1);
    };
    let Some((first, token, video)) = app_with_film(Backend::Sqlite, quick).await else {
        return;
    };
    let Some((seeker, seeker_token, seeker_video)) = app_with_film(Backend::Sqlite, quick).await
    else {
        return;
    };
    let id = video["id"].as_str().unwrap();
    let seeker_id = seeker_video["id"].as_str().unwrap();
    let master = first
        .get(&format!("/api/hls/{id}/master.m3u8"), &token)
        .await
        .text()
        .await
        .unwrap();
    let variants: Vec<String> = uris(&master)
        .iter()
        .filter_map(|u| Some(u.split_once("/index.m3u8")?.0.to_owned()))
        .collect();
    assert!(variants.len() >= 2, "{master}");
    let count = 8;
    for variant in &variants {
        let mut from_zero = Vec::new();
        for n in 0..count {
            let resp =
                as_a_player(&first, &format!("/api/hls/{id}/{variant}/{n}.ts"), &token).await;
            assert_eq!(
                resp.status(),
                200,
                "{variant} segment {n} of the run from 0"
            );
            from_zero.push(resp.bytes().await.unwrap().to_vec());
        }
        let mut from_itself = vec![Vec::new(); count];
        for n in (1..count).rev() {
            let path = format!("/api/hls/{seeker_id}/{variant}/{n}.ts");
            let resp = as_a_player(&seeker, &path, &seeker_token).await;
            assert_eq!(
                resp.status(),
                200,
                "{variant} segment {n} of a run from {n}"
            );
            from_itself[n] = resp.bytes().await.unwrap().to_vec();
        }
        // Odd segments from their own runs, then even ones: each boundary is a join.
        for parity in [1, 0] {
            let mut joined = Vec::new();
            for n in 0..count {
                let own = n > 0 && n % 2 == parity;
                joined.extend_from_slice(if own { &from_itself[n] } else { &from_zero[n] });
            }
            crate::media::assert_decodes_silently(&joined).await;
            let warnings = crate::media::decode_warnings(&joined).await;
            assert!(
                !warnings.to_lowercase().contains("corrupt"),
                "{variant}, runs joined at every {} segment: {warnings}",
                if parity == 1 { "odd" } else { "even" }
            );
            let probed = probe(&joined, "joined.ts").await;
            let duration: f64 = probed["format"]["duration"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((duration - 24.0).abs() < 0.5, "{variant}: {duration}");
        }
    }
}

/// `transcode.max_height` caps what is made: a 720p film offered no taller than 480p
/// lists no 720p variant, and a request for one is a 404.
#[tokio::test]
async fn the_ladder_stops_at_the_height_this_machine_can_make() {
    let Some(app) = spawn_media_app(Backend::Sqlite, &[("hevc_ac3_720p.mkv", "film.mkv")], |s| {
        s.transcode.max_height = 480;
    })
    .await
    else {
        return;
    };
    app.scan().await;
    let token = app.token_for("viewer", Role::User).await;
    let id = app.video_id(&token, "film.mkv").await;
    let master = app
        .get(&format!("/api/hls/{id}/master.m3u8"), &token)
        .await
        .text()
        .await
        .unwrap();
    let variants: Vec<String> = uris(&master)
        .iter()
        .map(|u| u.split('?').next().unwrap().to_owned())
        .collect();
    assert_eq!(
        variants,
        ["480p/index.m3u8", "audio/index.m3u8"],
        "{master}"
    );
    let taller = app
        .get(&format!("/api/hls/{id}/720p/index.m3u8"), &token)
        .await;
    assert_eq!(taller.status(), 404);
}

/// A player that gives up while its first segment waits for a slot leaves nothing
/// behind: once a slot is free, the next request starts ffmpeg at once instead of
/// waiting on the abandoned start.
#[tokio::test]
async fn a_start_abandoned_in_the_queue_does_not_block_the_next_request() {
    let Some(app) = spawn_media_app(Backend::Sqlite, &[(LONG, "a.mkv"), (LONG, "b.mkv")], |s| {
        s.transcode.max_concurrent_jobs = 1;
        s.transcode.queue_timeout = homestream::config::HumanDuration::secs(30);
    })
    .await
    else {
        return;
    };
    app.scan().await;
    let bob = app.token_for("bob", Role::User).await;
    let ann = app.token_for("ann", Role::User).await;
    let a = app.video_id(&bob, "a.mkv").await;
    let b = app.video_id(&bob, "b.mkv").await;
    let held = app
        .get(
            &format!("/api/transcode/{a}/stream.mp4?mode=transcode"),
            &bob,
        )
        .await;
    assert_eq!(held.status(), 200);
    let path = format!("/api/hls/{b}/480p/0.ts");
    let gave_up = app
        .client
        .get(app.url(&path))
        .bearer_auth(&ann)
        .timeout(Duration::from_secs(1))
        .send()
        .await;
    assert!(gave_up.is_err(), "the request waited in the queue");
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(held);
    let started = Instant::now();
    let resp = tokio::time::timeout(Duration::from_secs(40), app.get(&path, &ann))
        .await
        .expect("answered");
    assert_eq!(resp.status(), 200);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "waited {:?} on an abandoned start",
        started.elapsed()
    );
}

/// The parts of segment `n` ffmpeg is writing in `dir` (`{n}.{run}.part`), with their
/// sizes.
fn parts_of(dir: &Path, n: u32) -> Vec<(String, u64)> {
    let prefix = format!("{n}.");
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let len = e.metadata().ok()?.len();
                    (name.starts_with(&prefix) && name.ends_with(".part")).then_some((name, len))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Stops (`STOP`) or resumes (`CONT`) a process.
fn send_signal(pid: i32, signal: &str) {
    let ok = std::process::Command::new("kill")
        .args([format!("-{signal}"), pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{signal} {pid}");
}

/// Waits until ffmpeg has written the start of segment `n` into `dir` (100 KB: the
/// program tables and the first packets of each stream), then stops it there
/// (`SIGSTOP`) and answers its pid: the segment is begun, not complete.
async fn stop_ffmpeg_inside(dir: &Path, n: u32) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        assert!(Instant::now() < deadline, "ffmpeg never began segment {n}");
        if parts_of(dir, n).iter().any(|(_, len)| *len > 100_000) {
            if let [pid] = ffmpegs_writing_into(dir)[..] {
                send_signal(pid, "STOP");
                assert!(
                    !dir.join(format!("{n}.ts")).exists() && parts_of(dir, n + 1).is_empty(),
                    "segment {n} was complete before ffmpeg could be stopped inside it"
                );
                return pid;
            }
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Asks for segment `n` at `path` and stops its ffmpeg inside it
/// ([`stop_ffmpeg_inside`]): the pid, and the answer, which came while ffmpeg is
/// stopped, so before the segment's end.
async fn answer_begun_inside(
    app: &MediaApp,
    path: &str,
    token: &str,
    dir: &Path,
    n: u32,
) -> (i32, reqwest::Response) {
    let request = tokio::spawn({
        let (client, url, token) = (reqwest::Client::new(), app.url(path), token.to_owned());
        async move { client.get(url).bearer_auth(token).send().await.unwrap() }
    });
    let pid = stop_ffmpeg_inside(dir, n).await;
    let resp = tokio::time::timeout(Duration::from_secs(10), request)
        .await
        .expect("no answer while the segment is being made")
        .unwrap();
    (pid, resp)
}

/// The film's app ([`app_with_film`]) with one segment of ffmpeg's lead and a 1 s idle
/// timeout (and `tweak`): a viewer's token, the film's id and its 480p segments' folder.
async fn film_in_480p(
    tweak: impl FnOnce(&mut Settings),
) -> Option<(MediaApp, String, String, std::path::PathBuf)> {
    let (app, token, video) = app_with_film(Backend::Sqlite, |s| {
        s.transcode.max_segments_ahead = homestream::config::PositiveInt(1);
        s.transcode.idle_timeout = homestream::config::HumanDuration::secs(1);
        tweak(s);
    })
    .await?;
    let id = video["id"].as_str().unwrap().to_owned();
    let dir = app
        .state
        .transcoder
        .cache_dir()
        .join(format!("hls/{id}/480p"));
    Some((app, token, id, dir))
}

/// A segment ffmpeg is still making is sent as it is written (chunked, its first
/// bytes before it is complete) and is, read to its end, the segment the cache then
/// holds, however long it takes (the job is not idle meanwhile). One whose ffmpeg is
/// stopped before it is complete (a seek elsewhere) is cut off, never a short 200 a
/// player would take as whole, and leaves nothing behind.
#[tokio::test]
async fn a_segment_is_sent_while_ffmpeg_writes_it() {
    let Some((app, token, id, dir)) = film_in_480p(|_| {}).await else {
        return;
    };
    let path = format!("/api/hls/{id}/480p/0.ts");
    let (pid, mut resp) = answer_begun_inside(&app, &path, &token, &dir, 0).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "video/mp2t");
    assert!(
        resp.content_length().is_none(),
        "no length is known before the end"
    );
    let first = tokio::time::timeout(Duration::from_secs(10), resp.chunk())
        .await
        .expect("no byte of the segment before it was complete")
        .unwrap()
        .expect("a first chunk");
    assert!(!first.is_empty());
    assert!(!dir.join("0.ts").exists(), "still being made");
    // Slower than the idle timeout: an answer under way keeps its ffmpeg.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    send_signal(pid, "CONT");
    let mut streamed = first.to_vec();
    while let Some(chunk) = resp.chunk().await.unwrap() {
        streamed.extend_from_slice(&chunk);
    }
    assert!(
        until(Duration::from_secs(2), || dir.join("0.ts").exists()).await,
        "not named complete once sent to its end"
    );
    // The same segment from the cache, with its length: the same bytes.
    let cached = app.get(&path, &token).await;
    assert_eq!(cached.content_length(), Some(streamed.len() as u64));
    assert!(
        cached.bytes().await.unwrap() == streamed,
        "the bytes sent as made differ from the cache's"
    );
    crate::media::assert_decodes_silently(&streamed).await;

    // A seek to 6 starts a run there; stopped inside 6, a seek back to 4 replaces it.
    let six = format!("/api/hls/{id}/480p/6.ts");
    let (pid, mut resp) = answer_begun_inside(&app, &six, &token, &dir, 6).await;
    assert_eq!(resp.status(), 200);
    resp.chunk().await.unwrap().expect("a first chunk");
    let four = app.get(&format!("/api/hls/{id}/480p/4.ts"), &token).await;
    assert_eq!(four.status(), 200);
    let cut = async {
        loop {
            match resp.chunk().await {
                Ok(Some(_)) => continue,
                Ok(None) => return false,
                Err(_) => return true,
            }
        }
    };
    assert!(
        tokio::time::timeout(Duration::from_secs(10), cut)
            .await
            .expect("the answer neither ended nor was cut off"),
        "a segment whose ffmpeg was stopped ended as if whole"
    );
    four.bytes().await.unwrap();
    assert!(
        until(Duration::from_secs(5), || parts_of(&dir, 6).is_empty()).await,
        "the stopped run's part is left: {:?}",
        parts_of(&dir, 6)
    );
    assert!(
        !dir.join("6.ts").exists(),
        "an unfinished segment named complete"
    );
    assert!(
        process_state(pid).is_none_or(|s| s == 'Z'),
        "the replaced ffmpeg lives on"
    );
}

/// A player that stops reading a segment being made (its receive window closed, the
/// server's writes blocked) does not hold its ffmpeg and transcode slot: the answer is
/// no longer polled, so the job goes idle after `idle_timeout` as if nobody watched and
/// its ffmpeg is killed. A player that reads again gets the rest or a cut-off, never a
/// hang.
#[tokio::test]
async fn a_client_that_stops_reading_a_segment_does_not_hold_its_ffmpeg() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Some((app, token, id, dir)) = film_in_480p(|s| {
        // Long segments: one is far more than the socket buffers and hyper's hold.
        s.transcode.segment_seconds = homestream::config::PositiveInt(10);
    })
    .await
    else {
        return;
    };
    // A client whose socket takes little: a small receive buffer, and a small segment
    // size so that the server's send buffer stays small too (on loopback it would grow
    // to megabytes with the 64 KB segments there).
    let url = reqwest::Url::parse(&app.url("/")).unwrap();
    let addr = std::net::SocketAddr::new(
        url.host_str().unwrap().parse().unwrap(),
        url.port().unwrap(),
    );
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket.set_tcp_mss(1000).unwrap();
    socket.connect(&addr.into()).unwrap();
    socket.set_nonblocking(true).unwrap();
    let mut stream = tokio::net::TcpStream::from_std(socket.into()).unwrap();
    stream
        .write_all(
            format!(
                "GET /api/hls/{id}/480p/0.ts HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n",
                url.authority()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut head = Vec::new();
    let mut byte = [0; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut byte))
            .await
            .expect("no answer")
            .unwrap();
        assert_eq!(n, 1, "closed before the headers: {head:?}");
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "not sent as written: {head}"
    );
    // The player stops reading here.
    let pid = {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let [pid] = ffmpegs_writing_into(&dir)[..] {
                break pid;
            }
            assert!(Instant::now() < deadline, "no ffmpeg for the segment");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    assert!(
        until(Duration::from_secs(20), || process_state(pid)
            .is_none_or(|s| s == 'Z'))
        .await,
        "a player that stopped reading keeps its ffmpeg"
    );
    // The stall was real, not buffered away: ffmpeg went before segment 0 was complete
    // (an answer still being sent keeps its job until then), or segment 0 is larger than
    // what the small window and the server's buffers could have taken.
    let complete = dir.join("0.ts").metadata().map(|m| m.len()).ok();
    assert!(
        complete.is_none_or(|len| len > 1_000_000),
        "segment 0 ({complete:?} bytes) could have been sent whole before the player stopped"
    );
    // Reading again: the rest of the segment, or a cut-off; never a wait without end.
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the answer neither ended nor was cut off");
    // The segment is asked for again: a new run makes it.
    let again = app.get(&format!("/api/hls/{id}/480p/0.ts"), &token).await;
    assert_eq!(again.status(), 200);
    crate::media::assert_decodes_silently(&again.bytes().await.unwrap()).await;
}

/// The cache counts every segment it holds, however a run ends: a segment read to its
/// end as ffmpeg made it, then a seek that stops its run at once (before the run's
/// supervisor looked again), is on the disk and in the count alike. (When an answer
/// named the segment it had just sent, its stopped run's supervisor never counted it.)
#[tokio::test]
async fn a_seek_right_after_a_segment_leaves_the_cache_count_true() {
    let Some((app, token, video)) = app_with_film(Backend::Sqlite, |_| {}).await else {
        return;
    };
    let id = video["id"].as_str().unwrap().to_owned();
    for variant in ["480p", "audio"] {
        // Read as made, to its end (the answer ends as the next segment is begun), and a
        // seek to the last segment on the heels of it.
        let first = app
            .get(&format!("/api/hls/{id}/{variant}/0.ts"), &token)
            .await;
        assert_eq!(first.status(), 200);
        assert!(first.content_length().is_none(), "{variant}: sent as made");
        first.bytes().await.unwrap();
        let last = app
            .get(&format!("/api/hls/{id}/{variant}/7.ts"), &token)
            .await;
        assert_eq!(last.status(), 200);
        last.bytes().await.unwrap();
    }
    assert_cache_counts_the_disk(&app, &id, &["480p", "audio"]).await;
}

/// Waits until every run of `variants` of video `id` ended and left no part, then
/// checks the cache counts exactly the segments on disk.
async fn assert_cache_counts_the_disk(app: &MediaApp, id: &str, variants: &[&str]) {
    let hls = app.state.transcoder.cache_dir().join(format!("hls/{id}"));
    let settled = until(Duration::from_secs(60), || {
        variants.iter().all(|v| {
            let dir = hls.join(v);
            ffmpegs_writing_into(&dir).is_empty()
                && std::fs::read_dir(&dir).is_ok_and(|entries| {
                    entries
                        .flatten()
                        .all(|e| !e.file_name().to_string_lossy().ends_with(".part"))
                })
        })
    })
    .await;
    assert!(settled, "the runs did not end");
    let on_disk: u64 = variants
        .iter()
        .flat_map(|v| std::fs::read_dir(hls.join(v)).unwrap().flatten())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".ts"))
        .map(|e| e.metadata().unwrap().len())
        .sum();
    assert!(on_disk > 0);
    assert_eq!(
        app.state.transcoder.cache.size(),
        on_disk,
        "the cache's count and the segments on disk differ"
    );
}

/// A run that reaches segments an earlier run made (a seek ahead first, then playing
/// from the start) keeps those and counts them once: its own copies are removed, not
/// counted again (the cache would evict early by that much).
#[tokio::test]
async fn a_run_over_segments_made_before_counts_them_once() {
    let Some((app, token, video)) = app_with_film(Backend::Sqlite, |_| {}).await else {
        return;
    };
    let id = video["id"].as_str().unwrap().to_owned();
    // Segments 5 to 7 by a run from 5, to the film's end.
    for n in 5..8 {
        let resp = app.get(&format!("/api/hls/{id}/480p/{n}.ts"), &token).await;
        assert_eq!(resp.status(), 200);
        resp.bytes().await.unwrap();
    }
    let dir = app
        .state
        .transcoder
        .cache_dir()
        .join(format!("hls/{id}/480p"));
    let made_first: Vec<_> = (5..8)
        .map(|n| std::fs::read(dir.join(format!("{n}.ts"))))
        .collect();
    assert!(
        until(Duration::from_secs(30), || ffmpegs_writing_into(&dir)
            .is_empty())
        .await,
        "the run from 5 did not end"
    );
    // From the start: that run goes on to the end, over 5 to 7 again.
    let resp = app.get(&format!("/api/hls/{id}/480p/0.ts"), &token).await;
    assert_eq!(resp.status(), 200);
    resp.bytes().await.unwrap();
    assert_cache_counts_the_disk(&app, &id, &["480p"]).await;
    let kept: Vec<_> = (5..8)
        .map(|n| std::fs::read(dir.join(format!("{n}.ts"))))
        .collect();
    assert!(
        made_first
            .iter()
            .zip(&kept)
            .all(|(a, b)| a.as_ref().ok() == b.as_ref().ok()),
        "the segments made first were replaced"
    );
}
