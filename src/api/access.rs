//! Who may call each operation: the one table that the auth guard enforces
//! ([`AccessTable::needed`]) and that the OpenAPI document states in every operation's
//! description ([`describe`]).
//!
//! The roles of the architecture document: an administrator has full access; a user
//! streams, keeps progress, ratings, playlists and preferences; a guest browses and
//! plays, and keeps their place while their session lives, but creates, changes and
//! rates nothing. Ownership (a playlist's owner, one's own account) is checked by the
//! service on top of this.

use crate::accounts::Role;
use poem::http::Method;
use std::collections::HashMap;

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, without credentials.
    Anyone,
    /// Any signed-in caller, guests included (or a player's signed link, where the
    /// operation takes one).
    Viewer,
    /// Users and administrators; guests get 403.
    Member,
    /// Administrators only.
    Admin,
}

impl Access {
    /// The least role that passes; `None` for [`Access::Anyone`].
    pub fn least_role(self) -> Option<Role> {
        match self {
            Self::Anyone => None,
            Self::Viewer => Some(Role::Guest),
            Self::Member => Some(Role::User),
            Self::Admin => Some(Role::Admin),
        }
    }

    fn sentence(self) -> &'static str {
        match self {
            Self::Anyone => "**Who may call:** anyone, without credentials.",
            Self::Viewer => "**Who may call:** any signed-in role: admin, user and guest.",
            Self::Member => "**Who may call:** admin and user; a guest gets 403.",
            Self::Admin => "**Who may call:** admin only; a user or guest gets 403.",
        }
    }
}

/// Every operation by its `operationId`. A test walks the whole document as anonymous,
/// guest, user and administrator against a table of its own.
pub const TABLE: &[(&str, Access)] = {
    use Access::{Admin, Anyone, Member, Viewer};
    &[
        // System
        ("health", Anyone),
        ("ready", Anyone),
        ("metrics", Anyone),
        // Sign-in and one's own account
        ("login", Anyone),
        ("redeemGuestPass", Anyone),
        ("logout", Viewer),
        ("getMe", Viewer),
        ("changeMyPassword", Member),
        ("listMySessions", Viewer),
        ("endMySession", Viewer),
        // Preferences: a guest may only set the playback quality (checked by the handler).
        ("getPreferences", Viewer),
        ("setPreferences", Viewer),
        // The catalog and playing it
        ("listVideos", Viewer),
        ("getVideo", Viewer),
        ("popularVideos", Viewer),
        ("getThumbnail", Viewer),
        ("getTrickplayIndex", Viewer),
        ("getTrickplaySheet", Viewer),
        ("listSeries", Viewer),
        ("getSeries", Viewer),
        ("listEpisodes", Viewer),
        ("getSeriesImage", Viewer),
        ("getVideoImage", Viewer),
        ("getNextVideo", Viewer),
        ("nextUp", Viewer),
        ("getFacets", Viewer),
        ("decidePlayback", Viewer),
        ("createStreamUrl", Viewer),
        ("streamVideo", Viewer),
        ("headVideo", Viewer),
        ("streamVideoByPath", Viewer),
        ("headVideoByPath", Viewer),
        ("hlsMaster", Viewer),
        ("hlsVariant", Viewer),
        ("hlsSegment", Viewer),
        ("hlsSubtitles", Viewer),
        ("subtitleWebVtt", Viewer),
        ("progressiveStream", Viewer),
        // Watching: a guest keeps their place while the session lives.
        ("reportProgress", Viewer),
        ("beaconProgress", Viewer),
        ("continueWatching", Viewer),
        ("getHistory", Viewer),
        ("deleteHistoryEntry", Viewer),
        ("rateVideo", Member),
        // Marks are a place kept, like progress: a guest's go with their session.
        ("markWatched", Viewer),
        ("markUnwatched", Viewer),
        ("markSeriesWatched", Viewer),
        ("markSeriesUnwatched", Viewer),
        // Playlists: a guest reads public ones.
        ("listPlaylists", Viewer),
        ("getPlaylist", Viewer),
        ("getPlaylistM3u", Viewer),
        ("createPlaylist", Member),
        ("updatePlaylist", Member),
        ("deletePlaylist", Member),
        ("addPlaylistVideo", Member),
        ("movePlaylistVideo", Member),
        ("removePlaylistVideo", Member),
        // Accounts: one's own (getUser) or, for administrators, anyone's
        ("getUser", Viewer),
        ("listUsers", Admin),
        ("createUser", Admin),
        ("updateUser", Admin),
        ("deleteUser", Admin),
        ("resetUserPassword", Admin),
        // Administration
        ("listAllSessions", Admin),
        ("listStreams", Admin),
        ("endStream", Admin),
        ("listDlnaDevices", Admin),
        ("updateDlnaDevice", Admin),
        ("getScanProgress", Admin),
        ("listLibraries", Viewer),
        ("startScan", Admin),
        ("createGuestPass", Admin),
        ("listGuestPasses", Admin),
        ("revokeGuestPass", Admin),
        ("getAnalytics", Admin),
        ("getMyStats", Viewer),
    ]
};

