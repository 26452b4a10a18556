//! Reading what a media file is from its path in a library: an episode of a series or
//! a film, named the way Jellyfin, Plex and Kodi users name them.
//!
//! [`parse`] reads text only (no disk, no clock), so the scanner can call it on every
//! file and a table of real-world names pins it down. It never panics: numbers are read
//! with checks, and every cut in a name falls on an ASCII character.
//!
//! # Episodes
//! - A *season folder* is `Season 1`, `Season 01`, `S01`, `Series 2`, `Season 2020`
//!   (also `Saison`, `Staffel`, `Temporada`, `Stagione`), optionally followed by a
//!   bracket or ` - …`; `Specials` is season 0. The deepest one counts, and the folder
//!   above it is the *series folder*.
//! - An *episode marker* in the file name, looked for in this order: `S01E02` (also
//!   `s1e2`, `S01xE02`, `S01.E02`, year seasons `S2009E02`), `Season 1 Episode 2`,
//!   `1x02`, then an air date `2020-03-04` (or with dots or underscores). More episodes
//!   may follow (`E03`, `-E03`, `-03`, `-S01E03`, `x03`): one file covering the first
//!   to the last. The season of a marker beats the season folder's, except for air
//!   dates, whose season is the folder's, else the date's year, and whose episode
//!   number is unknown (the date itself is not kept).
//! - Without a marker, a file in a season folder is an episode of that season; its
//!   number, if any, is a leading `02 - Title`, `Episode 16`, `Ep 16`, `E16`, or
//!   `Show - 16` (after the series name is skipped). No number: episode unknown.
//! - Anywhere else, `Show - 12` (`[Group] Show - 012 [1080p]`, `- 12v2`) is an
//!   absolute episode number with the season unknown (anime). In a mixed library it is
//!   not taken when a bracketed year sits beside it (`Alien (1979) - 2` is a film).
//! - Only in a shows library, a file directly in a folder is also an episode when it
//!   has a bare number (`Show/12.mkv`, `Show/Episode 5.mkv`), season unknown. One
//!   without any number is read as a film, for the caller to decide (an extra, a
//!   trailer): numbering an episode from nothing would be a guess.
//! - The series: the series folder when there is one; otherwise the text before the
//!   marker, unless it is empty or the start of the holding folder's name, then that
//!   folder (`The Office (US)/The Office - S01E01` is "The Office (US)"); else empty.
//! - The title: the text after the marker or number, cleaned; `None` when nothing
//!   meaningful is left (`.720p.HDTV.x264-GRP`).
//!
//! # Films
//! - `Title (Year)`, `Title [Year]`, `Title.Year.1080p.BluRay.x264-GRP`: the last year
//!   that is not the whole title (`2001 A Space Odyssey (1968)`, `1917`). A bare year
//!   between spaces counts only when release tags follow it (`Alien 1979 1080p`), so
//!   `Blade Runner 2049` keeps its number.
//! - A trailing `-cd1`, ` cd 2`, `.part1`, `pt2`, `disc1`, `dvd1` is a part; `Part 2`
//!   with a space is a title (`… Part 1 (2010)` are sequels, not halves of a file).
//! - `Title (Year) - Label` is a version labelled "Label" ("1080p", "4K", "Director's
//!   Cut"), as is `Title - Label` in a folder named `Title (Year)`, and Plex's
//!   `{edition-Label}`.
//! - A folder whose name carries a year names the film of a file without a year
//!   (`Alien (1979)/Alien.mkv`, `Alien.1979.1080p.BluRay-GRP/grp-alien.mkv`). A folder
//!   without a year is taken for a collection and ignored.
//!
//! # Cleaning a name
//! Dots and underscores become spaces when the name has no spaces (a release name;
//! runs of single letters are kept as initials, `S.H.I.E.L.D.`); `[…]` and `{…}` are
//! dropped; everything from the first release tag on (resolution, source, codec, HDR,
//! `PROPER`, `x264-GRP`) is cut; whitespace is collapsed; a year at the end (films:
//! anywhere but the start) becomes the year, when within 1900..=2100.

use std::ops::RangeInclusive;

/// What a library holds, as configured: it settles names that could be either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LibraryKind {
    /// Series: episode readings are preferred, numbered files in a folder are episodes.
    Shows,
    /// Films: nothing is an episode.
    Films,
    /// Both: each file is decided by its own name and folders.
    #[default]
    Mixed,
}

/// What a file is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Parsed {
    Episode(EpisodeName),
    Film(FilmName),
}

/// An episode (or several, in one file) of a series.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct EpisodeName {
    /// The series' name, cleaned; empty when neither folders nor file name give one.
    pub series: String,
    /// The year in the series' name (`Doctor Who (2005)`), telling remakes apart.
    pub series_year: Option<u16>,
    /// 0 for specials; a year for year-numbered seasons; `None` when unknown.
    pub season: Option<u32>,
    /// The (first) episode in the season; `None` when unknown or absolute.
    pub episode: Option<u32>,
    /// The last episode of a file covering several, numbered like the first (the
    /// season's episodes, or absolute ones); `None` for a single episode.
    pub last_episode: Option<u32>,
    /// The episode's number across all seasons (anime), when that is all there is.
    pub absolute: Option<u32>,
    /// The episode's own title.
    pub title: Option<String>,
}

/// A film, or one part or version of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FilmName {
    /// The title, cleaned; never empty unless the path is.
    pub title: String,
    pub year: Option<u16>,
    /// Which part of a film split over several files (`-cd2` is 2), as numbered.
    pub part: Option<u32>,
    /// What tells this file from others of the same film ("1080p", "Director's Cut").
    pub version: Option<String>,
}

/// Reads what the file at `path` ('/'-separated, relative to the library root, with
/// its extension) is, in a library of `kind`.
pub fn parse(path: &str, kind: LibraryKind) -> Parsed {
    let place = Place::new(path);
    if kind != LibraryKind::Films {
        if let Some(found) = marked(&place)
            .or_else(|| in_season(&place))
            .or_else(|| loose(&place, kind))
        {
            return Parsed::Episode(place.episode(found));
        }
    }
    Parsed::Film(film(&place))
}

/// The season a folder's name gives (`Season 01`, `S1`, `Specials` is 0), if it is a
/// season folder.
pub fn season_of_folder(name: &str) -> Option<u32> {
    season_folder(name)
}

/// The folder that may name the series of an episode at `path`: the one above its
/// deepest season folder, else the folder holding it; '/'-separated, library-relative.
/// `None` for a file at the root (or directly in a season folder at the root).
pub fn series_folder(path: &str) -> Option<String> {
    let place = Place::new(path);
    let depth = match place.season {
        Some((at, _)) => at,
        None => place.dirs.len(),
    };
    (depth > 0).then(|| place.dirs[..depth].join("/"))
}

/// Season and episode numbers above this are noise (ids, hashes), not numbers.
const MAX_NUMBER: u32 = 10_000;

/// Years a title may carry; also the seasons of year-numbered shows.
const YEARS: RangeInclusive<u32> = 1900..=2100;

/// Words that open a season folder's name, before its number.
const SEASON_WORDS: [&str; 7] = [
    "season",
    "series",
    "saison",
    "staffel",
    "temporada",
    "stagione",
    "s",
];

/// Words before a bare episode number, longest first.
const EPISODE_WORDS: [&[u8]; 3] = [b"episode", b"ep", b"e"];

/// Words before a film's part number.
const PART_WORDS: [&str; 6] = ["part", "pt", "cd", "dvd", "disc", "disk"];

/// Release tags, lowercase: where a name stops being a name.
const TAGS: &[&str] = &[
    "4k", "8k", "uhd", "web-dl", "webdl", "webrip", "web-rip", "bluray", "blu-ray", "bdrip",
    "brrip", "bdremux", "remux", "hdtv", "pdtv", "sdtv", "dvdrip", "dvd-rip", "dvdscr", "hdrip",
    "x264", "x265", "h264", "h265", "h.264", "h.265", "hevc", "avc", "xvid", "divx", "av1",
    "10bit", "8bit", "hi10p", "aac", "ac3", "eac3", "dts", "dts-hd", "truehd", "atmos", "flac",
    "ddp", "dd+", "hdr", "hdr10", "hdr10+", "dv", "dovi", "proper", "repack", "rerip", "internal",
    "amzn", "nf", "dsnp", "atvp", "hmax",
];

