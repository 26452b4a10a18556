//! The bearer security scheme: every protected operation takes a [`BearerAuth`], whose
//! checker verifies the token and its session before the handler runs.

use crate::accounts::Role;
use crate::error::{ApiError, ApiResult};
use crate::startup::AppState;
use poem::Request;
use poem_openapi::auth::Bearer;
use poem_openapi::SecurityScheme;
use uuid::Uuid;

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentUser {
    pub id: Uuid,
    pub username: String,
    pub role: Role,
    pub session_id: Uuid,
}

impl CurrentUser {
    /// Refuses callers below `role` with 403.
    ///
    /// # Errors
    /// [`ApiError::forbidden`].
    pub fn require(&self, role: Role) -> ApiResult<()> {
        if self.role >= role {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this operation needs the {} role",
                role.as_str()
            )))
        }
    }
}

/// A JWT from `POST /api/auth/login`, sent as `Authorization: Bearer <token>`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "authenticate")]
pub struct BearerAuth(pub CurrentUser);

async fn authenticate(req: &Request, bearer: Bearer) -> poem::Result<CurrentUser> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))?;
    Ok(state
        .accounts
        .authenticate(&bearer.token)
        .await
        .map_err(ApiError::from)?)
}
