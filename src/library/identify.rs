//! What each file of a library is: an episode of a series or a film, with the local
//! metadata and artwork found beside it.
//!
//! The path is read by [`naming::parse`]; a Kodi `.nfo` beside the file (`<name>.nfo`,
//! or `movie.nfo` in a film's own folder) overrides what the name says (title, year,
//! season and episode numbers, plot, genres, rating, dates); artwork is found by name
//! ([`artwork`]). A series is identified by its cleaned name and year within the
//! library, and described by the `tvshow.nfo` and the artwork of its folder and its
//! season folders. Everything read here is read beneath the library's root through
//! [`MediaFile::open_beneath`], so a symlink cannot lead it elsewhere, and at most
//! [`nfo::MAX_SIZE`] of it.

use super::naming::{self, Parsed};
use super::walk::{fnv1a, Folder};
use super::{artwork, nfo, MediaFile};
use crate::config::LibraryKind;
use crate::db::videos::{Identification, VideoKind};
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;
use uuid::Uuid;

/// The version of the rules files are identified by: raised when they change, so the
/// next scan identifies every file again (without probing it). 2: the stored sort and
/// search keys (migration 0007) are written by the application; 3: search text and
/// words of letters and digits (migration 0008).
const RULES: u32 = 3;

/// What one file is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Identity {
    pub kind: Option<VideoKind>,
    pub series: Option<SeriesName>,
    /// The episode's or film's title; `None` keeps the one from the file.
    pub title: Option<String>,
    pub original_title: Option<String>,
    pub year: Option<i32>,
    pub season: Option<i32>,
    pub episode: Option<i32>,
    pub episode_end: Option<i32>,
    pub plot: Option<String>,
    pub genres: Vec<String>,
    pub rating: Option<f64>,
    pub premiered: Option<String>,
    /// Library-relative paths of artwork (an episode's thumb is its poster).
    pub poster: Option<String>,
    pub backdrop: Option<String>,
    pub film_key: Option<String>,
    pub part: Option<i32>,
    pub version: Option<String>,
    /// The stamp of the nfo and artwork files this was read from.
    pub stamp: i64,
}

/// The series an episode belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SeriesName {
    /// The cleaned name lowercased, `|`, the year: identity within the library.
    pub key: String,
    pub title: String,
    pub year: Option<i32>,
    /// The series folder, library-relative, when the episodes have one.
    pub folder: Option<String>,
}

/// What a series folder says of its series.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeriesInfo {
    pub title: Option<String>,
    pub original_title: Option<String>,
    pub year: Option<i32>,
    pub plot: Option<String>,
    pub genres: Vec<String>,
    pub rating: Option<f64>,
    pub premiered: Option<String>,
    pub poster: Option<String>,
    pub backdrop: Option<String>,
    pub season_posters: BTreeMap<String, String>,
    pub stamp: i64,
}

/// A library's folders as the walk saw them, to identify its files from.
pub struct Shelf<'a> {
    pub root: &'a Path,
    pub kind: LibraryKind,
    pub folders: &'a BTreeMap<String, Folder>,
    /// The video file names in each folder.
    pub videos: &'a HashMap<String, Vec<String>>,
}