/// Resolutions, written `<lines>p` or `<lines>i`.
const LINES: &[&str] = &[
    "240", "360", "480", "540", "576", "720", "1080", "1440", "2160", "4320",
];

/// Audio codecs that come with their channels glued on (`DD5.1`, `AAC2.0`, `DDP5`).
const AUDIO: &[&str] = &[
    "aac", "dd", "ddp", "dts", "eac", "truehd", "flac", "opus", "lpcm", "atmos",
];

/// A path cut into what the parser looks at.
struct Place<'a> {
    /// The folders, outermost first, without empty or `.` segments.
    dirs: Vec<&'a str>,
    /// The file name without its extension.
    stem: &'a str,
    /// The deepest season folder: its index in `dirs`, and its season.
    season: Option<(usize, u32)>,
}

impl<'a> Place<'a> {
    fn new(path: &'a str) -> Self {
        let mut dirs: Vec<&str> = path
            .split('/')
            .map(str::trim)
            .filter(|s| !s.is_empty() && *s != ".")
            .collect();
        let file = dirs.pop().unwrap_or_default();
        let season = dirs
            .iter()
            .enumerate()
            .rev()
            .find_map(|(at, dir)| season_folder(dir).map(|n| (at, n)));
        Self {
            dirs,
            stem: strip_extension(file),
            season,
        }
    }

    fn season_number(&self) -> Option<u32> {
        self.season.map(|(_, n)| n)
    }

    /// The folder above the season folder, which names the series.
    fn series_folder(&self) -> Option<&'a str> {
        let (at, _) = self.season?;
        at.checked_sub(1).map(|i| self.dirs[i])
    }

    /// The folder holding the file, unless that is a season folder (or inside one).
    fn parent(&self) -> Option<&'a str> {
        match self.season {
            Some(_) => None,
            None => self.dirs.last().copied(),
        }
    }

    /// The series of an episode whose file name has `prefix` before its number.
    fn series(&self, prefix: &str) -> Cleaned {
        if let Some(folder) = self.series_folder() {
            return clean(folder, SERIES_FOLDER);
        }
        let from_file = clean(prefix, SERIES_FILE);
        let Some(parent) = self.parent() else {
            return from_file;
        };
        let folder = clean(parent, SERIES_FOLDER);
        if from_file.name.is_empty() || after_name(&folder.name, 0, &from_file.name).is_some() {
            Cleaned {
                year: folder.year.or(from_file.year),
                ..folder
            }
        } else {
            from_file
        }
    }

    fn episode(&self, found: Found) -> EpisodeName {
        let series = self.series(found.prefix);
        EpisodeName {
            series: series.name,
            series_year: series.year,
            season: found.season,
            episode: found.episode,
            last_episode: found.last,
            absolute: found.absolute,
            title: title_of(found.rest),
        }
    }
}

/// The file name without its extension: a last `.xxx` of 1 to 5 ASCII letters and
/// digits, at least one a letter (so `Title.2019` keeps its year).
fn strip_extension(file: &str) -> &str {
    match file.rsplit_once('.') {
        Some((stem, ext))
            if !stem.is_empty()
                && (1..=5).contains(&ext.len())
                && ext.bytes().all(|c| c.is_ascii_alphanumeric())
                && ext.bytes().any(|c| c.is_ascii_alphabetic()) =>
        {
            stem
        }
        _ => file,
    }
}

/// The season of a season folder's name (`Season 01`, `S1`, `Specials`), if it is one.
fn season_folder(name: &str) -> Option<u32> {
    let lower = name.trim().to_ascii_lowercase();
    if matches!(lower.as_str(), "specials" | "special") {
        return Some(0);
    }
    SEASON_WORDS
        .iter()
        .find_map(|word| numbered_folder(&lower, word))
}

/// `word` then a number, then nothing but a bracket or a dash: `Series 7: The
/// Contenders` is a film's folder, `Season 1 (2005)` a season's.
fn numbered_folder(lower: &str, word: &str) -> Option<u32> {
    let rest = lower
        .strip_prefix(word)?
        .trim_start_matches([' ', '.', '_', '-']);
    let (n, end) = number_at(rest.as_bytes(), 0)?;
    let tail = rest[end..].trim_start();
    (tail.is_empty() || tail.starts_with(['(', '[', '-'])).then_some(n)
}

/// What was found in a file name, before the series and the title are cleaned.
#[derive(Debug, Default)]
struct Found<'a> {
    /// The text before the number: where a series' name may be.
    prefix: &'a str,
    /// The text after it: where the episode's title may be.
    rest: &'a str,
    season: Option<u32>,
    episode: Option<u32>,
    last: Option<u32>,
    absolute: Option<u32>,
}

/// An episode marker (`S01E02`, `1x02`, an air date) in a file name.
#[derive(Debug, Clone, Copy)]
struct Marker {
    start: usize,
    end: usize,
    season: u32,
    episode: Option<u32>,
    last: Option<u32>,
    /// An air date, whose season yields to the season folder's.
    dated: bool,
}

impl Marker {
    fn numbered(start: usize, end: usize, season: u32, episode: u32, last: Option<u32>) -> Self {
        Self {
            start,
            end,
            season,
            episode: Some(episode),
            last,
            dated: false,
        }
    }
}

/// Reads one kind of marker starting at a byte of the file name.
type Scanner = fn(&[u8], usize) -> Option<Marker>;

/// The kinds of marker, most telling first: a name with `S01E02` and a date is read
/// by its `S01E02` wherever each stands.
const SCANNERS: [Scanner; 4] = [season_episode, season_episode_words, cross, air_date];

/// An episode from a marker in the file name.
fn marked<'a>(place: &Place<'a>) -> Option<Found<'a>> {
    let stem = place.stem;
    let m = find_marker(stem)?;
    let season = match m.dated {
        true => place.season_number().unwrap_or(m.season),
        false => m.season,
    };
    Some(Found {
        prefix: &stem[..m.start],
        rest: &stem[m.end..],
        season: Some(season),
        episode: m.episode,
        last: m.last,
        absolute: None,
    })
}

/// The leftmost marker of the most telling kind found, each starting at a word.
fn find_marker(stem: &str) -> Option<Marker> {
    let b = stem.as_bytes();
    SCANNERS.iter().find_map(|scan| {
        (0..b.len())
            .filter(|&i| boundary_before(b, i))
            .find_map(|i| scan(b, i))
    })
}

/// `S01E02`, `s1e2`, `S01xE02`, `S01.E02`, `S2009E02`, and following episodes.
fn season_episode(b: &[u8], i: usize) -> Option<Marker> {
    if !matches!(b.get(i), Some(b's' | b'S')) {
        return None;
    }
    let (season, mut j) = number_at(b, i + 1)?;
    if matches!(b.get(j), Some(b'.' | b' ' | b'_' | b'-' | b'x' | b'X')) {
        j += 1;
    }
    if !matches!(b.get(j), Some(b'e' | b'E')) {
        return None;
    }
    let (episode, j) = number_at(b, j + 1)?;
    let (last, end) = more_episodes(b, j, episode, Some(season));
    Some(Marker::numbered(i, end, season, episode, last))
}

/// `Season 1 Episode 2`, `season.1.ep.2`.
fn season_episode_words(b: &[u8], i: usize) -> Option<Marker> {
    if !at_word(b, i, b"season") {
        return None;
    }
    let (season, j) = number_at(b, skip(b, i + 6, is_gap))?;
    let j = skip(b, j, is_gap);
    let word = EPISODE_WORDS.into_iter().find(|w| at_word(b, j, w))?;
    let (episode, j) = number_at(b, skip(b, j + word.len(), is_gap))?;
    let (last, end) = more_episodes(b, j, episode, Some(season));
    Some(Marker::numbered(i, end, season, episode, last))
}

