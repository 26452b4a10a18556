//! JWT access tokens (HS256). A token names its user and its server-side session;
//! the session, not the token, decides whether it is still valid (logout and
//! deactivation end sessions, and with them every token issued for them).

use crate::accounts::Role;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What an access token asserts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: Uuid,
    pub username: String,
    pub role: Role,
    /// The server-side session this token belongs to.
    pub sid: Uuid,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Expires at, seconds since the epoch.
    pub exp: i64,
}

/// Why a token was refused; every case is answered with 401.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid: {0}")]
    Invalid(String),
}

/// The signing and checking keys, and the one algorithm accepted.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenKeys {
    /// Keys for an HS256 secret.
    pub fn new(secret: &[u8]) -> Self {
        // Only HS256: a token naming another algorithm (or `none`) is refused.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// Signs claims into a compact JWT.
    ///
    /// # Errors
    /// Only when the claims cannot be serialized, which would be a bug.
    pub fn issue(&self, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
    }

    /// Checks the signature, algorithm and expiry of a token and returns its claims.
    ///
    /// # Errors
    /// [`TokenError::Expired`] past `exp`; [`TokenError::Invalid`] for anything else.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid(e.to_string()),
            })
    }
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp_offset: i64) -> Claims {
        let now = chrono::Utc::now().timestamp();
        Claims {
            sub: Uuid::new_v4(),
            username: "ann".into(),
            role: Role::User,
            sid: Uuid::new_v4(),
            iat: now,
            exp: now + exp_offset,
        }
    }

    #[test]
    fn a_token_round_trips_and_other_keys_refuse_it() {
        let keys = TokenKeys::new(b"a-secret-of-enough-length-for-hs256!");
        let c = claims(60);
        let token = keys.issue(&c).unwrap();
        assert_eq!(keys.verify(&token).unwrap(), c);
        let other = TokenKeys::new(b"another-secret-of-enough-length-for-it");
        assert!(matches!(other.verify(&token), Err(TokenError::Invalid(_))));
    }

    #[test]
    fn expired_and_unsigned_tokens_are_refused() {
        let keys = TokenKeys::new(b"a-secret-of-enough-length-for-hs256!");
        let expired = keys.issue(&claims(-120)).unwrap();
        assert!(matches!(keys.verify(&expired), Err(TokenError::Expired)));
        let body = expired.split('.').nth(1).unwrap();
        let none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{body}.");
        assert!(matches!(keys.verify(&none), Err(TokenError::Invalid(_))));
    }
}
