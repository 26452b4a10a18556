//! Logging in and out.

use super::middleware::client_ip;
use super::tags::ApiTags;
use crate::accounts::{Device, Login};
use crate::api::error::ApiResult;
use crate::api::guard::BearerAuth;
use crate::api::text::Text;
use crate::api::views::{Account, DeviceType};
use crate::state::AppState;
use poem::web::Data;
use poem::Request;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

pub struct AuthApi;

/// A username and password.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
struct LoginRequest {
    /// Compared without regard to case.
    #[oai(validator(min_length = 1, max_length = 50))]
    username: Text,
    #[oai(validator(min_length = 1, max_length = 1024))]
    password: Text,
    /// What kind of device this session plays on; guessed from the `User-Agent` (then
    /// taken from the user's preferences) when absent.
    device_type: Option<DeviceType>,
    /// A name for this device, shown in the session list ("Living room TV").
    #[oai(validator(max_length = 100))]
    device_name: Option<Text>,
}

/// A token for the new session.
#[derive(Debug, Object)]
pub(super) struct LoginResponse {
    /// A JWT to send as `Authorization: Bearer <token>`.
    access_token: String,
    /// Always `Bearer`.
    token_type: String,
    /// Seconds until the token expires and a new login is needed (`auth.reauth_after`).
    /// The session also ends after `auth.session_timeout` without requests.
    expires_in: i64,
    /// The server-side session the token belongs to.
    session_id: Uuid,
    /// The account that logged in.
    user: Account,
}

/// The device a login comes from: its address, `User-Agent`, and what it says of itself.
pub(super) fn device(
    state: &AppState,
    req: &Request,
    device_type: Option<DeviceType>,
    name: Option<Text>,
) -> Device {
    Device {
        addr: client_ip(req, &state.settings.server.trusted_proxies),
        user_agent: super::middleware::user_agent(req)
            .map(|ua| ua.chars().take(super::middleware::USER_AGENT_MAX).collect()),
        device_type: device_type.map(Into::into),
        name: name.map(String::from),
    }
}

impl From<Login> for LoginResponse {
    fn from(login: Login) -> Self {
        Self {
            access_token: login.token,
            token_type: "Bearer".to_owned(),
            expires_in: login.expires_in,
            session_id: login.session_id,
            user: login.account.into(),
        }
    }
}

#[derive(ApiResponse)]
enum LoggedOut {
    /// The session has ended; its token no longer works.
    #[oai(status = 204)]
    Done,
}

#[OpenApi(tag = "ApiTags::Auth")]
impl AuthApi {
    /// Logs in with a username and password and opens a session.
    ///
    /// A user has at most `auth.max_sessions_per_user` sessions (3 by default): a login
    /// beyond that ends the user's least recently used session.
    ///
    /// A wrong password, an unknown username and an inactive account get the same
    /// 401. After `auth.max_failed_logins` failures within `auth.failed_login_window`
    /// the username is refused with 429 and `Retry-After`.
    #[oai(path = "/api/auth/login", method = "post", operation_id = "login")]
    async fn login(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: Json<LoginRequest>,
    ) -> ApiResult<Json<LoginResponse>> {
        let device = device(&state, req, body.device_type, body.device_name.clone());
        let login = state
            .accounts
            .login(&body.username, &body.password, device)
            .await?;
        Ok(Json(LoginResponse::from(login)))
    }

    /// Ends the caller's session.
    #[oai(path = "/api/auth/logout", method = "post", operation_id = "logout")]
    async fn logout(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<LoggedOut> {
        state.accounts.logout(&auth.0).await?;
        Ok(LoggedOut::Done)
    }
}
