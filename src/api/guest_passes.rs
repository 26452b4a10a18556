//! Guest passes: an administrator's invitation that lets someone without an account
//! watch for a while, as a guest.

use super::auth::LoginResponse;
use super::tags::ApiTags;
use crate::accounts::GuestPassRow;
use crate::api::error::{ApiError, ApiResult};
use crate::api::guard::BearerAuth;
use crate::api::text::Text;
use crate::api::views::DeviceType;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use poem::web::Data;
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

pub struct GuestPassesApi;

/// A new guest pass.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
struct NewGuestPass {
    /// A note for administrators ("Grandma's visit").
    #[oai(validator(max_length = 100))]
    label: Option<Text>,
    /// Hours the pass can be used for, and that its sessions last at most (1 to 720).
    #[oai(validator(minimum(value = "1"), maximum(value = "720")))]
    valid_hours: u32,
    /// Guest sessions the pass can open (1 to 1,000).
    #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
    max_uses: u32,
    /// The libraries its guests see, by name; absent: every library.
    #[oai(validator(max_items = 100))]
    libraries: Option<Vec<Text>>,
}

/// A guest pass, without its code.
#[derive(Debug, Object)]
struct GuestPass {
    id: Uuid,
    label: Option<String>,
    /// The administrator who made it (absent once deleted).
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    /// Its sessions end then at the latest.
    expires_at: DateTime<Utc>,
    max_uses: i64,
    uses: i64,
    revoked_at: Option<DateTime<Utc>>,
    /// The libraries its guests see; absent: every library.
    libraries: Option<Vec<String>>,
    /// Guest sessions open now from this pass.
    open_sessions: i64,
}

impl From<GuestPassRow> for GuestPass {
    fn from(r: GuestPassRow) -> Self {
        Self {
            id: r.id,
            label: r.label,
            created_by: r.created_by,
            created_at: r.created_at,
            expires_at: r.expires_at,
            max_uses: r.max_uses,
            uses: r.uses,
            revoked_at: r.revoked_at,
            libraries: r.libraries.and_then(|l| serde_json::from_str(&l).ok()),
            open_sessions: r.open_sessions,
        }
    }
}

/// A pass just made, with its code: shown this once.
#[derive(Debug, Object)]
struct IssuedGuestPass {
    pass: GuestPass,
    /// The secret to give the guest; only its hash is kept.
    code: String,
    /// The web app's page that opens a guest session with the code.
    url: String,
}

/// A guest pass's code, to open a guest session.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
struct GuestLogin {
    #[oai(validator(min_length = 1, max_length = 200))]
    code: Text,
    device_type: Option<DeviceType>,
    /// A name for this device, shown in the session list.
    #[oai(validator(max_length = 100))]
    device_name: Option<Text>,
}

#[derive(ApiResponse)]
enum Issued {
    /// The pass, with its code and link.
    #[oai(status = 201)]
    Created(Json<IssuedGuestPass>),
}

#[derive(ApiResponse)]
enum Revoked {
    /// The pass opens no more sessions, and those it opened have ended.
    #[oai(status = 204)]
    Done,
}

#[OpenApi(tag = "ApiTags::Admin")]
impl GuestPassesApi {
    /// Makes a guest pass (administrators). Whoever has its code can open up to
    /// `max_uses` temporary guest sessions, each with a guest account of its own, until
    /// the pass expires; the sessions end then at the latest.
    #[oai(
        path = "/api/admin/guest-passes",
        method = "post",
        operation_id = "createGuestPass"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: BearerAuth,
        body: Json<NewGuestPass>,
    ) -> ApiResult<Issued> {
        let body = body.0;
        let libraries = body
            .libraries
            .map(|names| super::users::known_libraries(&state, names))
            .transpose()?;
        let expires_at = Utc::now() + chrono::Duration::hours(i64::from(body.valid_hours));
        let (pass, code) = state
            .accounts
            .create_guest_pass(
                auth.0.id,
                body.label.as_deref(),
                expires_at,
                body.max_uses,
                libraries,
            )
            .await?;
        let url = format!(
            "{}/guest?code={code}",
            super::middleware::origin(req, &state.settings.server.trusted_proxies)
        );
        Ok(Issued::Created(Json(IssuedGuestPass {
            pass: pass.into(),
            code,
            url,
        })))
    }

    /// Every guest pass, newest first (administrators).
    #[oai(
        path = "/api/admin/guest-passes",
        method = "get",
        operation_id = "listGuestPasses"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
    ) -> ApiResult<Json<Vec<GuestPass>>> {
        let passes = state.accounts.guest_passes().await?;
        Ok(Json(passes.into_iter().map(GuestPass::from).collect()))
    }

    /// Revokes a guest pass (administrators): it opens no more sessions, and the
    /// guests it let in are removed, which ends their sessions at once on every
    /// instance.
    #[oai(
        path = "/api/admin/guest-passes/:id",
        method = "delete",
        operation_id = "revokeGuestPass"
    )]
    async fn revoke(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Revoked> {
        if state.accounts.revoke_guest_pass(id.0).await? {
            Ok(Revoked::Done)
        } else {
            Err(ApiError::not_found("guest pass", id.0))
        }
    }

    /// Opens a temporary guest session with a guest pass's code, without an account.
    /// An unknown code gets 401 `invalid_guest_pass`; a revoked, expired or used-up
    /// pass 403 `guest_pass_spent`.
    #[oai(
        path = "/api/auth/guest",
        method = "post",
        operation_id = "redeemGuestPass"
    )]
    async fn redeem(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: Json<GuestLogin>,
    ) -> ApiResult<Json<LoginResponse>> {
        let device = super::auth::device(&state, req, body.device_type, body.device_name.clone());
        let login = state.accounts.redeem_guest_pass(&body.code, device).await?;
        Ok(Json(LoginResponse::from(login)))
    }
}
