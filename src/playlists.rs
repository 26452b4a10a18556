//! Playlists: who may see and change them, their order, and their M3U form.
//!
//! A private playlist does not exist for anyone but its owner and administrators (404,
//! not 403, so its existence is not revealed). A public one can be read by every user
//! and changed only by its owner and administrators.

use crate::accounts::Role;
use crate::auth::CurrentUser;
use crate::db::playlists::{self, EntryRow, PlaylistRow};
use crate::db::{Database, DbError};
use crate::library::{FileError, MediaLibrary};
use chrono::Utc;
use std::sync::Arc;
use uuid::Uuid;

/// Most videos in one playlist.
pub const MAX_VIDEOS: usize = 5_000;

/// Why a playlist operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum PlaylistError {
    #[error("playlist {0} does not exist")]
    NotFound(Uuid),
    #[error("only the owner of a playlist or an administrator can change it")]
    NotOwner,
    #[error("video {0} is already in the playlist")]
    AlreadyIn(Uuid),
    #[error("video {0} is not in the playlist")]
    NotIn(Uuid),
    #[error("a playlist holds at most {MAX_VIDEOS} videos")]
    Full,
    #[error("a playlist name cannot be blank")]
    BlankName,
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What a playlist change does.
#[derive(Debug, Clone, Copy)]
pub enum Change {
    /// Adds a video at a position (the end when `None`).
    Add(Uuid, Option<u32>),
    Remove(Uuid),
    /// Moves a video to a position.
    Move(Uuid, u32),
}

/// The playlist service.
#[derive(Debug)]
pub struct Playlists {
    db: Database,
    library: Arc<MediaLibrary>,
}

impl Playlists {
    pub fn new(db: Database, library: Arc<MediaLibrary>) -> Self {
        Self { db, library }
    }

    /// Creates a playlist owned by the caller.
    ///
    /// # Errors
    /// When it cannot be stored.
    pub async fn create(
        &self,
        user: &CurrentUser,
        name: &str,
        description: Option<&str>,
        is_public: bool,
    ) -> Result<PlaylistRow, PlaylistError> {
        let name = trim_blank(name);
        if name.is_empty() {
            return Err(PlaylistError::BlankName);
        }
        let id = Uuid::new_v4();
        playlists::insert(
            &self.db,
            id,
            user.id,
            name,
            description,
            is_public,
            Utc::now(),
        )
        .await?;
        self.visible(user, id).await
    }

    /// A playlist the caller may see.
    ///
    /// # Errors
    /// [`PlaylistError::NotFound`] when it does not exist or is private to another user.
    pub async fn visible(
        &self,
        user: &CurrentUser,
        id: Uuid,
    ) -> Result<PlaylistRow, PlaylistError> {
        match playlists::find(&self.db, id).await? {
            Some(p) if p.is_public || p.user_id == user.id || user.role == Role::Admin => {
                let mut rows = vec![p];
                self.count_visible(user, &mut rows, Some(id), false).await?;
                Ok(rows.remove(0))
            }
            _ => Err(PlaylistError::NotFound(id)),
        }
    }

    /// Sets each playlist's `video_count` to the entries the caller can see: a video in
    /// a library the caller cannot see is neither listed nor counted.
    async fn count_visible(
        &self,
        user: &CurrentUser,
        rows: &mut [PlaylistRow],
        only: Option<Uuid>,
        with_public: bool,
    ) -> Result<(), PlaylistError> {
        if user.scope.names().is_none() || rows.is_empty() {
            return Ok(());
        }
        let counts = playlists::entries_by_library(&self.db, only, user.id, with_public).await?;
        for row in rows.iter_mut() {
            row.video_count = counts
                .iter()
                .filter(|(playlist, library, _)| *playlist == row.id && user.scope.allows(library))
                .map(|(_, _, n)| n)
                .sum();
        }
        Ok(())
    }

    /// A playlist the caller may change.
    ///
    /// # Errors
    /// [`PlaylistError::NotFound`] as for [`Self::visible`]; [`PlaylistError::NotOwner`]
    /// for someone else's public playlist.
    pub async fn owned(&self, user: &CurrentUser, id: Uuid) -> Result<PlaylistRow, PlaylistError> {
        let p = self.visible(user, id).await?;
        if p.user_id == user.id || user.role == Role::Admin {
            Ok(p)
        } else {
            Err(PlaylistError::NotOwner)
        }
    }

    /// The caller's playlists, and everyone's public ones when asked.
    ///
    /// # Errors
    /// When the store cannot be read.
    pub async fn list(
        &self,
        user: &CurrentUser,
        with_public: bool,
    ) -> Result<Vec<PlaylistRow>, PlaylistError> {
        let mut rows = playlists::list(&self.db, user.id, with_public).await?;
        self.count_visible(user, &mut rows, None, with_public)
            .await?;
        Ok(rows)
    }

    /// Renames, describes or shares a playlist.
    ///
    /// # Errors
    /// As [`Self::owned`].
    pub async fn update(
        &self,
        user: &CurrentUser,
        id: Uuid,
        name: Option<&str>,
        description: Option<Option<&str>>,
        is_public: Option<bool>,
    ) -> Result<PlaylistRow, PlaylistError> {
        let p = self.owned(user, id).await?;
        let name = name.map_or(p.name.as_str(), trim_blank);
        if name.is_empty() {
            return Err(PlaylistError::BlankName);
        }
        let description = description.unwrap_or(p.description.as_deref());
        let is_public = is_public.unwrap_or(p.is_public);
        playlists::update(&self.db, id, name, description, is_public, Utc::now()).await?;
        self.visible(user, id).await
    }