/// `1x02` (Kodi's): at most 2 digits of season and 3 of episode, so `1920x1080` is
/// a resolution.
fn cross(b: &[u8], i: usize) -> Option<Marker> {
    let (season, j) = number_at(b, i)?;
    if j - i > 2 || !matches!(b.get(j), Some(b'x' | b'X')) {
        return None;
    }
    let (episode, k) = number_at(b, j + 1)?;
    if k - (j + 1) > 3 {
        return None;
    }
    let (last, end) = more_episodes(b, k, episode, None);
    (!is_alnum_at(b, end)).then(|| Marker::numbered(i, end, season, episode, last))
}

/// An air date, `2020-03-04`, `2020.03.04` or `2020_03_04`, of a daily show.
fn air_date(b: &[u8], i: usize) -> Option<Marker> {
    let (year, j) = number_at(b, i)?;
    let sep = *b.get(j)?;
    if j - i != 4 || !YEARS.contains(&year) || !matches!(sep, b'-' | b'.' | b'_') {
        return None;
    }
    let (month, k) = two_digits(b, j + 1)?;
    if b.get(k) != Some(&sep) {
        return None;
    }
    let (day, end) = two_digits(b, k + 1)?;
    let valid = (1..=12).contains(&month) && (1..=31).contains(&day);
    valid.then_some(Marker {
        start: i,
        end,
        season: year,
        episode: None,
        last: None,
        dated: true,
    })
}

fn two_digits(b: &[u8], at: usize) -> Option<(u32, usize)> {
    let (n, end) = number_at(b, at)?;
    (end - at == 2).then_some((n, end))
}

/// The episodes following a first one (`E24`, `-E24`, `-24`, `-S01E24`, `x24`) in a
/// file covering several: the last one, if above `first`, and where they end.
fn more_episodes(b: &[u8], at: usize, first: u32, season: Option<u32>) -> (Option<u32>, usize) {
    let (mut last, mut end) = (first, at);
    while let Some((n, next)) = next_episode(b, end, season) {
        if n <= last {
            break;
        }
        (last, end) = (n, next);
    }
    ((last > first).then_some(last), end)
}

/// One following episode. A bare `-24` has at most 3 digits and ends a word, so
/// `S01E02-720p` is not episodes 2 to 720.
fn next_episode(b: &[u8], at: usize, season: Option<u32>) -> Option<(u32, usize)> {
    let dashed = b.get(at) == Some(&b'-');
    let at = at + usize::from(dashed);
    match *b.get(at)? {
        b'e' | b'E' => number_at(b, at + 1),
        b'x' | b'X' if !dashed => number_at(b, at + 1),
        b's' | b'S' => {
            let (s, e) = number_at(b, at + 1)?;
            if Some(s) != season || !matches!(b.get(e), Some(b'e' | b'E')) {
                return None;
            }
            number_at(b, e + 1)
        }
        c if dashed && c.is_ascii_digit() => {
            let (n, end) = number_at(b, at)?;
            (end - at <= 3 && !is_alnum_at(b, end)).then_some((n, end))
        }
        _ => None,
    }
}

/// An episode in a season folder whose file has no marker: numbered if it can be.
fn in_season<'a>(place: &Place<'a>) -> Option<Found<'a>> {
    let season = Some(place.season_number()?);
    let stem = place.stem;
    let series = place
        .series_folder()
        .map(|f| clean(f, SERIES_FOLDER).name)
        .unwrap_or_default();
    Some(match numbered(stem, &series) {
        Some(n) => n.found(stem, season, false),
        None => {
            let at = after_name(stem, skip_brackets(stem), &series).unwrap_or(0);
            Found {
                prefix: &stem[..at],
                rest: &stem[at..],
                season,
                ..Found::default()
            }
        }
    })
}

/// An episode outside season folders without a marker: `Show - 12` (absolute), and in
/// a shows library a bare number in a series folder.
fn loose<'a>(place: &Place<'a>, kind: LibraryKind) -> Option<Found<'a>> {
    let stem = place.stem;
    let dashed = dashed_number(stem.as_bytes(), skip_brackets(stem)).filter(|n| {
        let (prefix, rest) = (&stem[..n.start], &stem[n.end..]);
        has_alnum(prefix)
            && (kind == LibraryKind::Shows || !(ends_with_year(prefix) || starts_with_year(rest)))
    });
    if let Some(n) = dashed {
        return Some(n.found(stem, None, true));
    }
    if kind != LibraryKind::Shows {
        return None;
    }
    let series = clean(place.parent()?, SERIES_FOLDER).name;
    numbered(stem, &series).map(|n| n.found(stem, None, n.dashed))
}

/// A bare episode number in a file name without a marker.
#[derive(Debug, Clone, Copy)]
struct Numbered {
    first: u32,
    last: Option<u32>,
    start: usize,
    end: usize,
    /// Written `Show - 12`, the way absolute numbers are.
    dashed: bool,
}

impl Numbered {
    fn found(self, stem: &str, season: Option<u32>, absolute: bool) -> Found<'_> {
        Found {
            prefix: &stem[..self.start],
            rest: &stem[self.end..],
            season,
            episode: (!absolute).then_some(self.first),
            last: self.last,
            absolute: absolute.then_some(self.first),
        }
    }
}

/// The number of `02 - Title`, `Episode 16`, `E16` or `Show - 16`, once `[Group]`s and
/// the series' name are skipped.
fn numbered(stem: &str, series: &str) -> Option<Numbered> {
    let b = stem.as_bytes();
    let from = skip_brackets(stem);
    let at = after_name(stem, from, series).unwrap_or(from);
    leading_number(b, at)
        .or_else(|| episode_word(b, at))
        .or_else(|| dashed_number(b, at))
}

/// A number of at most 3 digits opening the text, maybe after a dash: `02 - Title`,
/// `01-02`, `- 05`.
fn leading_number(b: &[u8], at: usize) -> Option<Numbered> {
    let at = skip(b, at, is_blank_or_dot);
    let dashed = b.get(at) == Some(&b'-');
    let start = skip(b, at + usize::from(dashed), is_blank_or_dot);
    let (first, end) = number_at(b, start)?;
    if end - start > 3 {
        return None;
    }
    let (last, end) = more_episodes(b, end, first, None);
    (!is_alnum_at(b, end)).then_some(Numbered {
        first,
        last,
        start,
        end,
        dashed,
    })
}

/// `Episode 16`, `Ep.16`, `E16`, starting a word anywhere from `from`.
fn episode_word(b: &[u8], from: usize) -> Option<Numbered> {
    (from..b.len())
        .filter(|&i| boundary_before(b, i))
        .find_map(|i| {
            EPISODE_WORDS.into_iter().find_map(|word| {
                if !at_word(b, i, word) {
                    return None;
                }
                let j = i + word.len();
                let j = if word.len() > 1 {
                    skip(b, j, is_blank_or_dot)
                } else {
                    j
                };
                let (first, end) = number_at(b, j)?;
                let (last, end) = more_episodes(b, end, first, None);
                Some(Numbered {
                    first,
                    last,
                    start: i,
                    end,
                    dashed: false,
                })
            })
        })
}

/// `Show - 12`, `Show - 012 [1080p]`, `Show - 12v2`: a number after a spaced dash,
/// ending a word, and not a year.
fn dashed_number(b: &[u8], from: usize) -> Option<Numbered> {
    (from..b.len())
        .filter(|&i| {
            b[i] == b'-'
                && i > 0
                && is_blank(b[i - 1])
                && b.get(i + 1).is_some_and(|&c| is_blank(c))
        })
        .find_map(|dash| dashed_at(b, dash))
}

fn dashed_at(b: &[u8], dash: usize) -> Option<Numbered> {
    let start = skip(b, dash + 1, is_blank);
    let (first, end) = number_at(b, start)?;
    let digits = end - start;
    if digits > 4 || (digits == 4 && YEARS.contains(&first)) {
        return None;
    }
    let end = skip_revision(b, end);
    let (last, end) = more_episodes(b, end, first, None);
    (!is_alnum_at(b, end)).then_some(Numbered {
        first,
        last,
        start: dash,
        end,
        dashed: true,
    })
}

