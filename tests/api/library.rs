//! Scanning and the catalog, on ffmpeg-made media.

use crate::helpers::{assert_problem, Backend};
use crate::media::{add_clip, clips, for_each_backend, spawn_media_app};
use homestream::accounts::Role;
use serde_json::Value;
use std::time::Duration;

const FOUR: &[(&str, &str)] = &[
    ("h264_aac.mp4", "Films/Alpha.mp4"),
    ("hevc_ac3.mkv", "Films/Bravo.mkv"),
    ("vp9_opus.webm", "Shows/S1/Charlie.webm"),
    ("mpeg4_mp3.avi", "Delta.avi"),
];

for_each_backend!(
    scanning_records_the_metadata_of_each_container,
    a_rescan_of_an_unchanged_library_runs_no_ffprobe,
    a_truncated_file_is_recorded_as_failed_and_the_scan_goes_on,
    a_moved_file_keeps_its_id_and_a_removed_one_leaves_the_catalog,
    the_thumbnail_is_a_jpeg_with_an_etag,
    the_catalog_searches_filters_sorts_and_pages,
    a_search_finds_the_starts_of_words_and_counts_to_a_thousand,
    scans_start_from_the_api_for_admins_only,
);

async fn scanning_records_the_metadata_of_each_container(backend: Backend) {
    let Some(app) = spawn_media_app(backend, FOUR, |_| {}).await else {
        return;
    };
    let token = app.token_for("ann", Role::User).await;

    let summary = app.scan().await;

    assert_eq!(
        (summary.seen, summary.probed, summary.failed),
        (4, 4, 0),
        "{summary:?}"
    );
    let cases = [
        (
            "Alpha.mp4",
            "h264",
            "aac",
            320,
            240,
            "video/mp4",
            "Films/Alpha.mp4",
        ),
        (
            "Bravo.mkv",
            "hevc",
            "ac3",
            640,
            360,
            "video/x-matroska",
            "Films/Bravo.mkv",
        ),
        (
            "Charlie.webm",
            "vp9",
            "opus",
            320,
            180,
            "video/webm",
            "Shows/S1/Charlie.webm",
        ),
        (
            "Delta.avi",
            "mpeg4",
            "mp3",
            320,
            240,
            "video/x-msvideo",
            "Delta.avi",
        ),
    ];
    for (name, vcodec, acodec, w, h, mime, path) in cases {
        let v = app.video(&token, name).await;
        assert_eq!(v["video_codec"], vcodec, "{v}");
        assert_eq!(v["audio"][0]["codec"], acodec, "{v}");
        assert_eq!(
            (v["width"].as_i64(), v["height"].as_i64()),
            (Some(w), Some(h)),
            "{v}"
        );
        assert_eq!(v["content_type"], mime);
        assert_eq!(v["path"], path);
        assert_eq!(v["library"], "Videos");
        let duration = v["duration"].as_f64().unwrap();
        assert!((0.9..1.2).contains(&duration), "{name}: {duration}");
        assert!(v["bit_rate"].as_i64().unwrap() > 0);
        let size = std::fs::metadata(app.library.join(path)).unwrap().len();
        assert_eq!(v["size"].as_u64(), Some(size));
    }
    let bravo = app.video(&token, "Bravo.mkv").await;
    assert_eq!(bravo["audio"][0]["language"], "eng");
    assert!(
        bravo["video_profile"]
            .as_str()
            .is_some_and(|p| p.starts_with("Main")),
        "{bravo}"
    );
    let alpha = app.video(&token, "Alpha.mp4").await;
    assert!(alpha["video_level"].as_i64().unwrap() > 0);
    assert_eq!(alpha["title"], "Alpha");
}

async fn a_rescan_of_an_unchanged_library_runs_no_ffprobe(backend: Backend) {
    let Some(app) = spawn_media_app(backend, FOUR, |_| {}).await else {
        return;
    };
    app.scan().await;

    let again = app.scan().await;

    assert_eq!(
        (again.seen, again.skipped, again.probed, again.failed),
        (4, 4, 0, 0),
        "{again:?}"
    );
    // A touched file is probed again; the rest are not.
    let path = app.library.join("Delta.avi");
    let file = std::fs::File::options().append(true).open(&path).unwrap();
    file.set_modified(std::time::SystemTime::now() + Duration::from_secs(5))
        .unwrap();
    let third = app.scan().await;
    assert_eq!((third.skipped, third.probed), (3, 1), "{third:?}");
}

