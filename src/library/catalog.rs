//! The catalog as one caller sees it: [`Catalog`], the only way from the API to the
//! videos. Every lookup is limited to the libraries the caller's [`Scope`] names, so
//! an endpoint cannot forget the rule "a video in a library the caller cannot see does
//! not exist": there is no unscoped lookup to call.

use super::{FileError, MediaLibrary, Scope};
use crate::db::series::{SeriesQuery, SeriesRow};
use crate::db::videos::{CatalogQuery, FileStatus, VideoRow};
use crate::db::{self, DbError};
use std::sync::Arc;
use uuid::Uuid;

/// What a lookup of a video id found, as the caller may know it.
#[derive(Debug, Clone)]
pub enum Seen {
    /// In one of the caller's libraries, in any state (missing and failed too).
    Visible(Arc<VideoRow>),
    /// In a library the caller cannot see.
    Hidden,
    /// Not in the catalog (a deleted entry an old record still names).
    Unknown,
}

/// The catalog limited to one caller's libraries ([`MediaLibrary::for_caller`]).
#[derive(Debug, Clone, Copy)]
pub struct Catalog<'a> {
    library: &'a MediaLibrary,
    scope: &'a Scope,
}

/// A library the caller sees and how many playable videos it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryCount {
    pub name: String,
    pub videos: i64,
}

impl MediaLibrary {
    /// The catalog as a caller whose libraries are `scope` sees it.
    pub fn for_caller<'a>(&'a self, scope: &'a Scope) -> Catalog<'a> {
        Catalog {
            library: self,
            scope,
        }
    }
}