/// Past a release's revision (`v2`) after an episode number.
fn skip_revision(b: &[u8], at: usize) -> usize {
    let revised =
        matches!(b.get(at), Some(b'v' | b'V')) && b.get(at + 1).is_some_and(u8::is_ascii_digit);
    match revised {
        true => skip(b, at + 1, |c| c.is_ascii_digit()),
        false => at,
    }
}

/// A film from its file name, its folder's when the file tells too little.
fn film(place: &Place) -> FilmName {
    let (stem, part) = split_part(place.stem);
    let folder = place
        .dirs
        .last()
        .map(|dir| clean(dir, FILM))
        .filter(|f| f.year.is_some());
    let (body, version) = split_version(stem, folder.as_ref());
    let version = version.or_else(|| edition(stem));
    let file = clean(body, FILM);
    let Cleaned { name, year } = match folder {
        Some(folder) if file.year.is_none() => folder,
        _ => file,
    };
    let title = match name.is_empty() {
        true => fallback_title(place),
        false => name,
    };
    FilmName {
        title,
        year,
        part,
        version,
    }
}

/// A title for a file whose name cleans to nothing (`[1080p].mkv`): its folder's, or
/// the bare name.
fn fallback_title(place: &Place) -> String {
    place
        .dirs
        .last()
        .map(|dir| clean(dir, FILM).name)
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| place.stem.trim().to_owned())
}

/// Splits a part suffix (`-cd1`, ` cd 2`, `.part1`, `pt2`, `disc1`) off a film's name.
fn split_part(stem: &str) -> (&str, Option<u32>) {
    let b = stem.as_bytes();
    let digits = b.iter().rev().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || digits > 2 {
        return (stem, None);
    }
    let at = b.len() - digits;
    let Some((n, _)) = number_at(b, at) else {
        return (stem, None);
    };
    PART_WORDS
        .iter()
        .find_map(|word| part_word(stem, at, word))
        .map_or((stem, None), |head| (head, Some(n)))
}

/// The name before `word` ending at `digits` (or a space before them, for discs), when
/// `word` starts after a separator and a name is left.
fn part_word<'a>(stem: &'a str, digits: usize, word: &str) -> Option<&'a str> {
    let b = stem.as_bytes();
    let spaced = matches!(word, "cd" | "dvd" | "disc" | "disk")
        && digits > 0
        && matches!(b[digits - 1], b' ' | b'.' | b'_');
    let ends = [Some(digits), spaced.then(|| digits - 1)];
    ends.into_iter().flatten().find_map(|end| {
        let start = end.checked_sub(word.len())?;
        let separated =
            start > 0 && matches!(b[start - 1], b' ' | b'-' | b'.' | b'_' | b')' | b']');
        if !separated || !at_word(b, start, word.as_bytes()) {
            return None;
        }
        let head = stem[..start].trim_end_matches([' ', '-', '.', '_']);
        has_alnum(head).then_some(head)
    })
}

/// Splits a version label off `Title (Year) - Label`, or off `Title - Label` in the
/// film's own folder: versions of one film are told apart by these labels.
fn split_version<'a>(stem: &'a str, folder: Option<&Cleaned>) -> (&'a str, Option<String>) {
    let mut from = 0;
    while let Some(offset) = stem[from..].find(" - ") {
        let at = from + offset;
        let head = stem[..at].trim_end();
        let label = trim_label(&stem[at + 3..]);
        if !label.is_empty() && names_film(head, folder) {
            return (head, Some(label.to_owned()));
        }
        from = at + 1;
    }
    (stem, None)
}

/// Whether `head` is a whole film's name: it ends with its year, or is its folder's.
fn names_film(head: &str, folder: Option<&Cleaned>) -> bool {
    ends_with_year(head) || folder.is_some_and(|f| norm(&clean(head, FILM).name) == norm(&f.name))
}

/// A version label without its surrounding space and brackets: `[1080p]` is "1080p".
fn trim_label(label: &str) -> &str {
    let label = label.trim();
    let inner = label
        .strip_prefix('[')
        .and_then(|l| l.strip_suffix(']'))
        .or_else(|| label.strip_prefix('(').and_then(|l| l.strip_suffix(')')));
    inner.map_or(label, str::trim)
}

/// Plex's `{edition-Director's Cut}`.
fn edition(stem: &str) -> Option<String> {
    const OPEN: &str = "{edition-";
    let start = stem.to_ascii_lowercase().find(OPEN)? + OPEN.len();
    let len = stem[start..].find('}')?;
    let label = stem[start..start + len].trim();
    (!label.is_empty()).then(|| label.to_owned())
}

/// A name made presentable, and the year it carried.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Cleaned {
    name: String,
    year: Option<u16>,
}

/// Where a year may be taken from a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Years {
    /// Nowhere: an episode's title keeps its numbers.
    Keep,
    /// At the end: `Show (2019)`.
    Trailing,
    /// The last one that is not the start: `Title.2019.Remastered`.
    Anywhere,
}

/// How a name is cleaned.
#[derive(Debug, Clone, Copy)]
struct Mode {
    years: Years,
    /// Cut at a season pack's `S01` or `Season 2` (release folders of whole seasons).
    season_cut: bool,
}

const TITLE: Mode = Mode {
    years: Years::Keep,
    season_cut: false,
};
const SERIES_FILE: Mode = Mode {
    years: Years::Trailing,
    season_cut: false,
};
const SERIES_FOLDER: Mode = Mode {
    years: Years::Trailing,
    season_cut: true,
};
const FILM: Mode = Mode {
    years: Years::Anywhere,
    season_cut: false,
};

/// What a word of a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    /// A release tag: the name ends before it.
    Tag,
    BareYear(u16),
    BracketYear(u16),
}

#[derive(Debug, Clone)]
struct Token {
    text: String,
    kind: Kind,
}

impl Token {
    fn year(&self) -> Option<u16> {
        match self.kind {
            Kind::BareYear(y) | Kind::BracketYear(y) => Some(y),
            Kind::Text | Kind::Tag => None,
        }
    }

    fn meaningful(&self) -> bool {
        self.text.chars().any(char::is_alphanumeric)
    }
}

/// Cleans a name (see the module's doc): separators, brackets and tags out, the year
/// taken as `mode` says.
fn clean(text: &str, mode: Mode) -> Cleaned {
    let release = !text.chars().any(char::is_whitespace);
    let mut tokens = tokenize(text, release);
    mark_split_codecs(&mut tokens);
    if mode.season_cut {
        mark_season_packs(&mut tokens);
    }
    if release {
        tokens = join_initials(tokens);
    }
    let cut = tokens
        .iter()
        .position(|t| t.kind == Kind::Tag)
        .unwrap_or(tokens.len());
    let tagged = cut < tokens.len();
    let kept = trim_punctuation(&tokens[..cut]);
    let counts = |i: usize| {
        i > 0
            && match kept[i].kind {
                Kind::BracketYear(_) => true,
                Kind::BareYear(_) => release || (tagged && i + 1 == kept.len()),
                Kind::Text | Kind::Tag => false,
            }
    };
    let at = match mode.years {
        Years::Keep => None,
        Years::Trailing => kept.len().checked_sub(1).filter(|&i| counts(i)),
        Years::Anywhere => (0..kept.len()).rev().find(|&i| counts(i)),
    };
    if let Some(at) = at {
        let name = render(trim_punctuation(&kept[..at]));
        if !name.is_empty() {
            return Cleaned {
                name,
                year: kept[at].year(),
            };
        }
    }
    Cleaned {
        name: render(kept),
        year: None,
    }
}

/// The words and brackets of a name. In a `release` name (no spaces) dots separate
/// words too.
fn tokenize(text: &str, release: bool) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if let Some(close) = closing(c) {
            i = match chars[i + 1..].iter().position(|&x| x == close) {
                Some(len) => {
                    push_bracket(&mut tokens, c, &chars[i + 1..i + 1 + len]);
                    i + len + 2
                }
                None => i + 1,
            };
        } else if ends_word(c, release) {
            i += 1;
        } else {
            let len = chars[i..]
                .iter()
                .take_while(|&&x| !ends_word(x, release))
                .count();
            push_word(&mut tokens, chars[i..i + len].iter().collect(), release);
            i += len;
        }
    }
    tokens
}

