//! Scanning: bring the `videos` table in step with the library folders.
//!
//! A rescan is incremental. A file whose size and modification time are unchanged is
//! not probed again. A new file whose content fingerprint (size plus the first and last
//! 64 KiB) matches a file that vanished is a move: the row keeps its id, and with it
//! users' progress and playlists. A vanished file is marked missing and leaves the
//! catalog; a library folder that cannot be read is skipped whole, so an unmounted disk
//! never empties the catalog. An unreadable file is recorded as failed with the probe's
//! error. ffprobe runs in parallel, as many at once as there are CPUs.

use super::probe::{self, MediaInfo};
use super::walk::{self, FoundFile};
use super::{open, MediaFile};
use super::{thumbs, MediaLibrary};
use crate::config::Library;
use crate::db::videos::FileStatus;
use crate::db::{self, videos::KnownFile, videos::VideoRow};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::types::Json;
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;
use uuid::Uuid;

/// Bytes read from each end of a file for its fingerprint.
const FINGERPRINT_SPAN: u64 = 64 * 1024;

/// Where a scan is, or how the last one ended.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScanProgress {
    pub running: bool,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Seconds since the scan started (to its end once finished).
    pub elapsed_seconds: f64,
    /// The library being scanned now.
    pub current_library: Option<String>,
    /// Media files found.
    pub seen: u64,
    /// Files probed with ffprobe (new or changed).
    pub probed: u64,
    /// Unchanged files that needed no probe.
    pub skipped: u64,
    /// Files ffprobe could not read.
    pub failed: u64,
    /// Files recognised at a new path.
    pub moved: u64,
    /// Files gone from disk, now out of the catalog.
    pub missing: u64,
    /// Libraries that could not be read.
    pub errors: Vec<String>,
}

/// The result of a finished scan.
pub type ScanSummary = ScanProgress;

/// The scanner's lock and progress.
#[derive(Debug, Default)]
pub struct ScanState {
    lock: tokio::sync::Mutex<()>,
    progress: Mutex<(ScanProgress, Option<Instant>)>,
}

enum Counter {
    Probed,
    Skipped,
    Failed,
    Moved,
    Missing,
}

impl MediaLibrary {
    /// The current or last scan's progress.
    pub fn scan_progress(&self) -> ScanProgress {
        let guard = self
            .scanner
            .progress
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let (mut progress, started) = (guard.0.clone(), guard.1);
        if progress.running {
            progress.elapsed_seconds = started.map_or(0.0, |s| s.elapsed().as_secs_f64());
        }
        progress
    }

    /// Whether a scan is running.
    pub fn scan_running(&self) -> bool {
        self.scanner.lock.try_lock().is_err()
    }

    fn update(&self, f: impl FnOnce(&mut ScanProgress)) {
        let mut guard = self
            .scanner
            .progress
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        f(&mut guard.0);
    }

    fn count(&self, counter: Counter) {
        self.update(|p| match counter {
            Counter::Probed => p.probed += 1,
            Counter::Skipped => p.skipped += 1,
            Counter::Failed => p.failed += 1,
            Counter::Moved => p.moved += 1,
            Counter::Missing => p.missing += 1,
        });
    }

    /// Scans every library, or only the one named. Waits if a scan is running, then
    /// scans again (files may have changed since that one looked).
    pub async fn scan(&self, only: Option<&str>) -> ScanSummary {
        let _guard = self.scanner.lock.lock().await;
        let started = Instant::now();
        {
            let mut guard = self
                .scanner
                .progress
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            *guard = (
                ScanProgress {
                    running: true,
                    started_at: Some(Utc::now()),
                    ..ScanProgress::default()
                },
                Some(started),
            );
        }
        for library in self
            .libraries
            .iter()
            .filter(|l| only.is_none_or(|n| n == l.name))
        {
            self.update(|p| p.current_library = Some(library.name.clone()));
            if let Err(e) = self.scan_library(library).await {
                tracing::error!(library = %library.name, error = %e, "library scan failed");
                self.update(|p| p.errors.push(format!("{}: {e}", library.name)));
            }
        }
        self.update(|p| {
            p.running = false;
            p.current_library = None;
            p.finished_at = Some(Utc::now());
            p.elapsed_seconds = started.elapsed().as_secs_f64();
        });
        let summary = self.scan_progress();
        tracing::info!(
            seen = summary.seen,
            probed = summary.probed,
            skipped = summary.skipped,
            failed = summary.failed,
            moved = summary.moved,
            missing = summary.missing,
            elapsed_seconds = summary.elapsed_seconds,
            "scan finished"
        );
        summary
    }

