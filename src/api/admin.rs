//! Administration: open streams, and the DLNA devices that browsed the server.

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

/// A TV or player that browsed the DLNA server (one per address: a LAN device has no
/// login).
#[derive(Debug, Object)]
struct DlnaDevice {
    id: Uuid,
    /// What it calls itself (its model, else its User-Agent's product).
    name: String,
    /// The address it browses from.
    address: String,
    user_agent: Option<String>,
    /// Since when an administrator has blocked it; `null` when it may browse and play.
    blocked_at: Option<DateTime<Utc>>,
    first_seen_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
}

impl From<crate::db::dlna::DeviceRow> for DlnaDevice {
    fn from(d: crate::db::dlna::DeviceRow) -> Self {
        Self {
            id: d.id,
            name: d.name,
            address: d.address,
            user_agent: d.user_agent,
            blocked_at: d.blocked_at,
            first_seen_at: d.first_seen_at,
            last_seen_at: d.last_seen_at,
        }
    }
}

/// A change to a DLNA device.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
struct DlnaDeviceChange {
    /// `true` blocks it: its media URLs fail at once, its running streams stop, and its
    /// requests get 403. `false` allows it again with new URLs (those it had stay
    /// dead).
    blocked: bool,
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

    /// The TVs and players that have browsed the DLNA server, the most recently seen
    /// first (administrators).
    #[oai(
        path = "/api/admin/dlna/devices",
        method = "get",
        operation_id = "listDlnaDevices"
    )]
    async fn dlna_devices(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
    ) -> ApiResult<Json<Vec<DlnaDevice>>> {
        let devices = state.devices.list().await?;
        Ok(Json(devices.into_iter().map(DlnaDevice::from).collect()))
    }

    /// Blocks a DLNA device or allows it again (administrators). A block takes effect
    /// at once on every instance: its URLs fail and its streams stop.
    #[oai(
        path = "/api/admin/dlna/devices/:id",
        method = "patch",
        operation_id = "updateDlnaDevice"
    )]
    async fn update_dlna_device(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<DlnaDeviceChange>,
    ) -> ApiResult<Json<DlnaDevice>> {
        let Some(device) = state
            .devices
            .set_blocked(id.0, body.blocked, Utc::now())
            .await?
        else {
            return Err(ApiError::not_found("DLNA device", id.0));
        };
        if body.blocked {
            // Its streams run under its id as their session.
            state.streamer.end_session(device.id).await;
        }
        Ok(Json(device.into()))
    }
}
