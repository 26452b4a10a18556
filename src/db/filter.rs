//! The pieces of the catalog's dynamic queries (filters whose number varies): their
//! arguments, bound in order to a query of either backend, and the LIKE patterns and
//! library lists they use.

use uuid::Uuid;

/// A query argument of one of the catalog's kinds.
pub(crate) enum Arg {
    Text(String),
    Int(i64),
    Uuid(Uuid),
}

/// Binds `args` in order to a query of either backend.
pub(crate) fn bind_all<'q, Q: BindArgs<'q>>(query: Q, args: &'q [Arg]) -> Q {
    args.iter().fold(query, |q, a| q.bind_arg(a))
}

/// A query that takes [`Arg`]s: sqlx's query, scalar and query-as on both backends.
pub(crate) trait BindArgs<'q> {
    fn bind_arg(self, arg: &'q Arg) -> Self;
}

macro_rules! impl_bind_args {
    ($($ty:ty),+) => {$(
        impl<'q, DB: sqlx::Database, O> BindArgs<'q> for $ty
        where
            &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
            i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
            Uuid: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        {
            fn bind_arg(self, arg: &'q Arg) -> Self {
                match arg {
                    Arg::Text(s) => self.bind(s.as_str()),
                    Arg::Int(i) => self.bind(*i),
                    Arg::Uuid(u) => self.bind(*u),
                }
            }
        }
    )+};
}
impl_bind_args!(
    sqlx::query::QueryAs<'q, DB, O, <DB as sqlx::Database>::Arguments<'q>>,
    sqlx::query::QueryScalar<'q, DB, O, <DB as sqlx::Database>::Arguments<'q>>
);

/// Characters of a title its sort key keeps.
pub(crate) const SORT_KEY_CHARS: usize = 100;

/// The order key of a title: lowercased, a leading article dropped ("The Wire" sorts
/// under w, as Jellyfin and Plex sort it), at most [`SORT_KEY_CHARS`] characters.
pub(crate) fn sort_title(title: &str) -> String {
    let lower = title.trim().to_lowercase();
    let rest = ["the ", "a ", "an "]
        .iter()
        .find_map(|article| lower.strip_prefix(article))
        .map(str::trim_start)
        .filter(|rest| !rest.is_empty())
        .unwrap_or(&lower);
    rest.chars().take(SORT_KEY_CHARS).collect()
}

/// The words of a text as search reads them: its runs of letters and digits, lowercased.
pub(crate) fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// The stored text a search looks in: the words of `names`, joined by spaces, whole
/// words up to `max` characters.
pub(crate) fn search_text<'a>(names: impl IntoIterator<Item = &'a str>, max: usize) -> String {
    let mut text = String::new();
    let mut chars = 0;
    for word in names.into_iter().flat_map(words) {
        let n = word.chars().count() + usize::from(!text.is_empty());
        if chars + n > max {
            break;
        }
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&word);
        chars += n;
    }
    text
}

/// Words of a search it looks for; more are ignored.
const SEARCH_WORDS: usize = 8;

/// A search: each typed word must begin a word of what it finds (as Plex matches:
/// "ali 19" finds "Alien (1979)", "lien" does not), in any order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Search {
    pub words: Vec<String>,
}

impl Search {
    /// The search typed; `None` for none (blank). Punctuation alone is a search of no
    /// word, which finds nothing.
    pub fn parse(text: Option<&str>) -> Option<Self> {
        let text = text.map(str::trim).filter(|t| !t.is_empty())?;
        let mut words: Vec<String> = words(text).collect();
        words.sort();
        words.dedup();
        words.truncate(SEARCH_WORDS);
        Some(Self { words })
    }

    /// The conditions on a stored search text (`column`) that find this search, with
    /// placeholders made by `arg`; `skip` is a word already found another way.
    pub fn filters(
        &self,
        column: &str,
        skip: Option<&str>,
        arg: &mut impl FnMut(Arg) -> String,
    ) -> Vec<String> {
        if self.words.is_empty() {
            return vec!["1 = 0".to_owned()];
        }
        self.words
            .iter()
            .filter(|w| Some(w.as_str()) != skip)
            .map(|word| {
                let p = arg(Arg::Text(Self::pattern(word)));
                format!("(' ' || {column}) LIKE {p} ESCAPE '\\'")
            })
            .collect()
    }

