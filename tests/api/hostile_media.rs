//! Library files as a household member with write access to one library folder makes
//! them: playlists and file lists saved under media names, which would have ffprobe and
//! ffmpeg read files of another library.

use crate::helpers::Backend;
use crate::media::{add_clip, ffmpeg_available, for_each_backend, spawn_media_app};
use homestream::accounts::Role;
use homestream::config::Library;
use serde_json::Value;
use std::path::Path;

/// Library files that name `secret` (a video of another library): an HLS playlist,
/// an ffconcat list and a concat list, each saved with a media extension, and a DASH
/// manifest (not known by its first bytes: ffprobe's format whitelist refuses it).
fn lists_naming(library: &Path, secret: &Path) {
    let secret = secret.display();
    let files = [
        (
            "evil.mkv",
            format!("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:1,\n{secret}\n#EXT-X-ENDLIST\n"),
        ),
        (
            "list.mp4",
            format!("ffconcat version 1.0\nfile '{secret}'\n"),
        ),
        ("concat.avi", format!("file '{secret}'\n")),
        (
            "manifest.mkv",
            format!(
                "<?xml version=\"1.0\"?>\n<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" \
                 type=\"static\" mediaPresentationDuration=\"PT1S\" minBufferTime=\"PT1S\" \
                 profiles=\"urn:mpeg:dash:profile:isoff-on-demand:2011\"><Period>\
                 <AdaptationSet mimeType=\"video/x-matroska\"><Representation id=\"0\" \
                 bandwidth=\"100000\"><BaseURL>{secret}</BaseURL></Representation>\
                 </AdaptationSet></Period></MPD>\n"
            ),
        ),
    ];
    for (name, text) in files {
        std::fs::write(library.join(name), text).unwrap();
    }
}

for_each_backend!(playlists_and_lists_saved_as_media_are_refused_by_the_scanner);

/// The lists are not catalogued (the scan counts them as failed and logs why), so no
/// route has an id for them; the real clip beside them is catalogued as usual.
async fn playlists_and_lists_saved_as_media_are_refused_by_the_scanner(backend: Backend) {
    let other = tempfile::tempdir().unwrap();
    let secret = add_clip(other.path(), "h264_aac.mp4", "secret.mp4");
    let Some(app) = spawn_media_app(backend, &[("vp9_opus.webm", "real.webm")], |s| {
        s.media.libraries.push(Library {
            name: "Private".into(),
            path: other.path().to_path_buf(),
            kind: Default::default(),
        });
    })
    .await
    else {
        return;
    };
    lists_naming(&app.library, &secret);
    let summary = app.scan().await;
    let admin = app.token_for("admin", Role::Admin).await;
    let page: Value = app
        .get("/api/videos?limit=200", &admin)
        .await
        .json()
        .await
        .unwrap();
    let mut names: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["filename"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    println!("{backend:?}: scan {summary:?}; catalog {names:?}");
    assert_eq!(names, ["real.webm", "secret.mp4"], "{page}");
    let thumbnails = std::fs::read_dir(app.state.settings.data_dir.join("thumbnails"))
        .map_or(0, Iterator::count);
    assert_eq!(thumbnails, 2, "thumbnails only of the two videos");
}

/// A file scanned as media and then replaced by a playlist naming another library's
/// video: ffmpeg reads it only as media, so neither the remux nor HLS serves a frame of
/// the other video.
#[tokio::test]
async fn a_video_replaced_by_a_playlist_after_the_scan_serves_nothing_of_another_file() {
    if !ffmpeg_available() {
        return;
    }
    let other = tempfile::tempdir().unwrap();
    let secret = add_clip(other.path(), "hevc_ac3_long.mkv", "secret.mkv");
    let Some(app) = spawn_media_app(Backend::Sqlite, &[("hevc_ac3.mkv", "film.mkv")], |_| {}).await
    else {
        return;
    };
    app.scan().await;
    let ann = app.token_for("ann", Role::User).await;
    let id = app.video_id(&ann, "film.mkv").await;
    std::fs::write(
        app.library.join("film.mkv"),
        format!(
            "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:20,\n{}\n#EXT-X-ENDLIST\n",
            secret.display()
        ),
    )
    .unwrap();
    let secret_size = std::fs::metadata(&secret).unwrap().len();

    let remux = app
        .get(&format!("/api/transcode/{id}/stream.mp4?mode=remux"), &ann)
        .await;
    let status = remux.status().as_u16();
    let body = remux.bytes().await.unwrap_or_default();
    println!("remux of the replaced file: {status}, {} bytes", body.len());
    assert!(
        status != 200 || body.len() < 4096,
        "the remux served {} bytes of something (the other file is {secret_size})",
        body.len()
    );

    let master = app.get(&format!("/api/hls/{id}/master.m3u8"), &ann).await;
    if master.status() == 200 {
        let text = master.text().await.unwrap();
        let variant = text
            .lines()
            .find(|l| !l.starts_with('#') && !l.is_empty())
            .expect("a variant");
        let base = format!("/api/hls/{id}/");
        let playlist = app.get(&format!("{base}{variant}"), &ann).await;
        let playlist = playlist.text().await.unwrap();
        let segment = playlist
            .lines()
            .find(|l| !l.starts_with('#') && !l.is_empty())
            .map(str::to_owned);
        if let Some(segment) = segment {
            let dir = variant.rsplit_once('/').map_or("", |(d, _)| d);
            let got = app.get(&format!("{base}{dir}/{segment}"), &ann).await;
            let status = got.status().as_u16();
            let bytes = got.bytes().await.unwrap_or_default();
            println!(
                "HLS segment of the replaced file: {status}, {} bytes",
                bytes.len()
            );
            assert!(status != 200 || bytes.is_empty(), "a segment was made");
        }
    }
}

/// A sidecar subtitle replaced after the scan by a symlink to a file outside the
/// library is refused (404, as for a file that is gone); the outside text is never
/// served.
#[tokio::test]
async fn a_sidecar_swapped_for_an_outside_symlink_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.srt");
    std::fs::write(&secret, "1\n00:00:00,500 --> 00:00:02,000\nSecret line\n").unwrap();
    let Some(app) = spawn_media_app(Backend::Sqlite, &[("h264_aac.mp4", "film.mp4")], |_| {}).await
    else {
        return;
    };
    let sidecar = app.library.join("film.en.srt");
    std::fs::write(&sidecar, "1\n00:00:00,500 --> 00:00:02,000\nHello\n").unwrap();
    app.scan().await;
    let ann = app.token_for("ann", Role::User).await;
    let video = app.video(&ann, "film.mp4").await;
    let url = video["text_tracks"][0]["url"].as_str().unwrap().to_owned();
    std::fs::remove_file(&sidecar).unwrap();
    std::os::unix::fs::symlink(&secret, &sidecar).unwrap();
    let resp = app.get(&url, &ann).await;
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    assert!(
        !text.contains("Secret"),
        "the outside file was served: {text}"
    );
    assert_eq!(status, 404, "{text}");
}

