//! Walking a library folder: the media files in it, with their sizes, modification
//! times and sidecar subtitles, and the artwork and `.nfo` files of each folder, so the
//! scanner learns about posters and metadata in the same single pass. Nothing outside
//! the library is ever returned: symlinks are followed only to files that resolve inside
//! it, and hidden entries are skipped.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// Extensions of subtitle files kept beside videos.
const SUBTITLE_EXTENSIONS: [&str; 5] = ["srt", "vtt", "ass", "ssa", "sub"];

/// Extensions of image files listed for artwork, in order of preference when one name
/// comes in several formats.
pub const IMAGE_EXTENSIONS: [&str; 4] = ["jpg", "jpeg", "png", "webp"];

/// The extension of Kodi metadata files.
const NFO_EXTENSION: &str = "nfo";

/// A media file found in a library.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundFile {
    /// Path inside the library, '/'-separated.
    pub rel: String,
    /// The real path on disk.
    pub abs: PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
    /// The lowercased extension.
    pub container: String,
    pub sidecars: Vec<Sidecar>,
}

/// A subtitle file next to a video (`Film.srt`, `Film.en.srt`, `Film.fra.forced.ass`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sidecar {
    /// The file name, in the video's folder.
    pub file: String,
    /// `srt`, `vtt`, `ass`, `ssa` or `sub`.
    pub format: String,
    /// The language tag between the video's name and the extension, if any.
    pub language: Option<String>,
    pub forced: bool,
}

/// What a walk found: the media files, and what each folder holds beside them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Walk {
    /// The media files, sorted by path.
    pub files: Vec<FoundFile>,
    /// By folder path inside the library ('/'-separated, `""` for the root): every
    /// folder holding media files, images or nfo files (a series folder holds only
    /// the latter); no other.
    pub folders: BTreeMap<String, Folder>,
}

/// The artwork and metadata files of one folder, by name: what [`super::artwork`] and
/// [`super::nfo`] read. Kept to names and one stamp, so a walk of a large library stays
/// small.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Folder {
    /// Image files (`jpg`, `jpeg`, `png`, `webp`, any case), sorted.
    pub images: Vec<String>,
    /// `.nfo` files (any case), sorted.
    pub nfos: Vec<String>,
    /// Changes whenever one of those files is added, removed, renamed, rewritten or
    /// touched: a hash of each one's name, modification time and size. 0 when the
    /// folder has none. Compare it with the last scan's to know whether to read them
    /// again without reprobing the videos.
    pub stamp: i64,
}

/// Lists the media files under `root` whose extension is in `extensions` (lowercase).
///
/// # Errors
/// When `root` itself cannot be read; unreadable entries below it are skipped.
pub fn walk(root: &Path, extensions: &[String]) -> std::io::Result<Vec<FoundFile>> {
    Ok(walk_tree(root, extensions)?.files)
}

/// Lists the media files under `root` whose extension is in `extensions` (lowercase),
/// and the image and nfo files of every folder.
///
/// # Errors
/// When `root` itself cannot be read; unreadable entries below it are skipped.
pub fn walk_tree(root: &Path, extensions: &[String]) -> std::io::Result<Walk> {
    let root = fs::canonicalize(root)?;
    let mut found = Walk::default();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            tracing::warn!(dir = %dir.display(), "cannot read folder; skipped");
            continue;
        };
        let mut listing = Listing::default();
        for entry in entries.flatten() {
            match classify(&root, &entry) {
                Some(Entry::Dir(path)) => dirs.push(path),
                Some(Entry::File(file)) => listing.add(file, extensions),
                None => {}
            }
        }
        found.add(&root, &dir, listing);
    }
    found.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(found)
}

/// An entry of a folder that the walk may use.
enum Entry {
    Dir(PathBuf),
    File(Plain),
}

/// A file, or a symlink resolving to one inside the library.
struct Plain {
    name: String,
    /// Its path in the folder walked.
    path: PathBuf,
    /// Where it really is: `path`, or a symlink's target.
    real: PathBuf,
    /// The lowercased extension.
    ext: String,
}

/// What an entry is, or `None` for hidden entries, names that are not UTF-8, and
/// symlinks that lead to a folder, outside the library or nowhere.
fn classify(root: &Path, entry: &fs::DirEntry) -> Option<Entry> {
    let name = entry.file_name();
    let Some(name) = name.to_str() else {
        tracing::warn!(path = %entry.path().display(), "name is not UTF-8; skipped");
        return None;
    };
    if name.starts_with('.') {
        return None;
    }
    let kind = entry.file_type().ok()?;
    let path = entry.path();
    if kind.is_dir() {
        return Some(Entry::Dir(path));
    }
    // A symlink counts only when it resolves to a file inside the library.
    let real = if kind.is_symlink() {
        match fs::canonicalize(&path) {
            Ok(real) if real.starts_with(root) && real.is_file() => real,
            _ => return None,
        }
    } else if kind.is_file() {
        path.clone()
    } else {
        return None;
    };
    Some(Entry::File(Plain {
        name: name.to_owned(),
        ext: extension(name),
        path,
        real,
    }))
}