impl Shelf<'_> {
    /// The stamp of what decides what the file at `rel` is, besides its own name: the
    /// nfo and artwork files of its folder and of its series folder, the other videos
    /// of its folder (whether it has the folder to itself), the library's kind and
    /// [`RULES`]. A rescan identifies an unchanged file again only when this changed.
    pub fn stamp_of(&self, rel: &str) -> i64 {
        let (dir, _) = split(rel);
        let own = self.folders.get(dir).map_or(0, |f| f.stamp);
        let above = naming::series_folder(rel)
            .filter(|s| s != dir)
            .and_then(|s| self.folders.get(&s))
            .map_or(0, |f| f.stamp);
        let mut hash = 0xcbf2_9ce4_8422_2325;
        for n in [i64::from(RULES), own, above, self.kind as i64] {
            hash = fnv1a(hash, &n.to_le_bytes());
        }
        for name in self.videos.get(dir).into_iter().flatten() {
            hash = fnv1a(fnv1a(hash, name.as_bytes()), &[0]);
        }
        i64::from_le_bytes(hash.to_le_bytes())
    }

    /// What the file at `rel` is.
    pub fn identify(&self, rel: &str) -> Identity {
        let (dir, name) = split(rel);
        let stem = stem(name);
        let folder = self.folders.get(dir);
        let own_nfo = folder
            .and_then(|f| find(&f.nfos, &format!("{stem}.nfo")))
            .and_then(|n| self.read_nfo(&join(dir, &n)));
        let mut identity = match naming::parse(rel, naming_kind(self.kind)) {
            Parsed::Episode(e) => self.episode(rel, dir, stem, &e, folder),
            Parsed::Film(f) => self.film(dir, stem, &f, folder),
        };
        let nfo = own_nfo.or_else(|| {
            // movie.nfo speaks for the film that has the folder to itself.
            (identity.kind == Some(VideoKind::Film) && self.own_folder(dir))
                .then(|| folder.and_then(|f| find(&f.nfos, "movie.nfo")))
                .flatten()
                .and_then(|n| self.read_nfo(&join(dir, &n)))
        });
        if let Some(nfo) = nfo {
            apply_nfo(&mut identity, nfo);
        }
        identity.stamp = self.stamp_of(rel);
        identity
    }

    fn episode(
        &self,
        rel: &str,
        dir: &str,
        stem: &str,
        e: &naming::EpisodeName,
        folder: Option<&Folder>,
    ) -> Identity {
        let numbered = |n: Option<u32>| n.and_then(|n| i32::try_from(n).ok());
        let title_name = if e.series.is_empty() {
            "Unknown series".to_owned()
        } else {
            e.series.clone()
        };
        let year = e.series_year.map(i32::from);
        let series_folder = naming::series_folder(rel).filter(|f| {
            // A holding folder names the series only when its name is the series' name
            // (not `Downloads/The.Show.S01E01.mkv`).
            f != dir
                || naming::season_of_folder(last(f)).is_some()
                || simplified(last(f)).starts_with(&simplified(&e.series))
        });
        let episode = e.episode.or(e.absolute);
        Identity {
            kind: Some(VideoKind::Episode),
            series: Some(SeriesName {
                key: format!(
                    "{}|{}",
                    title_name.to_lowercase(),
                    year.map_or(String::new(), |y| y.to_string())
                ),
                title: title_name,
                year,
                folder: series_folder,
            }),
            title: e.title.clone().or_else(|| {
                numbered(episode).map(|n| match e.season {
                    Some(0) => format!("Special {n}"),
                    _ => format!("Episode {n}"),
                })
            }),
            season: numbered(e.season),
            episode: numbered(episode),
            episode_end: numbered(e.last_episode),
            poster: folder
                .and_then(|f| artwork::episode_thumb(&f.images, stem))
                .map(|n| join(dir, &n)),
            ..Identity::default()
        }
    }

    fn film(
        &self,
        dir: &str,
        stem: &str,
        f: &naming::FilmName,
        folder: Option<&Folder>,
    ) -> Identity {
        let art = folder
            .map(|fo| artwork::film(&fo.images, stem, self.own_folder(dir)))
            .unwrap_or_default();
        let year = f.year.map(i32::from);
        // Files of one film share a key: its title and year, or, without a year, its
        // folder too (two `video.mp4` in two folders are not one film). A file with
        // neither a year, a part nor a version label stands alone: `a.mp4` and `a.m4v`
        // side by side may be anything.
        let key = match (year, f.part.is_some() || f.version.is_some()) {
            (Some(year), _) => Some(format!("{}|{year}", f.title.to_lowercase())),
            (None, true) => Some(format!("{dir}|{}", f.title.to_lowercase())),
            (None, false) => None,
        };
        Identity {
            kind: Some(VideoKind::Film),
            title: Some(f.title.clone()).filter(|t| !t.is_empty()),
            year,
            poster: art.poster.map(|n| join(dir, &n)),
            backdrop: art.backdrop.map(|n| join(dir, &n)),
            film_key: key,
            part: f.part.and_then(|p| i32::try_from(p).ok()),
            version: f.version.clone(),
            ..Identity::default()
        }
    }

    /// Whether a folder holds the files of one film only (then its `poster.jpg` and
    /// `movie.nfo` are that film's).
    fn own_folder(&self, dir: &str) -> bool {
        if dir.is_empty() {
            return false;
        }
        let Some(names) = self.videos.get(dir) else {
            return false;
        };
        let mut keys =
            names.iter().map(
                |n| match naming::parse(&join(dir, n), naming_kind(self.kind)) {
                    Parsed::Film(f) => Some((f.title.to_lowercase(), f.year)),
                    Parsed::Episode(_) => None,
                },
            );
        let first = keys.next().flatten();
        first.is_some() && keys.all(|k| k == first)
    }

    /// What the folder of a series says of it: `tvshow.nfo`, its artwork, and the
    /// posters of its seasons (in the series folder or in each season folder).
    pub fn series_info(&self, folder: &str) -> SeriesInfo {
        let mut info = SeriesInfo::default();
        let Some(f) = self.folders.get(folder) else {
            return info;
        };
        info.stamp = f.stamp;
        if let Some(nfo) =
            find(&f.nfos, "tvshow.nfo").and_then(|n| self.read_nfo(&join(folder, &n)))
        {
            info.title = nfo.title;
            info.original_title = nfo.original_title;
            info.year = nfo.year;
            info.plot = nfo.plot;
            info.genres = nfo.genres;
            info.rating = nfo.rating.map(f64::from);
            info.premiered = nfo.premiered;
        }
        let art = artwork::series(&f.images);
        info.poster = art.poster.map(|n| join(folder, &n));
        info.backdrop = art.backdrop.map(|n| join(folder, &n));
        for (season, name) in art.seasons {
            info.season_posters
                .insert(season.to_string(), join(folder, &name));
        }
        let prefix = if folder.is_empty() {
            String::new()
        } else {
            format!("{folder}/")
        };
        for (path, sub) in self.folders.range(prefix.clone()..) {
            let Some(rest) = path.strip_prefix(&prefix) else {
                break;
            };
            if rest.is_empty() || rest.contains('/') {
                continue;
            }
            let Some(season) = naming::season_of_folder(rest) else {
                continue;
            };
            info.stamp = info.stamp.wrapping_mul(31).wrapping_add(sub.stamp);
            if let Some(poster) = artwork::season_folder(&sub.images) {
                info.season_posters
                    .entry(season.to_string())
                    .or_insert_with(|| join(path, &poster));
            }
        }
        info
    }

    fn read_nfo(&self, rel: &str) -> Option<nfo::Nfo> {
        let file = MediaFile::open_beneath(self.root, rel).ok()?;
        let mut bytes = Vec::new();
        (&**file.file())
            .take(nfo::MAX_SIZE as u64 + 1)
            .read_to_end(&mut bytes)
            .ok()?;
        nfo::parse(&bytes)
    }
}

