//! The ContentDirectory's objects: what each `ObjectID` names, its children, and
//! searches, as the DLNA user sees the catalog (through [`crate::library::Catalog`],
//! scoped to its libraries).
//!
//! ```text
//! 0                       root: each library, Continue watching, Next up,
//! ├── lib/<library>             Recently added, Playlists
//! │   ├── dir/<library>/<path>  folders as on disk
//! │   ├── shows/<library>       series > show/<id> > season/<id>/<n> > episodes
//! │   ├── films/<library>
//! │   └── all/<library>
//! ├── continue, nextup, recent
//! └── playlists > pl/<id>
//! v/<id>                  an item (a video), wherever it is listed
//! ```
//! A library's name is written with `%` and `/` escaped; a folder's path as it is.

use super::didl::{self, Naming, Urls};
use super::xml::{escape, Fault};
use crate::auth::CurrentUser;
use crate::db::series::SeriesQuery;
use crate::db::videos::{CatalogQuery, SortKey, VideoKind, VideoRow};
use crate::library::{Catalog, FileError};
use crate::state::AppState;
use uuid::Uuid;

/// Most entries one answer holds; clients page through the rest (UPnP lets a server
/// return fewer than asked, with the total).
const PAGE_MAX: usize = 2000;

/// Entries of the lists that are not a library's: Recently added, Next up.
const SHORT_LIST: i64 = 50;

const FOLDER: &str = "object.container.storageFolder";

/// What an `ObjectID` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Object {
    Root,
    Library(String),
    Folder(String, String),
    Shows(String),
    Show(Uuid),
    Season(Uuid, i32),
    Films(String),
    All(String),
    Continue,
    NextUp,
    Recent,
    Playlists,
    Playlist(Uuid),
    Item(Uuid),
}

fn encode(library: &str) -> String {
    library.replace('%', "%25").replace('/', "%2F")
}

fn decode(text: &str) -> String {
    text.replace("%2F", "/")
        .replace("%2f", "/")
        .replace("%25", "%")
}

impl Object {
    /// Reads an `ObjectID`; `None` for one that names nothing (fault 701).
    pub fn parse(id: &str) -> Option<Self> {
        let (kind, rest) = id.split_once('/').unwrap_or((id, ""));
        let uuid = || Uuid::parse_str(rest).ok();
        Some(match (kind, rest) {
            ("0", "") => Self::Root,
            ("continue", "") => Self::Continue,
            ("nextup", "") => Self::NextUp,
            ("recent", "") => Self::Recent,
            ("playlists", "") => Self::Playlists,
            ("lib", l) if !l.is_empty() => Self::Library(decode(l)),
            ("shows", l) if !l.is_empty() => Self::Shows(decode(l)),
            ("films", l) if !l.is_empty() => Self::Films(decode(l)),
            ("all", l) if !l.is_empty() => Self::All(decode(l)),
            ("dir", rest) => {
                let (l, path) = rest.split_once('/')?;
                if l.is_empty() || !(path.is_empty() || crate::library::is_safe_relative(path)) {
                    return None;
                }
                Self::Folder(decode(l), path.trim_end_matches('/').to_owned())
            }
            ("show", _) => Self::Show(uuid()?),
            ("season", rest) => {
                let (id, n) = rest.split_once('/')?;
                Self::Season(Uuid::parse_str(id).ok()?, n.parse().ok()?)
            }
            ("pl", _) => Self::Playlist(uuid()?),
            ("v", _) => Self::Item(uuid()?),
            _ => return None,
        })
    }

    /// Its `ObjectID`.
    pub fn id(&self) -> String {
        match self {
            Self::Root => "0".into(),
            Self::Continue => "continue".into(),
            Self::NextUp => "nextup".into(),
            Self::Recent => "recent".into(),
            Self::Playlists => "playlists".into(),
            Self::Library(l) => format!("lib/{}", encode(l)),
            Self::Shows(l) => format!("shows/{}", encode(l)),
            Self::Films(l) => format!("films/{}", encode(l)),
            Self::All(l) => format!("all/{}", encode(l)),
            Self::Folder(l, p) => format!("dir/{}/{p}", encode(l)),
            Self::Show(id) => format!("show/{id}"),
            Self::Season(id, n) => format!("season/{id}/{n}"),
            Self::Playlist(id) => format!("pl/{id}"),
            Self::Item(id) => format!("v/{id}"),
        }
    }