/// A folder of the library swapped for a symlink to an outside folder, and back, in a
/// loop while 150 remuxes and 150 direct plays of a file in it run: no answer carries
/// the outside file (an H.264/AAC clip like the inside one, whose title says OUTSIDE);
/// answers are the inside file or a refusal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_swapped_for_a_symlink_in_a_loop_never_serves_the_outside_file() {
    if !ffmpeg_available() {
        return;
    }
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(outside.path().join("Films")).unwrap();
    let made = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg("testsrc2=size=160x120:rate=25:duration=1")
        .args(["-f", "lavfi", "-i", "sine=frequency=440:duration=1"])
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ])
        .args(["-c:a", "aac", "-shortest", "-metadata", "title=OUTSIDE"])
        .arg(outside.path().join("Films/a.mp4"))
        .status()
        .unwrap();
    assert!(made.success());
    let Some(app) =
        spawn_media_app(Backend::Sqlite, &[("h264_aac.mp4", "Films/a.mp4")], |_| {}).await
    else {
        return;
    };
    app.scan().await;
    let ann = app.token_for("ann", Role::User).await;
    let id = app.video_id(&ann, "a.mp4").await;

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let swapper = {
        let (stop, library, target) = (
            stop.clone(),
            app.library.clone(),
            outside.path().join("Films"),
        );
        std::thread::spawn(move || {
            let (films, real) = (library.join("Films"), library.join("Films.real"));
            let mut swaps = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                std::fs::rename(&films, &real).unwrap();
                std::os::unix::fs::symlink(&target, &films).unwrap();
                std::thread::sleep(std::time::Duration::from_micros(500));
                std::fs::remove_file(&films).unwrap();
                std::fs::rename(&real, &films).unwrap();
                std::thread::sleep(std::time::Duration::from_micros(500));
                swaps += 1;
            }
            swaps
        })
    };
    let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
    let mut outside_answers = 0;
    for i in 0..300 {
        let path = if i % 2 == 0 {
            format!("/api/transcode/{id}/stream.mp4?mode=remux")
        } else {
            format!("/api/stream/{id}")
        };
        let resp = app.get(&path, &ann).await;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.unwrap_or_default();
        if body.windows(7).any(|w| w == b"OUTSIDE") {
            outside_answers += 1;
        }
        let kind = if i % 2 == 0 { "remux" } else { "direct" };
        *outcomes.entry(format!("{kind} {status}")).or_default() += 1;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let swaps = swapper.join().unwrap();
    println!("symlink swap loop ({swaps} swaps): {outcomes:?}; outside answers: {outside_answers} of 300");
    assert_eq!(outside_answers, 0, "{outcomes:?}");
    assert!(
        outcomes.get("remux 200").is_some_and(|n| *n > 0),
        "some remuxes ran: {outcomes:?}"
    );
}
