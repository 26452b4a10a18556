//! Kodi `.nfo` files: the title, year, plot, genres, rating and numbers a household (or
//! tinyMediaManager, MediaElch, Sonarr, Radarr, Jellyfin) wrote beside a series, an
//! episode or a film, so the catalog can show them instead of guesses from file names.
//!
//! [`parse`] reads bytes only (no disk, no network), so the scanner can call it on every
//! nfo it walks past and a table of real-world files pins it down. An nfo is data from
//! the library, perhaps hostile: it never panics, reads at most [`MAX_SIZE`], expands
//! no entity (a DOCTYPE's entities stay as written; only the five predefined ones and
//! character references are read), and every value is cleaned and range-checked.
//!
//! # What is read
//! - The root: `<tvshow>`, `<episodedetails>` or `<movie>`; anything else (`<musicvideo>`,
//!   a file holding only a URL, binary garbage) is not an nfo: `None`.
//! - Only direct children of the root count: a `<title>` inside `<actor>`, `<set>` or
//!   `<fileinfo>` is not the title. Of repeated children, the first usable one wins.
//! - A multi-episode file's nfo holds several `<episodedetails>` roots one after another:
//!   the first is read and the rest ignored, as is anything after the root (Kodi allows
//!   a URL line there).
//! - Encodings: UTF-8 (with or without a BOM), UTF-16 with a BOM; input that is not
//!   valid UTF-8 is read as Latin-1.
//! - A file cut short (the root never closed) or not well-formed (mismatched tags) is
//!   `None`: it is likely being written, and the next scan reads it whole.
//!
//! # Cleaning
//! Text is trimmed; control characters are dropped; in one-line values every run of
//! whitespace becomes one space, while a plot keeps its line breaks (at most one blank
//! line in a row). Titles are capped at [`MAX_TITLE`] characters, the plot at
//! [`MAX_PLOT`], a genre at [`MAX_GENRE`]. CDATA is text, kept as written.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::ops::RangeInclusive;

/// Larger files are not read: real nfo files are a few KiB.
pub const MAX_SIZE: usize = 1024 * 1024;
/// Characters kept of a title, original title or sort title.
pub const MAX_TITLE: usize = 500;
/// Characters kept of a plot.
pub const MAX_PLOT: usize = 10_000;
/// Characters kept of one genre.
pub const MAX_GENRE: usize = 100;
/// Genres kept.
pub const MAX_GENRES: usize = 20;

const SEASONS: RangeInclusive<i32> = 0..=9999;
const EPISODES: RangeInclusive<i32> = 0..=99_999;
const YEARS: RangeInclusive<i32> = 1870..=2100;
/// Minutes; Kodi writes 0 for unknown.
const RUNTIMES: RangeInclusive<i32> = 1..=10_000;
const RATINGS: RangeInclusive<f32> = 0.0..=10.0;

/// What an nfo describes, from its root element.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NfoKind {
    /// `<tvshow>`: a series (`tvshow.nfo` in the series folder).
    TvShow,
    /// `<episodedetails>`: an episode (`<video stem>.nfo`).
    Episode,
    /// `<movie>`: a film (`<video stem>.nfo` or `movie.nfo`). The default only so that
    /// [`Nfo`] has one: [`parse`] always sets the kind from the root.
    #[default]
    Movie,
}

impl NfoKind {
    fn from_root(name: &[u8]) -> Option<Self> {
        match name.to_ascii_lowercase().as_slice() {
            b"tvshow" => Some(Self::TvShow),
            b"episodedetails" => Some(Self::Episode),
            b"movie" => Some(Self::Movie),
            _ => None,
        }
    }
}

