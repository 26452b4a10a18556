//! Seek previews (trickplay) as a player meets them: made by the server in the
//! background after a scan, a WebVTT index and JPEG sheets of real pictures of the
//! film, only to those who may see its library, made again for a changed file.

use crate::helpers::{assert_problem, Backend};
use crate::media::{add_clip, for_each_backend, spawn_media_app, MediaApp};
use homestream::accounts::Role;
use homestream::config::HumanDuration;
use serde_json::json;
use std::time::{Duration, Instant};

for_each_backend!(previews_follow_a_scan_in_the_background);

/// One cue of the index: start, end, sheet and the picture's place.
#[derive(Debug, PartialEq)]
struct Cue {
    start: String,
    end: String,
    sheet: String,
    xywh: [u32; 4],
}

fn cues(vtt: &str) -> Vec<Cue> {
    assert!(vtt.starts_with("WEBVTT\n"), "{vtt}");
    vtt.split("\n\n")
        .skip(1)
        .filter(|b| !b.trim().is_empty())
        .map(|block| {
            let mut lines = block.lines();
            let (start, end) = lines.next().unwrap().split_once(" --> ").unwrap();
            let (sheet, place) = lines.next().unwrap().split_once("#xywh=").unwrap();
            let xywh: Vec<u32> = place.split(',').map(|n| n.parse().unwrap()).collect();
            Cue {
                start: start.to_owned(),
                end: end.to_owned(),
                sheet: sheet.to_owned(),
                xywh: xywh.try_into().unwrap(),
            }
        })
        .collect()
}