    /// Deletes a playlist.
    ///
    /// # Errors
    /// As [`Self::owned`].
    pub async fn delete(&self, user: &CurrentUser, id: Uuid) -> Result<(), PlaylistError> {
        self.owned(user, id).await?;
        playlists::delete(&self.db, id).await?;
        Ok(())
    }

    /// The entries of a playlist the caller may see, in order.
    ///
    /// # Errors
    /// As [`Self::visible`].
    pub async fn entries(
        &self,
        user: &CurrentUser,
        id: Uuid,
    ) -> Result<Vec<EntryRow>, PlaylistError> {
        self.visible(user, id).await?;
        Ok(playlists::entries(&self.db, id).await?)
    }

    /// Adds, removes or moves a video; returns the new order. Concurrent changes run
    /// one after the other, so positions stay unique and gap-free.
    ///
    /// # Errors
    /// As [`Self::owned`], and the [`PlaylistError`] naming what the change got wrong.
    pub async fn change(
        &self,
        user: &CurrentUser,
        id: Uuid,
        change: Change,
    ) -> Result<Vec<Uuid>, PlaylistError> {
        self.owned(user, id).await?;
        if let Change::Add(video, _) = change {
            self.library.for_caller(&user.scope).playable(video).await?;
        }
        let outcome =
            playlists::edit(&self.db, id, Utc::now(), |order| apply(order, change)).await?;
        match outcome {
            None => Err(PlaylistError::NotFound(id)),
            Some(result) => result,
        }
    }
}

/// Applies a change to an order of videos.
fn apply(order: &mut Vec<Uuid>, change: Change) -> Result<(), PlaylistError> {
    match change {
        Change::Add(video, position) => {
            if order.contains(&video) {
                return Err(PlaylistError::AlreadyIn(video));
            }
            if order.len() >= MAX_VIDEOS {
                return Err(PlaylistError::Full);
            }
            // A position past the end is the end, as in every list a user drags into.
            let at = position.map_or(order.len(), |p| (p as usize).min(order.len()));
            order.insert(at, video);
        }
        Change::Remove(video) => {
            let at = order
                .iter()
                .position(|v| *v == video)
                .ok_or(PlaylistError::NotIn(video))?;
            order.remove(at);
        }
        Change::Move(video, position) => {
            let at = order
                .iter()
                .position(|v| *v == video)
                .ok_or(PlaylistError::NotIn(video))?;
            let v = order.remove(at);
            let to = (position as usize).min(order.len());
            order.insert(to, v);
        }
    }
    Ok(())
}

/// An M3U8 playlist: one `#EXTINF` line (duration, title) and one URL per entry.
pub fn m3u(name: &str, entries: &[(f64, String, String)]) -> String {
    let clean = |s: &str| s.replace(['\r', '\n'], " ");
    let mut out = format!("#EXTM3U\n#PLAYLIST:{}\n", clean(name));
    for (duration, title, url) in entries {
        let secs = if *duration > 0.0 {
            duration.round() as i64
        } else {
            -1
        };
        out.push_str(&format!("#EXTINF:{secs},{}\n{url}\n", clean(title)));
    }
    out
}

/// A name without the blanks around it: ASCII spaces, tabs, line breaks, form and line
/// feeds, as the API's pattern for names counts them.
fn trim_blank(name: &str) -> &str {
    name.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: u128) -> Vec<Uuid> {
        (1..=n).map(Uuid::from_u128).collect()
    }

    #[test]
    fn changes_keep_an_order_without_gaps_or_duplicates() {
        let mut order = ids(3);
        apply(&mut order, Change::Move(Uuid::from_u128(3), 0)).unwrap();
        assert_eq!(order, [3, 1, 2].map(Uuid::from_u128));
        apply(&mut order, Change::Add(Uuid::from_u128(4), Some(1))).unwrap();
        assert_eq!(order, [3, 4, 1, 2].map(Uuid::from_u128));
        apply(&mut order, Change::Remove(Uuid::from_u128(1))).unwrap();
        assert_eq!(order, [3, 4, 2].map(Uuid::from_u128));
        assert!(matches!(
            apply(&mut order, Change::Add(Uuid::from_u128(4), None)),
            Err(PlaylistError::AlreadyIn(_))
        ));
        // Past the end is the end.
        apply(&mut order, Change::Move(Uuid::from_u128(4), 3)).unwrap();
        assert_eq!(order, [3, 2, 4].map(Uuid::from_u128));
        apply(&mut order, Change::Add(Uuid::from_u128(5), Some(99))).unwrap();
        assert_eq!(order, [3, 2, 4, 5].map(Uuid::from_u128));
        assert!(matches!(
            apply(&mut order, Change::Remove(Uuid::from_u128(9))),
            Err(PlaylistError::NotIn(_))
        ));
    }

    #[test]
    fn m3u_lists_durations_titles_and_urls() {
        let text = m3u(
            "Road\ntrip",
            &[(
                61.4,
                "A\r\nfilm".into(),
                "http://h/api/stream/1?token=t".into(),
            )],
        );
        assert_eq!(
            text,
            "#EXTM3U\n#PLAYLIST:Road trip\n#EXTINF:61,A  film\nhttp://h/api/stream/1?token=t\n"
        );
    }
}