/// What an nfo file says, cleaned; absent or unusable values are `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Nfo {
    pub kind: NfoKind,
    /// `<title>`: the series', episode's or film's.
    pub title: Option<String>,
    /// `<originaltitle>`.
    pub original_title: Option<String>,
    /// `<sorttitle>`.
    pub sort_title: Option<String>,
    /// `<year>`, else the year of [`Self::premiered`]; within 1870..=2100.
    pub year: Option<i32>,
    /// `<plot>`, else `<outline>`.
    pub plot: Option<String>,
    /// Every `<genre>`, each also split at `/` (Kodi writes `Drama / Comedy`); repeats
    /// (ignoring case) dropped, at most [`MAX_GENRES`].
    pub genres: Vec<String>,
    /// Out of 10: the `<ratings>` entry marked `default="true"`, else `<rating>`, else
    /// the first `<ratings>` entry; scaled by its `max` attribute when it has one.
    pub rating: Option<f32>,
    /// `<runtime>`, in minutes (leading digits: `142 min` is 142).
    pub runtime_minutes: Option<i32>,
    /// `YYYY-MM-DD`: `<premiered>`, else `<aired>`, when it is a real date (a time
    /// after it is dropped).
    pub premiered: Option<String>,
    /// `<season>`, episodes only (a series' nfo uses it for a count); 0 is specials.
    pub season: Option<i32>,
    /// `<episode>`, episodes only.
    pub episode: Option<i32>,
}

/// Reads an nfo file's bytes; `None` when they are not a Kodi nfo of a series, episode
/// or film (see the [module docs](self)).
pub fn parse(bytes: &[u8]) -> Option<Nfo> {
    if bytes.len() > MAX_SIZE {
        return None;
    }
    let text = decode(bytes);
    let mut reader = Reader::from_str(&text);
    let kind = loop {
        match reader.read_event().ok()? {
            Event::Start(root) => break NfoKind::from_root(root.local_name().as_ref())?,
            Event::Empty(root) => {
                let kind = NfoKind::from_root(root.local_name().as_ref())?;
                return Some(Nfo {
                    kind,
                    ..Nfo::default()
                });
            }
            Event::Eof => return None,
            _ => {}
        }
    };
    let mut children = Children::default();
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) => children.open(&e),
            Event::End(_) if children.depth == 0 => break,
            Event::End(_) => children.close(),
            Event::Text(t) => children.text(&String::from_utf8_lossy(&t), true),
            Event::CData(t) => children.text(&String::from_utf8_lossy(&t), false),
            // Unclosed root: a file cut short.
            Event::Eof => return None,
            _ => {}
        }
    }
    Some(children.into_nfo(kind))
}

/// The input as text: BOMs removed, UTF-16 decoded, and bytes that are not UTF-8 read
/// as Latin-1 (older Windows tools).
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, u16::from_be_bytes);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Cow<'static, str> {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|pair| unit([pair[0], pair[1]]))
        .collect();
    Cow::Owned(String::from_utf16_lossy(&units))
}

/// A direct child of the root that is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Title,
    OriginalTitle,
    SortTitle,
    Year,
    Plot,
    Outline,
    Genre,
    Rating,
    Ratings,
    Runtime,
    Premiered,
    Aired,
    Season,
    Episode,
}

impl Field {
    fn from_name(name: &[u8]) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_slice() {
            b"title" => Self::Title,
            b"originaltitle" => Self::OriginalTitle,
            b"sorttitle" => Self::SortTitle,
            b"year" => Self::Year,
            b"plot" => Self::Plot,
            b"outline" => Self::Outline,
            b"genre" => Self::Genre,
            b"rating" => Self::Rating,
            b"ratings" => Self::Ratings,
            b"runtime" => Self::Runtime,
            b"premiered" => Self::Premiered,
            b"aired" => Self::Aired,
            b"season" => Self::Season,
            b"episode" => Self::Episode,
            _ => return None,
        })
    }
}

/// One rating: `<rating max="10">7.9</rating>` or, in `<ratings>`,
/// `<rating name="imdb" max="10" default="true"><value>7.9</value></rating>`.
#[derive(Debug, Default)]
struct RatingEntry {
    value: String,
    max: Option<String>,
    default: bool,
}

impl RatingEntry {
    fn from_start(e: &BytesStart) -> Self {
        let mut entry = Self::default();
        for attr in e.attributes().flatten() {
            let value = String::from_utf8_lossy(&attr.value);
            match attr.key.local_name().as_ref() {
                b"max" => entry.max = Some(value.into_owned()),
                b"default" => entry.default = value.trim().eq_ignore_ascii_case("true"),
                _ => {}
            }
        }
        entry
    }

