//! Scanning: bring the `videos` table in step with the library folders.
//!
//! A rescan is incremental. A file whose size and modification time are unchanged is
//! not probed again. A new file whose content fingerprint (size plus the first and last
//! 64 KiB) matches a file that vanished is a move: the row keeps its id, and with it
//! users' progress and playlists. A vanished file is marked missing and leaves the
//! catalog; a library folder that cannot be read is skipped whole, so an unmounted disk
//! never empties the catalog. An unreadable file is recorded as failed with the probe's
//! error.
//!
//! Each new or changed file is identified ([`super::identify`]: episode or film, its
//! `.nfo` and artwork) and probed: MP4 and Matroska in process ([`super::container`]),
//! anything else with ffprobe, twice as many at once as there are CPUs. Rows are written
//! in transactions of [`WRITE_BATCH`]. An unchanged file is identified again, without a
//! probe, when the nfo and artwork files of its folders changed (their stamp) or when it
//! was stored before the library knew series. Thumbnails come last, one at a time at low
//! priority, once every file is in the catalog.

use super::identify::{Identity, SeriesName, Shelf};
use super::probe::{self, MediaInfo};
use super::walk::{self, FoundFile};
use super::{container, open, MediaFile};
use super::{thumbs, MediaLibrary};
use crate::config::Library;
use crate::db::series::SeriesRow;
use crate::db::videos::{FileStatus, Identification, VideoKind};
use crate::db::{self, videos::KnownFile, videos::VideoRow};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::types::Json;
use std::collections::HashMap;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
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
    /// Files probed (new or changed).
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
    /// Seconds from the start until every file found was in the catalog (the scan's
    /// end; thumbnails follow in the background).
    pub catalogued_seconds: Option<f64>,
    /// Thumbnails of the background pass still to make.
    pub thumbnails_pending: u64,
}

/// The result of a finished scan.
pub type ScanSummary = ScanProgress;

/// The scanner's lock and progress, and the thumbnail pass that follows it.
#[derive(Debug, Default)]
pub struct ScanState {
    lock: tokio::sync::Mutex<()>,
    progress: Mutex<(ScanProgress, Option<Instant>)>,
    thumbnails: tokio::sync::Mutex<()>,
    thumbnails_wanted: tokio::sync::Notify,
    failed_thumbnails: Mutex<std::collections::HashSet<Uuid>>,
    /// A scan ended since the background pass began: seek previews, which may take
    /// hours for a large library, give way to the new files' thumbnails.
    scanned: std::sync::atomic::AtomicBool,
    /// Videos, with their file's size and time, ffmpeg could make no previews of.
    failed_trickplay: Mutex<std::collections::HashSet<(Uuid, i64, i64)>>,
    /// Scans that changed the catalog since start-up.
    changes: std::sync::atomic::AtomicU32,
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