async fn a_truncated_file_is_recorded_as_failed_and_the_scan_goes_on(backend: Backend) {
    let Some(app) = spawn_media_app(backend, &[("h264_aac.mp4", "good.mp4")], |_| {}).await else {
        return;
    };
    let whole = std::fs::read(clips().join("mpeg4_mp3.avi")).unwrap();
    std::fs::write(app.library.join("broken.mp4"), &whole[..2000]).unwrap();
    std::fs::write(app.library.join("empty.mkv"), b"").unwrap();
    let token = app.token_for("ann", Role::User).await;

    let summary = app.scan().await;

    assert_eq!(
        (summary.seen, summary.probed, summary.failed),
        (3, 1, 2),
        "{summary:?}"
    );
    let page: Value = app.get("/api/videos", &token).await.json().await.unwrap();
    assert_eq!(page["total"], 1, "failed files stay out of the catalog");
    let row = homestream::db::videos::known_files(&app.state.db, "Videos")
        .await
        .unwrap();
    let broken = row.iter().find(|k| k.file_path == "broken.mp4").unwrap();
    assert_eq!(broken.status, homestream::db::videos::FileStatus::Failed);
    let full = homestream::db::videos::find(&app.state.db, broken.id)
        .await
        .unwrap()
        .unwrap();
    assert!(full.probe_error.is_some_and(|e| !e.is_empty()));
}

async fn a_moved_file_keeps_its_id_and_a_removed_one_leaves_the_catalog(backend: Backend) {
    let files = [
        ("h264_aac.mp4", "Alpha.mp4"),
        ("vp9_opus.webm", "Charlie.webm"),
    ];
    let Some(app) = spawn_media_app(backend, &files, |_| {}).await else {
        return;
    };
    let token = app.token_for("ann", Role::User).await;
    app.scan().await;
    let before = app.video(&token, "Alpha.mp4").await;
    let charlie = app.video(&token, "Charlie.webm").await;

    std::fs::create_dir_all(app.library.join("Archive")).unwrap();
    std::fs::rename(
        app.library.join("Alpha.mp4"),
        app.library.join("Archive/Alpha (2020).mp4"),
    )
    .unwrap();
    std::fs::remove_file(app.library.join("Charlie.webm")).unwrap();
    let summary = app.scan().await;

    assert_eq!(
        (summary.moved, summary.missing, summary.probed),
        (1, 1, 0),
        "{summary:?}"
    );
    let after = app.video(&token, "Alpha (2020).mp4").await;
    assert_eq!(after["id"], before["id"]);
    assert_eq!(after["path"], "Archive/Alpha (2020).mp4");
    let page: Value = app.get("/api/videos", &token).await.json().await.unwrap();
    assert_eq!(page["total"], 1);
    let gone = app
        .get(
            &format!("/api/videos/{}", before["id"].as_str().unwrap()),
            &token,
        )
        .await;
    assert_eq!(
        gone.status(),
        200,
        "the moved video is still reachable by its id"
    );
    // The removed file comes back under another name: same identity again.
    add_clip(&app.library, "vp9_opus.webm", "Charlie again.webm");
    let back = app.scan().await;
    assert_eq!(back.moved, 1, "{back:?}");
    assert_eq!(
        app.video(&token, "Charlie again.webm").await["id"],
        charlie["id"]
    );
}

async fn the_thumbnail_is_a_jpeg_with_an_etag(backend: Backend) {
    let Some(app) = spawn_media_app(backend, &[("hevc_ac3.mkv", "Bravo.mkv")], |_| {}).await else {
        return;
    };
    let token = app.token_for("ann", Role::User).await;
    app.scan().await;
    let v = app.video(&token, "Bravo.mkv").await;
    assert_eq!(v["has_thumbnail"], true);
    let path = format!("/api/videos/{}/thumbnail", v["id"].as_str().unwrap());

    let resp = app.get(&path, &token).await;

    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/jpeg");
    let etag = resp.headers()["etag"].to_str().unwrap().to_owned();
    let jpeg = resp.bytes().await.unwrap();
    assert_eq!(&jpeg[..3], &[0xFF, 0xD8, 0xFF], "JPEG start of image");
    assert_eq!(&jpeg[jpeg.len() - 2..], &[0xFF, 0xD9], "JPEG end of image");
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name,width",
            "-of",
            "csv=p=0",
            "-i",
            "pipe:0",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(&jpeg)?;
            child.wait_with_output()
        })
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "mjpeg,480");
    let cached = app
        .client
        .get(app.url(&path))
        .bearer_auth(&token)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), 304);
}

