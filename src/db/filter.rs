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

/// `%text%` for a LIKE with `\` as the escape, lowercased; `None` for empty text.
pub(crate) fn like_pattern(text: Option<&str>) -> Option<String> {
    let text = text.map(str::trim).filter(|s| !s.is_empty())?;
    Some(format!("%{}%", escape_like(&text.to_lowercase())))
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
