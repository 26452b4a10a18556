//! Media fixtures made by ffmpeg's lavfi sources, and an app serving them.
//!
//! Clips are generated once into Cargo's per-target temporary folder and reused by
//! later runs; each test links them into a library of its own.

use crate::helpers::{spawn_with, test_settings, Backend, TestApp};
use homestream::config::{Library, Settings};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The clips: file name, and ffmpeg arguments after `-y`.
const CLIPS: &[(&str, &str)] = &[
    (
        "h264_aac.mp4",
        "-f lavfi -i testsrc2=size=320x240:rate=25:duration=1 -f lavfi -i sine=frequency=440:duration=1 \
         -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -shortest -movflags +faststart",
    ),
    (
        "hevc_ac3.mkv",
        "-f lavfi -i testsrc2=size=640x360:rate=25:duration=1 -f lavfi -i sine=frequency=220:duration=1 \
         -c:v libx265 -preset ultrafast -pix_fmt yuv420p -x265-params log-level=error -c:a ac3 -shortest \
         -metadata:s:a:0 language=eng",
    ),
    (
        "vp9_opus.webm",
        "-f lavfi -i testsrc2=size=320x180:rate=25:duration=1 -f lavfi -i sine=frequency=330:duration=1 \
         -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 200k -c:a libopus -shortest",
    ),
    (
        "mpeg4_mp3.avi",
        "-f lavfi -i testsrc2=size=320x240:rate=25:duration=1 -f lavfi -i sine=frequency=550:duration=1 \
         -c:v mpeg4 -c:a libmp3lame -shortest",
    ),
    // Long enough for several HLS segments; HEVC/AC-3 in MKV plays in no browser.
    (
        "hevc_ac3_long.mkv",
        "-f lavfi -i testsrc2=size=854x480:rate=25:duration=24 -f lavfi -i sine=frequency=220:duration=24 \
         -c:v libx265 -preset ultrafast -pix_fmt yuv420p -x265-params log-level=error -c:a ac3 -shortest",
    ),
    // A 720p HEVC/AC-3 film for the browser: two video variants (720p, 480p) to switch.
    (
        "hevc_ac3_720p.mkv",
        "-f lavfi -i testsrc2=size=1280x720:rate=25:duration=30 -f lavfi -i sine=frequency=220:duration=30 \
         -c:v libx265 -preset ultrafast -pix_fmt yuv420p -x265-params log-level=error -c:a ac3 -shortest",
    ),
    // Two audio languages: English (220 Hz, the default) and French (880 Hz).
    (
        "two_languages.mkv",
        "-f lavfi -i testsrc2=size=320x240:rate=25:duration=6 -f lavfi -i sine=frequency=220:duration=6 \
         -f lavfi -i sine=frequency=880:duration=6 -map 0:v -map 1:a -map 2:a \
         -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a ac3 -shortest \
         -metadata:s:a:0 language=eng -metadata:s:a:1 language=fra \
         -disposition:a:0 default -disposition:a:1 0",
    ),
    // Large enough (about 46 MB) that a transfer outlasts the socket buffers.
    (
        "big_raw.mkv",
        "-f lavfi -i testsrc=size=320x240:rate=25:duration=16 -c:v rawvideo -pix_fmt yuv420p",
    ),
];

/// Whether ffmpeg and ffprobe can run; their absence fails the test unless
/// `HS_ALLOW_SKIP` names `ffmpeg` ([`crate::helpers::skip`]).
pub fn ffmpeg_available() -> bool {
    let ok = ["ffmpeg", "ffprobe"].iter().all(|p| {
        Command::new(p)
            .arg("-version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !ok {
        crate::helpers::skip("ffmpeg", "ffmpeg/ffprobe not found on PATH");
    }
    ok
}

/// The folder holding every clip, generated on first use.
pub fn clips() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("media-clips-v1");
        std::fs::create_dir_all(&dir).unwrap();
        // Tests run in processes of their own (cargo nextest): one makes the clips while
        // the others wait on this lock, rather than each encoding them at once.
        let lock = std::fs::File::create(dir.join(".lock")).unwrap();
        // SAFETY: flock(2) on a descriptor this function holds open; released on close.
        let locked = unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&lock), libc::LOCK_EX) };
        assert_eq!(locked, 0, "the clips' lock");
        for (name, args) in CLIPS {
            let out = dir.join(name);
            if out.exists() {
                continue;
            }
            let partial = dir.join(format!("partial.{name}"));
            let status = Command::new("ffmpeg")
                .args(["-nostdin", "-v", "error", "-y"])
                .args(args.split_whitespace())
                .arg(&partial)
                .status()
                .expect("ffmpeg runs");
            assert!(status.success(), "ffmpeg could not make {name}");
            std::fs::rename(&partial, &out).unwrap();
        }
        drop(lock);
        dir
    })
}