/// One folder's files, by what they are.
#[derive(Default)]
struct Listing {
    videos: Vec<Plain>,
    subtitles: Vec<String>,
    images: Vec<Plain>,
    nfos: Vec<Plain>,
}

impl Listing {
    fn add(&mut self, file: Plain, extensions: &[String]) {
        let ext = file.ext.as_str();
        if SUBTITLE_EXTENSIONS.contains(&ext) {
            self.subtitles.push(file.name);
        } else if extensions.iter().any(|e| e == ext) {
            self.videos.push(file);
        } else if IMAGE_EXTENSIONS.contains(&ext) {
            self.images.push(file);
        } else if ext == NFO_EXTENSION {
            self.nfos.push(file);
        }
    }
}

impl Walk {
    /// Takes in the files of the folder `dir`.
    fn add(&mut self, root: &Path, dir: &Path, listing: Listing) {
        let Listing {
            videos,
            subtitles,
            images,
            nfos,
        } = listing;
        if !(videos.is_empty() && images.is_empty() && nfos.is_empty()) {
            if let Some(rel) = rel_path(root, dir) {
                self.folders.insert(rel, folder(images, nfos));
            }
        }
        self.files.extend(
            videos
                .into_iter()
                .filter_map(|video| found_file(root, video, &subtitles)),
        );
    }
}

/// A folder's images and nfo files, those that can still be read, with their stamp.
fn folder(images: Vec<Plain>, nfos: Vec<Plain>) -> Folder {
    let mut stamped = Vec::new();
    let mut names = |files: Vec<Plain>| -> Vec<String> {
        let mut names: Vec<String> = files
            .into_iter()
            .filter_map(|file| {
                let meta = fs::metadata(&file.real).ok()?;
                stamped.push((file.name.clone(), mtime_ns(&meta), meta.len()));
                Some(file.name)
            })
            .collect();
        names.sort();
        names
    };
    let images = names(images);
    let nfos = names(nfos);
    Folder {
        images,
        nfos,
        stamp: stamp(stamped),
    }
}

/// A hash of files' names, modification times and sizes, the same whatever their
/// order; 0 for none. FNV-1a: stable across builds, so a stamp may be stored.
fn stamp(mut files: Vec<(String, i64, u64)>) -> i64 {
    if files.is_empty() {
        return 0;
    }
    files.sort();
    let hash = files
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |hash, (name, mtime, size)| {
            let hash = fnv1a(hash, name.as_bytes());
            let hash = fnv1a(hash, &[0]);
            let hash = fnv1a(hash, &mtime.to_le_bytes());
            fnv1a(hash, &size.to_le_bytes())
        });
    i64::from_le_bytes(hash.to_le_bytes())
}