/// The index of `id` once the server has made it (the background pass), within 2 minutes.
async fn index_when_made(app: &MediaApp, token: &str, id: &str) -> (String, String) {
    let started = Instant::now();
    loop {
        let resp = app
            .get(&format!("/api/videos/{id}/trickplay/index.vtt"), token)
            .await;
        if resp.status() == 200 {
            assert_eq!(
                resp.headers()["content-type"],
                "text/vtt",
                "{:?}",
                resp.headers()
            );
            let etag = resp.headers()["etag"].to_str().unwrap().to_owned();
            return (resp.text().await.unwrap(), etag);
        }
        assert_eq!(resp.status(), 404);
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no seek previews of {id} two minutes after the scan"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `ffmpeg` reading a JPEG from memory: its size, and the MD5 of the picture at `xywh`.
fn picture(jpeg: &[u8], xywh: Option<[u32; 4]>) -> String {
    use std::io::Write;
    let mut cmd = std::process::Command::new("ffmpeg");
    // showinfo speaks at the info level.
    let level = if xywh.is_some() { "error" } else { "info" };
    cmd.args(["-hide_banner", "-v", level, "-i", "pipe:0"]);
    match xywh {
        Some([x, y, w, h]) => cmd.args(["-vf", &format!("crop={w}:{h}:{x}:{y}"), "-f", "md5", "-"]),
        None => cmd.args(["-vf", "showinfo", "-f", "null", "-"]),
    };
    let out = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child.stdin.take().unwrap().write_all(jpeg)?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    if xywh.is_some() {
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    } else {
        // showinfo: "... s:1600x900 ..."
        let info = String::from_utf8_lossy(&out.stderr);
        info.split_whitespace()
            .find_map(|w| w.strip_prefix("s:"))
            .unwrap_or_default()
            .to_owned()
    }
}

async fn previews_follow_a_scan_in_the_background(backend: Backend) {
    let kids = tempfile::tempdir().unwrap();
    add_clip(kids.path(), "h264_aac.mp4", "Short.mp4");
    let kids_path = kids.path().to_owned();
    let Some(app) = spawn_media_app(backend, &[("hevc_ac3_720p.mkv", "Film.mkv")], move |s| {
        s.transcode.trickplay = true;
        s.transcode.trickplay_interval = HumanDuration::secs(5);
        s.transcode.trickplay_width = homestream::config::PositiveInt(160);
        s.media.libraries.push(homestream::config::Library {
            name: "Kids".into(),
            path: kids_path,
            kind: Default::default(),
        });
    })
    .await
    else {
        return;
    };
    let admin = app.token_for("root", Role::Admin).await;
    let ann = app.token_for("ann", Role::User).await;
    let bob = app.token_for("bob", Role::User).await;
    // The scan alone: the pictures are the server's background work after it.
    app.state.library.scan(None).await;
    let film = app.video_id(&ann, "Film.mkv").await;
    let short = app.video_id(&ann, "Short.mp4").await;

    // 30 s at one picture every 5 s, 160 x 90 (the film is 1280 x 720), on one sheet.
    // Each picture is the latest keyframe at or before its time (x265 put one every
    // 10 s): the one at 20 s is the last, and lasts to the end of the film.
    let (vtt, etag) = index_when_made(&app, &ann, &film).await;
    let mut film_cues = cues(&vtt);
    let last = film_cues.pop().unwrap();
    let want: Vec<Cue> = (0..4u32)
        .map(|i| Cue {
            start: format!("00:00:{:02}.000", i * 5),
            end: format!("00:00:{:02}.000", i * 5 + 5),
            sheet: "0.jpg".into(),
            xywh: [i * 160, 0, 160, 90],
        })
        .collect();
    assert_eq!(film_cues, want, "{vtt}");
    assert_eq!(
        (last.start.as_str(), last.sheet.as_str(), last.xywh),
        ("00:00:20.000", "0.jpg", [640, 0, 160, 90]),
        "{vtt}"
    );
    assert!(last.end.starts_with("00:00:30."), "{vtt}");

    // The sheet the index names, relative to the index's own address.
    let sheet_path = format!("/api/videos/{film}/trickplay/0.jpg");
    let resp = app.get(&sheet_path, &ann).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/jpeg");
    let sheet_etag = resp.headers()["etag"].to_str().unwrap().to_owned();
    let sheet = resp.bytes().await.unwrap();
    assert_eq!(picture(&sheet, None), "1600x900", "ten by ten places");
    // Real pictures of the film: the first and the one at 10 s (another keyframe) differ,
    // and neither is the black of an empty place.
    let first = picture(&sheet, Some(film_cues[0].xywh));
    let at_ten = picture(&sheet, Some(film_cues[2].xywh));
    let empty = picture(&sheet, Some([1440, 810, 160, 90]));
    assert_ne!(first, at_ten, "the pictures of 0 s and 10 s are the same");
    assert_ne!(first, empty, "the first picture is an empty place");

    // Cached by the client: both answer 304 to their ETag.
    for (path, tag) in [
        (format!("/api/videos/{film}/trickplay/index.vtt"), &etag),
        (sheet_path.clone(), &sheet_etag),
    ] {
        let resp = app
            .client
            .get(app.url(&path))
            .bearer_auth(&ann)
            .header("if-none-match", tag)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 304, "{path}");
    }

    // A video shorter than the interval has one picture, lasting its length.
    let (short_vtt, _) = index_when_made(&app, &ann, &short).await;
    let short_cues = cues(&short_vtt);
    assert_eq!(short_cues.len(), 1, "{short_vtt}");
    assert_eq!(short_cues[0].start, "00:00:00.000");
    assert_ne!(short_cues[0].end, "00:00:05.000", "{short_vtt}");

    // No sheet beyond the index's, and no name but a sheet's.
    assert_problem(
        app.get(&format!("/api/videos/{film}/trickplay/1.jpg"), &ann)
            .await,
        404,
        "not_found",
    )
    .await;
    for bad in ["..%2F..%2Fjwt_secret", "0.png", "index.jpg%00", "-1.jpg"] {
        let resp = app
            .get(&format!("/api/videos/{film}/trickplay/{bad}"), &ann)
            .await;
        // 400 from the name's pattern; 422 for a NUL, which no path of the server takes.
        assert!(
            matches!(resp.status().as_u16(), 400 | 422),
            "{bad}: {}",
            resp.status()
        );
        assert_eq!(resp.headers()["content-type"], "application/problem+json");
    }

    // Only those who may see the film's library see its pictures.
    let bob_id = app.my_id(&bob).await;
    let resp = app
        .send_json(
            reqwest::Method::PATCH,
            &format!("/api/users/{bob_id}"),
            &admin,
            &json!({ "libraries": ["Kids"] }),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let bob = app.login_token("bob").await;
    for path in [
        format!("/api/videos/{film}/trickplay/index.vtt"),
        sheet_path.clone(),
    ] {
        assert_problem(app.get(&path, &bob).await, 404, "not_found").await;
    }
    let resp = app
        .get(&format!("/api/videos/{short}/trickplay/index.vtt"), &bob)
        .await;
    assert_eq!(resp.status(), 200, "Bob's own library");

    // The file changes (another, shorter film in its place): the next scan's pass makes
    // a new set, and the old one is gone from the disk.
    // Beside it, another instance (same data folder) making a set now, and the work
    // folder of one that died making one an hour ago.
    let film_dir = app.state.settings.data_dir.join("trickplay").join(&film);
    let theirs = film_dir.join("320-10000-1-1.part-999999");
    let dead = film_dir.join("320-10000-2-2.part-999998");
    std::fs::create_dir_all(&theirs).unwrap();
    std::fs::create_dir_all(&dead).unwrap();
    std::fs::File::open(&dead)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    let path = app.library.join("Film.mkv");
    std::fs::remove_file(&path).unwrap();
    add_clip(&app.library, "hevc_ac3_long.mkv", "Film.mkv");
    app.state.library.scan(None).await;
    let started = Instant::now();
    let renewed = loop {
        let (vtt, _) = index_when_made(&app, &ann, &film).await;
        if cues(&vtt).last().unwrap().end.starts_with("00:00:24.") {
            break vtt;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the changed film's previews were not made again: {vtt}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(cues(&renewed).len(), 5, "{renewed}");
    assert!(
        theirs.is_dir(),
        "another instance's work under way was removed"
    );
    assert!(!dead.exists(), "a dead process's work folder was kept");
    std::fs::remove_dir(&theirs).unwrap();
    let sets: Vec<_> = std::fs::read_dir(&film_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        sets.len(),
        1,
        "the old set is kept beside the new: {sets:?}"
    );
}

/// `transcode.trickplay = false`: nothing is made, and the index is a 404.
#[tokio::test]
async fn previews_turned_off_are_never_made() {
    let Some(app) = spawn_media_app(Backend::Sqlite, &[("two_languages.mkv", "Film.mkv")], |s| {
        s.transcode.trickplay = false;
    })
    .await
    else {
        return;
    };
    let ann = app.token_for("ann", Role::User).await;
    app.scan().await;
    app.state.library.make_missing_trickplay().await;
    let film = app.video_id(&ann, "Film.mkv").await;
    assert_problem(
        app.get(&format!("/api/videos/{film}/trickplay/index.vtt"), &ann)
            .await,
        404,
        "not_found",
    )
    .await;
    assert!(!app.state.settings.data_dir.join("trickplay").exists());
}