    /// The rating out of 10, when it is a number in range.
    fn out_of_ten(&self) -> Option<f32> {
        let value = number(&self.value)?;
        let scaled = match self.max.as_deref().and_then(number) {
            Some(max) if max > 0.0 => value * 10.0 / max,
            Some(_) => return None,
            None => value,
        };
        RATINGS.contains(&scaled).then_some(scaled)
    }
}

/// The root's children as they stream past: the text of each one read, in order.
#[derive(Debug, Default)]
struct Children {
    /// Elements open inside the root.
    depth: usize,
    /// The direct child being read, if it is one that is.
    field: Option<Field>,
    text: String,
    fields: Vec<(Field, String)>,
    /// The `<rating>` open (a direct child, or an entry of `<ratings>`), and whether
    /// an entry's `<value>` is.
    entry: Option<RatingEntry>,
    in_value: bool,
    /// Direct `<rating>` children, and `<ratings>` entries.
    direct: Vec<RatingEntry>,
    ratings: Vec<RatingEntry>,
}

impl Children {
    fn open(&mut self, e: &BytesStart) {
        let name = e.local_name();
        let name = name.as_ref();
        match (self.depth, self.field) {
            (0, _) => {
                self.field = Field::from_name(name);
                self.text.clear();
                if self.field == Some(Field::Rating) {
                    self.entry = Some(RatingEntry::from_start(e));
                }
            }
            (1, Some(Field::Ratings)) if name.eq_ignore_ascii_case(b"rating") => {
                self.entry = Some(RatingEntry::from_start(e));
            }
            (2, Some(Field::Ratings)) if self.entry.is_some() => {
                self.in_value = name.eq_ignore_ascii_case(b"value");
            }
            _ => {}
        }
        self.depth += 1;
    }

    fn close(&mut self) {
        self.depth -= 1;
        match (self.depth, self.field) {
            (0, _) => self.close_field(),
            (1, Some(Field::Ratings)) => self.ratings.extend(self.entry.take()),
            (2, _) => self.in_value = false,
            _ => {}
        }
    }

    fn close_field(&mut self) {
        let text = std::mem::take(&mut self.text);
        match self.field.take() {
            Some(Field::Rating) => {
                if let Some(mut entry) = self.entry.take() {
                    entry.value = text;
                    self.direct.push(entry);
                }
            }
            Some(Field::Ratings) | None => {}
            Some(field) => self.fields.push((field, text)),
        }
    }

    /// Text directly inside a read child, or inside a `<ratings>` entry's `<value>`;
    /// `escaped` text has its references resolved, CDATA is kept as written.
    fn text(&mut self, raw: &str, escaped: bool) {
        let out = match (self.depth, self.field) {
            (1, Some(_)) => &mut self.text,
            (3, Some(Field::Ratings)) if self.in_value => match self.entry.as_mut() {
                Some(entry) => &mut entry.value,
                None => return,
            },
            _ => return,
        };
        if escaped {
            unescape(raw, out);
        } else {
            out.push_str(raw);
        }
    }

    /// The texts of every `field` child, in order.
    fn all(&self, field: Field) -> impl Iterator<Item = &str> {
        self.fields
            .iter()
            .filter(move |(f, _)| *f == field)
            .map(|(_, text)| text.as_str())
    }

    /// The first usable value of the `fields` children, tried in that order.
    fn first<T>(&self, fields: &[Field], read: impl Fn(&str) -> Option<T>) -> Option<T> {
        fields
            .iter()
            .find_map(|&field| self.all(field).find_map(&read))
    }

