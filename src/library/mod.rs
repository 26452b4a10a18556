//! The media library: the configured folders, the scanner that keeps the `videos` table
//! in step with them, the catalog cache, and resolving a catalog entry back to a file.
//!
//! - [`walk`]: listing a folder's media files (never leaving it).
//! - [`probe`]: ffprobe's facts about a file.
//! - [`thumbs`]: the thumbnail of each video.
//! - [`trickplay`]: seek previews, tiled pictures with a WebVTT index.
//! - [`scan`]: incremental scans, moves, missing files, progress.
//! - [`watch`]: filesystem notifications that trigger scans.
//! - [`catalog`]: the catalog as one caller sees it, the API's only way to the videos.
//! - [`naming`]: what a file is from its path: an episode (series, season, numbers) or a
//!   film (title, year, part, version), as households name them.

pub mod artwork;
pub mod catalog;
pub mod container;
pub mod identify;
pub mod images;
pub mod naming;
pub mod nfo;
pub mod open;
pub mod probe;
pub mod scan;
pub mod thumbs;
pub mod trickplay;
pub mod walk;
pub mod watch;

pub use catalog::{Artwork, Catalog, LibraryCount, Seen};
pub use scan::{ScanProgress, ScanSummary};

/// The libraries a caller may see: every one (the default), or those named by an
/// administrator. [`Catalog`] asks it for every video it hands out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope(Option<Arc<[String]>>);

impl Scope {
    /// Every library.
    pub fn all() -> Self {
        Self(None)
    }

    /// Only these libraries (none, if empty).
    pub fn only(names: Vec<String>) -> Self {
        Self(Some(names.into()))
    }

    /// From a stored or signed list: absent means every library.
    pub fn from_names(names: Option<Vec<String>>) -> Self {
        names.map_or_else(Self::all, Self::only)
    }

    pub fn allows(&self, library: &str) -> bool {
        self.0
            .as_deref()
            .is_none_or(|names| names.iter().any(|n| n == library))
    }

    /// The names, or `None` for every library.
    pub fn names(&self) -> Option<&[String]> {
        self.0.as_deref()
    }
}

use crate::cache::{Cache, CacheKind};
use crate::config::{resolve, Library, Settings};
use crate::db::videos::VideoRow;
use crate::db::{self, Database, DbError};
pub use open::MediaFile;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use uuid::Uuid;

/// Entries kept in the metadata cache before it starts over.
const CACHE_CAPACITY: usize = 10_000;

/// Why a catalog entry cannot be served as a file.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("video {0} does not exist")]
    NotFound(Uuid),
    #[error("video {0} does not exist")]
    NotFoundAt(String),
    #[error("series {0} does not exist")]
    SeriesNotFound(Uuid),
    #[error("no image: {0}")]
    NoImage(String),
    #[error("the file of video {0} is not inside its library")]
    OutsideLibrary(Uuid),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The libraries and their catalog.
#[derive(Debug)]
pub struct MediaLibrary {
    db: Database,
    libraries: Vec<Library>,
    extensions: Vec<String>,
    thumbnails: PathBuf,
    /// Seek previews, made after the thumbnails.
    trickplay: trickplay::Trickplay,
    /// `transcode.ffprobe` and `transcode.ffmpeg`, for probing and thumbnails.
    ffprobe: PathBuf,
    ffmpeg: PathBuf,
    scanner: scan::ScanState,
    images: images::Images,
    // This instance's copy of the catalog entries asked for, by id; readers are
    // streaming requests. A scan updates the entries held, and adds none: a first scan
    // of thousands of files would otherwise hold a copy of each that nobody asked for.
    cache: RwLock<HashMap<Uuid, Arc<VideoRow>>>,
    // The shared `video:metadata:{id}` entries in Redis, written through by the
    // scanner ([`Cache::share`]: without Redis, the copy above is the only one).
    shared: Arc<Cache>,
}

