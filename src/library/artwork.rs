//! Which image files beside the videos are which artwork: posters, backdrops, season
//! posters and episode thumbnails, named the way Kodi and Jellyfin users (and
//! tinyMediaManager, Sonarr, Radarr) save them.
//!
//! Every function here reads names only, as [`super::walk::Walk::folders`] lists them
//! (no disk), so a table of names pins it down. Names match ignoring case; an image is a
//! `jpg`, `jpeg`, `png` or `webp` file ([`IMAGE_EXTENSIONS`]).
//!
//! # Preference
//! Candidates are tried in the order each function documents, most specific first
//! (`Alien-poster.jpg` before `poster.jpg`, `poster` before `folder` before `cover`).
//! When one name comes in several formats, the earlier extension in
//! [`IMAGE_EXTENSIONS`] wins (`jpg`, `jpeg`, `png`, `webp`); the name decides before the
//! format does, so `poster.png` beats `folder.jpg`. Names equal but for case are
//! settled by byte order, so the answer never depends on the order of `names`.

use super::walk::IMAGE_EXTENSIONS;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Season numbers read from file names (`season2024-poster.jpg` is a year season).
const MAX_SEASON: i32 = 9999;

/// A film's artwork: file names in its folder.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Art {
    pub poster: Option<String>,
    pub backdrop: Option<String>,
}

/// A series folder's artwork: file names in it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesArt {
    pub poster: Option<String>,
    pub backdrop: Option<String>,
    /// Season posters kept in the series folder, by season (0: specials).
    pub seasons: BTreeMap<i32, String>,
}

/// Artwork of a film, given the names in its folder, the film file's stem (its name
/// without the extension; for a film split in parts, pass the name without the part,
/// `Alien` for `Alien-cd1.mkv`, as Kodi does), and whether the folder holds only this
/// film (then the folder's own artwork is the film's).
///
/// - Poster: `<stem>-poster`, `<stem>`, then in its own folder `poster`, `folder`,
///   `cover`, `movie`.
/// - Backdrop: `<stem>-fanart`, `<stem>-backdrop`, then in its own folder `fanart`,
///   `backdrop`, `background`.
pub fn film(names: &[String], stem: &str, own_folder: bool) -> Art {
    let stem = stem.to_lowercase();
    let mut posters = vec![format!("{stem}-poster"), stem.clone()];
    let mut backdrops = vec![format!("{stem}-fanart"), format!("{stem}-backdrop")];
    if own_folder {
        posters.extend(["poster", "folder", "cover", "movie"].map(String::from));
        backdrops.extend(["fanart", "backdrop", "background"].map(String::from));
    }
    Art {
        poster: pick(names, &posters),
        backdrop: pick(names, &backdrops),
    }
}

/// Artwork of a series folder.
///
/// - Poster: `poster`, `folder`, `cover`.
/// - Backdrop: `fanart`, `backdrop`, `background`.
/// - Season posters: `season01-poster`, `season1-poster`, `season2024-poster`;
///   `season-specials-poster` and `season00-poster` are season 0 (`season-all-poster`
///   is no season's). Of two for one season, the extension order decides, then the
///   name.
pub fn series(names: &[String]) -> SeriesArt {
    let mut seasons: BTreeMap<i32, (usize, &String)> = BTreeMap::new();
    for name in names {
        let Some((base, ext)) = split(name) else {
            continue;
        };
        let Some(season) = season_poster(&base) else {
            continue;
        };
        let better = seasons
            .get(&season)
            .is_none_or(|&(rank, kept)| (ext, name) < (rank, kept));
        if better {
            seasons.insert(season, (ext, name));
        }
    }
    SeriesArt {
        poster: pick(names, &["poster", "folder", "cover"]),
        backdrop: pick(names, &["fanart", "backdrop", "background"]),
        seasons: seasons
            .into_iter()
            .map(|(season, (_, name))| (season, name.clone()))
            .collect(),
    }
}

/// The poster in a season folder: `poster`, `folder`, `cover`.
pub fn season_folder(names: &[String]) -> Option<String> {
    pick(names, &["poster", "folder", "cover"])
}

/// An episode's thumbnail, given the names in its folder and the episode file's stem:
/// `<stem>-thumb`, then `<stem>` (`Show S01E01-thumb.jpg`, `Show S01E01.png`).
pub fn episode_thumb(names: &[String], stem: &str) -> Option<String> {
    let stem = stem.to_lowercase();
    pick(names, &[format!("{stem}-thumb"), stem])
}