    /// The library it belongs to, when it belongs to one (a search's scope).
    fn library(&self) -> Option<&str> {
        match self {
            Self::Library(l)
            | Self::Folder(l, _)
            | Self::Shows(l)
            | Self::Films(l)
            | Self::All(l) => Some(l),
            _ => None,
        }
    }
}

/// One caller's view: the DLNA user, the device's URLs.
pub struct View<'a> {
    pub state: &'a AppState,
    /// The server's friendly name (the root's title).
    pub name: &'a str,
    pub user: &'a CurrentUser,
    pub urls: &'a Urls,
    /// Listings already rendered, shared by every device.
    pub listings: &'a std::sync::Arc<Listings>,
    /// The catalog's version ([`crate::library::MediaLibrary::catalog_version`]).
    pub version: u32,
}

/// Containers listed at most this long are rendered whole once and kept (a TV pages
/// through them, and goes back to them); longer ones are read page by page.
const CACHED_CHILDREN: usize = 2000;
/// Rendered listings kept, and their text at most.
const CACHED_LISTINGS: usize = 8;
const CACHED_BYTES: usize = 4 << 20;

/// A container's children rendered once (DIDL-Lite, escaped for the SOAP answer, with
/// stand-ins for the device's URLs), for the catalog's version they were made from.
#[derive(Debug)]
struct Listing {
    fragments: Vec<Box<str>>,
    bytes: usize,
}

/// The listings kept: the most recently used first, within [`CACHED_LISTINGS`] and
/// [`CACHED_BYTES`]. A scan that changes the catalog (or a new thumbnail) changes the
/// version, so a kept listing is never stale: it is simply not asked for again.
#[derive(Debug, Default)]
pub struct Listings {
    kept: std::sync::Mutex<std::collections::VecDeque<(String, std::sync::Arc<Listing>)>>,
    /// The keys of listings being rendered in the background (one at a time each).
    filling: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl Listings {
    fn get(&self, key: &str) -> Option<std::sync::Arc<Listing>> {
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        let at = kept.iter().position(|(k, _)| k == key)?;
        let hit = kept.remove(at)?;
        let listing = hit.1.clone();
        kept.push_front(hit);
        Some(listing)
    }

    fn put(&self, key: String, listing: std::sync::Arc<Listing>) {
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.retain(|(k, _)| *k != key);
        kept.push_front((key, listing));
        let mut bytes = 0;
        let mut keep = 0;
        for (_, l) in kept.iter() {
            if keep == CACHED_LISTINGS || bytes + l.bytes > CACHED_BYTES {
                break;
            }
            bytes += l.bytes;
            keep += 1;
        }
        kept.truncate(keep.max(1));
    }

    /// Whether the caller is the one to render `key` (no one else is at it).
    fn start_filling(&self, key: &str) -> bool {
        let mut filling = self.filling.lock().unwrap_or_else(|p| p.into_inner());
        filling.insert(key.to_owned())
    }

    fn filled(&self, key: &str) {
        let mut filling = self.filling.lock().unwrap_or_else(|p| p.into_inner());
        filling.remove(key);
    }
}

/// A listing being rendered in the background, until dropped.
struct Filling(std::sync::Arc<Listings>, String);

impl Drop for Filling {
    fn drop(&mut self) {
        self.0.filled(&self.1);
    }
}

/// A listing of `entries` (rendered with [`Urls::placeholders`]).
fn listing_of(entries: &[Entry], parent: &str) -> std::sync::Arc<Listing> {
    let placeholders = Urls::placeholders();
    let fragments: Vec<Box<str>> = entries
        .iter()
        .map(|e| escape(&render(e, parent, &placeholders)).into_boxed_str())
        .collect();
    let bytes = fragments.iter().map(|f| f.len()).sum();
    std::sync::Arc::new(Listing { fragments, bytes })
}

/// A Browse or Search answer: DIDL-Lite (escaped as the SOAP answer's `Result`), how
/// many entries it holds, how many match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub didl: String,
    pub returned: usize,
    pub total: usize,
}

/// A requested window of a list.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub start: usize,
    /// 0: as many as the server gives.
    pub count: usize,
}

impl Window {
    fn limit(self) -> usize {
        match self.count {
            0 => PAGE_MAX,
            n => n.min(PAGE_MAX),
        }
    }