impl MediaLibrary {
    pub fn new(db: Database, settings: &Settings, shared: Arc<Cache>) -> Self {
        let cwd = std::env::current_dir().unwrap_or_default();
        let data_dir = resolve(&cwd, &settings.data_dir);
        Self {
            db,
            libraries: settings
                .media
                .libraries
                .iter()
                .map(|l| Library {
                    name: l.name.clone(),
                    path: resolve(&cwd, &l.path),
                    kind: l.kind,
                })
                .collect(),
            extensions: settings
                .media
                .extensions
                .iter()
                .map(|e| e.trim_start_matches('.').to_ascii_lowercase())
                .collect(),
            thumbnails: data_dir.join("thumbnails"),
            trickplay: trickplay::Trickplay::new(
                data_dir.join("trickplay"),
                settings.transcode.ffmpeg.clone(),
                settings.transcode.trickplay,
                settings.transcode.trickplay_interval.get(),
                settings.transcode.trickplay_width.get(),
            ),
            ffprobe: settings.transcode.ffprobe.clone(),
            ffmpeg: settings.transcode.ffmpeg.clone(),
            scanner: scan::ScanState::default(),
            images: images::Images::new(data_dir.join("images"), settings.transcode.ffmpeg.clone()),
            cache: RwLock::new(HashMap::new()),
            shared,
        }
    }

    /// The configured libraries, paths made absolute.
    pub fn libraries(&self) -> &[Library] {
        &self.libraries
    }

    /// A catalog entry in any state, from the cache when possible, whoever asks: only
    /// [`Catalog`] calls it, with the caller's scope.
    ///
    /// # Errors
    /// When the database cannot be read.
    async fn video(&self, id: Uuid) -> Result<Option<Arc<VideoRow>>, DbError> {
        if let Some(hit) = self
            .cache
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
        {
            return Ok(Some(hit.clone()));
        }
        let key = id.to_string();
        let row = match self
            .shared
            .get::<VideoRow>(CacheKind::VideoMetadata, &key)
            .await
        {
            Some(row) => row,
            None => {
                let Some(row) = db::videos::find(&self.db, id).await? else {
                    return Ok(None);
                };
                self.shared
                    .share(CacheKind::VideoMetadata, &key, &row)
                    .await;
                row
            }
        };
        Ok(Some(self.keep(row)))
    }

    fn keep(&self, row: VideoRow) -> Arc<VideoRow> {
        let row = Arc::new(row);
        let mut cache = self.cache.write().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= CACHE_CAPACITY {
            cache.clear();
        }
        cache.insert(row.id, row.clone());
        row
    }

    /// Writes an entry just stored through to Redis, and to this instance's copy when
    /// it holds the entry, as the database now holds it (an upsert keeps some columns
    /// of the old row).
    async fn remember(&self, id: Uuid) -> Result<(), DbError> {
        match db::videos::find(&self.db, id).await? {
            Some(row) => {
                self.shared
                    .share(CacheKind::VideoMetadata, &id.to_string(), &row)
                    .await;
                let mut cache = self.cache.write().unwrap_or_else(|p| p.into_inner());
                if let Some(held) = cache.get_mut(&id) {
                    *held = Arc::new(row);
                }
            }
            None => self.forget(id).await,
        }
        Ok(())
    }

    async fn forget(&self, id: Uuid) {
        self.cache
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
        self.shared
            .invalidate(CacheKind::VideoMetadata, &id.to_string())
            .await;
    }

    /// The file of an entry, opened once beneath its library's root ([`open`]): what
    /// is served and handed to ffmpeg, so a symlink swapped in after the scan cannot
    /// lead elsewhere.
    ///
    /// # Errors
    /// [`FileError::NotFound`] when the library or file is gone,
    /// [`FileError::OutsideLibrary`] when its path leaves the library.
    pub async fn open(&self, video: &VideoRow) -> Result<MediaFile, FileError> {
        self.open_in(video, video.file_path.clone()).await
    }

    /// A file beside an entry's (a sidecar subtitle named `name`), opened beneath the
    /// library's root like [`Self::open`].
    ///
    /// # Errors
    /// As [`Self::open`]; [`FileError::OutsideLibrary`] for a name that is not a plain
    /// file name.
    pub async fn open_beside(&self, video: &VideoRow, name: &str) -> Result<MediaFile, FileError> {
        if name.contains(['/', '\\', '\0']) || name == ".." || name == "." {
            return Err(FileError::OutsideLibrary(video.id));
        }
        let rel = match video.file_path.rsplit_once('/') {
            Some((dir, _)) => format!("{dir}/{name}"),
            None => name.to_owned(),
        };
        self.open_in(video, rel).await
    }

