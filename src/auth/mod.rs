//! Authentication: password hashing, JWT access tokens, the bearer security scheme
//! that turns a token into a [`CurrentUser`], and the failed-login throttle.

pub mod guard;
pub mod password;
pub mod throttle;
pub mod token;

pub use guard::{BearerAuth, CurrentUser};
pub use token::{Claims, TokenError, TokenKeys};