impl Catalog<'_> {
    /// A playable entry (not missing, not failed) in one of the caller's libraries.
    ///
    /// # Errors
    /// [`FileError::NotFound`] otherwise: a video outside the caller's libraries is not
    /// there for them.
    pub async fn playable(&self, id: Uuid) -> Result<Arc<VideoRow>, FileError> {
        tracing::Span::current().record("video_id", tracing::field::display(id));
        match self.visible_playable(id).await? {
            Some(v) => Ok(v),
            None => Err(FileError::NotFound(id)),
        }
    }

    /// [`Self::playable`] as an option, for lists that leave such entries out.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub async fn visible_playable(&self, id: Uuid) -> Result<Option<Arc<VideoRow>>, DbError> {
        Ok(self
            .visible(id)
            .await?
            .filter(|v| v.status == FileStatus::Ok))
    }

    /// An entry in any state, if it is in one of the caller's libraries: what a list
    /// of the caller's own records (history, playlists) shows.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub async fn visible(&self, id: Uuid) -> Result<Option<Arc<VideoRow>>, DbError> {
        Ok(match self.seen(id).await? {
            Seen::Visible(v) => Some(v),
            Seen::Hidden | Seen::Unknown => None,
        })
    }

    /// Whether an id is the caller's to see, someone else's, or nobody's.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub async fn seen(&self, id: Uuid) -> Result<Seen, DbError> {
        Ok(match self.library.video(id).await? {
            Some(v) if self.scope.allows(&v.library) => Seen::Visible(v),
            Some(_) => Seen::Hidden,
            None => Seen::Unknown,
        })
    }

    /// A playable entry by its path inside a library: the first, in library order, of
    /// the caller's libraries that holds it.
    ///
    /// # Errors
    /// [`FileError::NotFound`] when none of the caller's libraries holds it.
    pub async fn playable_by_path(&self, file_path: &str) -> Result<Arc<VideoRow>, FileError> {
        let found = db::videos::find_playable_by_path(&self.library.db, file_path).await?;
        let id = found
            .iter()
            .find(|v| self.scope.allows(&v.library))
            .map(|v| v.id)
            .ok_or(FileError::NotFoundAt(file_path.to_owned()))?;
        self.playable(id).await
    }

    /// A page of the playable entries in the caller's libraries that match `query`,
    /// and how many match in all.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub async fn page(&self, query: &CatalogQuery) -> Result<db::videos::CatalogPage, DbError> {
        db::videos::catalog(&self.library.db, query, self.scope.names()).await
    }

    /// The caller's libraries, in the configured order, with their playable videos.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub async fn libraries(&self) -> Result<Vec<LibraryCount>, DbError> {
        let counts = db::videos::count_by_library(&self.library.db).await?;
        Ok(self
            .library
            .libraries()
            .iter()
            .filter(|l| self.scope.allows(&l.name))
            .map(|l| LibraryCount {
                name: l.name.clone(),
                videos: counts.get(&l.name).copied().unwrap_or(0),
            })
            .collect())
    }

    /// A page of the series with playable episodes in the caller's libraries, and the
    /// total.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub async fn series_page(&self, query: &SeriesQuery) -> Result<(Vec<SeriesRow>, i64), DbError> {
        db::series::list(&self.library.db, query, self.scope.names()).await
    }

    /// A page of the series of one library the caller sees (none of one it does not),
    /// and the total.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub async fn series_in(
        &self,
        library: &str,
        query: &SeriesQuery,
    ) -> Result<(Vec<SeriesRow>, i64), DbError> {
        if !self.scope.allows(library) {
            return Ok((Vec::new(), 0));
        }
        db::series::list(&self.library.db, query, Some(&[library.to_owned()])).await
    }

    /// A series in one of the caller's libraries.
    ///
    /// # Errors
    /// [`FileError::SeriesNotFound`] when there is none the caller may see.
    pub async fn series(&self, id: Uuid) -> Result<SeriesRow, FileError> {
        match db::series::find(&self.library.db, id).await? {
            Some(s) if self.scope.allows(&s.library) && s.episode_count > 0 => Ok(s),
            _ => Err(FileError::SeriesNotFound(id)),
        }
    }

    /// The playable episodes of a series the caller may see, in viewing order.
    ///
    /// # Errors
    /// As [`Self::series`].
    pub async fn episodes(&self, series: &SeriesRow) -> Result<Vec<VideoRow>, FileError> {
        if !self.scope.allows(&series.library) {
            return Err(FileError::SeriesNotFound(series.id));
        }
        Ok(db::series::episodes(&self.library.db, series.id).await?)
    }

    /// What plays after `video`: the next episode of its series, or the next part of
    /// its film.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub async fn following(&self, video: &VideoRow) -> Result<Option<VideoRow>, DbError> {
        if !self.scope.allows(&video.library) {
            return Ok(None);
        }
        match db::series::next_episode(&self.library.db, video).await? {
            Some(next) => Ok(Some(next)),
            None => db::series::next_part(&self.library.db, video).await,
        }
    }

    /// Every playable file of `video`'s film (its parts and versions), best first.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub async fn film_files(&self, video: &VideoRow) -> Result<Vec<VideoRow>, DbError> {
        if !self.scope.allows(&video.library) {
            return Ok(Vec::new());
        }
        db::series::film_files(&self.library.db, video).await
    }

    /// The playable entries of a library the caller sees whose path starts with
    /// `prefix` (a folder's path and a slash; empty for the whole library), as (id,
    /// library-relative path).
    ///
    /// # Errors
    /// [`FileError::NotFoundAt`] when the library is not the caller's.
    pub async fn under(
        &self,
        library: &str,
        prefix: &str,
    ) -> Result<Vec<(Uuid, String)>, FileError> {
        if !self.scope.allows(library) || !self.library.libraries.iter().any(|l| l.name == library)
        {
            return Err(FileError::NotFoundAt(library.to_owned()));
        }
        Ok(db::videos::under(&self.library.db, library, prefix).await?)
    }

    /// The playable entries with these ids that the caller sees, in the order asked.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub async fn playable_many(&self, ids: &[Uuid]) -> Result<Vec<VideoRow>, DbError> {
        let mut rows = db::videos::find_many(&self.library.db, ids).await?;
        rows.retain(|v| v.status == FileStatus::Ok && self.scope.allows(&v.library));
        let order: std::collections::HashMap<Uuid, usize> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        rows.sort_by_key(|v| order.get(&v.id).copied().unwrap_or(usize::MAX));
        Ok(rows)
    }

    /// The genres and years of the films and series the caller may see.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub async fn facets(&self) -> Result<(Vec<String>, Vec<i32>), DbError> {
        db::series::facets(&self.library.db, self.scope.names()).await
    }

    /// For each series the user is watching (most recent first, up to `limit`), the
    /// first episode after the one they finished last that they have not finished.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub async fn next_up(&self, user_id: Uuid, limit: i64) -> Result<Vec<VideoRow>, DbError> {
        /// Series looked at per round: most have a next episode.
        const PAGE: i64 = 50;
        let db = &self.library.db;
        let mut next = Vec::new();
        let mut offset = 0;
        loop {
            let (page, series) =
                db::series::next_up(db, user_id, self.scope.names(), PAGE, offset).await?;
            next.extend(page);
            if next.len() as i64 >= limit {
                next.truncate(usize::try_from(limit).unwrap_or(0));
                return Ok(next);
            }
            if series < PAGE {
                return Ok(next);
            }
            offset += PAGE;
        }
    }

    /// An image to show for something in `library`: the artwork file at the
    /// library-relative `rel`, or (`Artwork::Thumbnail`) a video's grabbed frame,
    /// resized to about `width` pixels.
    ///
    /// # Errors
    /// [`FileError::NotFoundAt`] when the library is not the caller's or the file is
    /// gone or leaves it; [`FileError::NoImage`] when it is not an image.
    pub async fn image(
        &self,
        library: &str,
        art: Artwork<'_>,
        width: u32,
    ) -> Result<super::images::Resized, FileError> {
        if !self.scope.allows(library) {
            return Err(FileError::NotFoundAt(library.to_owned()));
        }
        match art {
            Artwork::File(rel) => self.library.image(Some(library), rel, width).await,
            Artwork::Thumbnail(id) => self.library.image(None, &format!("{id}.jpg"), width).await,
        }
    }
}

/// Where an image comes from.
#[derive(Debug, Clone, Copy)]
pub enum Artwork<'a> {
    /// A file of the library, by its library-relative path.
    File(&'a str),
    /// The frame the scanner grabbed from this video.
    Thumbnail(Uuid),
}