fn apply_nfo(identity: &mut Identity, nfo: nfo::Nfo) {
    if nfo.title.is_some() {
        identity.title = nfo.title;
    }
    identity.original_title = nfo.original_title;
    if identity.kind == Some(VideoKind::Film) {
        identity.year = nfo.year.or(identity.year);
    } else {
        identity.season = nfo.season.or(identity.season);
        if nfo.episode.is_some() && nfo.episode != identity.episode {
            // The nfo numbers the episode otherwise: the name's range no longer holds.
            identity.episode_end = None;
        }
        identity.episode = nfo.episode.or(identity.episode);
    }
    identity.plot = nfo.plot;
    identity.genres = nfo.genres;
    identity.rating = nfo.rating.map(f64::from);
    identity.premiered = nfo.premiered;
}

fn naming_kind(kind: LibraryKind) -> naming::LibraryKind {
    match kind {
        LibraryKind::Shows => naming::LibraryKind::Shows,
        LibraryKind::Films => naming::LibraryKind::Films,
        LibraryKind::Mixed => naming::LibraryKind::Mixed,
    }
}

/// The folder ("" at the root) and the file name of a library-relative path.
fn split(rel: &str) -> (&str, &str) {
    rel.rsplit_once('/').unwrap_or(("", rel))
}

fn last(folder: &str) -> &str {
    folder.rsplit('/').next().unwrap_or(folder)
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

fn stem(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(s, _)| s)
}

/// A name listed in `names`, compared without case.
fn find(names: &[String], wanted: &str) -> Option<String> {
    names
        .iter()
        .find(|n| n.eq_ignore_ascii_case(wanted))
        .cloned()
}

/// Letters and digits only, lowercased: how a folder's and a series' names are compared.
fn simplified(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

impl Identity {
    /// The columns of a catalog row this sets, with the series' id and title.
    pub fn columns(&self, series: Option<(Uuid, String)>) -> Identification {
        let (series_id, series_title) = series.unzip();
        Identification {
            kind: self.kind.unwrap_or(VideoKind::Film),
            series_id,
            series_title,
            title: self.title.clone(),
            original_title: self.original_title.clone(),
            year: self.year,
            season: self.season,
            episode: self.episode,
            episode_end: self.episode_end,
            plot: self.plot.clone(),
            genres: self.genres.clone(),
            rating: self.rating,
            premiered: self.premiered.clone(),
            poster: self.poster.clone(),
            backdrop: self.backdrop.clone(),
            art_stamp: self.stamp,
            film_key: self.film_key.clone(),
            part: self.part,
            version: self.version.clone(),
        }
    }
}
