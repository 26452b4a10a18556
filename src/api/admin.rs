//! Administration: open streams.

use super::tags::ApiTags;
use crate::api::error::{ApiError, ApiResult};
use crate::api::guard::BearerAuth;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

pub struct AdminApi;

/// An open stream: one session playing one video.
#[derive(Debug, Object)]
struct ActiveStream {
    id: Uuid,
    user_id: Uuid,
    username: String,
    video_id: Uuid,
    started_at: DateTime<Utc>,
    last_activity_at: DateTime<Utc>,
    bytes_sent: u64,
    /// Requests transferring now.
    connections: u64,
    client_address: Option<String>,
    user_agent: Option<String>,
}

#[derive(ApiResponse)]
enum Ended {
    /// The stream was ended and its transfers stopped.
    #[oai(status = 204)]
    Done,
}

#[OpenApi(tag = "ApiTags::Admin")]
impl AdminApi {
    /// Every open stream, of every instance sharing Redis (administrators). Another
    /// instance's figures are as it published them within the last second.
    #[oai(
        path = "/api/admin/streams",
        method = "get",
        operation_id = "listStreams"
    )]
    async fn streams(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
    ) -> ApiResult<Json<Vec<ActiveStream>>> {
        let streams = state
            .streamer
            .list()
            .await
            .into_iter()
            .map(|s| ActiveStream {
                id: s.id,
                user_id: s.user_id,
                username: s.username,
                video_id: s.video_id,
                started_at: s.started_at,
                last_activity_at: s.last_activity_at,
                bytes_sent: s.bytes_sent,
                connections: s.connections as u64,
                client_address: s.client_addr.map(|a| a.to_string()),
                user_agent: s.user_agent,
            })
            .collect();
        Ok(Json(streams))
    }

    /// Ends a stream: frees its slot and closes its transfers (administrators). A
    /// stream served by another instance sharing Redis ends within a second.
    #[oai(
        path = "/api/admin/streams/:id",
        method = "delete",
        operation_id = "endStream"
    )]
    async fn end(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Ended> {
        if state.streamer.end(id.0).await {
            Ok(Ended::Done)
        } else {
            Err(ApiError::not_found("stream", id.0))
        }
    }
}
