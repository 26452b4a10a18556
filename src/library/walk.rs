//! Walking a library folder: the media files in it, with their sizes, modification
//! times and sidecar subtitles. Nothing outside the library is ever returned: symlinks
//! are followed only to files that resolve inside it, and hidden entries are skipped.

use serde::{Deserialize, Serialize};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// Extensions of subtitle files kept beside videos.
const SUBTITLE_EXTENSIONS: [&str; 5] = ["srt", "vtt", "ass", "ssa", "sub"];

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

/// Lists the media files under `root` whose extension is in `extensions` (lowercase).
///
/// # Errors
/// When `root` itself cannot be read; unreadable entries below it are skipped.
pub fn walk(root: &Path, extensions: &[String]) -> std::io::Result<Vec<FoundFile>> {
    let root = fs::canonicalize(root)?;
    let mut found = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            tracing::warn!(dir = %dir.display(), "cannot read folder; skipped");
            continue;
        };
        let mut videos = Vec::new();
        let mut subtitles = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                tracing::warn!(path = %entry.path().display(), "name is not UTF-8; skipped");
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_dir() {
                dirs.push(path);
                continue;
            }
            // A symlink counts only when it resolves to a file inside the library.
            let real = if kind.is_symlink() {
                match fs::canonicalize(&path) {
                    Ok(real) if real.starts_with(&root) && real.is_file() => real,
                    _ => continue,
                }
            } else if kind.is_file() {
                path.clone()
            } else {
                continue;
            };
            let ext = extension(name);
            if SUBTITLE_EXTENSIONS.contains(&ext.as_str()) {
                subtitles.push(name.to_owned());
            } else if extensions.contains(&ext) {
                videos.push((name.to_owned(), path, real, ext));
            }
        }
        found.extend(videos.into_iter().filter_map(|(name, path, real, ext)| {
            found_file(&root, &name, &path, real, ext, &subtitles)
        }));
    }
    found.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(found)
}

/// The record of one video file: its path inside the library, size, mtime and the
/// subtitle files beside it.
fn found_file(
    root: &Path,
    name: &str,
    path: &Path,
    real: PathBuf,
    container: String,
    subtitles: &[String],
) -> Option<FoundFile> {
    let meta = fs::metadata(&real).ok()?;
    let rel = path.strip_prefix(root).ok()?;
    let rel: Vec<&str> = rel.iter().filter_map(|c| c.to_str()).collect();
    let mtime_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    Some(FoundFile {
        rel: rel.join("/"),
        abs: real,
        size: meta.len(),
        mtime_ns,
        container,
        sidecars: sidecars_for(name, subtitles),
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
}
