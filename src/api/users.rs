//! Accounts: the caller's own, and (for administrators) everyone's.

use super::tags::ApiTags;
use crate::accounts::{AccessChange, LibraryAccess, NewAccount};
use crate::api::error::{ApiError, ApiResult};
use crate::api::guard::BearerAuth;
use crate::api::text::Text;
use crate::api::views::{each, Account, Role};
use crate::state::AppState;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

pub struct UsersApi;

/// Library names as sent, each checked against `media.libraries` (404 `not_found`
/// otherwise: a name is not something the document can list).
pub(super) fn known_libraries(state: &AppState, names: Vec<Text>) -> ApiResult<Vec<String>> {
    let known = state.library.libraries();
    names
        .into_iter()
        .map(String::from)
        .map(|n| {
            if known.iter().any(|l| l.name == n) {
                Ok(n)
            } else {
                Err(ApiError::not_found("library", format!("{n:?}")))
            }
        })
        .collect()
}

/// A new account.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
struct CreateUser {
    /// 2 to 50 letters, digits, `.`, `_` or `-`; unique without regard to case.
    #[oai(validator(pattern = "^[A-Za-z0-9._-]{2,50}$"))]
    username: Text,
    /// At least 8 characters.
    #[oai(validator(min_length = 8, max_length = 1024))]
    password: Text,
    /// Optional; unique when given. Something before an `@`, and after it a domain
    /// with a dot; no spaces, tabs, line breaks or NUL.
    #[oai(validator(
        max_length = 100,
        pattern = "^[^@ \\t\\n\\f\\r\\x00]+@[^. \\t\\n\\f\\r\\x00][^ \\t\\n\\f\\r\\x00]*\\.[^ \\t\\n\\f\\r\\x00]*$"
    ))]
    email: Option<Text>,
    /// Defaults to `user`.
    role: Option<Role>,
}

/// Changes to an account's access; absent fields stay as they are.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
struct UpdateUser {
    role: Option<Role>,
    /// `false` blocks logins and ends the account's sessions.
    is_active: Option<bool>,
    /// Only these libraries, by their configured names (an empty list hides every
    /// one): the catalog, search, popular, continue watching, playlists, playback and
    /// thumbnails show nothing else to this account.
    #[oai(validator(max_items = 100))]
    libraries: Option<Vec<Text>>,
    /// `true`: every library, now and later (the default for new accounts). Cannot be
    /// sent with `libraries`.
    all_libraries: Option<bool>,
}

/// The caller's password change.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
struct ChangePassword {
    #[oai(validator(max_length = 1024))]
    current_password: Text,
    /// At least 8 characters.
    #[oai(validator(min_length = 8, max_length = 1024))]
    new_password: Text,
}

/// An administrator's password reset.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
struct ResetPassword {
    /// At least 8 characters.
    #[oai(validator(min_length = 8, max_length = 1024))]
    new_password: Text,
}

/// One page of accounts.
#[derive(Debug, Object)]
struct AccountPage {
    items: Vec<Account>,
    /// Accounts in all pages.
    total: u64,
    limit: u32,
    offset: u64,
}

#[derive(ApiResponse)]
enum Created {
    /// The account was created.
    #[oai(status = 201)]
    Created(Json<Account>, #[oai(header = "Location")] String),
}

#[derive(ApiResponse)]
enum Done {
    /// Done; nothing to return.
    #[oai(status = 204)]
    NoContent,
}

#[OpenApi(tag = "ApiTags::Users")]
impl UsersApi {
    /// The caller's own account.
    #[oai(path = "/api/users/me", method = "get", operation_id = "getMe")]
    async fn me(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<Json<Account>> {
        Ok(Json(state.accounts.get(auth.0.id).await?.into()))
    }

    /// Changes the caller's password. Every session of the account ends, this one
    /// included: log in again with the new password.
    #[oai(
        path = "/api/users/me/password",
        method = "put",
        operation_id = "changeMyPassword"
    )]
    async fn change_password(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: Json<ChangePassword>,
    ) -> ApiResult<Done> {
        let body = body.0;
        state
            .accounts
            .change_own_password(&auth.0, &body.current_password, body.new_password.into())
            .await?;
        Ok(Done::NoContent)
    }