/// The image among `names` whose name (lowercased, without extension) is the earliest
/// of `bases` (lowercase); then by extension order, then by byte order.
fn pick<S: AsRef<str>>(names: &[String], bases: &[S]) -> Option<String> {
    names
        .iter()
        .filter_map(|name| {
            let (base, ext) = split(name)?;
            let rank = bases.iter().position(|b| b.as_ref() == base)?;
            Some(((rank, ext, name), name))
        })
        .min_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, name)| name.clone())
}

/// An image file's name, lowercased, without its extension, and the extension's rank in
/// [`IMAGE_EXTENSIONS`]; `None` for other files.
fn split(name: &str) -> Option<(String, usize)> {
    let (base, ext) = name.rsplit_once('.')?;
    let rank = IMAGE_EXTENSIONS
        .iter()
        .position(|e| e.eq_ignore_ascii_case(ext))?;
    Some((base.to_lowercase(), rank))
}

/// The season of a season poster's lowercased base name (`season01-poster`).
fn season_poster(base: &str) -> Option<i32> {
    let season = base.strip_prefix("season")?.strip_suffix("-poster")?;
    if season == "-specials" {
        return Some(0);
    }
    if season.is_empty() || season.len() > 4 || !season.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    season.parse().ok().filter(|n| (0..=MAX_SEASON).contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn s(name: &str) -> Option<String> {
        Some(name.to_owned())
    }

    #[test]
    fn film_artwork() {
        // (names in the folder, stem, own folder, poster, backdrop)
        type Case<'a> = (
            &'a [&'a str],
            &'a str,
            bool,
            Option<&'a str>,
            Option<&'a str>,
        );
        let cases: &[Case] = &[
            (&[], "Alien (1979)", true, None, None),
            (
                &[
                    "Alien (1979).mkv",
                    "Alien (1979)-poster.jpg",
                    "Alien (1979)-fanart.jpg",
                ],
                "Alien (1979)",
                false,
                Some("Alien (1979)-poster.jpg"),
                Some("Alien (1979)-fanart.jpg"),
            ),
            (
                // The film's own names beat the folder's.
                &[
                    "poster.jpg",
                    "alien (1979).PNG",
                    "fanart.jpg",
                    "Alien (1979)-backdrop.webp",
                ],
                "Alien (1979)",
                true,
                Some("alien (1979).PNG"),
                Some("Alien (1979)-backdrop.webp"),
            ),
            (
                // In a folder of several films, the folder's artwork is no film's.
                &["poster.jpg", "folder.jpg", "fanart.jpg", "Heat.jpg"],
                "Alien",
                false,
                None,
                None,
            ),
            (
                &["cover.jpg", "folder.jpg", "background.png", "backdrop.png"],
                "Alien",
                true,
                Some("folder.jpg"),
                Some("backdrop.png"),
            ),
            (
                // The name decides before the format does.
                &[
                    "folder.jpg",
                    "POSTER.PNG",
                    "movie.jpg",
                    "Fanart.webp",
                    "backdrop.jpg",
                ],
                "Alien",
                true,
                Some("POSTER.PNG"),
                Some("Fanart.webp"),
            ),
            (
                &[
                    "poster.webp",
                    "poster.png",
                    "poster.jpeg",
                    "poster.JPG",
                    "movie.jpg",
                ],
                "Alien",
                true,
                Some("poster.JPG"),
                None,
            ),
            (
                // Not images, or not quite the name.
                &[
                    "poster.gif",
                    "poster.jpg.part",
                    "poster",
                    "Alien-poster2.jpg",
                    "Alien.nfo",
                ],
                "Alien",
                true,
                None,
                None,
            ),
            (
                &[
                    "The.Film.2020.1080p-poster.jpg",
                    "the.film.2020.1080p-fanart.jpg",
                ],
                "The.Film.2020.1080p",
                false,
                Some("The.Film.2020.1080p-poster.jpg"),
                Some("the.film.2020.1080p-fanart.jpg"),
            ),
            (&["movie.jpg"], "Alien", true, Some("movie.jpg"), None),
        ];
        for (list, stem, own, poster, backdrop) in cases {
            let art = film(&names(list), stem, *own);
            assert_eq!(art.poster.as_deref(), *poster, "{list:?}");
            assert_eq!(art.backdrop.as_deref(), *backdrop, "{list:?}");
        }
    }

    #[test]
    fn the_choice_does_not_depend_on_the_order_of_names() {
        let mut list = names(&["Poster.jpg", "poster.jpg", "POSTER.jpg", "poster.png"]);
        let first = film(&list, "x", true).poster;
        list.reverse();
        assert_eq!(film(&list, "x", true).poster, first);
        assert_eq!(first.as_deref(), Some("POSTER.jpg"));
    }

    #[test]
    fn series_artwork() {
        let list = names(&[
            "tvshow.nfo",
            "folder.jpg",
            "poster.jpg",
            "banner.jpg",
            "fanart.jpg",
            "background.jpg",
            "clearlogo.png",
            "season01-poster.jpg",
            "season1-poster.png",
            "Season02-Poster.PNG",
            "season10-poster.jpg",
            "season2024-poster.webp",
            "season-specials-poster.jpg",
            "season-all-poster.jpg",
            "season03-banner.jpg",
            "season04-fanart.jpg",
            "season05.jpg",
            "season-poster.jpg",
            "season12345-poster.jpg",
            "season-1-poster.jpg",
            "season1x-poster.jpg",
        ]);
        let art = series(&list);
        assert_eq!(art.poster, s("poster.jpg"));
        assert_eq!(art.backdrop, s("fanart.jpg"));
        let seasons: Vec<(i32, &str)> = art
            .seasons
            .iter()
            .map(|(n, name)| (*n, name.as_str()))
            .collect();
        assert_eq!(
            seasons,
            [
                (0, "season-specials-poster.jpg"),
                (1, "season01-poster.jpg"),
                (2, "Season02-Poster.PNG"),
                (10, "season10-poster.jpg"),
                (2024, "season2024-poster.webp"),
            ]
        );
    }

    #[test]
    fn season_posters_of_one_season_are_settled_by_format_then_name() {
        let art = series(&names(&[
            "season00-poster.png",
            "season-specials-poster.png",
        ]));
        assert_eq!(
            art.seasons.get(&0).map(String::as_str),
            Some("season-specials-poster.png")
        );
        let art = series(&names(&["season1-poster.png", "season01-poster.webp"]));
        assert_eq!(
            art.seasons.get(&1).map(String::as_str),
            Some("season1-poster.png")
        );
        let art = series(&names(&["season1-poster.jpg", "season01-poster.jpg"]));
        assert_eq!(
            art.seasons.get(&1).map(String::as_str),
            Some("season01-poster.jpg")
        );
        assert_eq!(series(&[]), SeriesArt::default());
    }

    #[test]
    fn season_folder_artwork() {
        let cases: &[(&[&str], Option<&str>)] = &[
            (&[], None),
            (&["S01E01.mkv", "S01E01-thumb.jpg"], None),
            (&["cover.jpg", "folder.png"], Some("folder.png")),
            (&["Cover.JPEG", "fanart.jpg"], Some("Cover.JPEG")),
            (
                &["folder.jpg", "poster.webp", "cover.jpg"],
                Some("poster.webp"),
            ),
        ];
        for (list, expected) in cases {
            assert_eq!(
                season_folder(&names(list)).as_deref(),
                *expected,
                "{list:?}"
            );
        }
    }

    #[test]
    fn episode_thumbnails() {
        let stem = "The Expanse S01E01 Dulcinea";
        let cases: &[(&[&str], Option<&str>)] = &[
            (&[], None),
            (&["The Expanse S01E01 Dulcinea.mkv", "poster.jpg"], None),
            (
                &[
                    "The Expanse S01E01 Dulcinea.jpg",
                    "The Expanse S01E01 Dulcinea-thumb.png",
                ],
                Some("The Expanse S01E01 Dulcinea-thumb.png"),
            ),
            (
                &[
                    "the expanse s01e01 dulcinea.WEBP",
                    "The Expanse S01E01 Dulcinea.png",
                ],
                Some("The Expanse S01E01 Dulcinea.png"),
            ),
            (
                &[
                    "The Expanse S01E02 Dulcinea-thumb.jpg",
                    "The Expanse S01E01 Dulcinea-fanart.jpg",
                ],
                None,
            ),
        ];
        for (list, expected) in cases {
            assert_eq!(
                episode_thumb(&names(list), stem).as_deref(),
                *expected,
                "{list:?}"
            );
        }
    }
}