    fn into_nfo(self, kind: NfoKind) -> Nfo {
        let title = |field| self.first(&[field], |t| line(t, MAX_TITLE));
        let premiered = self.first(&[Field::Premiered, Field::Aired], date);
        let year = self
            .first(&[Field::Year], |t| int(t).filter(|y| YEARS.contains(y)))
            .or_else(|| premiered.as_deref().and_then(|d| d[..4].parse().ok()));
        let numbered = |field, range: RangeInclusive<i32>| {
            (kind == NfoKind::Episode)
                .then(|| self.first(&[field], |t| int(t).filter(|n| range.contains(n))))
                .flatten()
        };
        Nfo {
            kind,
            title: title(Field::Title),
            original_title: title(Field::OriginalTitle),
            sort_title: title(Field::SortTitle),
            year,
            plot: self.first(&[Field::Plot, Field::Outline], |t| block(t, MAX_PLOT)),
            genres: genres(self.all(Field::Genre)),
            rating: self.rating(),
            runtime_minutes: self.first(&[Field::Runtime], |t| {
                int(t).filter(|m| RUNTIMES.contains(m))
            }),
            premiered,
            season: numbered(Field::Season, SEASONS),
            episode: numbered(Field::Episode, EPISODES),
        }
    }

    fn rating(&self) -> Option<f32> {
        let defaults = self.ratings.iter().filter(|r| r.default);
        defaults
            .chain(self.direct.iter())
            .chain(self.ratings.iter().filter(|r| !r.default))
            .find_map(RatingEntry::out_of_ten)
    }
}

/// Appends `raw` with the predefined entities (`&lt;` `&gt;` `&amp;` `&apos;` `&quot;`)
/// and character references (`&#233;`, `&#xE9;`) resolved. Anything else after a `&`
/// (an entity a DOCTYPE defines, a bare `&` as lenient writers leave it) is kept as
/// written: nothing is ever expanded.
fn unescape(raw: &str, out: &mut String) {
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        // The longest reference is `#x10FFFF`: look no further for its `;`, so that a
        // text of many `&` stays linear.
        let reference = rest.bytes().take(10).position(|b| b == b';');
        match reference.and_then(|end| Some((reference_char(&rest[..end])?, end))) {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => out.push('&'),
        }
    }
    out.push_str(rest);
}

fn reference_char(name: &str) -> Option<char> {
    let code = match name {
        "lt" => return Some('<'),
        "gt" => return Some('>'),
        "amp" => return Some('&'),
        "apos" => return Some('\''),
        "quot" => return Some('"'),
        _ => match name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => name.strip_prefix('#')?.parse().ok()?,
        },
    };
    char::from_u32(code)
}

/// One line of text: control characters dropped, whitespace runs made one space,
/// trimmed, capped at `max` characters; `None` when nothing is left.
fn line(raw: &str, max: usize) -> Option<String> {
    cap(collapse(raw), max)
}

/// A block of text (a plot): each line cleaned as by [`line()`], blank lines at most one
/// in a row, capped at `max` characters.
fn block(raw: &str, max: usize) -> Option<String> {
    let mut out = String::new();
    let mut blank = false;
    for l in raw.lines().map(collapse) {
        if l.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank { "\n\n" } else { "\n" });
        }
        out.push_str(&l);
        blank = false;
    }
    cap(out, max)
}

fn collapse(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for word in raw.split_whitespace() {
        let word = word.chars().filter(|c| !c.is_control());
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word);
    }
    out.truncate(out.trim_end().len());
    out
}

fn cap(mut text: String, max: usize) -> Option<String> {
    if let Some((at, _)) = text.char_indices().nth(max) {
        text.truncate(at);
        text.truncate(text.trim_end().len());
    }
    (!text.is_empty()).then_some(text)
}

/// Every genre, `Drama / Comedy` split in two, repeats dropped ignoring case.
fn genres<'a>(texts: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for genre in texts
        .flat_map(|t| t.split('/'))
        .filter_map(|g| line(g, MAX_GENRE))
    {
        if out.len() == MAX_GENRES {
            break;
        }
        if !out.iter().any(|g| g.to_lowercase() == genre.to_lowercase()) {
            out.push(genre);
        }
    }
    out
}

/// The integer at the start of `raw` (after blanks, with an optional sign): `142 min`
/// is 142, `abc` is `None`.
fn int(raw: &str) -> Option<i32> {
    let raw = raw.trim();
    let sign_len = usize::from(raw.starts_with(['-', '+']));
    let digits = raw[sign_len..]
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    if digits == 0 {
        return None;
    }
    raw[..sign_len + digits].parse().ok()
}