    fn slice<T>(self, all: &[T]) -> &[T] {
        let start = self.start.min(all.len());
        let end = start.saturating_add(self.limit()).min(all.len());
        &all[start..end]
    }
}

/// A list entry before it is written.
enum Entry {
    Container {
        object: Object,
        title: String,
        children: Option<usize>,
        class: &'static str,
    },
    Item(Box<VideoRow>, Naming),
}

fn folder(object: Object, title: impl Into<String>, children: Option<usize>) -> Entry {
    Entry::Container {
        object,
        title: title.into(),
        children,
        class: FOLDER,
    }
}

/// One entry as DIDL-Lite.
fn render(e: &Entry, parent: &str, urls: &Urls) -> String {
    let mut out = String::new();
    match e {
        Entry::Container {
            object,
            title,
            children,
            class,
        } => didl::container(&mut out, &object.id(), parent, title, class, *children),
        Entry::Item(v, naming) => didl::item(&mut out, v, parent, *naming, urls),
    }
    out
}

/// The answer holding `parts` (each escaped DIDL-Lite) as `Result`.
fn answer_of<'p>(parts: impl Iterator<Item = &'p str>, returned: usize, total: usize) -> Answer {
    let mut didl = escape(didl::OPEN);
    for p in parts {
        didl.push_str(p);
    }
    didl.push_str(&escape(didl::CLOSE));
    Answer {
        didl,
        returned,
        total,
    }
}

fn write(entries: Vec<Entry>, parent: &str, urls: &Urls, total: usize) -> Answer {
    let parts: Vec<String> = entries
        .iter()
        .map(|e| escape(&render(e, parent, urls)))
        .collect();
    answer_of(parts.iter().map(String::as_str), parts.len(), total)
}

fn failed(e: impl std::fmt::Display) -> Fault {
    tracing::warn!(error = %e, "a DLNA request failed");
    Fault::ACTION_FAILED
}

fn file_fault(e: FileError) -> Fault {
    match e {
        FileError::NotFound(_) | FileError::NotFoundAt(_) | FileError::SeriesNotFound(_) => {
            Fault::NO_SUCH_OBJECT
        }
        other => failed(other),
    }
}

/// The sort a `SortCriteria` asks for (`+dc:title`, `-dc:date`): the first criterion
/// this server sorts by; others are ignored.
pub fn sort_of(criteria: &str) -> Option<(SortKey, bool)> {
    criteria.split(',').find_map(|c| {
        let c = c.trim();
        let (descending, property) = match c.as_bytes().first() {
            Some(b'-') => (true, &c[1..]),
            Some(b'+') => (false, &c[1..]),
            _ => (false, c),
        };
        match property {
            "dc:title" => Some((SortKey::Title, descending)),
            "dc:date" => Some((SortKey::Added, descending)),
            _ => None,
        }
    })
}