/// One FNV-1a step over `bytes` (start from `0xcbf2_9ce4_8422_2325`): a hash that is the
/// same in every build, for stamps that are stored.
pub fn fnv1a(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A path inside the library, '/'-separated; `""` for the root itself.
fn rel_path(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Vec<&str> = rel.iter().filter_map(|c| c.to_str()).collect();
    Some(parts.join("/"))
}

fn mtime_ns(meta: &fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// The record of one video file: its path inside the library, size, mtime and the
/// subtitle files beside it.
fn found_file(root: &Path, video: Plain, subtitles: &[String]) -> Option<FoundFile> {
    let meta = fs::metadata(&video.real).ok()?;
    Some(FoundFile {
        rel: rel_path(root, &video.path)?,
        abs: video.real,
        size: meta.len(),
        mtime_ns: mtime_ns(&meta),
        container: video.ext,
        sidecars: sidecars_for(&video.name, subtitles),
    })
}

fn extension(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

fn stem(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(s, _)| s)
}

fn sidecars_for(video: &str, subtitles: &[String]) -> Vec<Sidecar> {
    let video_stem = stem(video);
    let mut out: Vec<Sidecar> = subtitles
        .iter()
        .filter_map(|sub| {
            let sub_stem = stem(sub);
            let rest = sub_stem.strip_prefix(video_stem)?;
            if !rest.is_empty() && !rest.starts_with('.') {
                return None;
            }
            let tags: Vec<&str> = rest.split('.').filter(|t| !t.is_empty()).collect();
            let forced = tags.iter().any(|t| t.eq_ignore_ascii_case("forced"));
            let language = tags
                .iter()
                .find(|t| {
                    !t.eq_ignore_ascii_case("forced")
                        && !t.eq_ignore_ascii_case("sdh")
                        && (2..=3).contains(&t.len())
                })
                .map(|t| t.to_ascii_lowercase());
            Some(Sidecar {
                file: sub.clone(),
                format: extension(sub),
                language,
                forced,
            })
        })
        .collect();
    out.sort_by(|a, b| a.file.cmp(&b.file));
    out
}

/// A title from a file name: the stem, with dots and underscores read as spaces when
/// the name has no spaces of its own (`The.Film.2020.mkv` -> `The Film 2020`).
pub fn title_from_filename(name: &str) -> String {
    let s = stem(name);
    if s.contains(' ') {
        s.to_owned()
    } else {
        s.replace(['.', '_'], " ").trim().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sidecars_match_the_video_stem_with_tags() {
        let subs: Vec<String> = [
            "Film.srt",
            "Film.en.srt",
            "Film.fra.forced.ass",
            "Filmography.srt",
            "Other.vtt",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let found = sidecars_for("Film.mkv", &subs);
        let names: Vec<&str> = found.iter().map(|s| s.file.as_str()).collect();
        assert_eq!(names, ["Film.en.srt", "Film.fra.forced.ass", "Film.srt"]);
        assert_eq!(found[0].language.as_deref(), Some("en"));
        assert!(found[1].forced);
        assert_eq!(found[1].language.as_deref(), Some("fra"));
        assert_eq!(found[2].language, None);
    }

    #[test]
    fn titles_come_from_file_names() {
        assert_eq!(title_from_filename("The.Film.2020.mkv"), "The Film 2020");
        assert_eq!(title_from_filename("My Film (2020).mp4"), "My Film (2020)");
        assert_eq!(title_from_filename("home_video.avi"), "home video");
    }

    #[test]
    fn walking_skips_hidden_files_and_symlinks_leading_outside() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.mp4"), b"x").unwrap();
        let lib = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(lib.path().join("Shows/S1")).unwrap();
        std::fs::write(lib.path().join("Shows/S1/e1.MKV"), b"abc").unwrap();
        std::fs::write(lib.path().join("Shows/S1/e1.en.srt"), b"1").unwrap();
        std::fs::write(lib.path().join(".hidden.mp4"), b"x").unwrap();
        std::fs::write(lib.path().join("notes.txt"), b"x").unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("secret.mp4"),
            lib.path().join("escape.mp4"),
        )
        .unwrap();
        std::os::unix::fs::symlink(
            lib.path().join("Shows/S1/e1.MKV"),
            lib.path().join("alias.mkv"),
        )
        .unwrap();
        let exts: Vec<String> = ["mp4", "mkv"].iter().map(|s| s.to_string()).collect();
        let found = walk(lib.path(), &exts).unwrap();
        let rels: Vec<&str> = found.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, ["Shows/S1/e1.MKV", "alias.mkv"]);
        assert_eq!(found[0].size, 3);
        assert_eq!(found[0].container, "mkv");
        assert_eq!(found[0].sidecars.len(), 1);
    }

    fn write(root: &Path, rel: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, rel.as_bytes()).unwrap();
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn folders_list_their_artwork_and_nfo_files() {
        let outside = tempfile::tempdir().unwrap();
        write(outside.path(), "poster.jpg");
        let lib = tempfile::tempdir().unwrap();
        let root = lib.path();
        for rel in [
            "cover.jpg",
            "Shows/The Expanse/tvshow.nfo",
            "Shows/The Expanse/poster.jpg",
            "Shows/The Expanse/fanart.JPG",
            "Shows/The Expanse/season01-poster.png",
            "Shows/The Expanse/.poster.jpg",
            "Shows/The Expanse/._fanart.jpg",
            "Shows/The Expanse/notes.txt",
            "Shows/The Expanse/logo.gif",
            "Shows/The Expanse/Season 1/S01E01.mkv",
            "Shows/The Expanse/Season 1/S01E01.nfo",
            "Shows/The Expanse/Season 1/S01E01-thumb.jpg",
            "Shows/The Expanse/Season 1/S01E01.en.srt",
            "Shows/The Expanse/Season 2/S02E01.mkv",
            "Films/Alien (1979)/Alien.mkv",
            "Films/Alien (1979)/Alien.NFO",
            "Films/Alien (1979)/poster.webp",
            "Docs/readme.txt",
            ".hidden/poster.jpg",
            ".hidden/film.mkv",
        ] {
            write(root, rel);
        }
        std::fs::create_dir(root.join("Empty")).unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("poster.jpg"),
            root.join("Films/Alien (1979)/escape.jpg"),
        )
        .unwrap();
        std::os::unix::fs::symlink(
            root.join("Shows/The Expanse/poster.jpg"),
            root.join("Films/Alien (1979)/alias.png"),
        )
        .unwrap();
        std::os::unix::fs::symlink(root.join("Shows"), root.join("Films/shows.jpg")).unwrap();

        let found = walk_tree(root, &strings(&["mkv"])).unwrap();
        let keys: Vec<&str> = found.folders.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "",
                "Films/Alien (1979)",
                "Shows/The Expanse",
                "Shows/The Expanse/Season 1",
                "Shows/The Expanse/Season 2",
            ]
        );
        let folder = |rel: &str| &found.folders[rel];
        assert_eq!(folder("").images, ["cover.jpg"]);
        assert!(folder("").nfos.is_empty());
        let show = folder("Shows/The Expanse");
        assert_eq!(
            show.images,
            ["fanart.JPG", "poster.jpg", "season01-poster.png"]
        );
        assert_eq!(show.nfos, ["tvshow.nfo"]);
        assert_ne!(show.stamp, 0);
        let season = folder("Shows/The Expanse/Season 1");
        assert_eq!(season.images, ["S01E01-thumb.jpg"]);
        assert_eq!(season.nfos, ["S01E01.nfo"]);
        // A folder of videos alone is listed, with nothing beside them.
        assert_eq!(folder("Shows/The Expanse/Season 2"), &Folder::default());
        let film = folder("Films/Alien (1979)");
        assert_eq!(film.images, ["alias.png", "poster.webp"]);
        assert_eq!(film.nfos, ["Alien.NFO"]);

        // The files are what `walk` returns, sidecars and all.
        assert_eq!(found.files, walk(root, &strings(&["mkv"])).unwrap());
        let rels: Vec<&str> = found.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(
            rels,
            [
                "Films/Alien (1979)/Alien.mkv",
                "Shows/The Expanse/Season 1/S01E01.mkv",
                "Shows/The Expanse/Season 2/S02E01.mkv",
            ]
        );
        assert_eq!(found.files[1].sidecars.len(), 1);
    }

    #[test]
    fn the_stamp_changes_with_the_artwork_and_nfo_files() {
        use std::time::{Duration, SystemTime};
        let lib = tempfile::tempdir().unwrap();
        let root = lib.path();
        let base = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let set_mtime = |rel: &str, secs: u64| {
            let file = std::fs::File::options()
                .write(true)
                .open(root.join(rel))
                .unwrap();
            file.set_modified(base + Duration::from_secs(secs)).unwrap();
        };
        for (rel, secs) in [
            ("Film.mkv", 0),
            ("Film.nfo", 30),
            ("poster.jpg", 20),
            ("fanart.jpg", 10),
        ] {
            write(root, rel);
            set_mtime(rel, secs);
        }
        let exts = strings(&["mkv"]);
        let stamp = || walk_tree(root, &exts).unwrap().folders[""].stamp;
        let mut stamps = vec![stamp()];
        assert_ne!(stamps[0], 0);
        assert_eq!(stamp(), stamps[0], "unchanged files, same stamp");

        // The video is not part of it.
        set_mtime("Film.mkv", 100);
        assert_eq!(stamp(), stamps[0]);
        // The nfo edited (same size, newer), then only touched back in time.
        std::fs::write(root.join("Film.nfo"), b"Film.NFO").unwrap();
        set_mtime("Film.nfo", 40);
        stamps.push(stamp());
        set_mtime("Film.nfo", 5);
        stamps.push(stamp());
        // A poster that is not the newest file deleted.
        std::fs::remove_file(root.join("fanart.jpg")).unwrap();
        stamps.push(stamp());
        // Renamed: same time, same size, another meaning.
        std::fs::rename(root.join("poster.jpg"), root.join("folder.jpg")).unwrap();
        stamps.push(stamp());
        // Added.
        write(root, "poster.png");
        stamps.push(stamp());
        let mut distinct = stamps.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), stamps.len(), "{stamps:?}");

        // The last one gone: the folder stays listed for its video, stamp 0.
        for rel in ["Film.nfo", "folder.jpg", "poster.png"] {
            std::fs::remove_file(root.join(rel)).unwrap();
        }
        assert_eq!(stamp(), 0);
    }

    #[test]
    fn stamps_ignore_order_and_tell_files_apart() {
        let a = ("a.jpg".to_string(), 1, 2);
        let b = ("b.nfo".to_string(), 3, 4);
        assert_eq!(stamp(vec![]), 0);
        assert_eq!(
            stamp(vec![a.clone(), b.clone()]),
            stamp(vec![b.clone(), a.clone()])
        );
        assert_ne!(stamp(vec![a.clone()]), stamp(vec![a.clone(), b.clone()]));
        assert_ne!(stamp(vec![a.clone()]), stamp(vec![("a.jpg".into(), 1, 3)]));
        assert_ne!(stamp(vec![a]), stamp(vec![("a.jpg".into(), 2, 2)]));
    }
}
