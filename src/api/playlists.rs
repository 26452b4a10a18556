//! Playlists: create, rename, share, delete; add, remove and reorder videos; M3U.

use super::middleware::origin;
use super::tags::ApiTags;
use super::videos::Video;
use crate::api::error::ApiResult;
use crate::api::guard::BearerAuth;
use crate::api::text::Text;
use crate::db::playlists::PlaylistRow;
use crate::playlists::{m3u, Change};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use poem::web::Data;
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

pub struct PlaylistsApi;

/// A playlist.
#[derive(Debug, Object)]
struct Playlist {
    id: Uuid,
    /// The owner's user id and name.
    owner_id: Uuid,
    owner: String,
    name: String,
    description: Option<String>,
    /// Visible to every user (read-only for all but the owner and administrators).
    is_public: bool,
    video_count: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<PlaylistRow> for Playlist {
    fn from(p: PlaylistRow) -> Self {
        Self {
            id: p.id,
            owner_id: p.user_id,
            owner: p.owner,
            name: p.name,
            description: p.description,
            is_public: p.is_public,
            video_count: p.video_count,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A playlist with its videos in order.
#[derive(Debug, Object)]
struct PlaylistDetail {
    #[oai(flatten)]
    playlist: Playlist,
    entries: Vec<Entry>,
}

/// One place in a playlist.
#[derive(Debug, Object)]
struct Entry {
    /// 0 for the first video; positions are unique and without gaps.
    position: i64,
    added_at: DateTime<Utc>,
    video: Video,
}

/// A new playlist.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
struct NewPlaylist {
    /// 1 to 100 characters, not only blanks (blanks around it are dropped).
    #[oai(validator(
        max_length = 100,
        pattern = "^[ \\t\\n\\r\\f\\v]*[^ \\t\\n\\r\\f\\v\\x00][^\\x00]*$"
    ))]
    name: Text,
    #[oai(validator(max_length = 2000))]
    description: Option<Text>,
    #[oai(default)]
    is_public: bool,
}

/// Changes to a playlist; absent fields stay as they are.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
struct PlaylistChanges {
    #[oai(validator(
        max_length = 100,
        pattern = "^[ \\t\\n\\r\\f\\v]*[^ \\t\\n\\r\\f\\v\\x00][^\\x00]*$"
    ))]
    name: Option<Text>,
    /// An empty string removes the description.
    #[oai(validator(max_length = 2000))]
    description: Option<Text>,
    is_public: Option<bool>,
}

/// A video to add.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
struct AddVideo {
    video_id: Uuid,
    /// Where to insert it (0 is first); the end when absent or past the end.
    #[oai(validator(maximum(value = "100000")))]
    position: Option<u32>,
}

/// Where to move a video.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
struct MoveVideo {
    /// The new position, 0 for the first; past the end is the end.
    #[oai(validator(maximum(value = "100000")))]
    position: u32,
}

#[derive(ApiResponse)]
enum Created {
    /// The playlist was created.
    #[oai(status = 201)]
    Playlist(Json<PlaylistDetail>),
}

#[derive(ApiResponse)]
enum Deleted {
    /// The playlist is gone.
    #[oai(status = 204)]
    Done,
}

#[derive(ApiResponse)]
enum M3uResponse {
    /// An M3U8 playlist of signed stream links, for VLC, mpv and TVs.
    #[oai(status = 200, content_type = "audio/x-mpegurl")]
    Playlist(
        PlainText<String>,
        #[oai(header = "Content-Disposition")] String,
    ),
}

async fn detail(
    state: &AppState,
    auth: &BearerAuth,
    row: PlaylistRow,
) -> ApiResult<PlaylistDetail> {
    let rows = state.playlists.entries(&auth.0, row.id).await?;
    let mut entries = Vec::with_capacity(rows.len());
    let catalog = auth.catalog(state);
    for e in rows {
        // An entry from a library the caller does not see is left out, not an error.
        if let Some(v) = catalog.visible(e.video_id).await? {
            entries.push(Entry {
                position: e.position,
                added_at: e.added_at,
                video: Video::from(v.as_ref()),
            });
        }
    }
    Ok(PlaylistDetail {
        playlist: row.into(),
        entries,
    })
}