fn closing(open: char) -> Option<char> {
    match open {
        '(' => Some(')'),
        '[' => Some(']'),
        '{' => Some('}'),
        _ => None,
    }
}

fn ends_word(c: char, release: bool) -> bool {
    c.is_whitespace() || c == '_' || (release && c == '.') || "()[]{}".contains(c)
}

/// A bracketed part: a year; a tag (cutting the name, unless nothing came before it);
/// `(US)` kept; `[Group]` and `{tmdb-1}` dropped.
fn push_bracket(tokens: &mut Vec<Token>, open: char, inner: &[char]) {
    let inner: String = inner.iter().collect();
    let inner = inner.split_whitespace().collect::<Vec<_>>().join(" ");
    let close = closing(open).unwrap_or(')');
    if let Some(year) = year_of(&inner) {
        tokens.push(Token {
            text: format!("{open}{inner}{close}"),
            kind: Kind::BracketYear(year),
        });
        return;
    }
    let first = inner.split([' ', '.', '_', ',']).next().unwrap_or_default();
    if is_tag(first, true) {
        if tokens.iter().any(Token::meaningful) {
            tokens.push(Token {
                text: inner,
                kind: Kind::Tag,
            });
        }
        return;
    }
    if open == '(' && has_alnum(&inner) {
        tokens.push(Token {
            text: format!("({inner})"),
            kind: Kind::Text,
        });
    }
}

fn push_word(tokens: &mut Vec<Token>, word: String, release: bool) {
    let kind = match year_of(&word) {
        _ if is_tag(&word, release) => Kind::Tag,
        Some(year) => Kind::BareYear(year),
        None => Kind::Text,
    };
    tokens.push(Token { text: word, kind });
}

/// `H.264` read as the words `H` and `264`: a tag.
fn mark_split_codecs(tokens: &mut [Token]) {
    for i in 1..tokens.len() {
        let split = matches!(tokens[i - 1].text.as_str(), "h" | "H" | "x" | "X")
            && matches!(tokens[i].text.as_str(), "264" | "265");
        if split {
            tokens[i - 1].kind = Kind::Tag;
            tokens[i].kind = Kind::Tag;
        }
    }
}

/// `S01` and `Season 2` in a release folder's name (`Show.S01.1080p-GRP`): the
/// series' name ends there.
fn mark_season_packs(tokens: &mut [Token]) {
    let packs: Vec<bool> = (0..tokens.len())
        .map(|i| {
            let word = tokens[i].text.to_ascii_lowercase();
            let numbered_next = tokens
                .get(i + 1)
                .is_some_and(|t| !t.text.is_empty() && t.text.bytes().all(|c| c.is_ascii_digit()));
            let b = word.as_bytes();
            (b.len() >= 2 && b[0] == b's' && b[1].is_ascii_digit())
                || (SEASON_WORDS[..6].contains(&word.as_str()) && numbered_next)
        })
        .collect();
    for (token, pack) in tokens.iter_mut().zip(packs) {
        if pack && token.kind == Kind::Text {
            token.kind = Kind::Tag;
        }
    }
}

/// Runs of single letters in a release name are initials: `S.H.I.E.L.D`.
fn join_initials(tokens: Vec<Token>) -> Vec<Token> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut run = Vec::new();
    for token in tokens {
        if is_initial(&token) {
            run.push(token);
            continue;
        }
        flush_initials(&mut out, &mut run);
        out.push(token);
    }
    flush_initials(&mut out, &mut run);
    out
}

fn flush_initials(out: &mut Vec<Token>, run: &mut Vec<Token>) {
    if run.len() < 2 {
        out.append(run);
        return;
    }
    let text = run.drain(..).map(|t| t.text + ".").collect();
    out.push(Token {
        text,
        kind: Kind::Text,
    });
}

fn is_initial(token: &Token) -> bool {
    let mut chars = token.text.chars();
    token.kind == Kind::Text
        && chars.next().is_some_and(char::is_alphabetic)
        && chars.next().is_none()
}

/// The tokens between the first and last that have a letter or digit (no stray `-`).
fn trim_punctuation(tokens: &[Token]) -> &[Token] {
    let Some(first) = tokens.iter().position(Token::meaningful) else {
        return &[];
    };
    let last = tokens.iter().rposition(Token::meaningful).unwrap_or(first);
    &tokens[first..=last]
}

fn render(tokens: &[Token]) -> String {
    let words: Vec<&str> = tokens.iter().map(|t| t.text.as_str()).collect();
    words.join(" ")
}

/// An episode's title from the text after its number, if anything meaningful is left.
fn title_of(rest: &str) -> Option<String> {
    let name = clean(rest, TITLE).name;
    (!name.is_empty()).then_some(name)
}

/// Whether a word is a release tag: `1080p`, `WEB-DL`, `x264-GRP` (a tag with the
/// group glued on), `DD5.1`; in a spaced name also `1080p.BluRay`.
fn is_tag(word: &str, release: bool) -> bool {
    let lower = word.to_ascii_lowercase();
    let lower = lower.trim_matches([',', ';', ':', '!', '-']);
    known_tag(lower)
        || lower.split('-').next().is_some_and(known_tag)
        || lower
            .rsplit_once('-')
            .is_some_and(|(head, _)| known_tag(head))
        || (!release && lower.split('.').next().is_some_and(known_tag))
}

fn known_tag(word: &str) -> bool {
    let resolution = word
        .strip_suffix(['p', 'i'])
        .is_some_and(|lines| LINES.contains(&lines));
    let base = word.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    let audio = base.len() < word.len() && AUDIO.contains(&base);
    TAGS.contains(&word) || resolution || audio
}

/// A year written alone: four digits within [`YEARS`].
fn year_of(text: &str) -> Option<u16> {
    if text.len() != 4 || !text.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let year = text.parse::<u16>().ok()?;
    YEARS.contains(&u32::from(year)).then_some(year)
}

/// `(1979)` or `[1979]`, whole.
fn bracketed_year(text: &str) -> Option<u16> {
    let inner = text.strip_prefix(['(', '['])?.strip_suffix([')', ']'])?;
    year_of(inner.trim())
}

/// Whether a name ends with a bracketed year: `Alien (1979)`.
fn ends_with_year(text: &str) -> bool {
    let text = text.trim_end();
    text.rfind(['(', '['])
        .is_some_and(|open| bracketed_year(&text[open..]).is_some())
}

/// Whether a text starts with a bracketed year: ` (2006) [1080p]`.
fn starts_with_year(text: &str) -> bool {
    let text = text.trim_start();
    text.find([')', ']'])
        .is_some_and(|close| bracketed_year(&text[..=close]).is_some())
}

/// The letters and digits of a name, lowercase: names compared this way match
/// whatever their punctuation (`Marvel's` and `Marvels`).
fn norm(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Where `text`, from `from` on, goes on past `name` (compared as by [`norm`]), when
/// it starts with the whole of it and the name ends a word there.
fn after_name(text: &str, from: usize, name: &str) -> Option<usize> {
    let wanted = norm(name);
    let mut wanted = wanted.chars();
    let mut next = Some(wanted.next()?);
    for (i, c) in text.get(from..)?.char_indices() {
        if next.is_none() {
            return (!c.is_alphanumeric()).then_some(from + i);
        }
        if !c.is_alphanumeric() {
            continue;
        }
        for lower in c.to_lowercase() {
            if next != Some(lower) {
                return None;
            }
            next = wanted.next();
        }
    }
    next.is_none().then_some(text.len())
}

/// Past any `[Group]` tags and separators opening a file name.
fn skip_brackets(stem: &str) -> usize {
    let b = stem.as_bytes();
    let mut at = 0;
    loop {
        at = skip(b, at, is_blank_or_dot);
        if b.get(at) != Some(&b'[') {
            return at;
        }
        match b[at..].iter().position(|&c| c == b']') {
            Some(len) => at += len + 1,
            None => return at,
        }
    }
}

/// A number starting at `at`: all its digits, when they make at most [`MAX_NUMBER`],
/// and where they end.
fn number_at(b: &[u8], at: usize) -> Option<(u32, usize)> {
    let end = skip(b, at, |c| c.is_ascii_digit());
    let digits = b.get(at..end).filter(|d| !d.is_empty())?;
    let n = digits.iter().try_fold(0u32, |n, &d| {
        n.checked_mul(10)?.checked_add(u32::from(d - b'0'))
    })?;
    (n <= MAX_NUMBER).then_some((n, end))
}

fn skip(b: &[u8], mut at: usize, keep: impl Fn(u8) -> bool) -> usize {
    while b.get(at).is_some_and(|&c| keep(c)) {
        at += 1;
    }
    at
}

/// Whether `word` (ASCII) is at `at`, in any case.
fn at_word(b: &[u8], at: usize, word: &[u8]) -> bool {
    b.get(at..at.saturating_add(word.len()))
        .is_some_and(|s| s.eq_ignore_ascii_case(word))
}

/// Whether a word may start at `i`: nothing, or no ASCII letter or digit, before it.
fn boundary_before(b: &[u8], i: usize) -> bool {
    i == 0 || !b[i - 1].is_ascii_alphanumeric()
}

fn is_alnum_at(b: &[u8], at: usize) -> bool {
    b.get(at).is_some_and(u8::is_ascii_alphanumeric)
}

fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'_'
}