async fn the_catalog_searches_filters_sorts_and_pages(backend: Backend) {
    let Some(app) = spawn_media_app(backend, FOUR, |_| {}).await else {
        return;
    };
    let token = app.token_for("ann", Role::User).await;
    app.scan().await;
    let names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["filename"].as_str().unwrap().to_owned())
            .collect()
    };
    let get = |q: &'static str| {
        let app = &app;
        let token = &token;
        async move {
            let resp = app.get(&format!("/api/videos?{q}"), token).await;
            assert_eq!(resp.status(), 200, "{q}");
            resp.json::<Value>().await.unwrap()
        }
    };

    // Charlie is an episode of "Shows": it sorts under its series.
    assert_eq!(
        names(&get("sort=title").await),
        ["Alpha.mp4", "Bravo.mkv", "Delta.avi", "Charlie.webm"]
    );
    assert_eq!(
        names(&get("sort=title&order=desc&limit=2").await),
        ["Charlie.webm", "Delta.avi"]
    );
    let page = get("sort=title&limit=2&offset=2").await;
    assert_eq!(names(&page), ["Delta.avi", "Charlie.webm"]);
    assert_eq!(page["total"], 4);
    assert_eq!(page["has_more"], false);
    assert_eq!(get("sort=title&limit=3").await["has_more"], true);
    // A later page need not count: no total, and whether more follow.
    let uncounted = get("sort=title&limit=1&offset=2&count=false").await;
    assert_eq!(names(&uncounted), ["Delta.avi"]);
    assert_eq!(uncounted["total"], Value::Null);
    assert_eq!(uncounted["has_more"], true);
    assert_eq!(names(&get("q=CHAR").await), ["Charlie.webm"]);
    assert_eq!(names(&get("q=harl").await).len(), 0, "a word's middle");
    assert_eq!(
        names(&get("q=%25").await).len(),
        0,
        "LIKE wildcards are no words"
    );
    assert_eq!(names(&get("q=%25a").await), ["Alpha.mp4"]);
    assert_eq!(names(&get("q=a_").await), ["Alpha.mp4"], "nor wildcards");
    assert_eq!(names(&get("min_height=300").await), ["Bravo.mkv"]);
    assert_eq!(names(&get("codec=VP9").await), ["Charlie.webm"]);
    assert_eq!(get("library=Other").await["total"], 0);
    assert_eq!(get("sort=duration").await["total"], 4);
    let bad = app.get("/api/videos?limit=0", &token).await;
    assert_problem(bad, 400, "bad_request").await;
    let bad = app.get("/api/videos?sort=size", &token).await;
    assert_problem(bad, 400, "bad_request").await;
    let missing = app
        .get(&format!("/api/videos/{}", uuid::Uuid::new_v4()), &token)
        .await;
    assert_problem(missing, 404, "not_found").await;
}

/// 1,001 episodes of one show beside one film: a common word matches more than the
/// count's cap, a rare one a few entries, found from the index of words.
async fn a_search_finds_the_starts_of_words_and_counts_to_a_thousand(backend: Backend) {
    let film = [("hevc_ac3.mkv", "Films/Rare Bird (2001).mkv")];
    let Some(app) = spawn_media_app(backend, &film, |_| {}).await else {
        return;
    };
    let season = app.library.join("TV/Common Show/Season 01");
    std::fs::create_dir_all(&season).unwrap();
    for e in 1..=1001 {
        let name = format!("Common Show - S01E{e:02} - Part {e}.mkv");
        std::fs::hard_link(app.library.join(film[0].1), season.join(name)).unwrap();
    }
    let summary = app.state.library.scan(None).await;
    assert_eq!((summary.seen, summary.failed), (1002, 0), "{summary:?}");
    let token = app.token_for("ann", Role::User).await;
    let get = |query: &str| {
        let path = format!("/api/videos?{query}");
        let (app, token) = (&app, &token);
        async move {
            let resp = app.get(&path, token).await;
            assert_eq!(resp.status(), 200, "{path}");
            resp.json::<Value>().await.unwrap()
        }
    };
    let titles = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let counted = |page: &Value| (page["total"].clone(), page["total_capped"].clone());

    // A common word: the first page at once, the count stopped at the cap.
    let common = get("q=common&sort=title&limit=3").await;
    assert_eq!(titles(&common), ["Part 1", "Part 2", "Part 3"]);
    assert_eq!(counted(&common), (Value::from(1000), Value::from(true)));
    assert_eq!(common["has_more"], true);
    let two = get("q=SHO%20comm&sort=title&limit=1").await;
    assert_eq!(counted(&two), (Value::from(1000), Value::from(true)));
    // The end of a capped search's pages is still found.
    let last = get("q=common&sort=title&limit=20&offset=995").await;
    assert_eq!(titles(&last).len(), 6);
    assert_eq!(titles(&last)[5], "Part 1001");
    assert_eq!(last["has_more"], false);
    // Without a search, every entry is counted.
    let all = get("limit=1").await;
    assert_eq!(counted(&all), (Value::from(1002), Value::from(false)));
    let uncounted = get("q=common&count=false&limit=1").await;
    assert_eq!(counted(&uncounted), (Value::Null, Value::from(false)));

    // Rare words: exact counts.
    let rare = get("q=rare").await;
    assert_eq!(titles(&rare), ["Rare Bird"]);
    assert_eq!(counted(&rare), (Value::from(1), Value::from(false)));
    let code = get("q=s01e100&sort=title").await;
    assert_eq!(titles(&code), ["Part 100", "Part 1000", "Part 1001"]);
    assert_eq!(counted(&code), (Value::from(3), Value::from(false)));
    // A rare word and a common one: both must match.
    assert_eq!(titles(&get("q=part%201000").await), ["Part 1000"]);
    assert_eq!(titles(&get("q=bird%201000").await), Vec::<String>::new());
    // A word's middle is no start; punctuation alone finds nothing.
    assert_eq!(get("q=ommon").await["total"], 0);
    assert_eq!(get("q=bird%20common").await["total"], 0);
    assert_eq!(get("q=-%20.").await["total"], 0);
    // Series are searched the same way.
    let series = |q: &str| {
        let path = format!("/api/series?q={q}");
        let (app, token) = (&app, &token);
        async move { app.get(&path, token).await.json::<Value>().await.unwrap()["total"].clone() }
    };
    assert_eq!(series("comm").await, 1);
    assert_eq!(series("show%20COMMON").await, 1);
    assert_eq!(series("ommon").await, 0);
}

