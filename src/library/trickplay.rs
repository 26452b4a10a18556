//! Seek previews (trickplay): a small picture every `transcode.trickplay_interval`,
//! tiled ten by ten into JPEG sheets, with a WebVTT index whose cues name a sheet and
//! the picture's place in it (`0.jpg#xywh=320,0,320,180`), the format Jellyfin's web
//! client and the video.js and hls.js thumbnail plugins read.
//!
//! Made in the background after a scan (after the thumbnails), one video at a time, by
//! an ffmpeg at the lowest CPU priority on one thread that decodes the keyframes alone:
//! a picture shows the keyframe at or before its time, the frame a seek there starts
//! from. Kept in `<data_dir>/trickplay/{video id}/{width}-{interval ms}-{size}-{mtime}/`,
//! so a changed file or setting makes a new set and the old one is removed.

use super::open::MediaFile;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::process::Command;
use uuid::Uuid;

/// Pictures across and down a sheet.
pub const COLUMNS: u32 = 10;
pub const ROWS: u32 = 10;

/// The index's name in a set's folder.
const INDEX: &str = "index.vtt";

/// Between a set's folder name and the process id in the name of a set being made.
const PART: &str = ".part-";

/// The longest one video's previews may take (a two-hour film's keyframes take well
/// under a minute on a small machine; a stuck ffmpeg is stopped).
const TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Where the previews live and how they are made.
#[derive(Debug, Clone)]
pub struct Trickplay {
    dir: PathBuf,
    ffmpeg: PathBuf,
    enabled: bool,
    interval: Duration,
    width: u32,
}

/// What a set is made from: the file as the catalog knows it.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub id: Uuid,
    pub media: &'a MediaFile,
    pub duration: f64,
    pub width: u32,
    pub height: u32,
    pub file_size: i64,
    pub mtime_ns: i64,
}

/// A set's folder for one file and setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetKey(String);