/// A decimal number, with a dot or (as some locales write it) a comma; finite only.
fn number(raw: &str) -> Option<f32> {
    let n: f32 = raw.trim().replace(',', ".").parse().ok()?;
    n.is_finite().then_some(n)
}

/// `YYYY-MM-DD` when `raw` starts with a real date in [`YEARS`] (`2020-03-04 20:00:00`
/// is 2020-03-04).
fn date(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let head = raw.get(..10)?;
    if raw[10..].starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let bytes = head.as_bytes();
    let digits_at = |range: std::ops::Range<usize>| {
        bytes[range.clone()]
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| head[range].parse::<u32>().ok())
            .flatten()
    };
    if bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = i32::try_from(digits_at(0..4)?).ok()?;
    let (month, day) = (digits_at(5..7)?, digits_at(8..10)?);
    chrono::NaiveDate::from_ymd_opt(year, month, day)?;
    YEARS
        .contains(&year)
        .then(|| format!("{year:04}-{month:02}-{day:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Option<String> {
        Some(text.to_owned())
    }

    const TVSHOW: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>
<!-- created on 2023-01-02 - tinyMediaManager 4.3.5 -->
<tvshow>
  <title>The Expanse</title>
  <originaltitle>The Expanse</originaltitle>
  <showtitle>The Expanse</showtitle>
  <sorttitle>Expanse</sorttitle>
  <year>2015</year>
  <ratings>
    <rating default="false" max="10" name="imdb">
      <value>8.5</value>
      <votes>230000</votes>
    </rating>
    <rating default="true" max="100" name="metacritic">
      <value>78</value>
      <votes>12</votes>
    </rating>
  </ratings>
  <userrating>0.0</userrating>
  <outline/>
  <plot>Hundreds of years in the future, humanity has colonised the solar system.

A police detective and a ship's officer uncover a conspiracy.</plot>
  <tagline/>
  <runtime>45</runtime>
  <thumb aspect="poster">https://image.tmdb.org/t/p/original/poster.jpg</thumb>
  <fanart>
    <thumb>https://image.tmdb.org/t/p/original/fanart.jpg</thumb>
  </fanart>
  <mpaa>TV-14</mpaa>
  <episodeguide>{"tmdb":"63639","tvdb":"280619"}</episodeguide>
  <id>280619</id>
  <uniqueid default="true" type="tvdb">280619</uniqueid>
  <uniqueid default="false" type="imdb">tt3230854</uniqueid>
  <premiered>2015-12-14</premiered>
  <season>-1</season>
  <episode>62</episode>
  <status>Ended</status>
  <studio>Syfy</studio>
  <genre>Science Fiction</genre>
  <genre>Drama / Mystery</genre>
  <actor>
    <name>Steven Strait</name>
    <role>James Holden</role>
    <title>Not the title</title>
    <thumb>https://image.tmdb.org/t/p/h632/a.jpg</thumb>
  </actor>
  <namedseason number="1">Season One</namedseason>
</tvshow>
"#;

    const EPISODE: &str = "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<episodedetails>
  <title>Dulcinea</title>
  <showtitle>The Expanse</showtitle>
  <rating>7.9</rating>
  <season>1</season>
  <episode>1</episode>
  <displayseason>-1</displayseason>
  <plot>Two hundred years in the future, in a fully colonized solar system,
police detective Josephus Miller is given the job of finding a missing young woman.</plot>
  <runtime>44</runtime>
  <uniqueid type=\"tvdb\" default=\"true\">5318458</uniqueid>
  <credits>Mark Fergus</credits>
  <director>Terry McDonough</director>
  <aired>2015-11-23</aired>
  <fileinfo>
    <streamdetails>
      <video><codec>h264</codec><durationinseconds>2640</durationinseconds></video>
      <audio><codec>ac3</codec><language>eng</language></audio>
    </streamdetails>
  </fileinfo>
  <actor><name>Thomas Jane</name><role>Miller</role><order>0</order></actor>
</episodedetails>
https://thetvdb.com/?tab=episode&seriesid=280619&id=5318458
";

    const MOVIE: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<movie>
  <set>
    <name>Alien Collection</name>
    <title>Alien Collection</title>
    <overview>All the Alien films.</overview>
  </set>
  <title>Alien</title>
  <originaltitle>Alien</originaltitle>
  <sorttitle>Alien 1</sorttitle>
  <ratings>
    <rating name="imdb" max="10" default="true">
      <value>8,5</value>
      <votes>900000</votes>
    </rating>
    <rating name="themoviedb" max="10">
      <value>8.1</value>
    </rating>
  </ratings>
  <rating>2.0</rating>
  <year>1979</year>
  <outline>In space no one can hear you scream.</outline>
  <plot></plot>
  <runtime>117 min</runtime>
  <thumb aspect="poster" preview="https://x/p.jpg">https://x/poster.jpg</thumb>
  <mpaa>Rated R</mpaa>
  <uniqueid type="imdb" default="true">tt0078748</uniqueid>
  <uniqueid type="tmdb">348</uniqueid>
  <genre>Horror</genre>
  <genre>Science Fiction</genre>
  <genre>horror</genre>
  <country>United Kingdom</country>
  <premiered>1979-05-25</premiered>
  <season>3</season>
  <actor>
    <name>Sigourney Weaver</name>
    <role>Ellen Ripley</role>
    <title>Ripley</title>
  </actor>
</movie>
"#;

    #[test]
    fn a_series_nfo() {
        let nfo = parse(TVSHOW.as_bytes()).unwrap();
        assert_eq!(
            nfo,
            Nfo {
                kind: NfoKind::TvShow,
                title: s("The Expanse"),
                original_title: s("The Expanse"),
                sort_title: s("Expanse"),
                year: Some(2015),
                plot: s(
                    "Hundreds of years in the future, humanity has colonised the solar \
                         system.\n\nA police detective and a ship's officer uncover a \
                         conspiracy."
                ),
                genres: vec!["Science Fiction".into(), "Drama".into(), "Mystery".into()],
                rating: Some(7.8),
                runtime_minutes: Some(45),
                premiered: s("2015-12-14"),
                // A series' <season> and <episode> are counts, not its numbers.
                season: None,
                episode: None,
            }
        );
    }

    #[test]
    fn an_episode_nfo_with_a_bom_and_a_url_after_it() {
        let nfo = parse(EPISODE.as_bytes()).unwrap();
        assert_eq!(nfo.kind, NfoKind::Episode);
        assert_eq!(nfo.title.as_deref(), Some("Dulcinea"));
        assert_eq!((nfo.season, nfo.episode), (Some(1), Some(1)));
        assert_eq!(nfo.rating, Some(7.9));
        assert_eq!(nfo.runtime_minutes, Some(44));
        assert_eq!(nfo.premiered.as_deref(), Some("2015-11-23"));
        assert_eq!(nfo.year, Some(2015), "from <aired>");
        assert_eq!(
            nfo.plot.as_deref(),
            Some(
                "Two hundred years in the future, in a fully colonized solar system,\n\
                 police detective Josephus Miller is given the job of finding a missing \
                 young woman."
            )
        );
        assert!(nfo.genres.is_empty());
    }

    #[test]
    fn a_film_nfo_with_ratings_a_set_and_actors() {
        let nfo = parse(MOVIE.as_bytes()).unwrap();
        assert_eq!(
            nfo,
            Nfo {
                kind: NfoKind::Movie,
                title: s("Alien"),
                original_title: s("Alien"),
                sort_title: s("Alien 1"),
                year: Some(1979),
                plot: s("In space no one can hear you scream."),
                genres: vec!["Horror".into(), "Science Fiction".into()],
                rating: Some(8.5),
                runtime_minutes: Some(117),
                premiered: s("1979-05-25"),
                season: None,
                episode: None,
            }
        );
    }

    #[test]
    fn a_multi_episode_nfo_gives_its_first_episode() {
        let text = "<episodedetails><title>Part One</title><season>2</season>\
                    <episode>3</episode></episodedetails>\n\
                    <episodedetails><title>Part Two</title><season>2</season>\
                    <episode>4</episode></episodedetails>\n";
        let nfo = parse(text.as_bytes()).unwrap();
        assert_eq!(nfo.title.as_deref(), Some("Part One"));
        assert_eq!((nfo.season, nfo.episode), (Some(2), Some(3)));
    }

    /// (input, what is read, or None for no nfo)
    #[test]
    fn values_are_cleaned_and_checked() {
        let cases: &[(&str, Nfo)] = &[
            (
                "<movie><title>  Tom &amp; Jerry\t\n &#x2013; &#8220;Q&#8221;  </title></movie>",
                Nfo {
                    title: s("Tom & Jerry – “Q”"),
                    ..Nfo::default()
                },
            ),
            (
                // A bare & (lenient writers) and an unknown entity are kept as written.
                "<movie><title>Tom & Jerry &nbsp; &bogus</title></movie>",
                Nfo {
                    title: s("Tom & Jerry &nbsp; &bogus"),
                    ..Nfo::default()
                },
            ),
            (
                "<movie><title><![CDATA[<script>alert(1)</script>]]></title></movie>",
                Nfo {
                    title: s("<script>alert(1)</script>"),
                    ..Nfo::default()
                },
            ),
            (
                "<movie><title>A\u{7}B\u{1b}[31m\u{0}C&#0;</title><plot>a\r\nb\r\n\r\n\r\n\
                 \tc\u{85}d</plot></movie>",
                Nfo {
                    title: s("AB[31mC"),
                    plot: s("a\nb\n\nc d"),
                    ..Nfo::default()
                },
            ),
            (
                "<movie><title></title><title>  </title><title>Second</title>\
                 <year>0</year><premiered>2019-02-30</premiered><aired>2019-02-28 \
                 20:00</aired><runtime>0</runtime><rating>11</rating><rating>5</rating>\
                 </movie>",
                Nfo {
                    title: s("Second"),
                    year: Some(2019),
                    premiered: s("2019-02-28"),
                    rating: Some(5.0),
                    ..Nfo::default()
                },
            ),
            (
                "<episodedetails><season>10000</season><episode>-1</episode>\
                 <year>1869</year><premiered>1869-12-31</premiered>\
                 <rating>NaN</rating></episodedetails>",
                Nfo {
                    kind: NfoKind::Episode,
                    ..Nfo::default()
                },
            ),
            (
                "<episodedetails><season>0</season><episode>99999</episode>\
                 <year>2100</year><rating>0</rating></episodedetails>",
                Nfo {
                    kind: NfoKind::Episode,
                    season: Some(0),
                    episode: Some(99_999),
                    year: Some(2100),
                    rating: Some(0.0),
                    ..Nfo::default()
                },
            ),
            (
                "<tvshow><TITLE>Upper</TITLE><genre> / Drama/ / drama /Comedy</genre></tvshow>",
                Nfo {
                    kind: NfoKind::TvShow,
                    title: s("Upper"),
                    genres: vec!["Drama".into(), "Comedy".into()],
                    ..Nfo::default()
                },
            ),
            (
                // A <title> nested in another element never counts, even in a read one.
                "<movie><title>Outer<title>Inner</title> end</title></movie>",
                Nfo {
                    title: s("Outer end"),
                    ..Nfo::default()
                },
            ),
            ("<movie/>", Nfo::default()),
            (
                "<tvshow><ratings><rating max=\"0\"><value>5</value></rating>\
                 <rating><value>6.5</value></rating></ratings></tvshow>",
                Nfo {
                    kind: NfoKind::TvShow,
                    rating: Some(6.5),
                    ..Nfo::default()
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(input.as_bytes()).as_ref(), Some(expected), "{input}");
        }
    }

    #[test]
    fn strings_and_genres_are_capped() {
        let long = "x".repeat(20_000);
        let genres: String = (0..50).map(|i| format!("<genre>G{i}</genre>")).collect();
        let text = format!(
            "<movie><title>{long}</title><plot>{long}</plot>{genres}\
             <genre>{long}</genre></movie>"
        );
        let nfo = parse(text.as_bytes()).unwrap();
        assert_eq!(nfo.title.unwrap().chars().count(), MAX_TITLE);
        assert_eq!(nfo.plot.unwrap().chars().count(), MAX_PLOT);
        assert_eq!(nfo.genres.len(), MAX_GENRES);
        assert_eq!(nfo.genres[19], "G19");
        // Capping never splits a character.
        let wide = "é".repeat(600);
        let nfo = parse(format!("<movie><title>{wide}</title></movie>").as_bytes()).unwrap();
        assert_eq!(nfo.title.unwrap(), "é".repeat(MAX_TITLE));
    }

    #[test]
    fn other_encodings_are_read() {
        let latin1 = b"<movie><title>Am\xe9lie</title></movie>";
        assert_eq!(parse(latin1).unwrap().title.as_deref(), Some("Amélie"));
        let text =
            "<?xml version=\"1.0\" encoding=\"UTF-16\"?><movie><title>Amélie</title></movie>";
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(parse(&le).unwrap().title.as_deref(), Some("Amélie"));
        assert_eq!(parse(&be).unwrap().title.as_deref(), Some("Amélie"));
    }

    #[test]
    fn what_is_not_an_nfo_is_none() {
        let not_nfo: &[&[u8]] = &[
            b"",
            b"https://www.themoviedb.org/movie/348\n",
            b"https://www.imdb.com/title/tt0078748/ <movie>",
            b"<musicvideo><title>Song</title></musicvideo>",
            b"<html><title>Not Found</title></html>",
            // Cut short, or not well-formed.
            b"<movie><title>Alien</title>",
            b"<movie><title>Alien</movie>",
            b"<movie><title>Alien</title></tvshow>",
            b"<movie><title>Alien</title><",
            b"<movie attr=\"x><title>Alien</title></movie>",
            b"\x00\x01\x02\xff\xfe\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            b"\x89PNG\r\n\x1a\n<movie><title>x</title></movie",
        ];
        for input in not_nfo {
            assert_eq!(parse(input), None, "{:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn entities_are_never_expanded() {
        let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE movie [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<movie><title>&lol9;</title><plot>&xxe;</plot></movie>"#;
        let nfo = parse(laughs.as_bytes()).unwrap();
        assert_eq!(nfo.title.as_deref(), Some("&lol9;"));
        assert_eq!(nfo.plot.as_deref(), Some("&xxe;"));
    }

    #[test]
    fn hostile_sizes_are_refused_or_bounded() {
        let mut big = b"<movie><title>Big</title><plot>".to_vec();
        big.resize(2 * MAX_SIZE, b'a');
        big.extend_from_slice(b"</plot></movie>");
        assert_eq!(parse(&big), None);
        // Just under the cap, pathological shapes stay linear and do not panic.
        let ampersands = format!(
            "<movie><title>{}</title></movie>",
            "&".repeat(MAX_SIZE - 64)
        );
        let nfo = parse(ampersands.as_bytes()).unwrap();
        assert_eq!(nfo.title.unwrap().len(), MAX_TITLE);
        let deep = format!("<movie>{}", "<a>".repeat(200_000));
        assert_eq!(parse(deep.as_bytes()), None);
        let closed = format!(
            "<movie>{}{}</movie>",
            "<a>".repeat(100_000),
            "</a>".repeat(100_000)
        );
        assert_eq!(parse(closed.as_bytes()), Some(Nfo::default()));
        let boms = "\u{feff}".repeat(300_000);
        assert_eq!(parse(boms.as_bytes()), None);
    }

    #[test]
    fn serialises_with_lowercase_kinds() {
        let nfo = parse(b"<tvshow><title>X</title></tvshow>").unwrap();
        let json = serde_json::to_value(&nfo).unwrap();
        assert_eq!(json["kind"], "tvshow");
        assert_eq!(serde_json::from_value::<Nfo>(json).unwrap(), nfo);
    }
}
