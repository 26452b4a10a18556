//! JWT access tokens (HS256). A token names its user and its server-side session;
//! the session, not the token, decides whether it is still valid (logout and
//! deactivation end sessions, and with them every token issued for them).

use super::Role;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
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
    /// Always [`ACCESS_AUDIENCE`]: a player link cannot be used as an access token.
    pub aud: String,
    /// The libraries the user may see when the session opened; absent: every one. A
    /// change of them ends the user's sessions, so a token never outlives its list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub libs: Option<Vec<String>>,
}

/// The audience of access tokens.
pub const ACCESS_AUDIENCE: &str = "homestream";
/// The audience of signed player links.
pub const LINK_AUDIENCE: &str = "homestream-stream";

/// What a signed player link asserts: this user, in this session, may stream this video.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkClaims {
    pub sub: Uuid,
    pub username: String,
    pub sid: Uuid,
    /// The one video the link opens.
    pub vid: Uuid,
    pub iat: i64,
    pub exp: i64,
    /// Always [`LINK_AUDIENCE`].
    pub aud: String,
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
    link_validation: Validation,
    verified: Arc<Verified<Claims>>,
    verified_links: Arc<Verified<LinkClaims>>,
}

/// How long a verified token's claims are reused. A token's signature and claims
/// cannot change, so this only saves work; whether it is still good is the session's
/// business, checked on every request.
const VERIFIED_TTL: Duration = Duration::from_secs(5);
/// Most tokens remembered; only tokens that verified are kept, so requests with made-up
/// tokens cannot fill it.
const VERIFIED_CAPACITY: usize = 4096;

/// Tokens verified in the last [`VERIFIED_TTL`], by their text: a player's many range
/// requests pay for one base64 decode, JSON parse and HMAC, not one each.
struct Verified<C> {
    map: RwLock<HashMap<Box<str>, Remembered<C>>>,
}

/// Verified claims and when they were verified.
type Remembered<C> = (Arc<C>, Instant);

impl<C> Default for Verified<C> {
    fn default() -> Self {
        Self {
            map: RwLock::default(),
        }
    }
}

impl<C> Verified<C> {
    /// The claims of `token` verified within the TTL and not expired.
    fn get(&self, token: &str, exp: impl Fn(&C) -> i64) -> Option<Arc<C>> {
        let map = self.map.read().unwrap_or_else(|p| p.into_inner());
        let (claims, at) = map.get(token)?;
        (at.elapsed() < VERIFIED_TTL && !expired(exp(claims))).then(|| claims.clone())
    }

    fn put(&self, token: &str, claims: Arc<C>) {
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        if map.len() >= VERIFIED_CAPACITY {
            map.retain(|_, (_, at)| at.elapsed() < VERIFIED_TTL);
            if map.len() >= VERIFIED_CAPACITY {
                map.clear();
            }
        }
        map.insert(token.into(), (claims, Instant::now()));
    }
}

/// Whether a token whose `exp` is `exp` (whole seconds) has expired: from the instant
/// `exp` names on, to the millisecond. `decode` alone accepts a token throughout the
/// second `exp` names (it refuses only `now > exp`, in whole seconds), which would keep
/// a link alive for up to a second past the `expires_at` it was issued with.
fn expired(exp: i64) -> bool {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    now_ms >= exp.saturating_mul(1000)
}

impl TokenKeys {
    /// Keys for an HS256 secret.
    pub fn new(secret: &[u8]) -> Self {
        // Only HS256: a token naming another algorithm (or `none`) is refused.
        let mut validation = Validation::new(Algorithm::HS256);
        // Tokens are checked by the clock that made them (one server, or instances on
        // synchronised clocks): a link is dead the second `streaming.link_ttl` ends.
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub", "iat", "aud"]);
        let mut link_validation = validation.clone();
        validation.set_audience(&[ACCESS_AUDIENCE]);
        link_validation.set_audience(&[LINK_AUDIENCE]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            link_validation,
            verified: Arc::default(),
            verified_links: Arc::default(),
        }
    }

    /// Signs claims into a compact JWT.
    ///
    /// # Errors
    /// Only when the claims cannot be serialized, which would be a bug.
    pub fn issue<C: Serialize>(&self, claims: &C) -> Result<String, jsonwebtoken::errors::Error> {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
    }