#[OpenApi(tag = "ApiTags::Playlists")]
impl PlaylistsApi {
    /// The caller's playlists, and with `public=true` everyone's public ones too.
    #[oai(
        path = "/api/playlists",
        method = "get",
        operation_id = "listPlaylists"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        #[oai(default)] public: Query<bool>,
    ) -> ApiResult<Json<Vec<Playlist>>> {
        let rows = state.playlists.list(&auth.0, public.0).await?;
        Ok(Json(rows.into_iter().map(Playlist::from).collect()))
    }

    /// Creates a playlist owned by the caller.
    #[oai(
        path = "/api/playlists",
        method = "post",
        operation_id = "createPlaylist"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: Json<NewPlaylist>,
    ) -> ApiResult<Created> {
        let description = body.description.as_deref().filter(|d| !d.is_empty());
        let row = state
            .playlists
            .create(&auth.0, &body.name, description, body.is_public)
            .await?;
        Ok(Created::Playlist(Json(detail(&state, &auth, row).await?)))
    }

    /// A playlist with its videos. A private playlist is a 404 to everyone but its
    /// owner and administrators.
    #[oai(
        path = "/api/playlists/:id",
        method = "get",
        operation_id = "getPlaylist"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<PlaylistDetail>> {
        let row = state.playlists.visible(&auth.0, id.0).await?;
        Ok(Json(detail(&state, &auth, row).await?))
    }

    /// Renames, describes or shares a playlist (owner or administrator).
    #[oai(
        path = "/api/playlists/:id",
        method = "patch",
        operation_id = "updatePlaylist"
    )]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<PlaylistChanges>,
    ) -> ApiResult<Json<PlaylistDetail>> {
        let description = body
            .description
            .as_deref()
            .map(|d| Some(d).filter(|d| !d.is_empty()));
        let row = state
            .playlists
            .update(
                &auth.0,
                id.0,
                body.name.as_deref(),
                description,
                body.is_public,
            )
            .await?;
        Ok(Json(detail(&state, &auth, row).await?))
    }

    /// Deletes a playlist (owner or administrator).
    #[oai(
        path = "/api/playlists/:id",
        method = "delete",
        operation_id = "deletePlaylist"
    )]
    async fn delete(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Deleted> {
        state.playlists.delete(&auth.0, id.0).await?;
        Ok(Deleted::Done)
    }

    /// Adds a video, at the end or at a position (later videos move down one).
    #[oai(
        path = "/api/playlists/:id/videos",
        method = "post",
        operation_id = "addPlaylistVideo"
    )]
    async fn add(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<AddVideo>,
    ) -> ApiResult<Json<PlaylistDetail>> {
        let change = Change::Add(body.video_id, body.position);
        self.apply(&state, &auth, id.0, change).await
    }

    /// Moves a video to another position; the others close up around it.
    #[oai(
        path = "/api/playlists/:id/videos/:video_id",
        method = "put",
        operation_id = "movePlaylistVideo"
    )]
    async fn move_video(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        video_id: Path<Uuid>,
        body: Json<MoveVideo>,
    ) -> ApiResult<Json<PlaylistDetail>> {
        let change = Change::Move(video_id.0, body.position);
        self.apply(&state, &auth, id.0, change).await
    }

    /// Removes a video; the later ones move up one.
    #[oai(
        path = "/api/playlists/:id/videos/:video_id",
        method = "delete",
        operation_id = "removePlaylistVideo"
    )]
    async fn remove(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        video_id: Path<Uuid>,
    ) -> ApiResult<Json<PlaylistDetail>> {
        self.apply(&state, &auth, id.0, Change::Remove(video_id.0))
            .await
    }

    /// The playlist as M3U8 with a signed stream link per video, so VLC or mpv plays
    /// the whole playlist from one URL. The links are valid for `streaming.link_ttl`
    /// and never beyond the caller's session.
    #[oai(
        path = "/api/playlists/:id/m3u",
        method = "get",
        operation_id = "getPlaylistM3u"
    )]
    async fn m3u(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        req: &Request,
        id: Path<Uuid>,
    ) -> ApiResult<M3uResponse> {
        let row = state.playlists.visible(&auth.0, id.0).await?;
        let entries = state.playlists.entries(&auth.0, id.0).await?;
        let ttl = state.settings.streaming.link_ttl.get();
        let base = origin(req, &state.settings.server.trusted_proxies);
        let mut lines = Vec::with_capacity(entries.len());
        let catalog = auth.catalog(&state);
        for e in entries {
            let Some(v) = catalog.visible_playable(e.video_id).await? else {
                continue;
            };
            let (token, _) = state.accounts.issue_link(&auth.0, v.id, ttl).await?;
            let url = format!("{base}/api/stream/{}?token={token}", v.id);
            lines.push((
                v.duration.unwrap_or(0.0),
                super::videos::display_title(&v),
                url,
            ));
        }
        let safe: String = row
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Ok(M3uResponse::Playlist(
            PlainText(m3u(&row.name, &lines)),
            format!("attachment; filename=\"{safe}.m3u8\""),
        ))
    }
}

impl PlaylistsApi {
    async fn apply(
        &self,
        state: &AppState,
        auth: &BearerAuth,
        id: Uuid,
        change: Change,
    ) -> ApiResult<Json<PlaylistDetail>> {
        state.playlists.change(&auth.0, id, change).await?;
        let row = state.playlists.visible(&auth.0, id).await?;
        Ok(Json(detail(state, auth, row).await?))
    }
}
