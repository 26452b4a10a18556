//! Sessions: one's own devices, and every session for administrators.

use super::tags::ApiTags;
use crate::api::error::{ApiError, ApiResult};
use crate::api::guard::BearerAuth;
use crate::api::views::{DeviceType, Preferences};
use crate::sessions::{EndReason, SessionInfo};
use crate::state::AppState;
use crate::streaming::limits::StreamInfo;
use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

pub struct SessionsApi;

/// An open login session: one device of one user.
#[derive(Debug, Object)]
struct Session {
    id: Uuid,
    user_id: Uuid,
    username: String,
    /// Whether this is the session of the token making the request.
    current: bool,
    device_type: DeviceType,
    /// The name the client gave at login, if any.
    device_name: Option<String>,
    user_agent: Option<String>,
    /// The address the login came from.
    client_address: Option<String>,
    /// The user's preferences when the session opened.
    preferences: Preferences,
    created_at: DateTime<Utc>,
    last_activity: DateTime<Utc>,
    /// When the session ends at the latest (`auth.reauth_after` after login); it ends
    /// earlier after `auth.session_timeout` without requests.
    expires_at: DateTime<Utc>,
    /// Streams open now on this instance.
    active_streams: u32,
    /// Streams opened in this session.
    streams_started: i64,
    /// Bytes sent in this session's streams (those still open included).
    bytes_streamed: i64,
}

#[derive(ApiResponse)]
enum SessionEnded {
    /// The session has ended; its tokens and player links no longer work.
    #[oai(status = 204)]
    Done,
}

fn text(data: &serde_json::Value, key: &str) -> Option<String> {
    data.get(key).and_then(|v| v.as_str()).map(str::to_owned)
}

/// Sessions as the API shows them, with their live streams on this instance.
fn sessions(state: &AppState, list: Vec<SessionInfo>, current: Uuid) -> Vec<Session> {
    let streams = state.streamer.registry().list();
    list.into_iter()
        .map(|s| session(s, &streams, current))
        .collect()
}

fn session(s: SessionInfo, streams: &[StreamInfo], current: Uuid) -> Session {
    let live: Vec<_> = streams.iter().filter(|l| l.session_id == s.id).collect();
    let live_bytes: u64 = live.iter().map(|l| l.bytes_sent).sum();
    Session {
        id: s.id,
        user_id: s.user_id,
        username: s.username,
        current: s.id == current,
        device_type: s
            .data
            .get("device_type")
            .cloned()
            .and_then(|v| serde_json::from_value::<crate::preferences::DeviceType>(v).ok())
            .unwrap_or_default()
            .into(),
        device_name: text(&s.data, "device_name"),
        user_agent: text(&s.data, "user_agent"),
        client_address: text(&s.data, "address"),
        preferences: crate::preferences::Preferences::from_stored(
            s.data
                .get("preferences")
                .unwrap_or(&serde_json::Value::Null),
        )
        .into(),
        created_at: s.created_at,
        last_activity: s.last_activity,
        expires_at: s.expires_at,
        active_streams: u32::try_from(live.len()).unwrap_or(u32::MAX),
        streams_started: s.streams_started,
        bytes_streamed: s
            .bytes_streamed
            .saturating_add(i64::try_from(live_bytes).unwrap_or(i64::MAX)),
    }
}

#[OpenApi(tag = "ApiTags::Sessions")]
impl SessionsApi {
    /// The caller's open sessions (devices), most recently used first.
    #[oai(
        path = "/api/sessions",
        method = "get",
        operation_id = "listMySessions"
    )]
    async fn mine(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<Json<Vec<Session>>> {
        let list = state.accounts.sessions().list(Some(auth.0.id)).await?;
        let current = auth.0.session_id;
        Ok(Json(sessions(&state, list, current)))
    }

    /// Ends one of the caller's sessions (logs another device out, or this one).
    #[oai(
        path = "/api/sessions/:id",
        method = "delete",
        operation_id = "endMySession"
    )]
    async fn end(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<SessionEnded> {
        let sessions = state.accounts.sessions();
        let mine = sessions
            .list(Some(auth.0.id))
            .await?
            .iter()
            .any(|s| s.id == id.0);
        if !mine {
            return Err(ApiError::not_found("session", id.0));
        }
        sessions.end(auth.0.id, id.0, EndReason::Revoked).await?;
        Ok(SessionEnded::Done)
    }

    /// Every open session of every user (administrators).
    #[oai(
        path = "/api/admin/sessions",
        method = "get",
        operation_id = "listAllSessions"
    )]
    async fn all(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<Json<Vec<Session>>> {
        let list = state.accounts.sessions().list(None).await?;
        let current = auth.0.session_id;
        Ok(Json(sessions(&state, list, current)))
    }
}
