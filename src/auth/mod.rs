//! Authentication: password hashing, JWT access tokens, the JWT secret, the
//! failed-login throttle, and [`CurrentUser`], what a checked token speaks for. The
//! security schemes that turn a request's credentials into a [`CurrentUser`] are the
//! API's ([`crate::api::guard`]).

pub mod password;
pub mod secret;
pub mod throttle;
pub mod token;

use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentUser {
    pub id: uuid::Uuid,
    pub username: String,
    pub role: Role,
    pub session_id: uuid::Uuid,
    /// The libraries this user may see.
    pub scope: crate::library::Scope,
}

pub use token::{Claims, LinkClaims, TokenError, TokenKeys, ACCESS_AUDIENCE, LINK_AUDIENCE};

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Watches what others share; cannot change anything shared.
    Guest,
    /// Watches, keeps progress, playlists and preferences.
    User,
    /// Everything, including managing users and libraries.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Guest => "guest",
            Self::User => "user",
            Self::Admin => "admin",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "guest" => Ok(Self::Guest),
            "user" => Ok(Self::User),
            "admin" => Ok(Self::Admin),
            other => Err(format!("role must be admin, user or guest, not {other:?}")),
        }
    }
}