    /// The image at `rel` in `library` (or, with `library` `None`, the thumbnail named
    /// `rel` in the data folder), resized to about `width` pixels.
    async fn image(
        &self,
        library: Option<&str>,
        rel: &str,
        width: u32,
    ) -> Result<images::Resized, FileError> {
        let source = match library {
            Some(library) => self.open_artwork(library, rel).await?,
            None => {
                let (dir, name) = (self.thumbnails.clone(), rel.to_owned());
                tokio::task::spawn_blocking(move || MediaFile::open_beneath(&dir, &name))
                    .await
                    .map_err(|_| FileError::NotFoundAt(rel.to_owned()))?
                    .map_err(|_| FileError::NotFoundAt(rel.to_owned()))?
            }
        };
        let place = format!("{}/{rel}", library.unwrap_or("/thumbnails"));
        self.images
            .resized(&place, &source, width)
            .await
            .map_err(|e| FileError::NoImage(e.to_string()))
    }

    /// An artwork file of a library, opened beneath its root like [`Self::open`].
    async fn open_artwork(&self, library: &str, rel: &str) -> Result<MediaFile, FileError> {
        let missing = || FileError::NotFoundAt(rel.to_owned());
        let root = self
            .libraries
            .iter()
            .find(|l| l.name == library)
            .ok_or_else(missing)?
            .path
            .clone();
        if !is_safe_relative(rel) {
            return Err(missing());
        }
        let owned = rel.to_owned();
        tokio::task::spawn_blocking(move || MediaFile::open_beneath(&root, &owned))
            .await
            .map_err(|_| missing())?
            .map_err(|_| missing())
    }

    async fn open_in(&self, video: &VideoRow, rel: String) -> Result<MediaFile, FileError> {
        let library = self
            .libraries
            .iter()
            .find(|l| l.name == video.library)
            .ok_or(FileError::NotFound(video.id))?;
        let root = library.path.clone();
        let id = video.id;
        if !is_safe_relative(&rel) {
            return Err(FileError::OutsideLibrary(id));
        }
        tokio::task::spawn_blocking(move || match MediaFile::open_beneath(&root, &rel) {
            Ok(file) => Ok(file),
            Err(open::OpenError::Outside) => Err(FileError::OutsideLibrary(id)),
            Err(open::OpenError::Io(_)) => Err(FileError::NotFound(id)),
        })
        .await
        .map_err(|_| FileError::NotFound(id))?
    }

    /// The thumbnail file of an entry, if one was made.
    pub fn thumbnail_file(&self, video: &VideoRow) -> Option<PathBuf> {
        video
            .thumbnail_path
            .as_ref()
            .map(|_| self.thumbnail_path(video.id))
    }

    /// The seek previews' index of an entry, if they were made for its file as it is.
    pub fn trickplay_index(&self, video: &VideoRow) -> Option<PathBuf> {
        let key = self.trickplay.key(video.file_size, video.mtime_ns);
        self.trickplay.index(video.id, &key)
    }

    /// Sheet `n` of an entry's seek previews, if there is one.
    pub fn trickplay_sheet(&self, video: &VideoRow, n: u32) -> Option<PathBuf> {
        let key = self.trickplay.key(video.file_size, video.mtime_ns);
        self.trickplay.sheet(video.id, &key, n)
    }

    fn thumbnail_path(&self, id: Uuid) -> PathBuf {
        self.thumbnails.join(format!("{id}.jpg"))
    }
}

/// Whether a library-relative path stays inside the library: no `..`, no absolute or
/// empty segments, no NUL or backslash.
pub fn is_safe_relative(path: &str) -> bool {
    !path.is_empty()
        && !path.contains(['\0', '\\'])
        && !Path::new(path).is_absolute()
        && path
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
}

#[cfg(test)]
mod tests {
    use super::is_safe_relative;

    #[test]
    fn only_plain_relative_paths_are_safe() {
        for ok in ["a.mp4", "Shows/S1/e1.mkv", "..a.mp4", "a..b/c.mp4"] {
            assert!(is_safe_relative(ok), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x.mp4",
            "a/../../x",
            "a//b",
            "./a",
            "a\0b",
            "a\\..\\b",
            "a/",
        ] {
            assert!(!is_safe_relative(bad), "{bad:?}");
        }
    }
}