    /// A number that changes whenever a scan changes the catalog, or an entry gets its
    /// thumbnail (DLNA's `SystemUpdateID`): the start-up time in seconds plus those
    /// changes since, so a restart changes it too and clients never keep a stale
    /// listing.
    pub fn catalog_version(&self) -> u32 {
        static STARTED: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
        let started = *STARTED.get_or_init(|| {
            // The low 32 bits: it only has to differ from the last run's.
            (Utc::now().timestamp() & 0x7fff_ffff) as u32
        });
        started.wrapping_add(
            self.scanner
                .changes
                .load(std::sync::atomic::Ordering::Relaxed),
        )
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
        let mut identified = 0;
        for library in self
            .libraries
            .iter()
            .filter(|l| only.is_none_or(|n| n == l.name))
        {
            self.update(|p| p.current_library = Some(library.name.clone()));
            match self.scan_library(library).await {
                Ok(n) => identified += n,
                Err(e) => {
                    tracing::error!(library = %library.name, error = %e, "library scan failed");
                    self.update(|p| p.errors.push(format!("{}: {e}", library.name)));
                }
            }
        }
        let changed = {
            let p = self.scan_progress();
            p.probed + p.moved + p.missing > 0 || identified > 0
        };
        if changed {
            self.scanner
                .changes
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if let Err(e) = self.db.analyze().await {
                tracing::warn!(error = %e, "the catalog's statistics were not refreshed");
            }
        }
        self.update(|p| p.catalogued_seconds = Some(started.elapsed().as_secs_f64()));
        // The thumbnails follow the catalog in the background ([`Self::thumbnail_worker`]).
        self.scanner
            .scanned
            .store(true, std::sync::atomic::Ordering::Relaxed);
        self.scanner.thumbnails_wanted.notify_one();
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

    /// Scans one library; returns how many unchanged files were identified again and
    /// series given this release's keys.
    async fn scan_library(&self, library: &Library) -> anyhow::Result<usize> {
        let root = library.path.clone();
        let extensions = self.extensions.clone();
        let walked = tokio::task::spawn_blocking(move || walk::walk_tree(&root, &extensions))
            .await?
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", library.path.display()))?;
        let shelf = Arc::new(Bookcase::new(library, walked));
        let found = &shelf.walk.files;
        self.update(|p| p.seen += found.len() as u64);
        let known = db::videos::known_files(&self.db, &library.name).await?;
        let mut by_path: HashMap<&str, &KnownFile> =
            known.iter().map(|k| (k.file_path.as_str(), k)).collect();

        let mut to_probe: Vec<(usize, Option<Uuid>, Option<String>)> = Vec::new();
        let mut to_identify: Vec<(usize, Uuid)> = Vec::new();
        let mut new_files = Vec::new();
        for (i, file) in found.iter().enumerate() {
            match by_path.remove(file.rel.as_str()) {
                Some(k) if unchanged(k, file) && k.status != FileStatus::Missing => {
                    if k.kind == VideoKind::Video || k.art_stamp != shelf.stamp_of(&file.rel) {
                        to_identify.push((i, k.id));
                    }
                    self.count(Counter::Skipped);
                }
                Some(k) => to_probe.push((i, Some(k.id), None)),
                None => new_files.push(i),
            }
        }
        // What is left in `by_path` vanished from disk; it may reappear as a move.
        let mut vanished: Vec<&KnownFile> = by_path.into_values().collect();
        let mut moves = Vec::new();
        for i in new_files {
            let file = &found[i];
            let fingerprint = if vanished.is_empty() {
                // Nothing to match: the fingerprint is taken with the probe.
                None
            } else {
                fingerprint_of(&file.abs).await.ok()
            };
            let matched = fingerprint.as_ref().and_then(|fp| {
                vanished
                    .iter()
                    .position(|k| &k.fingerprint == fp && k.file_size == file.size as i64)
            });
            match matched {
                Some(at) => moves.push((i, vanished.swap_remove(at).id)),
                None => to_probe.push((i, None, fingerprint)),
            }
        }
        let wanted: Vec<usize> = to_probe
            .iter()
            .map(|(i, _, _)| *i)
            .chain(to_identify.iter().map(|(i, _)| *i))
            .chain(moves.iter().map(|(i, _)| *i))
            .collect();
        let identities = {
            let shelf = shelf.clone();
            tokio::task::spawn_blocking(move || shelf.identify_all(&wanted)).await?
        };
        let series = self.resolve_series(library, &shelf, &identities).await?;
        let identified = |i: usize| -> (Identity, Option<(Uuid, String)>) {
            let identity = identities.get(&i).cloned().unwrap_or_default();
            let series = identity
                .series
                .as_ref()
                .and_then(|s| series.get(&s.key).cloned());
            (identity, series)
        };
        for (i, id) in moves {
            let (identity, series) = identified(i);
            self.record_move(id, library, &found[i], &identity, series)
                .await?;
        }
        for chunk in to_identify.chunks(WRITE_BATCH) {
            let batch: Vec<(Uuid, Identification)> = chunk
                .iter()
                .map(|&(i, id)| {
                    let (identity, series) = identified(i);
                    (id, identity.columns(series))
                })
                .collect();
            db::videos::set_identities(&self.db, &batch).await?;
            for (id, _) in &batch {
                self.forget(*id).await;
            }
        }
        let parallel = std::thread::available_parallelism().map_or(2, |n| n.get());
        let mut rows = futures_util::stream::iter(to_probe)
            .map(|(i, id, fingerprint)| {
                let (identity, series) = identified(i);
                self.probe(library, &found[i], id, fingerprint, identity, series)
            })
            .buffer_unordered(parallel * 2)
            .ready_chunks(WRITE_BATCH);
        while let Some(chunk) = rows.next().await {
            let mut batch = Vec::with_capacity(chunk.len());
            for row in chunk {
                if let Some((row, existed)) = row? {
                    batch.push((row, existed));
                }
            }
            self.store(batch).await?;
        }
        drop(rows);
        let now = Utc::now();
        for k in vanished
            .into_iter()
            .filter(|k| k.status != FileStatus::Missing)
        {
            db::videos::mark_missing(&self.db, k.id, now).await?;
            self.forget(k.id).await;
            self.count(Counter::Missing);
        }
        db::series::recount(&self.db, &library.name).await?;
        let refreshed = db::series::refresh_keys(&self.db, &library.name).await?;
        Ok(to_identify.len() + refreshed)
    }

    /// Writes probed rows in one transaction, and drops the caches' copies of rows
    /// that existed. A new file another instance recorded first (both scanning an empty
    /// database) keeps that instance's row.
    async fn store(&self, batch: Vec<(VideoRow, bool)>) -> anyhow::Result<()> {
        let rows: Vec<&VideoRow> = batch.iter().map(|(r, _)| r).collect();
        match db::videos::upsert_many(&self.db, &rows).await {
            Ok(()) => {}
            Err(db::DbError::Duplicate(_)) => {
                for (row, existed) in &batch {
                    match db::videos::upsert(&self.db, row).await {
                        Err(db::DbError::Duplicate(_)) if !existed => {
                            tracing::debug!(file = %row.file_path, "recorded meanwhile by another instance");
                        }
                        other => other?,
                    }
                }
            }
            Err(e) => return Err(e.into()),
        }
        for (row, existed) in &batch {
            if *existed {
                self.forget(row.id).await;
            }
        }
        Ok(())
    }

    /// The series of the identified episodes: found by key, created when new, their
    /// `tvshow.nfo` and artwork read again when their folder's stamp changed.
    async fn resolve_series(
        &self,
        library: &Library,
        shelf: &Arc<Bookcase>,
        identities: &HashMap<usize, Identity>,
    ) -> anyhow::Result<HashMap<String, (Uuid, String)>> {
        // One name per series; its folder is any episode's (a loose release-named file
        // has none), else the one stored: a folder is never forgotten for lack of one.
        let mut names: HashMap<String, SeriesName> = HashMap::new();
        for name in identities.values().filter_map(|i| i.series.as_ref()) {
            names
                .entry(name.key.clone())
                .and_modify(|n| {
                    if n.folder.is_none() {
                        n.folder.clone_from(&name.folder);
                    }
                })
                .or_insert_with(|| name.clone());
        }
        if names.is_empty() {
            return Ok(HashMap::new());
        }
        let stored: HashMap<String, SeriesRow> = db::series::of_library(&self.db, &library.name)
            .await?
            .into_iter()
            .map(|s| (s.key.clone(), s))
            .collect();
        for (key, name) in &mut names {
            if name.folder.is_none() {
                name.folder = stored.get(key).and_then(|s| s.folder.clone());
            }
        }
        let infos = {
            let (shelf, names) = (shelf.clone(), names.clone());
            tokio::task::spawn_blocking(move || {
                names
                    .into_iter()
                    .map(|(key, name)| {
                        let info = name
                            .folder
                            .as_deref()
                            .map(|f| shelf.shelf().series_info(f))
                            .unwrap_or_default();
                        (key, info)
                    })
                    .collect::<HashMap<_, _>>()
            })
            .await?
        };
        let now = Utc::now();
        let mut ids = HashMap::new();
        for (key, name) in names {
            let info = infos.get(&key).cloned().unwrap_or_default();
            let existing = stored.get(&key);
            let id = existing.map_or_else(Uuid::new_v4, |s| s.id);
            if let Some(s) =
                existing.filter(|s| s.art_stamp == info.stamp && s.folder == name.folder)
            {
                ids.insert(key, (id, s.title.clone()));
                continue;
            }
            let title = info.title.clone().unwrap_or_else(|| name.title.clone());
            let row = SeriesRow {
                id,
                library: library.name.clone(),
                key,
                title,
                original_title: info.original_title.clone(),
                year: name.year.or(info.year),
                plot: info.plot.clone(),
                genres: Json(info.genres.clone()),
                rating: info.rating,
                premiered: info.premiered.clone(),
                folder: name.folder.clone(),
                poster: info.poster.clone(),
                backdrop: info.backdrop.clone(),
                season_posters: Json(info.season_posters.clone()),
                episode_count: existing.map_or(0, |s| s.episode_count),
                season_count: existing.map_or(0, |s| s.season_count),
                latest_added: existing.and_then(|s| s.latest_added),
                art_stamp: info.stamp,
                created_at: existing.map_or(now, |s| s.created_at),
                updated_at: now,
            };
            // Another instance may have made this series meanwhile: its id stands.
            let id = db::series::upsert(&self.db, &row).await?;
            ids.insert(row.key, (id, row.title));
        }
        Ok(ids)
    }

    async fn record_move(
        &self,
        id: Uuid,
        library: &Library,
        file: &FoundFile,
        identity: &Identity,
        series: Option<(Uuid, String)>,
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
        identity.columns(series).apply_to(&mut row);
        db::videos::upsert(&self.db, &row).await?;
        self.remember(id).await?;
        self.count(Counter::Moved);
        Ok(())
    }

    /// Probes a new or changed file (in process for MP4 and Matroska, else ffprobe)
    /// and makes its row; `None` for a new file refused as not media. The bool says
    /// whether the row existed.
    async fn probe(
        &self,
        library: &Library,
        file: &FoundFile,
        existing: Option<Uuid>,
        fingerprint: Option<String>,
        identity: Identity,
        series: Option<(Uuid, String)>,
    ) -> anyhow::Result<Option<(VideoRow, bool)>> {
        let previous = match existing {
            Some(id) => db::videos::find(&self.db, id).await?,
            None => None,
        };
        let id = existing.unwrap_or_else(Uuid::new_v4);
        // Probed through one descriptor opened beneath the library: a folder swapped
        // for a symlink since the walk cannot lead the probe elsewhere.
        let (opened, fingerprint, in_process) = {
            let (root, rel) = (library.path.clone(), file.rel.clone());
            tokio::task::spawn_blocking(move || {
                let opened = MediaFile::open_beneath(&root, &rel);
                let fingerprint = match (&fingerprint, &opened) {
                    (Some(fp), _) => fp.clone(),
                    (None, Ok(media)) => fingerprint_file(media.file()).unwrap_or_default(),
                    (None, Err(_)) => String::new(),
                };
                let in_process = opened.as_ref().ok().and_then(|media| {
                    let size = media.file().metadata().ok()?.len();
                    container::probe(media.file(), size)
                });
                (opened, fingerprint, in_process)
            })
            .await?
        };
        let probed = match (&opened, in_process) {
            (Ok(_), Some(info)) => Ok(info),
            (Ok(media), None) => probe::probe(&self.ffprobe, media).await,
            (Err(open::OpenError::Outside), _) => Err(probe::ProbeError::Refused(
                "the file leaves its library (a symlink out of it) or is not a regular file"
                    .to_owned(),
            )),
            (Err(open::OpenError::Io(e)), _) => Err(probe::ProbeError::Unreadable(e.to_string())),
        };
        let mut row = new_row(id, library, file, previous.as_ref(), fingerprint);
        match probed {
            Ok(info) => {
                apply(&mut row, &info, &file.sidecars)?;
                // No thumbnail (the file is new or changed): the background pass makes it.
                self.count(Counter::Probed);
            }
            Err(e @ probe::ProbeError::Refused(_)) if previous.is_none() => {
                // Not catalogued: nothing of it is ever served or handed to ffmpeg again.
                tracing::warn!(file = %file.rel, error = %e, "file refused: not media");
                self.count(Counter::Failed);
                return Ok(None);
            }
            Err(e) => {
                tracing::warn!(file = %file.rel, error = %e, "file could not be probed");
                row.status = FileStatus::Failed;
                row.probe_error = Some(e.to_string());
                self.count(Counter::Failed);
            }
        }
        identity.columns(series).apply_to(&mut row);
        Ok(Some((row, previous.is_some())))
    }

    /// Makes the thumbnails the catalog lacks after each scan, then its seek previews,
    /// for as long as the server runs (started with the server's upkeep).
    pub async fn thumbnail_worker(self: Arc<Self>) {
        loop {
            self.scanner.thumbnails_wanted.notified().await;
            self.scanner
                .scanned
                .store(false, std::sync::atomic::Ordering::Relaxed);
            self.make_missing_thumbnails().await;
            self.make_missing_trickplay().await;
        }
    }

    /// Makes the seek previews of every playable video that has none for its file as it
    /// is, one video at a time (`transcode.trickplay`). Gives way when a scan ends
    /// meanwhile (the worker makes that scan's thumbnails, then comes back here); after
    /// a whole pass, the previews of videos no longer in the catalog are removed.
    pub async fn make_missing_trickplay(&self) {
        if !self.trickplay.enabled() {
            return;
        }
        let _running = self.scanner.thumbnails.lock().await;
        let mut after: Option<(chrono::DateTime<Utc>, Uuid)> = None;
        let mut seen = std::collections::HashSet::new();
        loop {
            let page = match db::videos::with_pictures(&self.db, after, THUMBNAIL_BATCH).await {
                Ok(page) => page,
                Err(e) => {
                    tracing::warn!(error = %e, "seek previews wait for the database");
                    return;
                }
            };
            let Some(&(at, id, _, _)) = page.last() else {
                break;
            };
            after = Some((at, id));
            for (_, id, size, mtime) in page {
                seen.insert(id);
                if self
                    .scanner
                    .scanned
                    .load(std::sync::atomic::Ordering::Relaxed)
                {
                    return;
                }
                let key = self.trickplay.key(size, mtime);
                let failed = self
                    .scanner
                    .failed_trickplay
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .contains(&(id, size, mtime));
                if failed || self.trickplay.index(id, &key).is_some() {
                    continue;
                }
                if let Err(e) = self.make_trickplay(id).await {
                    if e.downcast_ref::<db::DbError>().is_some() {
                        tracing::warn!(error = %e, "seek previews wait for the database");
                        return;
                    }
                    tracing::warn!(%id, error = %e, "no seek previews");
                    self.scanner
                        .failed_trickplay
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert((id, size, mtime));
                }
            }
        }
        self.trickplay.remove_except(&seen).await;
    }

    async fn make_trickplay(&self, id: Uuid) -> anyhow::Result<()> {
        let Some(row) = db::videos::find(&self.db, id).await? else {
            return Ok(());
        };
        let (Some(duration), Some(width), Some(height)) = (row.duration, row.width, row.height)
        else {
            return Ok(());
        };
        let media = self.open(&row).await?;
        let started = Instant::now();
        self.trickplay
            .make(super::trickplay::Source {
                id,
                media: &media,
                duration,
                width: u32::try_from(width).unwrap_or(0),
                height: u32::try_from(height).unwrap_or(0),
                file_size: row.file_size,
                mtime_ns: row.mtime_ns,
            })
            .await
            .map_err(|e| anyhow::anyhow!(e))?;
        tracing::debug!(%id, seconds = started.elapsed().as_secs_f64(), "seek previews made");
        Ok(())
    }

    /// Makes the thumbnail of every playable video that has none, one at a time at low
    /// priority (a card shows a placeholder meanwhile). A file ffmpeg could not make
    /// one of is not tried again until the server restarts or the file changes. Returns
    /// when none is missing; a caller arriving meanwhile waits for the one running.
    pub async fn make_missing_thumbnails(&self) {
        let _running = self.scanner.thumbnails.lock().await;
        // Walks the catalog's missing thumbnails in (added, id) order, so files that
        // failed before are stepped over, not fetched again and again.
        let mut after: Option<(chrono::DateTime<Utc>, Uuid)> = None;
        loop {
            let page = match db::videos::without_thumbnail(&self.db, after, THUMBNAIL_BATCH).await {
                Ok(page) => page,
                Err(e) => {
                    tracing::warn!(error = %e, "thumbnails wait for the database");
                    return;
                }
            };
            let Some(last) = page.last().copied() else {
                self.update(|p| p.thumbnails_pending = 0);
                return;
            };
            after = Some(last);
            let todo: Vec<Uuid> = {
                let failed = self
                    .scanner
                    .failed_thumbnails
                    .lock()
                    .unwrap_or_else(|p| p.into_inner());
                page.into_iter()
                    .map(|(_, id)| id)
                    .filter(|id| !failed.contains(id))
                    .collect()
            };
            self.update(|p| p.thumbnails_pending = todo.len() as u64);
            for id in todo {
                if let Err(e) = self.make_thumbnail(id).await {
                    if e.downcast_ref::<db::DbError>().is_some() {
                        // The database, not the file: the next scan's pass tries again.
                        tracing::warn!(error = %e, "thumbnails wait for the database");
                        return;
                    }
                    tracing::warn!(%id, error = %e, "no thumbnail");
                    self.scanner
                        .failed_thumbnails
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(id);
                }
                self.update(|p| p.thumbnails_pending = p.thumbnails_pending.saturating_sub(1));
            }
        }
    }

    async fn make_thumbnail(&self, id: Uuid) -> anyhow::Result<()> {
        let Some(row) = db::videos::find(&self.db, id).await? else {
            return Ok(());
        };
        let media = self.open(&row).await?;
        let out = self.thumbnail_path(id);
        // A film's own cover picture, when its container holds one; an episode's cover
        // is usually its series' poster, so episodes get a frame.
        let cover = match row.kind {
            VideoKind::Episode => None,
            VideoKind::Film | VideoKind::Video => self.extract_cover(&media, id).await,
        };
        let from_cover = match &cover {
            Some((picture, demuxer)) => {
                let source = thumbs::Source::Cover(picture, demuxer);
                thumbs::make(&self.ffmpeg, source, &out).await.is_ok()
            }
            None => false,
        };
        if cover.is_some() {
            let _ = tokio::fs::remove_file(out.with_extension("cover")).await;
        }
        if !from_cover {
            thumbs::make(
                &self.ffmpeg,
                thumbs::Source::Frame(&media, row.duration),
                &out,
            )
            .await
            .map_err(|e| anyhow::anyhow!(e))?;
        }
        db::videos::set_thumbnail(&self.db, id, &format!("thumbnails/{id}.jpg")).await?;
        self.forget(id).await;
        // The entry gained a picture: listings made before it are out of date.
        self.scanner
            .changes
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }
}

impl MediaLibrary {
    /// The cover picture embedded in `media`'s container, saved beside the thumbnails
    /// (`{id}.cover`) and opened for ffmpeg with its demuxer.
    async fn extract_cover(
        &self,
        media: &MediaFile,
        id: Uuid,
    ) -> Option<(MediaFile, &'static str)> {
        let (file, dir) = (media.file().clone(), self.thumbnails.clone());
        tokio::task::spawn_blocking(move || {
            let size = file.metadata().ok()?.len();
            let (bytes, _) = container::cover_art(&file, size)?;
            let demuxer = super::images::image_type(&bytes)?;
            std::fs::create_dir_all(&dir).ok()?;
            let name = format!("{id}.cover");
            std::fs::write(dir.join(&name), &bytes).ok()?;
            let picture = MediaFile::open_beneath(&dir, &name).ok()?;
            Some((picture, demuxer))
        })
        .await
        .ok()
        .flatten()
    }
}

/// Rows written per transaction during a scan.
const WRITE_BATCH: usize = 256;

/// Videos without a thumbnail looked up at once.
const THUMBNAIL_BATCH: i64 = 200;

/// A library's walk, kept for identifying its files.
struct Bookcase {
    root: PathBuf,
    kind: crate::config::LibraryKind,
    walk: walk::Walk,
    videos: HashMap<String, Vec<String>>,
}

impl Bookcase {
    fn new(library: &Library, walk: walk::Walk) -> Self {
        let mut videos: HashMap<String, Vec<String>> = HashMap::new();
        for f in &walk.files {
            let (dir, name) = f.rel.rsplit_once('/').unwrap_or(("", &f.rel));
            videos
                .entry(dir.to_owned())
                .or_default()
                .push(name.to_owned());
        }
        Self {
            root: library.path.clone(),
            kind: library.kind,
            walk,
            videos,
        }
    }

