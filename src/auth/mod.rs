//! Authentication: password hashing, JWT access tokens, the JWT secret, the
//! failed-login throttle, and [`CurrentUser`], what a checked token speaks for. The
//! security schemes that turn a request's credentials into a [`CurrentUser`] are the
//! API's ([`crate::api::guard`]).

pub mod password;
pub mod secret;
pub mod throttle;
pub mod token;

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentUser {
    pub id: uuid::Uuid,
    pub username: String,
    pub role: crate::accounts::Role,
    pub session_id: uuid::Uuid,
}

pub use token::{Claims, LinkClaims, TokenError, TokenKeys, ACCESS_AUDIENCE, LINK_AUDIENCE};