async fn scans_start_from_the_api_for_admins_only(backend: Backend) {
    let Some(app) = spawn_media_app(backend, FOUR, |_| {}).await else {
        return;
    };
    let user = app.token_for("ann", Role::User).await;
    let admin = app.token_for("root", Role::Admin).await;

    let refused = app
        .client
        .post(app.url("/api/library/scan"))
        .bearer_auth(&user)
        .send()
        .await
        .unwrap();
    assert_problem(refused, 403, "forbidden").await;
    let started = app
        .client
        .post(app.url("/api/library/scan"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 202);
    assert_eq!(started.json::<Value>().await.unwrap()["running"], true);
    // Its progress is for administrators too.
    assert_problem(app.get("/api/library/scan", &user).await, 403, "forbidden").await;

    let mut progress = Value::Null;
    for _ in 0..100 {
        progress = app
            .get("/api/library/scan", &admin)
            .await
            .json()
            .await
            .unwrap();
        if progress["running"] == false && progress["finished_at"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(progress["seen"], 4, "{progress}");
    assert_eq!(progress["probed"], 4, "{progress}");
    assert!(progress["elapsed_seconds"].as_f64().unwrap() > 0.0);
}

#[tokio::test]
async fn a_file_dropped_into_a_watched_library_appears_within_seconds() {
    let Some(app) = spawn_media_app(Backend::Sqlite, &[], |s| s.media.watch = true).await else {
        return;
    };
    let token = app.token_for("ann", Role::User).await;

    add_clip(&app.library, "h264_aac.mp4", "New/Arrival.mp4");

    for _ in 0..100 {
        let page: Value = app.get("/api/videos", &token).await.json().await.unwrap();
        if page["total"] == 1 {
            assert_eq!(page["items"][0]["path"], "New/Arrival.mp4");
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the new file did not appear within 10 s");
}

/// `transcode.ffprobe` and `transcode.ffmpeg` are the binaries the scanner runs: wrapper
/// scripts that log their calls see the probe and the thumbnail.
#[tokio::test]
async fn the_scanner_runs_the_configured_ffprobe_and_ffmpeg() {
    use std::os::unix::fs::PermissionsExt;
    let bin = tempfile::tempdir().unwrap();
    let log = bin.path().join("calls.log");
    let wrap = |name: &str| {
        let path = bin.path().join(format!("my-{name}"));
        std::fs::write(
            &path,
            format!(
                "#!/bin/sh\necho {name} >> '{}'\nexec {name} \"$@\"\n",
                log.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    };
    let (ffprobe, ffmpeg) = (wrap("ffprobe"), wrap("ffmpeg"));
    let Some(app) = spawn_media_app(Backend::Sqlite, &[("h264_aac.mp4", "a.mp4")], |s| {
        s.transcode.ffprobe = ffprobe;
        s.transcode.ffmpeg = ffmpeg;
    })
    .await
    else {
        return;
    };
    let summary = app.scan().await;
    assert_eq!(summary.probed, 1, "{summary:?}");
    let calls = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(calls.contains("ffprobe"), "{calls:?}");
    assert!(calls.contains("ffmpeg"), "the thumbnail: {calls:?}");
}