    fn shelf(&self) -> Shelf<'_> {
        Shelf {
            root: &self.root,
            kind: self.kind,
            folders: &self.walk.folders,
            videos: &self.videos,
        }
    }

    fn stamp_of(&self, rel: &str) -> i64 {
        self.shelf().stamp_of(rel)
    }

    fn identify_all(&self, files: &[usize]) -> HashMap<usize, Identity> {
        let shelf = self.shelf();
        files
            .iter()
            .map(|&i| (i, shelf.identify(&self.walk.files[i].rel)))
            .collect()
    }
}

/// A row for `file` before probing: what the walk found, and when an earlier row of
/// the same file was first added.
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
        description: None,
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
        kind: VideoKind::Video,
        series_id: None,
        series_title: None,
        season: None,
        episode: None,
        episode_end: None,
        year: None,
        original_title: None,
        genres: Json(Vec::new()),
        rating: None,
        premiered: None,
        poster: None,
        backdrop: None,
        art_stamp: 0,
        film_key: None,
        part: None,
        version: None,
        listed: true,
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

fn fingerprint(path: &Path) -> std::io::Result<String> {
    fingerprint_file(&std::fs::File::open(path)?)
}

/// SHA-256 over the size and the first and last 64 KiB, as 32 hex digits.
fn fingerprint_file(file: &std::fs::File) -> std::io::Result<String> {
    let len = file.metadata()?.len();
    let mut hasher = Sha256::new();
    hasher.update(len.to_le_bytes());
    let mut buf = vec![0u8; FINGERPRINT_SPAN as usize];
    let n = file.read_at(&mut buf, 0)?;
    hasher.update(&buf[..n]);
    if len > FINGERPRINT_SPAN {
        let start = len.saturating_sub(FINGERPRINT_SPAN);
        let mut filled = 0;
        while filled < buf.len() {
            match file.read_at(&mut buf[filled..], start + filled as u64)? {
                0 => break,
                n => filled += n,
            }
        }
        hasher.update(&buf[..filled]);
    }
    let digest = hasher.finalize();
    Ok(digest[..16].iter().map(|b| format!("{b:02x}")).collect())
}
