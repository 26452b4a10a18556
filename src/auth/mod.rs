//! Authentication: password hashing, JWT access tokens, the bearer security scheme
//! that turns a token into a [`CurrentUser`], and the failed-login throttle.

pub mod guard;
pub mod password;
pub mod throttle;
pub mod token;

pub use guard::{BearerAuth, CurrentUser, LinkAuth, StreamAuth};
pub use token::{Claims, LinkClaims, TokenError, TokenKeys, ACCESS_AUDIENCE, LINK_AUDIENCE};