fn is_blank_or_dot(c: u8) -> bool {
    is_blank(c) || c == b'.'
}

fn is_gap(c: u8) -> bool {
    is_blank_or_dot(c) || c == b'-'
}

fn has_alnum(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: LibraryKind = LibraryKind::Shows;
    const F: LibraryKind = LibraryKind::Films;
    const M: LibraryKind = LibraryKind::Mixed;

    /// An expected episode, built up by its methods.
    struct Ep(EpisodeName);

    fn ep(series: &str, season: impl Into<Option<u32>>, episode: impl Into<Option<u32>>) -> Ep {
        Ep(EpisodeName {
            series: series.to_owned(),
            season: season.into(),
            episode: episode.into(),
            ..EpisodeName::default()
        })
    }

    /// An anime-style episode: absolute number, season unknown.
    fn abs(series: &str, absolute: u32) -> Ep {
        Ep(EpisodeName {
            series: series.to_owned(),
            absolute: Some(absolute),
            ..EpisodeName::default()
        })
    }

    impl Ep {
        fn year(mut self, year: u16) -> Self {
            self.0.series_year = Some(year);
            self
        }
        fn last(mut self, last: u32) -> Self {
            self.0.last_episode = Some(last);
            self
        }
        fn title(mut self, title: &str) -> Self {
            self.0.title = Some(title.to_owned());
            self
        }
    }

    impl From<Ep> for Parsed {
        fn from(e: Ep) -> Self {
            Parsed::Episode(e.0)
        }
    }

    /// An expected film, built up by its methods.
    struct Film(FilmName);

    fn film(title: &str, year: impl Into<Option<u16>>) -> Film {
        Film(FilmName {
            title: title.to_owned(),
            year: year.into(),
            ..FilmName::default()
        })
    }

    impl Film {
        fn part(mut self, part: u32) -> Self {
            self.0.part = Some(part);
            self
        }
        fn version(mut self, version: &str) -> Self {
            self.0.version = Some(version.to_owned());
            self
        }
    }

    impl From<Film> for Parsed {
        fn from(f: Film) -> Self {
            Parsed::Film(f.0)
        }
    }

    /// Real-world names: (path, library kind, expected reading).
    fn cases() -> Vec<(&'static str, LibraryKind, Parsed)> {
        vec![
            // Season folders and SxxEyy in its spellings.
            ("Show Name/Season 01/Show Name - S01E02 - Title.mkv", M, ep("Show Name", 1, 2).title("Title").into()),
            ("Show Name/Season 1/Show Name s1e2.mkv", M, ep("Show Name", 1, 2).into()),
            ("Show Name/Season 1/Show Name 1x02.mkv", M, ep("Show Name", 1, 2).into()),
            ("Show Name/Season 1/Show Name S01xE02.mkv", M, ep("Show Name", 1, 2).into()),
            ("Show Name/Season 1/Show Name S01.E02.mkv", M, ep("Show Name", 1, 2).into()),
            ("Show Name/Season 1/Show Name - Season 1 Episode 2.mkv", M, ep("Show Name", 1, 2).into()),
            ("Show Name/Season 2009/Show Name S2009E02.mkv", M, ep("Show Name", 2009, 2).into()),
            ("Show Name/Season 1/S01E02.mkv", M, ep("Show Name", 1, 2).into()),
            ("Show Name/S01/Show Name S01E02.mkv", M, ep("Show Name", 1, 2).into()),
            ("Show Name/Series 3/Show Name - S03E01.mkv", M, ep("Show Name", 3, 1).into()),
            ("Show Name/Staffel 2/Show Name - S02E01.mkv", M, ep("Show Name", 2, 1).into()),
            ("Show Name/Season 1 (2008)/Show Name - S01E01.mkv", M, ep("Show Name", 1, 1).into()),
            ("Show Name/Season 1/Show.Name.S01.E02.720p.HDTV.x264-GRP.mkv", M, ep("Show Name", 1, 2).into()),
            ("Show/Season 1/Show - S02E03.mkv", M, ep("Show", 2, 3).into()),
            ("Show//Season 1///Show - S01E02.mkv", M, ep("Show", 1, 2).into()),
            // Several episodes in one file.
            ("Show Name/Season 1/Show Name - S01E23-E24-E26.mkv", M, ep("Show Name", 1, 23).last(26).into()),
            ("Show Name/Season 1/Show Name - S01E23E24.mkv", M, ep("Show Name", 1, 23).last(24).into()),
            ("Show Name/Season 1/Show Name - S01E23-26.mkv", M, ep("Show Name", 1, 23).last(26).into()),
            ("Show Name/Season 1/Show Name - S01E23-S01E24.mkv", M, ep("Show Name", 1, 23).last(24).into()),
            ("Show Name/Season 1/Show Name - 1x02-03 - Title.mkv", M, ep("Show Name", 1, 2).last(3).title("Title").into()),
            ("Show Name/Season 1/Show Name - 1x02x03.mkv", M, ep("Show Name", 1, 2).last(3).into()),
            ("Friends/Season 10/Friends - S10E17-E18 - The Last One.mkv", M, ep("Friends", 10, 17).last(18).title("The Last One").into()),
            ("Show.S01E02-720p.mkv", M, ep("Show", 1, 2).into()),
            // Bare numbers in a season folder.
            ("Show/Season 2/02 - Title.avi", M, ep("Show", 2, 2).title("Title").into()),
            ("Show/Season 2/Episode 16.avi", M, ep("Show", 2, 16).into()),
            ("Show/Season 2/E16.avi", M, ep("Show", 2, 16).into()),
            ("Show/Season 2/Ep 16 - Title.avi", M, ep("Show", 2, 16).title("Title").into()),
            ("Show/Season 2/Show - 05 - Title.mkv", M, ep("Show", 2, 5).title("Title").into()),
            ("Show/Season 2/Show 05.mkv", M, ep("Show", 2, 5).into()),
            ("Show/Season 2/01-02 - Title.mkv", M, ep("Show", 2, 1).last(2).title("Title").into()),
            ("Show/Season 3/Pilot.mkv", M, ep("Show", 3, None).title("Pilot").into()),
            ("Show/Season 3/Show - Pilot.mkv", M, ep("Show", 3, None).title("Pilot").into()),
            ("12 Monkeys/Season 1/12 Monkeys - 05.mkv", M, ep("12 Monkeys", 1, 5).into()),
            ("Show/Season 1/Show - S01E99999.mkv", M, ep("Show", 1, None).title("S01E99999").into()),
            // Release names, in any folder or none.
            ("The.Series.Name.S01E04.WEBRip.x264-GRP.mkv", M, ep("The Series Name", 1, 4).into()),
            ("Downloads/The.Series.Name.S01E04.WEBRip.x264-GRP.mkv", M, ep("The Series Name", 1, 4).into()),
            (
                "TV/The.Series.Name.S01.1080p.WEB-DL-GRP/The.Series.Name.S01E04.The.Title.1080p.WEB-DL.H.264-GRP.mkv",
                M,
                ep("The Series Name", 1, 4).title("The Title").into(),
            ),
            ("Show.Name.S02E05.The.Title.PROPER.720p.HDTV.x264-GRP.mkv", M, ep("Show Name", 2, 5).title("The Title").into()),
            ("Show_Name_S01E02_Title.mkv", M, ep("Show Name", 1, 2).title("Title").into()),
            ("Mr.Robot.S01E01.mkv", M, ep("Mr Robot", 1, 1).into()),
            ("Marvels.Agents.of.S.H.I.E.L.D.S01E01.720p.mkv", M, ep("Marvels Agents of S.H.I.E.L.D.", 1, 1).into()),
            ("Show.2019.S01E01.mkv", M, ep("Show", 1, 1).year(2019).into()),
            ("Doctor.Who.2005.S01E01.Rose.720p.mkv", M, ep("Doctor Who", 1, 1).year(2005).title("Rose").into()),
            ("show name - s01e02 - title.mkv", M, ep("show name", 1, 2).title("title").into()),
            ("Show Name - S01E02 - The Title (1080p).mkv", M, ep("Show Name", 1, 2).title("The Title").into()),
            ("Show Name - S01E02 - [1080p].mkv", M, ep("Show Name", 1, 2).into()),
            ("Show Name - S01E02 - PROPER.mkv", M, ep("Show Name", 1, 2).into()),
            ("Show/Season 1/Show - S01E02 - Part 1.mkv", M, ep("Show", 1, 2).title("Part 1").into()),
            ("Show/Season 1/Show - S01E02 - Café.mkv", M, ep("Show", 1, 2).title("Café").into()),
            // Where the series' name comes from.
            ("The 4400/Season 1/The 4400 - S01E01 - Pilot.mkv", M, ep("The 4400", 1, 1).title("Pilot").into()),
            ("The.4400.S01E01.mkv", M, ep("The 4400", 1, 1).into()),
            ("1923/Season 1/1923 - S01E01.mkv", M, ep("1923", 1, 1).into()),
            ("Doctor Who (2005)/Season 01/Doctor Who (2005) - S01E01 - Rose.mkv", M, ep("Doctor Who", 1, 1).year(2005).title("Rose").into()),
            ("Show (2019)/Season 1/Show - S01E01.mkv", M, ep("Show", 1, 1).year(2019).into()),
            ("Breaking Bad (2008)/Breaking.Bad.S01E01.720p.BluRay.mkv", M, ep("Breaking Bad", 1, 1).year(2008).into()),
            ("The Office (US)/Season 2/The Office - S02E01.mkv", M, ep("The Office (US)", 2, 1).into()),
            ("The Office (US)/The Office - S02E01.mkv", M, ep("The Office (US)", 2, 1).into()),
            ("Star Trek/Star Trek The Next Generation - S01E01.mkv", M, ep("Star Trek The Next Generation", 1, 1).into()),
            ("Show/Show - S01E02.mkv", M, ep("Show", 1, 2).into()),
            ("Show/S01E02.mkv", M, ep("Show", 1, 2).into()),
            ("S01E02.mkv", M, ep("", 1, 2).into()),
            ("Season 1/Show - S01E02.mkv", M, ep("Show", 1, 2).into()),
            ("Season 1/Show - 05.mkv", M, ep("Show", 1, 5).into()),
            ("Show (2019) - S01E01.mkv", M, ep("Show", 1, 1).year(2019).into()),
            // Specials.
            ("Show/Season 0/Show - S00E01.mkv", M, ep("Show", 0, 1).into()),
            ("Show/Specials/Show - S00E03.mkv", M, ep("Show", 0, 3).into()),
            ("Show/Specials/Making Of.mkv", M, ep("Show", 0, None).title("Making Of").into()),
            ("Show/Season 0/01 - Pilot.mkv", M, ep("Show", 0, 1).title("Pilot").into()),
            ("Show/Specials/Show - 02.mkv", M, ep("Show", 0, 2).into()),
            // Daily shows: season from the folder or the date, episode unknown.
            ("The Daily Show/Season 2020/The Daily Show - 2020-03-04.mkv", M, ep("The Daily Show", 2020, None).into()),
            ("The.Daily.Show.2020.03.04.Guest.Name.720p.mkv", M, ep("The Daily Show", 2020, None).title("Guest Name").into()),
            ("The Daily Show/Season 1/The Daily Show - 2020_03_04.mkv", M, ep("The Daily Show", 1, None).into()),
            // Anime: absolute numbers.
            ("[Group] Show - 12 [1080p].mkv", M, abs("Show", 12).into()),
            ("Show - 012 (1080p).mkv", M, abs("Show", 12).into()),
            ("[Group] Show - 12v2 [1080p].mkv", M, abs("Show", 12).into()),
            ("Anime/Show/[Group] Show - 1001 [1080p].mkv", M, abs("Show", 1001).into()),
            ("[Group] Show - 12 - The Title [1080p].mkv", S, abs("Show", 12).title("The Title").into()),
            ("Show/Season 1/[Group] Show - 12 [1080p].mkv", M, ep("Show", 1, 12).into()),
            // Shows libraries: a number in a series folder is enough.
            ("Show/12.mkv", S, ep("Show", None, 12).into()),
            ("Show/Episode 5.mkv", S, ep("Show", None, 5).into()),
            ("Show/Show E05 - Title.mkv", S, ep("Show", None, 5).title("Title").into()),
            ("Planet Earth/Planet Earth - 05 - Jungles.mkv", S, abs("Planet Earth", 5).title("Jungles").into()),
            ("Show/Season 3/Pilot.mkv", S, ep("Show", 3, None).title("Pilot").into()),
            ("Show/Show - Behind the Scenes.mkv", S, film("Show - Behind the Scenes", None).into()),
            ("Show/12.mkv", M, film("12", None).into()),
            ("Room 237 (2012)/Room 237 (2012).mkv", S, film("Room 237", 2012).into()),
            ("12 Angry Men (1957)/12 Angry Men (1957).mkv", S, film("12 Angry Men", 1957).into()),
            // Films libraries: never an episode.
            ("Films/Show/Season 1/Show - S01E01.mkv", F, film("Show - S01E01", None).into()),
            ("[Group] Show - 12 [1080p].mkv", F, film("Show - 12", None).into()),
            ("The.Series.Name.S01E04.WEBRip.x264-GRP.mkv", F, film("The Series Name S01E04", None).into()),
            // Films: title and year.
            ("Alien (1979).mkv", M, film("Alien", 1979).into()),
            ("Films/Alien (1979)/Alien (1979).mkv", F, film("Alien", 1979).into()),
            ("Alien.1979.1080p.BluRay.x264-GRP.mkv", M, film("Alien", 1979).into()),
            ("Alien [1979].mkv", M, film("Alien", 1979).into()),
            ("[YTS] Alien (1979) [1080p].mkv", M, film("Alien", 1979).into()),
            ("Alien 1979 1080p BluRay.mkv", M, film("Alien", 1979).into()),
            ("Alien 1979.mkv", M, film("Alien 1979", None).into()),
            ("The Matrix.mkv", M, film("The Matrix", None).into()),
            ("The.Matrix.1999.REMASTERED.1080p.BluRay.x264-GRP.mkv", M, film("The Matrix", 1999).into()),
            ("2001 A Space Odyssey (1968).mkv", M, film("2001 A Space Odyssey", 1968).into()),
            ("2001.A.Space.Odyssey.1968.1080p.BluRay.mkv", M, film("2001 A Space Odyssey", 1968).into()),
            ("Blade Runner 2049 (2017).mkv", M, film("Blade Runner 2049", 2017).into()),
            ("Blade.Runner.2049.2017.2160p.UHD.BluRay.x265.mkv", M, film("Blade Runner 2049", 2017).into()),
            ("1917 (2019).mkv", M, film("1917", 2019).into()),
            ("1917.mkv", M, film("1917", None).into()),
            ("2012.2009.1080p.mkv", M, film("2012", 2009).into()),
            ("Room 237 (2012).mkv", M, film("Room 237", 2012).into()),
            ("Films/Room 237 (2012)/Room 237 (2012).mkv", M, film("Room 237", 2012).into()),
            ("Apollo 13 (1995).mkv", M, film("Apollo 13", 1995).into()),
            ("Ocean's Eleven (2001).mkv", M, film("Ocean's Eleven", 2001).into()),
            ("Se7en (1995).mkv", M, film("Se7en", 1995).into()),
            ("S1m0ne (2002).mkv", M, film("S1m0ne", 2002).into()),
            ("Super 8 (2011).mkv", M, film("Super 8", 2011).into()),
            ("Mission Impossible - Fallout (2018).mkv", M, film("Mission Impossible - Fallout", 2018).into()),
            ("Mission Impossible - 3 (2006).mkv", M, film("Mission Impossible - 3", 2006).into()),
            ("Harry Potter and the Deathly Hallows Part 1 (2010).mkv", M, film("Harry Potter and the Deathly Hallows Part 1", 2010).into()),
            ("Kill Bill Vol. 1 (2003).mkv", M, film("Kill Bill Vol. 1", 2003).into()),
            ("Amélie (2001).mkv", M, film("Amélie", 2001).into()),
            ("千と千尋の神隠し (2001).mkv", M, film("千と千尋の神隠し", 2001).into()),
            ("Season of the Witch (2011)/Season of the Witch (2011).mkv", M, film("Season of the Witch", 2011).into()),
            ("Series 7 The Contenders (2001)/Series 7 The Contenders (2001).mkv", M, film("Series 7 The Contenders", 2001).into()),
            ("Show 1920x1080.mkv", M, film("Show 1920x1080", None).into()),
            ("Alien (1979) {tmdb-348}.mkv", M, film("Alien", 1979).into()),
            // Films: the folder names the film.
            ("Films/Alien (1979)/Alien.mkv", M, film("Alien", 1979).into()),
            ("Films/1917 (2019)/1917.mkv", M, film("1917", 2019).into()),
            ("Films/Alien.1979.1080p.BluRay.x264-GRP/grp-alien.mkv", M, film("Alien", 1979).into()),
            ("Films/Kubrick/2001 A Space Odyssey (1968).mkv", M, film("2001 A Space Odyssey", 1968).into()),
            ("Films/Alien Collection/Aliens (1986).mkv", M, film("Aliens", 1986).into()),
            ("Films/2019/1917 (2019).mkv", M, film("1917", 2019).into()),
            // Films: parts.
            ("Alien (1979)-cd1.mkv", M, film("Alien", 1979).part(1).into()),
            ("Alien (1979) cd2.mkv", M, film("Alien", 1979).part(2).into()),
            ("Alien (1979) - part1.mkv", M, film("Alien", 1979).part(1).into()),
            ("Alien.1979.1080p.BluRay.x264-GRP.pt2.mkv", M, film("Alien", 1979).part(2).into()),
            ("Alien (1979) disc1.mkv", M, film("Alien", 1979).part(1).into()),
            ("Alien (1979) - disc 2.mkv", M, film("Alien", 1979).part(2).into()),
            ("Films/Alien (1979)/Alien-dvd2.mkv", F, film("Alien", 1979).part(2).into()),
            ("Egypt1.mkv", M, film("Egypt1", None).into()),
            // Films: versions.
            ("Films/Alien (1979)/Alien (1979) - 1080p.mkv", M, film("Alien", 1979).version("1080p").into()),
            ("Films/Alien (1979)/Alien (1979) - 4K.mkv", M, film("Alien", 1979).version("4K").into()),
            ("Films/Alien (1979)/Alien (1979) - Director's Cut.mkv", M, film("Alien", 1979).version("Director's Cut").into()),
            ("Films/Alien (1979)/Alien - Director's Cut.mkv", M, film("Alien", 1979).version("Director's Cut").into()),
            ("Alien (1979) - [1080p].mkv", M, film("Alien", 1979).version("1080p").into()),
            ("Alien (1979) - 2.mkv", M, film("Alien", 1979).version("2").into()),
            ("Alien (1979) - 1080p - cd2.mkv", M, film("Alien", 1979).part(2).version("1080p").into()),
            ("Alien (1979) {edition-Director's Cut}.mkv", M, film("Alien", 1979).version("Director's Cut").into()),
            ("Fantastic Four (2015) - 2160p HDR.mkv", M, film("Fantastic Four", 2015).version("2160p HDR").into()),
            ("Films/Mission Impossible/Mission Impossible - Fallout.mkv", M, film("Mission Impossible - Fallout", None).into()),
            // Degenerate paths.
            ("", M, film("", None).into()),
            ("/", S, film("", None).into()),
            ("[1080p].mkv", M, film("[1080p]", None).into()),
        ]
    }

    #[test]
    fn reads_real_world_names() {
        let cases = cases();
        assert!(cases.len() >= 80, "only {} cases", cases.len());
        let failures: Vec<String> = cases
            .iter()
            .filter_map(|(path, kind, want)| {
                let got = parse(path, *kind);
                (got != *want)
                    .then(|| format!("{path:?} ({kind:?})\n  want {want:?}\n   got {got:?}"))
            })
            .collect();
        assert!(
            failures.is_empty(),
            "{} of {} wrong:\n{}",
            failures.len(),
            cases.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn films_libraries_never_hold_episodes() {
        for (path, _, _) in cases() {
            assert!(matches!(parse(path, F), Parsed::Film(_)), "{path}");
        }
    }

    #[test]
    fn shows_libraries_read_episodes_as_mixed_ones_do() {
        for (path, kind, want) in cases() {
            if kind == M && matches!(want, Parsed::Episode(_)) {
                assert_eq!(parse(path, S), want, "{path}");
            }
        }
    }

    /// What any reading must be, whatever the input.
    fn assert_sane(path: &str, parsed: &Parsed) {
        let tidy = |s: &str| s.trim() == s && !s.contains("  ");
        match parsed {
            Parsed::Episode(e) => {
                assert!(tidy(&e.series), "{path:?}: {e:?}");
                assert!(
                    e.title.as_deref().is_none_or(|t| tidy(t) && !t.is_empty()),
                    "{path:?}: {e:?}"
                );
                let numbers = [e.season, e.episode, e.last_episode, e.absolute];
                assert!(
                    numbers.iter().flatten().all(|&n| n <= MAX_NUMBER),
                    "{path:?}: {e:?}"
                );
                let first = e.episode.or(e.absolute);
                assert!(
                    e.last_episode.is_none_or(|l| first.is_some_and(|f| l > f)),
                    "{path:?}: {e:?}"
                );
            }
            Parsed::Film(f) => {
                assert!(f.title.trim() == f.title, "{path:?}: {f:?}");
                assert!(
                    f.year.is_none_or(|y| YEARS.contains(&u32::from(y))),
                    "{path:?}: {f:?}"
                );
            }
        }
    }

    #[test]
    fn never_panics_on_odd_paths() {
        const PIECES: &[&str] = &[
            "S",
            "s",
            "E",
            "e",
            "x",
            "X",
            "0",
            "1",
            "9",
            "00",
            "12",
            "99999999999999999999",
            "4294967296",
            "2019",
            "1080p",
            "-",
            " - ",
            " ",
            ".",
            "_",
            "/",
            "//",
            "[",
            "]",
            "(",
            ")",
            "{",
            "}",
            "{edition-",
            "Season ",
            "Specials",
            "Episode ",
            "Ep",
            "cd",
            "part",
            "é",
            "日本",
            "\u{0}",
            "\u{200b}",
            "\u{3000}",
            "🎬",
            "x264-GRP",
            "2020-03-04",
            "v2",
            ".mkv",
            "'",
            "Show",
            "İ",
        ];
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize
        };
        for _ in 0..4000 {
            let len = next() % 16;
            let path: String = (0..len).map(|_| PIECES[next() % PIECES.len()]).collect();
            for kind in [S, F, M] {
                assert_sane(&path, &parse(&path, kind));
            }
        }
    }
}