impl View<'_> {
    fn catalog(&self) -> Catalog<'_> {
        self.state.library.for_caller(&self.user.scope)
    }

    async fn rows(&self, ids: &[Uuid], naming: Naming) -> Result<Vec<Entry>, Fault> {
        let rows = self.catalog().playable_many(ids).await.map_err(failed)?;
        Ok(rows
            .into_iter()
            .map(|v| Entry::Item(Box::new(v), naming))
            .collect())
    }

    async fn sees_library(&self, library: &str) -> Result<bool, Fault> {
        let libraries = self.catalog().libraries().await.map_err(failed)?;
        Ok(libraries.iter().any(|l| l.name == library))
    }

    /// A catalog page as items, and the total.
    async fn page(&self, mut q: CatalogQuery, w: Window) -> Result<(Vec<Entry>, usize), Fault> {
        q.limit = i64::try_from(w.limit()).unwrap_or(i64::MAX);
        q.offset = i64::try_from(w.start).unwrap_or(i64::MAX);
        q.count = true;
        let page = self.catalog().page(&q).await.map_err(failed)?;
        let total = usize::try_from(page.total.unwrap_or(0)).unwrap_or(0);
        let items = page
            .rows
            .into_iter()
            .map(|v| Entry::Item(Box::new(v), Naming::Full))
            .collect();
        Ok((items, total))
    }

    /// `BrowseDirectChildren`: from the kept listing of a catalog container (rendered
    /// whole on its first Browse when it is short enough), else read for the window.
    pub async fn children(
        &self,
        object: &Object,
        w: Window,
        sort: Option<(SortKey, bool)>,
    ) -> Result<Answer, Fault> {
        let kept = matches!(
            object,
            Object::Folder(..)
                | Object::Films(_)
                | Object::All(_)
                | Object::Season(..)
                | Object::Shows(_)
        );
        if !kept {
            return self.window_of(object, w, sort).await;
        }
        let key = format!(
            "{}|{sort:?}|{}|{:?}|{}",
            object.id(),
            self.user.id,
            self.user.scope,
            self.version
        );
        let listing = match self.listings.get(&key) {
            Some(l) => l,
            None => {
                let (entries, total) = self.entries(object, w, sort).await?;
                if total > CACHED_CHILDREN {
                    // Too long to keep: this window only.
                    return Ok(write(entries, &object.id(), self.urls, total));
                }
                if w.start > 0 || entries.len() < total {
                    // The first Browse of a container is answered from its own window
                    // (a TV asks for a screenful); the whole listing is rendered in the
                    // background for the pages that follow.
                    self.fill_later(key, object.clone(), sort);
                    return Ok(write(entries, &object.id(), self.urls, total));
                }
                let listing = listing_of(&entries, &object.id());
                self.listings.put(key, listing.clone());
                listing
            }
        };
        let part = w.slice(&listing.fragments);
        let mut answer = answer_of(
            part.iter().map(|f| &**f),
            part.len(),
            listing.fragments.len(),
        );
        answer.didl = self.urls.fill(&answer.didl);
        Ok(answer)
    }

    /// Renders the whole listing of `object` and keeps it as `key`, in the background
    /// (unless it is being rendered already).
    fn fill_later(&self, key: String, object: Object, sort: Option<(SortKey, bool)>) {
        if !self.listings.start_filling(&key) {
            return;
        }
        let (state, user, listings) =
            (self.state.clone(), self.user.clone(), self.listings.clone());
        let (name, version) = (self.name.to_owned(), self.version);
        tokio::spawn(async move {
            // Given back however the task ends, a panic included.
            let _filling = Filling(listings.clone(), key.clone());
            let placeholders = Urls::placeholders();
            let view = View {
                state: &state,
                name: &name,
                user: &user,
                urls: &placeholders,
                listings: &listings,
                version,
            };
            let whole = Window {
                start: 0,
                count: CACHED_CHILDREN,
            };
            match view.entries(&object, whole, sort).await {
                Ok((entries, _)) => {
                    listings.put(key.clone(), listing_of(&entries, &object.id()));
                }
                Err(fault) => tracing::debug!(?fault, "a DLNA listing could not be kept"),
            }
        });
    }

    /// `BrowseDirectChildren` of a window, read for it.
    async fn window_of(
        &self,
        object: &Object,
        w: Window,
        sort: Option<(SortKey, bool)>,
    ) -> Result<Answer, Fault> {
        let (entries, total) = self.entries(object, w, sort).await?;
        Ok(write(entries, &object.id(), self.urls, total))
    }

    /// The children of `object` in the window, and how many it has.
    async fn entries(
        &self,
        object: &Object,
        w: Window,
        sort: Option<(SortKey, bool)>,
    ) -> Result<(Vec<Entry>, usize), Fault> {
        let (entries, total) = match object {
            Object::Root => {
                let mut all: Vec<Entry> = self
                    .catalog()
                    .libraries()
                    .await
                    .map_err(failed)?
                    .into_iter()
                    .map(|l| {
                        let object = Object::Library(l.name.clone());
                        folder(object, l.name, None)
                    })
                    .collect();
                all.push(folder(Object::Continue, "Continue watching", None));
                all.push(folder(Object::NextUp, "Next up", None));
                all.push(folder(Object::Recent, "Recently added", None));
                all.push(folder(Object::Playlists, "Playlists", None));
                let total = all.len();
                (window(all, w), total)
            }
            Object::Library(l) => {
                if !self.sees_library(l).await? {
                    return Err(Fault::NO_SUCH_OBJECT);
                }
                let mut all = vec![folder(
                    Object::Folder(l.clone(), String::new()),
                    "Folders",
                    None,
                )];
                let one = SeriesQuery {
                    limit: 1,
                    ..SeriesQuery::default()
                };
                let (_, shows) = self.catalog().series_in(l, &one).await.map_err(failed)?;
                if shows > 0 {
                    let n = usize::try_from(shows).ok();
                    all.push(folder(Object::Shows(l.clone()), "Series", n));
                }
                let films = self
                    .page(films_query(l, None), Window { start: 0, count: 1 })
                    .await?
                    .1;
                if films > 0 {
                    all.push(folder(Object::Films(l.clone()), "Films", Some(films)));
                }
                all.push(folder(Object::All(l.clone()), "All videos", None));
                let total = all.len();
                (window(all, w), total)
            }
            Object::Folder(l, path) => self.folder_children(l, path, w).await?,
            Object::Shows(l) => {
                let q = SeriesQuery {
                    limit: i64::try_from(w.limit()).unwrap_or(i64::MAX),
                    offset: i64::try_from(w.start).unwrap_or(i64::MAX),
                    ..SeriesQuery::default()
                };
                let (rows, total) = self.catalog().series_in(l, &q).await.map_err(failed)?;
                let entries = rows
                    .into_iter()
                    .map(|s| {
                        let n = usize::try_from(s.season_count).ok();
                        Entry::Container {
                            object: Object::Show(s.id),
                            title: s.title,
                            children: n,
                            class: "object.container.album.videoAlbum",
                        }
                    })
                    .collect();
                (entries, usize::try_from(total).unwrap_or(0))
            }
            Object::Show(id) => {
                let series = self.catalog().series(*id).await.map_err(file_fault)?;
                let episodes = self.catalog().episodes(&series).await.map_err(file_fault)?;
                let mut seasons: Vec<(i32, usize)> = Vec::new();
                for e in &episodes {
                    let n = e.season.unwrap_or(-1);
                    match seasons.iter_mut().find(|(s, _)| *s == n) {
                        Some((_, count)) => *count += 1,
                        None => seasons.push((n, 1)),
                    }
                }
                seasons.sort_by_key(|(n, _)| if *n == 0 { i32::MAX } else { *n });
                let all: Vec<Entry> = seasons
                    .into_iter()
                    .map(|(n, count)| {
                        let title = match n {
                            0 => "Specials".to_owned(),
                            -1 => "Episodes".to_owned(),
                            n => format!("Season {n}"),
                        };
                        folder(Object::Season(*id, n), title, Some(count))
                    })
                    .collect();
                let total = all.len();
                (window(all, w), total)
            }
            Object::Season(id, n) => {
                let series = self.catalog().series(*id).await.map_err(file_fault)?;
                let all: Vec<Entry> = self
                    .catalog()
                    .episodes(&series)
                    .await
                    .map_err(file_fault)?
                    .into_iter()
                    .filter(|e| e.season.unwrap_or(-1) == *n)
                    .map(|e| Entry::Item(Box::new(e), Naming::InSeason))
                    .collect();
                if all.is_empty() {
                    return Err(Fault::NO_SUCH_OBJECT);
                }
                let total = all.len();
                (window(all, w), total)
            }
            Object::Films(l) => {
                if !self.sees_library(l).await? {
                    return Err(Fault::NO_SUCH_OBJECT);
                }
                self.page(films_query(l, sort), w).await?
            }
            Object::All(l) => {
                if !self.sees_library(l).await? {
                    return Err(Fault::NO_SUCH_OBJECT);
                }
                let mut q = films_query(l, sort);
                q.kind = None;
                self.page(q, w).await?
            }
            Object::Recent => {
                let mut q = films_query("", Some((SortKey::Added, true)));
                q.library = None;
                q.kind = None;
                let window_in = Window {
                    start: w.start.min(SHORT_LIST as usize),
                    count: w
                        .limit()
                        .min(SHORT_LIST as usize - w.start.min(SHORT_LIST as usize)),
                };
                let (mut items, total) = if window_in.count == 0 {
                    (Vec::new(), 0)
                } else {
                    self.page(q, window_in).await?
                };
                items.truncate(window_in.count);
                (items, total.min(SHORT_LIST as usize))
            }
            Object::Continue => {
                let ids: Vec<Uuid> = self
                    .state
                    .watching
                    .continue_watching(self.user.id)
                    .await
                    .map_err(failed)?
                    .into_iter()
                    .map(|u| u.video_id)
                    .collect();
                let all = self.rows(&ids, Naming::Full).await?;
                let total = all.len();
                (window(all, w), total)
            }
            Object::NextUp => {
                let all: Vec<Entry> = self
                    .catalog()
                    .next_up(self.user.id, SHORT_LIST)
                    .await
                    .map_err(failed)?
                    .into_iter()
                    .map(|v| Entry::Item(Box::new(v), Naming::Full))
                    .collect();
                let total = all.len();
                (window(all, w), total)
            }
            Object::Playlists => {
                let all: Vec<Entry> = self
                    .state
                    .playlists
                    .list(self.user, true)
                    .await
                    .map_err(failed)?
                    .into_iter()
                    .map(|p| Entry::Container {
                        children: usize::try_from(p.video_count).ok(),
                        object: Object::Playlist(p.id),
                        title: p.name,
                        class: "object.container.playlistContainer",
                    })
                    .collect();
                let total = all.len();
                (window(all, w), total)
            }
            Object::Playlist(id) => {
                let entries = match self.state.playlists.entries(self.user, *id).await {
                    Ok(e) => e,
                    Err(crate::playlists::PlaylistError::NotFound(_)) => {
                        return Err(Fault::NO_SUCH_OBJECT)
                    }
                    Err(e) => return Err(failed(e)),
                };
                let ids: Vec<Uuid> = entries.iter().map(|e| e.video_id).collect();
                let all = self.rows(&ids, Naming::Full).await?;
                let total = all.len();
                (window(all, w), total)
            }
            Object::Item(id) => {
                self.catalog().playable(*id).await.map_err(file_fault)?;
                (Vec::new(), 0)
            }
        };
        Ok((entries, total))
    }

    async fn folder_children(
        &self,
        library: &str,
        path: &str,
        w: Window,
    ) -> Result<(Vec<Entry>, usize), Fault> {
        let prefix = if path.is_empty() {
            String::new()
        } else {
            format!("{path}/")
        };
        let under = self
            .catalog()
            .under(library, &prefix)
            .await
            .map_err(file_fault)?;
        if under.is_empty() && !path.is_empty() {
            return Err(Fault::NO_SUCH_OBJECT);
        }
        // Subfolders with how many files they hold, then the files here, by name.
        let mut folders: Vec<(String, usize)> = Vec::new();
        let mut files: Vec<(String, Uuid)> = Vec::new();
        for (id, file) in &under {
            let rest = &file[prefix.len()..];
            match rest.split_once('/') {
                Some((dir, _)) => match folders.last_mut() {
                    Some((last, n)) if last == dir => *n += 1,
                    _ => match folders.iter_mut().find(|(d, _)| d == dir) {
                        Some((_, n)) => *n += 1,
                        None => folders.push((dir.to_owned(), 1)),
                    },
                },
                None => files.push((rest.to_owned(), *id)),
            }
        }
        folders.sort_by_cached_key(|(d, _)| d.to_lowercase());
        files.sort_by_cached_key(|(f, _)| f.to_lowercase());
        let total = folders.len() + files.len();
        let start = w.start.min(total);
        let end = start.saturating_add(w.limit()).min(total);
        let mut entries = Vec::new();
        for (dir, n) in folders.iter().take(end).skip(start) {
            let object = Object::Folder(library.to_owned(), format!("{prefix}{dir}"));
            entries.push(folder(object, dir.clone(), Some(*n)));
        }
        let first_file = start.saturating_sub(folders.len());
        let last_file = end.saturating_sub(folders.len());
        let ids: Vec<Uuid> = files[first_file.min(files.len())..last_file.min(files.len())]
            .iter()
            .map(|(_, id)| *id)
            .collect();
        entries.extend(self.rows(&ids, Naming::FileName).await?);
        Ok((entries, total))
    }

    /// `BrowseMetadata`: the object itself.
    pub async fn metadata(&self, object: &Object) -> Result<Answer, Fault> {
        let (entry, parent) = match object {
            Object::Root => (folder(Object::Root, self.name, None), "-1".to_owned()),
            Object::Library(l) => {
                if !self.sees_library(l).await? {
                    return Err(Fault::NO_SUCH_OBJECT);
                }
                (folder(object.clone(), l.clone(), None), "0".into())
            }
            Object::Folder(l, path) => {
                if !self.sees_library(l).await? {
                    return Err(Fault::NO_SUCH_OBJECT);
                }
                let (title, parent) = match path.rsplit_once('/') {
                    Some((up, name)) => (name.to_owned(), Object::Folder(l.clone(), up.into())),
                    None if path.is_empty() => ("Folders".to_owned(), Object::Library(l.clone())),
                    None => (path.clone(), Object::Folder(l.clone(), String::new())),
                };
                if !path.is_empty() {
                    let prefix = format!("{path}/");
                    if self
                        .catalog()
                        .under(l, &prefix)
                        .await
                        .map_err(file_fault)?
                        .is_empty()
                    {
                        return Err(Fault::NO_SUCH_OBJECT);
                    }
                }
                (folder(object.clone(), title, None), parent.id())
            }
            Object::Shows(l) | Object::Films(l) | Object::All(l) => {
                if !self.sees_library(l).await? {
                    return Err(Fault::NO_SUCH_OBJECT);
                }
                let title = match object {
                    Object::Shows(_) => "Series",
                    Object::Films(_) => "Films",
                    _ => "All videos",
                };
                (
                    folder(object.clone(), title, None),
                    Object::Library(l.clone()).id(),
                )
            }
            Object::Show(id) => {
                let s = self.catalog().series(*id).await.map_err(file_fault)?;
                let entry = Entry::Container {
                    object: object.clone(),
                    title: s.title,
                    children: usize::try_from(s.season_count).ok(),
                    class: "object.container.album.videoAlbum",
                };
                (entry, Object::Shows(s.library).id())
            }
            Object::Season(id, n) => {
                let s = self.catalog().series(*id).await.map_err(file_fault)?;
                let title = match n {
                    0 => "Specials".to_owned(),
                    -1 => "Episodes".to_owned(),
                    n => format!("Season {n}"),
                };
                (folder(object.clone(), title, None), Object::Show(s.id).id())
            }
            Object::Continue | Object::NextUp | Object::Recent | Object::Playlists => {
                let title = match object {
                    Object::Continue => "Continue watching",
                    Object::NextUp => "Next up",
                    Object::Recent => "Recently added",
                    _ => "Playlists",
                };
                (folder(object.clone(), title, None), "0".into())
            }
            Object::Playlist(id) => match self.state.playlists.visible(self.user, *id).await {
                Ok(p) => (
                    Entry::Container {
                        object: object.clone(),
                        title: p.name,
                        children: usize::try_from(p.video_count).ok(),
                        class: "object.container.playlistContainer",
                    },
                    Object::Playlists.id(),
                ),
                Err(crate::playlists::PlaylistError::NotFound(_)) => {
                    return Err(Fault::NO_SUCH_OBJECT)
                }
                Err(e) => return Err(failed(e)),
            },
            Object::Item(id) => {
                let v = self.catalog().playable(*id).await.map_err(file_fault)?;
                let dir = v
                    .file_path
                    .rsplit_once('/')
                    .map(|(d, _)| d.to_owned())
                    .unwrap_or_default();
                let parent = Object::Folder(v.library.clone(), dir).id();
                (Entry::Item(Box::new((*v).clone()), Naming::Full), parent)
            }
        };
        Ok(write(vec![entry], &parent, self.urls, 1))
    }

    /// `Search`: the videos under `container` matching `criteria`.
    pub async fn search(
        &self,
        container: &Object,
        criteria: &str,
        w: Window,
        sort: Option<(SortKey, bool)>,
    ) -> Result<Answer, Fault> {
        let wanted = super::search::parse(criteria).ok_or(Fault::BAD_SEARCH_CRITERIA)?;
        if !wanted.items {
            return Ok(write(Vec::new(), &container.id(), self.urls, 0));
        }
        let library = container.library().map(str::to_owned);
        if let Some(l) = &library {
            if !self.sees_library(l).await? {
                return Err(Fault::NO_SUCH_CONTAINER);
            }
        }
        let (key, descending) = sort.unwrap_or((SortKey::Title, false));
        let q = CatalogQuery {
            search: wanted.title,
            library,
            min_height: None,
            codec: None,
            kind: wanted.films_only.then_some(VideoKind::Film),
            genre: None,
            year: None,
            sort: key,
            descending,
            limit: 0,
            offset: 0,
            count: true,
        };
        let (entries, total) = self.page(q, w).await?;
        Ok(write(entries, &container.id(), self.urls, total))
    }
}