    /// Checks the signature, algorithm and expiry of a token and returns its claims.
    ///
    /// # Errors
    /// [`TokenError::Expired`] past `exp`; [`TokenError::Invalid`] for anything else.
    pub fn verify(&self, token: &str) -> Result<Arc<Claims>, TokenError> {
        self.checked(token, &self.verified, &self.validation, |c| c.exp)
    }

    /// Checks a signed player link the same way, with its own audience.
    ///
    /// # Errors
    /// As [`TokenKeys::verify`]; an access token is [`TokenError::Invalid`] here.
    pub fn verify_link(&self, token: &str) -> Result<Arc<LinkClaims>, TokenError> {
        self.checked(token, &self.verified_links, &self.link_validation, |c| {
            c.exp
        })
    }

    /// The claims of `token`: remembered when it verified within the TTL, else decoded,
    /// checked against `validation` and remembered.
    fn checked<C: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        verified: &Verified<C>,
        validation: &Validation,
        exp: impl Fn(&C) -> i64,
    ) -> Result<Arc<C>, TokenError> {
        if let Some(claims) = verified.get(token, &exp) {
            return Ok(claims);
        }
        let claims = Arc::new(
            decode::<C>(token, &self.decoding, validation)
                .map_err(token_error)?
                .claims,
        );
        if expired(exp(&claims)) {
            return Err(TokenError::Expired);
        }
        verified.put(token, claims.clone());
        Ok(claims)
    }
}

fn token_error(e: jsonwebtoken::errors::Error) -> TokenError {
    match e.kind() {
        jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
        _ => TokenError::Invalid(e.to_string()),
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
            libs: None,
            sub: Uuid::new_v4(),
            username: "ann".into(),
            role: Role::User,
            sid: Uuid::new_v4(),
            iat: now,
            exp: now + exp_offset,
            aud: ACCESS_AUDIENCE.into(),
        }
    }

    #[test]
    fn a_token_round_trips_and_other_keys_refuse_it() {
        let keys = TokenKeys::new(b"a-secret-of-enough-length-for-hs256!");
        let c = claims(60);
        let token = keys.issue(&c).unwrap();
        assert_eq!(*keys.verify(&token).unwrap(), c);
        let other = TokenKeys::new(b"another-secret-of-enough-length-for-it");
        assert!(matches!(other.verify(&token), Err(TokenError::Invalid(_))));
    }

    #[test]
    fn links_and_access_tokens_do_not_stand_in_for_each_other() {
        let keys = TokenKeys::new(b"a-secret-of-enough-length-for-hs256!");
        let access = keys.issue(&claims(60)).unwrap();
        assert!(keys.verify_link(&access).is_err());
        let now = chrono::Utc::now().timestamp();
        let link = LinkClaims {
            sub: Uuid::new_v4(),
            username: "ann".into(),
            sid: Uuid::new_v4(),
            vid: Uuid::new_v4(),
            iat: now,
            exp: now + 60,
            aud: LINK_AUDIENCE.into(),
        };
        let token = keys.issue(&link).unwrap();
        assert_eq!(*keys.verify_link(&token).unwrap(), link);
        assert!(keys.verify(&token).is_err());
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

    #[test]
    fn a_remembered_token_is_refused_once_it_expires_and_a_tampered_one_is_never_taken() {
        let keys = TokenKeys::new(b"a-secret-of-enough-length-for-hs256!");
        let c = claims(1);
        let token = keys.issue(&c).unwrap();
        let first = keys.verify(&token).unwrap();
        // The second check is the remembered claims, the same allocation.
        assert!(Arc::ptr_eq(&first, &keys.verify(&token).unwrap()));
        // Another signature over the same claims is checked, not looked up.
        let mut forged = token.clone();
        forged.pop();
        forged.push(if token.ends_with('A') { 'B' } else { 'A' });
        assert!(keys.verify(&forged).is_err());
        // Past `exp` the remembered entry no longer answers.
        std::thread::sleep(Duration::from_millis(2100));
        assert!(matches!(keys.verify(&token), Err(TokenError::Expired)));
    }

    #[test]
    fn the_memory_of_verified_tokens_stays_bounded() {
        let keys = TokenKeys::new(b"a-secret-of-enough-length-for-hs256!");
        for _ in 0..VERIFIED_CAPACITY + 10 {
            let token = keys.issue(&claims(60)).unwrap();
            keys.verify(&token).unwrap();
        }
        let held = keys.verified.map.read().unwrap().len();
        assert!(held <= VERIFIED_CAPACITY, "{held}");
    }
}