    /// Lists accounts (administrators).
    #[oai(path = "/api/users", method = "get", operation_id = "listUsers")]
    async fn list(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
        /// Accounts per page, 1 to 200.
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        limit: Query<u32>,
        /// Accounts to skip.
        #[oai(default, validator(maximum(value = "1000000000")))]
        offset: Query<u64>,
    ) -> ApiResult<Json<AccountPage>> {
        let (items, total) = state.accounts.list(limit.0, offset.0).await?;
        Ok(Json(AccountPage {
            items: each(items),
            total,
            limit: limit.0,
            offset: offset.0,
        }))
    }

    /// Creates an account (administrators).
    #[oai(path = "/api/users", method = "post", operation_id = "createUser")]
    async fn create(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
        body: Json<CreateUser>,
    ) -> ApiResult<Created> {
        let body = body.0;
        let account = state
            .accounts
            .create(NewAccount {
                username: body.username.into(),
                password: body.password.into(),
                email: body.email.map(String::from),
                role: body.role.unwrap_or(Role::User).into(),
            })
            .await?;
        let location = format!("/api/users/{}", account.id);
        Ok(Created::Created(Json(account.into()), location))
    }

    /// One account: the caller's own, or any for administrators.
    #[oai(path = "/api/users/:id", method = "get", operation_id = "getUser")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<Account>> {
        // Ownership on top of the access table: another's account is for administrators.
        if auth.0.id != id.0 {
            auth.0.require(crate::accounts::Role::Admin)?;
        }
        Ok(Json(state.accounts.get(id.0).await?.into()))
    }

    /// Changes an account's role or active flag (administrators). The account's
    /// sessions end, so the change applies at once. The last active administrator
    /// cannot be demoted or deactivated (409 `last_admin`), and an administrator cannot
    /// take away all of their own account's libraries (403; another administrator can).
    #[oai(path = "/api/users/:id", method = "patch", operation_id = "updateUser")]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<UpdateUser>,
    ) -> ApiResult<Json<Account>> {
        let body = body.0;
        let libraries = match (body.all_libraries, body.libraries) {
            (Some(true), Some(_)) => {
                return Err(ApiError::invalid(
                    "send either all_libraries or libraries, not both",
                ))
            }
            (Some(true), None) => Some(LibraryAccess::All),
            (_, Some(names)) => Some(LibraryAccess::Only(known_libraries(&state, names)?)),
            (_, None) => None,
        };
        let no_library = matches!(&libraries, Some(LibraryAccess::Only(names)) if names.is_empty());
        if auth.0.id == id.0 && no_library {
            return Err(ApiError::forbidden(
                "you cannot take away all of your own account's libraries; another \
                 administrator can",
            ));
        }
        let change = AccessChange {
            role: body.role.map(Into::into),
            is_active: body.is_active,
            libraries,
        };
        let account = state.accounts.update_access(id.0, change).await?;
        Ok(Json(account.into()))
    }

    /// Deletes an account with its sessions, progress and playlists (administrators).
    #[oai(
        path = "/api/users/:id",
        method = "delete",
        operation_id = "deleteUser"
    )]
    async fn delete(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Done> {
        state.accounts.delete(id.0).await?;
        Ok(Done::NoContent)
    }

    /// Sets an account's password (administrators); its sessions end.
    #[oai(
        path = "/api/users/:id/password",
        method = "put",
        operation_id = "resetUserPassword"
    )]
    async fn reset_password(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<ResetPassword>,
    ) -> ApiResult<Done> {
        if auth.0.id == id.0 {
            // Without the current password a stolen token could take the account.
            return Err(ApiError::forbidden(
                "use PUT /api/users/me/password to change your own password",
            ));
        }
        state
            .accounts
            .reset_password(id.0, body.0.new_password.into())
            .await?;
        Ok(Done::NoContent)
    }
}

fn default_limit() -> u32 {
    50
}