fn window(all: Vec<Entry>, w: Window) -> Vec<Entry> {
    let (start, len) = {
        let part = w.slice(&all);
        (w.start.min(all.len()), part.len())
    };
    all.into_iter().skip(start).take(len).collect()
}

fn films_query(library: &str, sort: Option<(SortKey, bool)>) -> CatalogQuery {
    let (key, descending) = sort.unwrap_or((SortKey::Title, false));
    CatalogQuery {
        search: None,
        library: Some(library.to_owned()),
        min_height: None,
        codec: None,
        kind: Some(VideoKind::Film),
        genre: None,
        year: None,
        sort: key,
        descending,
        limit: 0,
        offset: 0,
        count: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_ids_read_back_as_written() {
        let id = Uuid::from_u128(9);
        for object in [
            Object::Root,
            Object::Library("Films & Co/2%".into()),
            Object::Folder("TV".into(), String::new()),
            Object::Folder("T/V".into(), "Show/Season 1".into()),
            Object::Shows("TV".into()),
            Object::Show(id),
            Object::Season(id, 0),
            Object::Films("F".into()),
            Object::All("F".into()),
            Object::Continue,
            Object::NextUp,
            Object::Recent,
            Object::Playlists,
            Object::Playlist(id),
            Object::Item(id),
        ] {
            assert_eq!(
                Object::parse(&object.id()),
                Some(object.clone()),
                "{}",
                object.id()
            );
        }
        for bad in [
            "",
            "1",
            "lib/",
            "dir/TV",
            "dir/TV/../etc",
            "dir/TV//etc",
            "show/x",
            "v/1",
            "season/x/1",
        ] {
            assert_eq!(Object::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn kept_listings_stay_within_their_count_and_size() {
        let kept = Listings::default();
        let listing = |bytes: usize| {
            std::sync::Arc::new(Listing {
                fragments: vec!["x".repeat(bytes).into_boxed_str()],
                bytes,
            })
        };
        for n in 0..20 {
            kept.put(format!("k{n}"), listing(10));
        }
        assert!(kept.get("k19").is_some() && kept.get("k12").is_some());
        assert!(kept.get("k11").is_none(), "only {CACHED_LISTINGS} are kept");
        kept.put("big".into(), listing(CACHED_BYTES - 15));
        assert!(kept.get("big").is_some());
        assert!(
            kept.get("k19").is_none(),
            "past the byte budget the oldest go"
        );
        assert!(
            kept.get("k12").is_some(),
            "the most recently used small one fits beside it"
        );
        kept.put("huge".into(), listing(CACHED_BYTES * 2));
        assert!(
            kept.get("huge").is_some(),
            "the newest stays, whatever its size"
        );
        assert!(kept.get("big").is_none());
    }

    #[test]
    fn a_listing_rendered_once_carries_each_device_s_urls() {
        let v: VideoRow = serde_json::from_value(serde_json::json!({
            "id": Uuid::from_u128(7), "library": "F", "file_path": "a/b.mkv",
            "filename": "b.mkv", "title": "A \u{E000} title", "description": null,
            "file_size": 10, "mtime_ns": 0, "fingerprint": "f", "status": "ok",
            "probe_error": null, "duration": 61.5, "width": 640, "height": 360,
            "resolution": "640x360", "format": "mkv", "video_codec": "hevc",
            "video_profile": null, "video_level": null, "bit_rate": 800_000,
            "thumbnail_path": "thumbnails/x.jpg", "metadata": {}, "missing_since": null,
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"
        }))
        .unwrap();
        let once = escape(&render(
            &Entry::Item(Box::new(v.clone()), Naming::Full),
            "all/F",
            &Urls::placeholders(),
        ));
        let tv = Urls::new(
            "http://10.0.0.1:8201/dlna".into(),
            Uuid::from_u128(1),
            "abc",
        );
        let direct = escape(&render(
            &Entry::Item(Box::new(v), Naming::Full),
            "all/F",
            &tv,
        ));
        assert_eq!(tv.fill(&once), direct);
        assert!(direct
            .contains("http://10.0.0.1:8201/dlna/media/00000000-0000-0000-0000-000000000001/abc/"));
        assert!(
            !direct.contains('\u{E000}'),
            "a title cannot hold a stand-in"
        );
    }

    #[test]
    fn sort_criteria_pick_the_first_known_property() {
        assert_eq!(sort_of("+dc:title"), Some((SortKey::Title, false)));
        assert_eq!(sort_of("-dc:date,+dc:title"), Some((SortKey::Added, true)));
        assert_eq!(
            sort_of("+upnp:album,-dc:date"),
            Some((SortKey::Added, true))
        );
        assert_eq!(sort_of(""), None);
    }
}