/// The access of an operation, by its id.
pub fn of(operation_id: &str) -> Option<Access> {
    TABLE
        .iter()
        .find(|(id, _)| *id == operation_id)
        .map(|(_, access)| *access)
}

/// Prefixes every operation's description with who may call it (`refine` calls this).
/// An operation missing from [`TABLE`] says so, and the contract test fails on it.
pub fn describe(spec: &mut serde_json::Value) {
    let Some(paths) = spec["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for op in item.values_mut() {
            let id = op["operationId"].as_str().unwrap_or_default();
            let sentence = of(id).map_or("**Who may call:** not in the access table.", |a| {
                a.sentence()
            });
            let description = match op["description"].as_str() {
                Some(text) if !text.is_empty() => format!("{sentence}\n\n{text}"),
                _ => sentence.to_owned(),
            };
            op["description"] = serde_json::Value::String(description);
        }
    }
}

/// A route with its parameters' names left out (`/api/videos/{}`): the document names
/// them (`{id}`), poem's router numbers them (`:param0`) or takes the rest (`*path`).
fn shape(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            if seg.starts_with('{') || seg.starts_with(':') || seg.starts_with('*') {
                "{}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// [`TABLE`] by method and route pattern (poem's `/api/videos/:id`), built once from
/// the document, for the guard.
#[derive(Debug, Default)]
pub struct AccessTable(HashMap<(Method, String), Access>);

impl AccessTable {
    pub fn from_spec(spec: &serde_json::Value) -> Self {
        let mut table = HashMap::new();
        for (path, item) in spec["paths"].as_object().into_iter().flatten() {
            let pattern = shape(path);
            for (method, op) in item.as_object().into_iter().flatten() {
                let (Ok(method), Some(access)) = (
                    method.to_uppercase().parse::<Method>(),
                    op["operationId"].as_str().and_then(of),
                ) else {
                    continue;
                };
                table.insert((method, pattern.clone()), access);
            }
        }
        Self(table)
    }

    /// Who may call `method` on the route `pattern` (poem's, a HEAD falls back to its
    /// GET); `None` when the table does not know it.
    pub fn needed(&self, method: &Method, pattern: &str) -> Option<Access> {
        let pattern = shape(pattern);
        let get = |m: &Method| self.0.get(&(m.clone(), pattern.clone())).copied();
        get(method).or_else(|| {
            (*method == Method::HEAD)
                .then(|| get(&Method::GET))
                .flatten()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_in_the_table_once_and_the_table_names_only_operations() {
        let spec: serde_json::Value = serde_json::from_str(&super::super::spec_json()).unwrap();
        let mut ids = Vec::new();
        for item in spec["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                ids.push(op["operationId"].as_str().unwrap().to_owned());
            }
        }
        for id in &ids {
            assert!(of(id).is_some(), "{id} is not in the access table");
        }
        for (id, _) in TABLE {
            assert_eq!(
                ids.iter().filter(|i| i == id).count(),
                1,
                "{id} is not one operation of the document"
            );
        }
        assert_eq!(TABLE.len(), ids.len());
    }

    #[test]
    fn the_guard_table_reads_poem_patterns_and_head_falls_back_to_get() {
        let spec: serde_json::Value = serde_json::from_str(&super::super::spec_json()).unwrap();
        let table = AccessTable::from_spec(&spec);
        assert_eq!(
            table.needed(&Method::GET, "/api/users/:id"),
            Some(Access::Viewer)
        );
        assert_eq!(
            table.needed(&Method::DELETE, "/api/users/:id"),
            Some(Access::Admin)
        );
        assert_eq!(
            table.needed(&Method::HEAD, "/api/videos/:id"),
            Some(Access::Viewer)
        );
        assert_eq!(
            table.needed(&Method::POST, "/api/playlists"),
            Some(Access::Member)
        );
        assert_eq!(table.needed(&Method::GET, "/api/nothing"), None);
        assert_eq!(
            table.needed(&Method::DELETE, "/api/playlists/:param0"),
            Some(Access::Member)
        );
        assert_eq!(
            table.needed(&Method::GET, "/api/stream/video/*filename"),
            Some(Access::Viewer)
        );
        assert!(spec["paths"]["/api/users"]["post"]["description"]
            .as_str()
            .unwrap()
            .starts_with("**Who may call:** admin only"));
    }
}