/// Copies a clip into a library folder under a new name (the large one is linked:
/// no test changes it).
pub fn add_clip(library: &Path, clip: &str, as_name: &str) -> PathBuf {
    let dest = library.join(as_name);
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    if clip == "big_raw.mkv" {
        std::fs::hard_link(clips().join(clip), &dest).unwrap();
    } else {
        std::fs::copy(clips().join(clip), &dest).unwrap();
    }
    dest
}

/// An app with one library (`Videos`), not scanned or watched unless the test asks.
pub struct MediaApp {
    pub app: TestApp,
    pub library: PathBuf,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for MediaApp {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.app
    }
}

/// Starts an app whose library holds the named clips (`(clip, name in library)`).
pub async fn spawn_media_app(
    backend: Backend,
    files: &[(&str, &str)],
    tweak: impl FnOnce(&mut Settings),
) -> Option<MediaApp> {
    if !ffmpeg_available() {
        return None;
    }
    let (mut settings, dir, pg) = test_settings(backend).await?;
    let lib_dir = tempfile::tempdir().unwrap();
    let library = lib_dir.path().join("videos");
    std::fs::create_dir_all(&library).unwrap();
    for (clip, name) in files {
        add_clip(&library, clip, name);
    }
    settings.media.libraries = vec![Library {
        name: "Videos".into(),
        path: library.clone(),
        kind: Default::default(),
    }];
    settings.media.scan_on_startup = false;
    settings.media.watch = false;
    tweak(&mut settings);
    let app = spawn_with(settings, dir, pg).await;
    Some(MediaApp {
        app,
        library,
        _dir: lib_dir,
    })
}

impl MediaApp {
    /// Scans, makes the thumbnails the server would make in the background after it,
    /// and returns the scan's summary.
    pub async fn scan(&self) -> homestream::library::ScanSummary {
        let summary = self.state.library.scan(None).await;
        self.state.library.make_missing_thumbnails().await;
        summary
    }

    /// The id of the catalog entry with this file name, through the API.
    pub async fn video_id(&self, token: &str, filename: &str) -> String {
        self.video(token, filename).await["id"]
            .as_str()
            .expect("an id")
            .to_owned()
    }

    /// The length of a file in the library.
    pub fn file_len(&self, filename: &str) -> u64 {
        std::fs::metadata(self.library.join(filename))
            .expect("the file")
            .len()
    }

    /// The catalog entry with this file name, through the API.
    pub async fn video(&self, token: &str, filename: &str) -> serde_json::Value {
        let page: serde_json::Value = self
            .get("/api/videos?limit=200", token)
            .await
            .json()
            .await
            .unwrap();
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["filename"] == filename)
            .unwrap_or_else(|| panic!("{filename} not in catalog: {page}"))
            .clone()
    }
}

/// Runs each named `async fn NAME(backend: Backend)` on SQLite and PostgreSQL.
macro_rules! for_each_backend {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name(crate::helpers::Backend::Sqlite).await;
            }

            #[tokio::test]
            async fn postgres() {
                super::$name(crate::helpers::Backend::Postgres).await;
            }
        }
    )*};
}
pub(crate) use for_each_backend;

/// [`spawn_media_app`] on a [`Store`](crate::helpers::Store): with its Redis when asked.
pub async fn spawn_media_store(
    store: crate::helpers::Store,
    files: &[(&str, &str)],
    tweak: impl FnOnce(&mut Settings),
) -> Option<MediaApp> {
    if store.redis && !crate::helpers::redis_available(&crate::helpers::redis_url()) {
        return None;
    }
    spawn_media_app(store.backend, files, |s| {
        store.apply(s);
        tweak(s);
    })
    .await
}

/// Fails the test unless `bytes` (an MPEG-TS) decode with not one message from
/// `ffmpeg -v error`.
pub async fn assert_decodes_silently(bytes: &[u8]) {
    let (decoded, messages) = decode(bytes, "error").await;
    assert!(decoded && messages.trim().is_empty(), "{messages}");
}

/// What `ffmpeg -v warning` says while decoding `bytes` (MPEG-TS) to nothing.
pub async fn decode_warnings(bytes: &[u8]) -> String {
    decode(bytes, "warning").await.1
}

/// Decodes `bytes` (MPEG-TS) to nothing: whether ffmpeg succeeded, and what it said at
/// `level`.
async fn decode(bytes: &[u8], level: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("joined.ts");
    std::fs::write(&path, bytes).unwrap();
    let out = tokio::process::Command::new("ffmpeg")
        .args(["-v", level, "-i"])
        .arg(&path)
        .args(["-f", "null", "-"])
        .output()
        .await
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// ffprobe's JSON (format and streams) for a file or a URL; fails the test when
/// ffprobe cannot read it.
pub async fn ffprobe(target: impl AsRef<std::ffi::OsStr>) -> serde_json::Value {
    let out = tokio::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
        ])
        .arg(target)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