impl Trickplay {
    pub fn new(
        dir: PathBuf,
        ffmpeg: PathBuf,
        enabled: bool,
        interval: Duration,
        width: u32,
    ) -> Self {
        Self {
            dir,
            ffmpeg,
            enabled,
            interval,
            width,
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The folder of the set for a file of this size and modification time.
    pub fn key(&self, file_size: i64, mtime_ns: i64) -> SetKey {
        SetKey(format!(
            "{}-{}-{:x}-{:x}",
            self.width,
            self.interval.as_millis(),
            file_size,
            mtime_ns
        ))
    }

    fn set_dir(&self, id: Uuid, key: &SetKey) -> PathBuf {
        self.dir.join(id.to_string()).join(&key.0)
    }

    /// The index of the set made for this file, if there is one (and previews are on).
    pub fn index(&self, id: Uuid, key: &SetKey) -> Option<PathBuf> {
        if !self.enabled {
            return None;
        }
        let path = self.set_dir(id, key).join(INDEX);
        path.is_file().then_some(path)
    }

    /// Sheet `n` of the set made for this file, if there is one.
    pub fn sheet(&self, id: Uuid, key: &SetKey, n: u32) -> Option<PathBuf> {
        let index = self.index(id, key)?;
        let path = index.with_file_name(format!("{n}.jpg"));
        path.is_file().then_some(path)
    }

    /// The picture size for a video of `width` x `height`: this setting's width (never
    /// wider than the video), the height in proportion, both even.
    pub fn picture_size(&self, width: u32, height: u32) -> (u32, u32) {
        let w = self.width.min(width.max(2)) & !1;
        let h = ((f64::from(w) * f64::from(height.max(1)) / f64::from(width.max(1)) / 2.0).round()
            as u32
            * 2)
        .max(2);
        (w.max(2), h)
    }

    /// Makes the set for `source`, replacing any other of the same video.
    ///
    /// # Errors
    /// Why ffmpeg could not make it.
    pub async fn make(&self, source: Source<'_>) -> Result<(), String> {
        let key = self.key(source.file_size, source.mtime_ns);
        let video_dir = self.dir.join(source.id.to_string());
        let target = video_dir.join(&key.0);
        // This process's own work folder: instances sharing the data folder may make
        // the same set at once, and neither may remove the other's half-made one.
        let work = video_dir.join(format!("{}{PART}{}", key.0, std::process::id()));
        let frames = work.join("frames");
        let _ = tokio::fs::remove_dir_all(&work).await;
        tokio::fs::create_dir_all(&frames)
            .await
            .map_err(|e| e.to_string())?;
        let made = self.make_in(source, &work, &frames).await;
        if let Err(e) = made {
            let _ = tokio::fs::remove_dir_all(&work).await;
            return Err(e);
        }
        let _ = tokio::fs::remove_dir_all(&frames).await;
        let _ = tokio::fs::remove_dir_all(&target).await;
        tokio::fs::rename(&work, &target)
            .await
            .map_err(|e| e.to_string())?;
        // Sets of an older file or setting are of no use now, nor work folders left by
        // a process that died making one; another's work under way is left to it.
        if let Ok(mut entries) = tokio::fs::read_dir(&video_dir).await {
            while let Ok(Some(entry)) = entries.next_entry().await {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if name == key.0.as_str() {
                    continue;
                }
                let under_way = name.contains(PART)
                    && entry
                        .metadata()
                        .await
                        .ok()
                        .and_then(|m| m.modified().ok())
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age < TIMEOUT);
                if !under_way {
                    let _ = tokio::fs::remove_dir_all(entry.path()).await;
                }
            }
        }
        Ok(())
    }

    async fn make_in(&self, source: Source<'_>, work: &Path, frames: &Path) -> Result<(), String> {
        let (w, h) = self.picture_size(source.width, source.height);
        // One picture per interval, from the keyframes: each the latest keyframe at or
        // before its time; the last keyframe is kept however near the end it is (its
        // picture then lasts to the end: the index's last cue does).
        let interval = self.interval.as_secs_f64();
        let interval_ms = self.interval.as_millis().max(1);
        let mut pictures = Command::new(&self.ffmpeg);
        pictures.args(["-nostdin", "-v", "error", "-y", "-threads", "1"]);
        pictures.args(["-skip_frame", "nokey"]);
        source.media.hand_to(&mut pictures);
        pictures
            .args(super::probe::input_guard(super::probe::MEDIA_FORMATS))
            .args(["-i", MediaFile::INPUT])
            .args(["-map", "0:v:0", "-an", "-sn", "-dn", "-threads", "1"])
            .args([
                "-vf",
                &format!("fps=1000/{interval_ms}:round=down:eof_action=pass,scale={w}:{h}"),
            ])
            .args([
                "-fps_mode",
                "passthrough",
                "-q:v",
                "3",
                "-start_number",
                "0",
            ])
            .arg(frames.join("%05d.jpg"));
        run(pictures).await?;
        let count = count_pictures(frames).await?;
        if count == 0 {
            return Err("ffmpeg made no picture".to_owned());
        }
        // Ten by ten on each sheet; the last sheet's empty places stay black.
        let mut sheets = Command::new(&self.ffmpeg);
        sheets
            .args(["-nostdin", "-v", "error", "-y", "-threads", "1"])
            .args(["-f", "image2", "-framerate", "1", "-start_number", "0"])
            .arg("-i")
            .arg(frames.join("%05d.jpg"))
            .args(["-vf", &format!("tile={COLUMNS}x{ROWS}")])
            .args([
                "-fps_mode",
                "passthrough",
                "-q:v",
                "4",
                "-start_number",
                "0",
            ])
            .arg(work.join("%d.jpg"));
        run(sheets).await?;
        let text = index(count, interval, source.duration, w, h);
        tokio::fs::write(work.join(INDEX), text)
            .await
            .map_err(|e| e.to_string())
    }

    /// Removes the previews of videos that are no longer in `keep` (gone from the
    /// catalog).
    pub async fn remove_except(&self, keep: &std::collections::HashSet<Uuid>) {
        let Ok(mut entries) = tokio::fs::read_dir(&self.dir).await else {
            return;
        };
        while let Ok(Some(entry)) = entries.next_entry().await {
            let id = entry
                .file_name()
                .to_str()
                .and_then(|n| Uuid::parse_str(n).ok());
            if id.is_some_and(|id| !keep.contains(&id)) {
                let _ = tokio::fs::remove_dir_all(entry.path()).await;
            }
        }
    }
}

/// Runs one ffmpeg of the lowest priority to its end.
async fn run(mut command: Command) -> Result<(), String> {
    let child = super::probe::in_background(&mut command, 19)
        .spawn()
        .map_err(|e| format!("ffmpeg could not be run: {e}"))?;
    let out = tokio::time::timeout(TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| "ffmpeg took too long making the previews".to_owned())?
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    Err(stderr
        .lines()
        .last()
        .unwrap_or("ffmpeg failed making the previews")
        .to_owned())
}

async fn count_pictures(frames: &Path) -> Result<u32, String> {
    let mut entries = tokio::fs::read_dir(frames)
        .await
        .map_err(|e| e.to_string())?;
    let mut count = 0;
    while let Ok(Some(entry)) = entries.next_entry().await {
        if entry.file_name().to_string_lossy().ends_with(".jpg") {
            count += 1;
        }
    }
    Ok(count)
}

/// The WebVTT index of `count` pictures of `w` x `h`, one per `interval` seconds of a
/// video of `duration` seconds: a cue per picture naming its sheet and place.
pub fn index(count: u32, interval: f64, duration: f64, w: u32, h: u32) -> String {
    let per_sheet = COLUMNS * ROWS;
    let mut out = String::from("WEBVTT\n");
    for i in 0..count {
        let start = f64::from(i) * interval;
        let mut end = start + interval;
        if i + 1 == count && duration > start {
            end = duration;
        }
        let place = i % per_sheet;
        let (x, y) = ((place % COLUMNS) * w, (place / COLUMNS) * h);
        out.push_str(&format!(
            "\n{} --> {}\n{}.jpg#xywh={x},{y},{w},{h}\n",
            timestamp(start),
            timestamp(end),
            i / per_sheet
        ));
    }
    out
}

fn timestamp(seconds: f64) -> String {
    let ms = (seconds.max(0.0) * 1000.0).round() as u64;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_names_each_picture_s_sheet_and_place() {
        let vtt = index(102, 10.0, 1015.5, 320, 180);
        assert!(
            vtt.starts_with("WEBVTT\n\n00:00:00.000 --> 00:00:10.000\n0.jpg#xywh=0,0,320,180\n")
        );
        assert!(vtt.contains("\n00:00:10.000 --> 00:00:20.000\n0.jpg#xywh=320,0,320,180\n"));
        // The eleventh picture starts the second row.
        assert!(vtt.contains("\n00:01:40.000 --> 00:01:50.000\n0.jpg#xywh=0,180,320,180\n"));
        // The hundredth is the last place of the first sheet, the next the second sheet's first.
        assert!(vtt.contains("\n00:16:30.000 --> 00:16:40.000\n0.jpg#xywh=2880,1620,320,180\n"));
        assert!(vtt.contains("\n00:16:40.000 --> 00:16:50.000\n1.jpg#xywh=0,0,320,180\n"));
        // The last cue lasts to the end of the video.
        assert!(vtt.ends_with("\n00:16:50.000 --> 00:16:55.500\n1.jpg#xywh=320,0,320,180\n"));
        assert_eq!(vtt.matches(" --> ").count(), 102);
    }

    #[test]
    fn timestamps_count_hours() {
        assert_eq!(timestamp(3725.25), "01:02:05.250");
        assert_eq!(timestamp(-1.0), "00:00:00.000");
    }

    #[test]
    fn pictures_keep_the_video_s_shape_and_are_never_wider_than_it() {
        let t = Trickplay::new(
            PathBuf::new(),
            PathBuf::new(),
            true,
            Duration::from_secs(10),
            320,
        );
        assert_eq!(t.picture_size(1920, 1080), (320, 180));
        assert_eq!(t.picture_size(1440, 1080), (320, 240));
        assert_eq!(t.picture_size(640, 360), (320, 180));
        assert_eq!(t.picture_size(200, 100), (200, 100));
        assert_eq!(t.picture_size(1920, 800), (320, 134));
    }

    #[test]
    fn a_changed_file_or_setting_has_another_set() {
        let t = Trickplay::new(
            PathBuf::new(),
            PathBuf::new(),
            true,
            Duration::from_secs(10),
            320,
        );
        let u = Trickplay::new(
            PathBuf::new(),
            PathBuf::new(),
            true,
            Duration::from_secs(5),
            320,
        );
        assert_ne!(t.key(100, 1), t.key(100, 2));
        assert_ne!(t.key(100, 1), t.key(101, 1));
        assert_ne!(t.key(100, 1), u.key(100, 1));
        assert_eq!(t.key(100, 1), t.key(100, 1));
    }
}