    async fn scan_library(&self, library: &Library) -> anyhow::Result<()> {
        let root = library.path.clone();
        let extensions = self.extensions.clone();
        let found = tokio::task::spawn_blocking(move || walk::walk(&root, &extensions))
            .await?
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", library.path.display()))?;
        self.update(|p| p.seen += found.len() as u64);
        let known = db::videos::known_files(&self.db, &library.name).await?;
        let mut by_path: HashMap<&str, &KnownFile> =
            known.iter().map(|k| (k.file_path.as_str(), k)).collect();

        let mut to_probe: Vec<(FoundFile, Option<Uuid>)> = Vec::new();
        let mut new_files = Vec::new();
        for file in &found {
            match by_path.remove(file.rel.as_str()) {
                Some(k) if unchanged(k, file) && k.status != FileStatus::Missing => {
                    self.count(Counter::Skipped)
                }
                Some(k) => to_probe.push((file.clone(), Some(k.id))),
                None => new_files.push(file),
            }
        }
        // What is left in `by_path` vanished from disk; it may reappear as a move.
        let mut vanished: Vec<&KnownFile> = by_path.into_values().collect();
        for file in new_files {
            let fingerprint = fingerprint_of(&file.abs).await;
            let matched = fingerprint.as_ref().ok().and_then(|fp| {
                vanished
                    .iter()
                    .position(|k| &k.fingerprint == fp && k.file_size == file.size as i64)
            });
            match matched {
                Some(i) => {
                    let k = vanished.swap_remove(i);
                    self.record_move(k.id, library, file).await?;
                }
                None => to_probe.push((file.clone(), None)),
            }
        }
        let parallel = std::thread::available_parallelism().map_or(2, |n| n.get());
        let results: Vec<anyhow::Result<()>> = futures_util::stream::iter(to_probe)
            .map(|(file, id)| self.probe_and_store(library, file, id))
            .buffer_unordered(parallel)
            .collect()
            .await;
        for r in results {
            r?;
        }
        let now = Utc::now();
        for k in vanished
            .into_iter()
            .filter(|k| k.status != FileStatus::Missing)
        {
            db::videos::mark_missing(&self.db, k.id, now).await?;
            self.forget(k.id).await;
            self.count(Counter::Missing);
        }
        Ok(())
    }

    async fn record_move(
        &self,
        id: Uuid,
        library: &Library,
        file: &FoundFile,
    ) -> anyhow::Result<()> {
        let Some(mut row) = db::videos::find(&self.db, id).await? else {
            return Ok(());
        };
        tracing::info!(from = %row.file_path, to = %file.rel, "file moved");
        row.library = library.name.clone();
        row.file_path = file.rel.clone();
        row.filename = file_name(&file.rel).to_owned();
        row.mtime_ns = file.mtime_ns;
        row.missing_since = None;
        if row.status == FileStatus::Missing {
            row.status = if row.probe_error.is_some() {
                FileStatus::Failed
            } else {
                FileStatus::Ok
            };
        }
        row.metadata.0["sidecars"] = serde_json::to_value(&file.sidecars)?;
        row.updated_at = Utc::now();
        db::videos::upsert(&self.db, &row).await?;
        self.remember(id).await?;
        self.count(Counter::Moved);
        Ok(())
    }

    async fn probe_and_store(
        &self,
        library: &Library,
        file: FoundFile,
        existing: Option<Uuid>,
    ) -> anyhow::Result<()> {
        let previous = match existing {
            Some(id) => db::videos::find(&self.db, id).await?,
            None => None,
        };
        let id = existing.unwrap_or_else(Uuid::new_v4);
        let fingerprint = fingerprint_of(&file.abs).await.unwrap_or_default();
        // Probed and thumbnailed through one descriptor opened beneath the library: a
        // folder swapped for a symlink since the walk cannot lead ffprobe elsewhere.
        let opened = {
            let (root, rel) = (library.path.clone(), file.rel.clone());
            tokio::task::spawn_blocking(move || MediaFile::open_beneath(&root, &rel)).await?
        };
        let probed = match &opened {
            Ok(media) => probe::probe(&self.ffprobe, media).await,
            Err(open::OpenError::Outside) => Err(probe::ProbeError::Refused(
                "the file leaves its library (a symlink out of it) or is not a regular file"
                    .to_owned(),
            )),
            Err(open::OpenError::Io(e)) => Err(probe::ProbeError::Unreadable(e.to_string())),
        };
        let mut row = new_row(id, library, &file, previous.as_ref(), fingerprint);
        match probed {
            Ok(info) => {
                apply(&mut row, &info, &file.sidecars)?;
                if let (Some(_), Ok(media)) = (&info.video, &opened) {
                    let out = self.thumbnail_path(id);
                    match thumbs::make(&self.ffmpeg, media, info.duration, &out).await {
                        Ok(()) => row.thumbnail_path = Some(format!("thumbnails/{id}.jpg")),
                        Err(e) => tracing::warn!(file = %file.rel, error = %e, "no thumbnail"),
                    }
                }
                self.count(Counter::Probed);
            }
            Err(e @ probe::ProbeError::Refused(_)) if previous.is_none() => {
                // Not catalogued: nothing of it is ever served or handed to ffmpeg again.
                tracing::warn!(file = %file.rel, error = %e, "file refused: not media");
                self.count(Counter::Failed);
                return Ok(());
            }
            Err(e) => {
                tracing::warn!(file = %file.rel, error = %e, "file could not be probed");
                row.status = FileStatus::Failed;
                row.probe_error = Some(e.to_string());
                self.count(Counter::Failed);
            }
        }
        match db::videos::upsert(&self.db, &row).await {
            // Another instance scanning the same library recorded this new file first
            // (both started on an empty database): its row stands.
            Err(db::DbError::Duplicate(_)) if previous.is_none() => {
                tracing::debug!(file = %file.rel, "recorded meanwhile by another instance");
                let _ = std::fs::remove_file(self.thumbnail_path(id));
                return Ok(());
            }
            other => other?,
        }
        self.remember(id).await?;
        Ok(())
    }
}