    /// The LIKE pattern (`\` escapes) finding `word` at the start of a word of a stored
    /// search text with a space put before it: `% word%`.
    fn pattern(word: &str) -> String {
        format!("% {}%", escape_like(word))
    }

    /// The range of stored words (`>=`, `<`, bytewise) that begin with `word`: no
    /// word holds U+10FFFF, which is no letter or digit.
    pub fn range(word: &str) -> (String, String) {
        (word.to_owned(), format!("{word}\u{10FFFF}"))
    }
}

pub(crate) fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The LIKE pattern finding a genre in a stored JSON array, lowercased (compared with
/// the lowercased array: both backends alike): `%"drama"%`.
pub(crate) fn genre_pattern(genre: &str) -> String {
    let quoted = serde_json::to_string(&genre.trim().to_lowercase()).unwrap_or_default();
    format!("%{}%", escape_like(&quoted))
}

/// Adds `library IN (...)` for `libraries` (`None`: no filter; empty: nothing).
pub(crate) fn libraries_filter(
    filters: &mut Vec<String>,
    arg: &mut impl FnMut(Arg) -> String,
    libraries: Option<&[String]>,
) {
    libraries_filter_as(filters, arg, libraries, "library");
}

pub(crate) fn libraries_filter_as(
    filters: &mut Vec<String>,
    arg: &mut impl FnMut(Arg) -> String,
    libraries: Option<&[String]>,
    column: &str,
) {
    if let Some(names) = libraries {
        if names.is_empty() {
            filters.push("1 = 0".to_owned());
        } else {
            let list: Vec<String> = names.iter().map(|n| arg(Arg::Text(n.clone()))).collect();
            filters.push(format!("{column} IN ({})", list.join(", ")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_runs_of_letters_and_digits_lowercased() {
        let w: Vec<String> = words("Marvel's S.H.I.E.L.D. (2013) - Ünder_1x02").collect();
        assert_eq!(
            w,
            ["marvel", "s", "s", "h", "i", "e", "l", "d", "2013", "ünder", "1x02"]
        );
        assert_eq!(
            search_text(["Alien (1979)", "Alien.mkv"], 300),
            "alien 1979 alien mkv"
        );
        assert_eq!(search_text(["abc def"], 6), "abc", "whole words only");
        assert_eq!(search_text(["abc def"], 7), "abc def");
    }

    #[test]
    fn a_search_is_its_distinct_words_and_punctuation_alone_finds_nothing() {
        assert_eq!(Search::parse(None), None);
        assert_eq!(Search::parse(Some("  ")), None);
        let s = Search::parse(Some("Show 12 show")).unwrap();
        assert_eq!(s.words, ["12", "show"]);
        let nothing = Search::parse(Some("%_")).unwrap();
        let mut args = Vec::new();
        let mut arg = |a: Arg| {
            args.push(a);
            format!("${}", args.len())
        };
        assert_eq!(nothing.filters("t", None, &mut arg), ["1 = 0"]);
        let many = Search::parse(Some("a b c d e f g h i j")).unwrap();
        assert_eq!(many.words.len(), SEARCH_WORDS);
        let two = s.filters("t", Some("12"), &mut arg);
        assert_eq!(two, ["(' ' || t) LIKE $1 ESCAPE '\\'"]);
        assert!(matches!(&args[..], [Arg::Text(p)] if p == "% show%"));
    }

    #[test]
    fn a_words_range_holds_every_word_it_begins_and_no_other() {
        let (from, to) = Search::range("sho");
        for inside in ["sho", "show", "shoúnicode", "sho\u{10FFFE}"] {
            assert!(from.as_str() <= inside && inside < to.as_str(), "{inside}");
        }
        for outside in ["shn", "shp", "sh", "si"] {
            assert!(
                !(from.as_str() <= outside && outside < to.as_str()),
                "{outside}"
            );
        }
    }
}