/// A row for `file` before probing: what the walk found, and what an earlier row of the
/// same file keeps (its description and when it was first added).
fn new_row(
    id: Uuid,
    library: &Library,
    file: &FoundFile,
    previous: Option<&VideoRow>,
    fingerprint: String,
) -> VideoRow {
    let now = Utc::now();
    let filename = file_name(&file.rel).to_owned();
    VideoRow {
        id,
        library: library.name.clone(),
        file_path: file.rel.clone(),
        title: walk::title_from_filename(&filename),
        filename,
        description: previous.and_then(|p| p.description.clone()),
        file_size: file.size as i64,
        mtime_ns: file.mtime_ns,
        fingerprint,
        status: FileStatus::Ok,
        probe_error: None,
        duration: None,
        width: None,
        height: None,
        resolution: None,
        format: file.container.clone(),
        video_codec: None,
        video_profile: None,
        video_level: None,
        bit_rate: None,
        thumbnail_path: None,
        metadata: Json(serde_json::json!({ "sidecars": file.sidecars })),
        missing_since: None,
        created_at: previous.map_or(now, |p| p.created_at),
        updated_at: now,
    }
}

fn unchanged(k: &KnownFile, f: &FoundFile) -> bool {
    k.file_size == f.size as i64 && k.mtime_ns == f.mtime_ns
}

fn file_name(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap_or(rel)
}

fn apply(row: &mut VideoRow, info: &MediaInfo, sidecars: &[walk::Sidecar]) -> anyhow::Result<()> {
    if let Some(title) = &info.title {
        row.title = title.clone();
    }
    row.duration = info.duration;
    row.bit_rate = info.bit_rate;
    if let Some(v) = &info.video {
        row.width = Some(v.width);
        row.height = Some(v.height);
        row.resolution = Some(format!("{}x{}", v.width, v.height));
        row.video_codec = Some(v.codec.clone());
        row.video_profile = v.profile.clone();
        row.video_level = v.level;
    }
    row.metadata = Json(serde_json::json!({
        "audio": info.audio,
        "subtitles": info.subtitles,
        "sidecars": sidecars,
        "frame_rate": info.video.as_ref().and_then(|v| v.frame_rate),
        "pixel_format": info.video.as_ref().and_then(|v| v.pixel_format.clone()),
        "video_bit_rate": info.video.as_ref().and_then(|v| v.bit_rate),
    }));
    Ok(())
}

async fn fingerprint_of(path: &Path) -> std::io::Result<String> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || fingerprint(&path))
        .await
        .map_err(std::io::Error::other)?
}

/// SHA-256 over the size and the first and last 64 KiB, as 32 hex digits.
fn fingerprint(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let mut hasher = Sha256::new();
    hasher.update(len.to_le_bytes());
    let mut buf = vec![0u8; FINGERPRINT_SPAN as usize];
    let n = file.read(&mut buf)?;
    hasher.update(&buf[..n]);
    if len > FINGERPRINT_SPAN {
        file.seek(SeekFrom::Start(len.saturating_sub(FINGERPRINT_SPAN)))?;
        let mut tail = Vec::with_capacity(FINGERPRINT_SPAN as usize);
        file.take(FINGERPRINT_SPAN).read_to_end(&mut tail)?;
        hasher.update(&tail);
    }
    let digest = hasher.finalize();
    Ok(digest[..16].iter().map(|b| format!("{b:02x}")).collect())
}
