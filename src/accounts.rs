//! Accounts: creating users, logging in and out, changing passwords, and what an
//! administrator may do to other accounts.
//!
//! Rules kept here rather than in handlers: usernames are unique without regard to
//! case; a deactivated, demoted or re-passworded account loses its open sessions; the
//! last active administrator cannot be demoted, deactivated or deleted.

use crate::auth::password::{PasswordError, Passwords, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use crate::auth::throttle::{LoginThrottle, Refused, Throttled};
use crate::auth::{Claims, CurrentUser, LinkClaims, TokenError, TokenKeys};
use crate::cache::{Cache, CacheKind};
pub use crate::db::guest_passes::GuestPassRow;
use crate::db::{self, users::UserRow, Database, DbError};
use crate::preferences::{DeviceType, Preferences};
use crate::sessions::{EndReason, SessionError, Sessions};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use uuid::Uuid;

pub use crate::auth::Role;

/// An account as shown to clients (never with its password hash).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Account {
    pub id: Uuid,
    pub username: String,
    /// Optional contact address.
    pub email: Option<String>,
    pub role: Role,
    /// An inactive account cannot log in.
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub last_login: Option<DateTime<Utc>>,
    /// The libraries this account sees, by name; absent: every library.
    pub libraries: Option<Vec<String>>,
}

impl TryFrom<UserRow> for Account {
    type Error = AccountError;
    fn try_from(row: UserRow) -> Result<Self, Self::Error> {
        Ok(Self {
            id: row.id,
            username: row.username,
            email: row.email,
            role: row.role.parse().map_err(AccountError::Invalid)?,
            is_active: row.is_active,
            created_at: row.created_at,
            last_login: row.last_login,
            libraries: row
                .libraries
                .map(|l| serde_json::from_str(&l))
                .transpose()
                .map_err(|e| AccountError::Invalid(format!("stored libraries: {e}")))?,
        })
    }
}

/// Why an account operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("invalid username or password")]
    BadCredentials,
    #[error("too many failed logins")]
    Throttled(Throttled),
    /// Too many passwords are being checked at once; retry shortly.
    #[error("too many logins are being checked at once; try again shortly")]
    Busy,
    #[error("{0}")]
    Invalid(String),
    #[error("the username {0:?} is taken")]
    UsernameTaken(String),
    #[error("the e-mail address is used by another account")]
    EmailTaken,
    #[error("user {0} does not exist")]
    NotFound(Uuid),
    #[error("this would leave no active administrator")]
    LastAdmin,
    #[error("{0}")]
    GuestPass(GuestPassRefusal),
    #[error("{0}")]
    Token(#[from] TokenError),
    #[error("{0}")]
    Session(#[from] SessionError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The libraries an account sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LibraryAccess {
    All,
    Only(Vec<String>),
}

/// A change to an account's access; `None` fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct AccessChange {
    pub role: Option<Role>,
    pub is_active: Option<bool>,
    pub libraries: Option<LibraryAccess>,
}

/// Why a guest pass's code opened no session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GuestPassRefusal {
    #[error("no guest pass has this code")]
    Unknown,
    #[error("this guest pass has been revoked")]
    Revoked,
    #[error("this guest pass has expired")]
    Expired,
    #[error("this guest pass has been used as many times as it allows")]
    UsedUp,
}

/// A guest pass code's stored form: its SHA-256, in hex.
fn code_hash(code: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(code.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new account's details.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub password: String,
    pub email: Option<String>,
    pub role: Role,
}

/// Where a login comes from.
#[derive(Debug, Clone, Default)]
pub struct Device {
    pub addr: Option<IpAddr>,
    pub user_agent: Option<String>,
    /// What the client said it is; guessed from the user agent, then taken from the
    /// user's preferences, when absent.
    pub device_type: Option<DeviceType>,
    /// A name the client gave itself ("Living room TV").
    pub name: Option<String>,
}

/// A successful login.
#[derive(Debug, Clone)]
pub struct Login {
    pub token: String,
    pub expires_in: i64,
    pub session_id: Uuid,
    pub account: Account,
}

/// The account service.
#[derive(Debug)]
pub struct Accounts {
    db: Database,
    keys: TokenKeys,
    sessions: Sessions,
    throttle: LoginThrottle,
    passwords: Passwords,
    cache: Arc<Cache>,
    /// Logins since start-up by outcome, in [`LoginCounts`]' order.
    logins: [AtomicU64; 4],
}

/// Logins since start-up by outcome, for the metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoginCounts {
    /// A session was opened.
    pub ok: u64,
    /// An unknown user, a wrong password or an inactive account.
    pub failed: u64,
    /// Refused by the throttle (`auth.max_failed_logins`) before the password was checked.
    pub throttled: u64,
    /// Anything else: the password workers were busy, the database failed.
    pub error: u64,
}

impl From<PasswordError> for AccountError {
    fn from(e: PasswordError) -> Self {
        match e {
            PasswordError::Busy => Self::Busy,
            other => Self::Internal(other.into()),
        }
    }
}

impl Accounts {
    pub fn new(
        db: Database,
        keys: TokenKeys,
        sessions: Sessions,
        throttle: LoginThrottle,
        passwords: Passwords,
        cache: Arc<Cache>,
    ) -> Self {
        Self {
            db,
            keys,
            sessions,
            throttle,
            passwords,
            cache,
            logins: Default::default(),
        }
    }

    /// Logins since start-up by outcome.
    pub fn login_counts(&self) -> LoginCounts {
        let [ok, failed, throttled, error] =
            self.logins.each_ref().map(|n| n.load(Ordering::Relaxed));
        LoginCounts {
            ok,
            failed,
            throttled,
            error,
        }
    }

    /// The session service, for the session lists and ending one session.
    pub fn sessions(&self) -> &Sessions {
        &self.sessions
    }

    /// A user's streaming preferences (cached as `user:preferences:{user_id}`).
    ///
    /// # Errors
    /// [`AccountError::NotFound`].
    pub async fn preferences(&self, id: Uuid) -> Result<Preferences, AccountError> {
        let key = id.to_string();
        if let Some(hit) = self.cache.get(CacheKind::Preferences, &key).await {
            return Ok(hit);
        }
        let row = db::users::find(&self.db, id)
            .await?
            .ok_or(AccountError::NotFound(id))?;
        let preferences = Preferences::from_stored(&row.streaming_preferences.0);
        self.cache
            .put(CacheKind::Preferences, &key, &preferences)
            .await;
        Ok(preferences)
    }

    /// Replaces a user's streaming preferences; sessions opened from now on carry them.
    ///
    /// # Errors
    /// [`AccountError::NotFound`].
    pub async fn set_preferences(
        &self,
        id: Uuid,
        preferences: &Preferences,
    ) -> Result<(), AccountError> {
        let value = serde_json::to_value(preferences).map_err(anyhow::Error::from)?;
        let stored = db::users::set_preferences(&self.db, id, &value, Utc::now()).await?;
        self.cache
            .invalidate(CacheKind::Preferences, &id.to_string())
            .await;
        if !stored {
            return Err(AccountError::NotFound(id));
        }
        Ok(())
    }

    /// Creates an account.
    ///
    /// # Errors
    /// [`AccountError::Invalid`] for a bad username, password or e-mail;
    /// [`AccountError::UsernameTaken`] / [`AccountError::EmailTaken`] for duplicates.
    pub async fn create(&self, new: NewAccount) -> Result<Account, AccountError> {
        let username = validate_username(&new.username)?;
        validate_password(&new.password)?;
        let email = new.email.as_deref().map(validate_email).transpose()?;
        let hash = self.passwords.hash(new.password).await?;
        let id = Uuid::new_v4();
        let row = db::users::NewUser {
            id,
            username,
            email,
            password_hash: &hash,
            role: new.role.as_str(),
            now: Utc::now(),
        };
        db::users::insert(&self.db, &row)
            .await
            .map_err(|e| match e {
                DbError::Duplicate(c) if c.contains("email") => AccountError::EmailTaken,
                DbError::Duplicate(_) => AccountError::UsernameTaken(username.to_owned()),
                other => other.into(),
            })?;
        self.get(id).await
    }

    /// Checks a username and password and opens a session.
    ///
    /// # Errors
    /// [`AccountError::Throttled`] after too many failures, otherwise
    /// [`AccountError::BadCredentials`] for an unknown user, a wrong password or an
    /// inactive account alike, so the answer reveals nothing about which it was.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        device: Device,
    ) -> Result<Login, AccountError> {
        let result = self.sign_in(username, password, device).await;
        let outcome = match &result {
            Ok(_) => 0,
            Err(AccountError::BadCredentials) => 1,
            Err(AccountError::Throttled(_)) => 2,
            Err(_) => 3,
        };
        self.logins[outcome].fetch_add(1, Ordering::Relaxed);
        result
    }

    async fn sign_in(
        &self,
        username: &str,
        password: &str,
        device: Device,
    ) -> Result<Login, AccountError> {
        let row = self.check_password(username, password, device.addr).await?;
        self.open_session(row, device, None).await
    }

    /// Opens a session for an account and issues its token. A guest's session is
    /// temporary; `ends_by` shortens it further (a guest pass's expiry).
    async fn open_session(
        &self,
        row: UserRow,
        device: Device,
        ends_by: Option<DateTime<Utc>>,
    ) -> Result<Login, AccountError> {
        let preferences = Preferences::from_stored(&row.streaming_preferences.0);
        let account = Account::try_from(row)?;
        let device_type = device
            .device_type
            .or_else(|| {
                device
                    .user_agent
                    .as_deref()
                    .and_then(DeviceType::from_user_agent)
            })
            .unwrap_or(preferences.device_type);
        let data = serde_json::json!({
            "address": device.addr.map(|a| a.to_string()),
            "user_agent": device.user_agent,
            "device_type": device_type,
            "device_name": device.name,
            "preferences": preferences,
        });
        let session = self
            .sessions
            .open(account.id, account.role == Role::Guest, ends_by, &data)
            .await?;
        let claims = Claims {
            sub: account.id,
            username: account.username.clone(),
            role: account.role,
            sid: session.id,
            iat: session.created_at.timestamp(),
            exp: session.expires_at.timestamp(),
            aud: crate::auth::ACCESS_AUDIENCE.to_owned(),
            libs: account.libraries.clone(),
        };
        let token = self.keys.issue(&claims).map_err(anyhow::Error::from)?;
        db::users::record_login(&self.db, account.id, session.created_at).await?;
        Ok(Login {
            token,
            expires_in: (session.expires_at - session.created_at).num_seconds(),
            session_id: session.id,
            account: Account {
                last_login: Some(session.created_at),
                ..account
            },
        })
    }

    /// The account behind a username and password, counted by the throttle before the
    /// password is checked (so a burst cannot pass the budget).
    async fn check_password(
        &self,
        username: &str,
        password: &str,
        addr: Option<IpAddr>,
    ) -> Result<UserRow, AccountError> {
        let attempt =
            self.throttle
                .reserve(username, addr)
                .await
                .map_err(|refused| match refused {
                    Refused::Throttled(t) => AccountError::Throttled(t),
                    Refused::Unshared => AccountError::Busy,
                })?;
        let row = match db::users::find_by_username(&self.db, username).await {
            Ok(row) => row,
            Err(e) => {
                self.throttle.cancel(attempt).await;
                return Err(e.into());
            }
        };
        let hash = row.as_ref().map(|r| r.password_hash.clone());
        let matched = match self.passwords.verify(password.to_owned(), hash).await {
            Ok(matched) => matched,
            Err(e) => {
                self.throttle.cancel(attempt).await;
                return Err(e.into());
            }
        };
        match row {
            Some(row) if matched && row.is_active => {
                self.throttle.succeeded(attempt).await;
                Ok(row)
            }
            _ => {
                self.throttle.failed(attempt);
                Err(AccountError::BadCredentials)
            }
        }
    }

    /// Turns a bearer token into the user it speaks for, if its session is open.
    ///
    /// # Errors
    /// [`AccountError::Token`] or [`AccountError::Session`] when it cannot be used.
    pub async fn authenticate(&self, token: &str) -> Result<CurrentUser, AccountError> {
        let claims = self.keys.verify(token)?;
        self.sessions.check(claims.sid, claims.sub).await?;
        Ok(CurrentUser {
            id: claims.sub,
            username: claims.username.clone(),
            role: claims.role,
            session_id: claims.sid,
            scope: crate::library::Scope::from_names(claims.libs.clone()),
        })
    }

    /// Signs a player link for one video, valid for `ttl` but never past the session's
    /// own end; returns the token and its expiry.
    ///
    /// # Errors
    /// When the session is no longer open.
    pub async fn issue_link(
        &self,
        user: &CurrentUser,
        video_id: Uuid,
        ttl: std::time::Duration,
    ) -> Result<(String, DateTime<Utc>), AccountError> {
        let now = Utc::now();
        let ttl = chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
        // `exp` is in whole seconds: the link ends at the whole second before the TTL
        // runs out, and `expires_at` says exactly that instant (the link is refused
        // from it on, not a second later).
        let expires = (now + ttl).min(now + self.sessions.lifetime());
        let expires = DateTime::from_timestamp(expires.timestamp(), 0).unwrap_or(expires);
        let claims = LinkClaims {
            sub: user.id,
            username: user.username.clone(),
            sid: user.session_id,
            vid: video_id,
            iat: now.timestamp(),
            exp: expires.timestamp(),
            aud: crate::auth::LINK_AUDIENCE.to_owned(),
        };
        let token = self.keys.issue(&claims).map_err(anyhow::Error::from)?;
        Ok((token, expires))
    }

    /// Checks a player link and that the session it was made in is still open.
    ///
    /// # Errors
    /// [`AccountError::Token`] or [`AccountError::Session`].
    pub async fn authenticate_link(
        &self,
        token: &str,
    ) -> Result<std::sync::Arc<LinkClaims>, AccountError> {
        let claims = self.keys.verify_link(token)?;
        self.sessions.check(claims.sid, claims.sub).await?;
        Ok(claims)
    }

    /// Ends the caller's session.
    ///
    /// # Errors
    /// When the store cannot be written.
    pub async fn logout(&self, user: &CurrentUser) -> Result<(), AccountError> {
        self.sessions
            .end(user.id, user.session_id, EndReason::Logout)
            .await?;
        Ok(())
    }

    /// One account.
    ///
    /// # Errors
    /// [`AccountError::NotFound`].
    pub async fn get(&self, id: Uuid) -> Result<Account, AccountError> {
        db::users::find(&self.db, id)
            .await?
            .ok_or(AccountError::NotFound(id))?
            .try_into()
    }

    /// The account with this username (DLNA's `dlna.user`), if there is one.
    ///
    /// # Errors
    /// When the store cannot be read.
    pub async fn by_username(&self, username: &str) -> Result<Option<Account>, AccountError> {
        db::users::find_by_username(&self.db, username)
            .await?
            .map(Account::try_from)
            .transpose()
    }

    /// A page of accounts and the total.
    ///
    /// # Errors
    /// When the store cannot be read.
    pub async fn list(&self, limit: u32, offset: u64) -> Result<(Vec<Account>, u64), AccountError> {
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        let (rows, total) = db::users::list(&self.db, i64::from(limit), offset).await?;
        let accounts = rows
            .into_iter()
            .map(Account::try_from)
            .collect::<Result<_, _>>()?;
        Ok((accounts, u64::try_from(total).unwrap_or(0)))
    }

    /// Changes the caller's own password after checking the current one; every other
    /// session of the account ends.
    ///
    /// # Errors
    /// [`AccountError::BadCredentials`] for a wrong current password,
    /// [`AccountError::Invalid`] for an unacceptable new one.
    pub async fn change_own_password(
        &self,
        user: &CurrentUser,
        current: &str,
        new: String,
    ) -> Result<(), AccountError> {
        validate_password(&new)?;
        let row = db::users::find(&self.db, user.id)
            .await?
            .ok_or(AccountError::NotFound(user.id))?;
        if !self
            .passwords
            .verify(current.to_owned(), Some(row.password_hash))
            .await?
        {
            return Err(AccountError::BadCredentials);
        }
        self.store_password(user.id, new).await?;
        self.sessions.end_all(user.id, EndReason::Password).await?;
        Ok(())
    }

    /// Sets another account's password (an administrator's reset); its sessions end.
    ///
    /// # Errors
    /// [`AccountError::NotFound`], [`AccountError::Invalid`].
    pub async fn reset_password(&self, id: Uuid, new: String) -> Result<(), AccountError> {
        validate_password(&new)?;
        self.store_password(id, new).await?;
        self.sessions.end_all(id, EndReason::Password).await?;
        Ok(())
    }

    async fn store_password(&self, id: Uuid, new: String) -> Result<(), AccountError> {
        let hash = self.passwords.hash(new).await?;
        if !db::users::set_password_hash(&self.db, id, &hash, Utc::now()).await? {
            return Err(AccountError::NotFound(id));
        }
        Ok(())
    }

    /// Changes an account's role, active flag or libraries. Any change ends its
    /// sessions, so a demotion, a deactivation or a narrower set of libraries takes
    /// effect at once rather than when tokens expire.
    ///
    /// # Errors
    /// [`AccountError::NotFound`]; [`AccountError::LastAdmin`] when no active
    /// administrator would remain.
    pub async fn update_access(
        &self,
        id: Uuid,
        change: AccessChange,
    ) -> Result<Account, AccountError> {
        let current = self.get(id).await?;
        let role = change.role.unwrap_or(current.role);
        let is_active = change.is_active.unwrap_or(current.is_active);
        let libraries = match change.libraries {
            None => current.libraries.clone(),
            Some(LibraryAccess::All) => None,
            Some(LibraryAccess::Only(mut names)) => {
                names.sort();
                names.dedup();
                Some(names)
            }
        };
        if role == current.role && is_active == current.is_active && libraries == current.libraries
        {
            return Ok(current);
        }
        let stays_admin = role == Role::Admin && is_active;
        if current.role == Role::Admin && current.is_active && !stays_admin {
            self.ensure_another_admin(id).await?;
        }
        let stored = libraries
            .as_ref()
            .map(|l| serde_json::to_string(l).map_err(anyhow::Error::from))
            .transpose()?;
        let access = db::users::Access {
            role: role.as_str(),
            is_active,
            libraries: stored.as_deref(),
        };
        if !db::users::update_access(&self.db, id, &access, Utc::now()).await? {
            return Err(AccountError::NotFound(id));
        }
        let reason = if current.is_active && !is_active {
            EndReason::Deactivated
        } else {
            EndReason::AccessChanged
        };
        self.sessions.end_all(id, reason).await?;
        self.get(id).await
    }

    /// Deletes an account with its sessions, progress and playlists.
    ///
    /// # Errors
    /// [`AccountError::NotFound`]; [`AccountError::LastAdmin`].
    pub async fn delete(&self, id: Uuid) -> Result<(), AccountError> {
        let current = self.get(id).await?;
        if current.role == Role::Admin && current.is_active {
            self.ensure_another_admin(id).await?;
        }
        // Ended first, everywhere (Redis included): the rows go with the account.
        self.sessions.end_all(id, EndReason::Deleted).await?;
        if !db::users::delete(&self.db, id).await? {
            return Err(AccountError::NotFound(id));
        }
        Ok(())
    }

    /// Creates a guest pass: `max_uses` guest sessions may be opened with its code until
    /// `expires_at`, seeing `libraries` (`None`: every one). Returns the pass and its code, which is shown this once (only its
    /// hash is kept).
    ///
    /// # Errors
    /// When it cannot be stored.
    pub async fn create_guest_pass(
        &self,
        created_by: Uuid,
        label: Option<&str>,
        expires_at: DateTime<Utc>,
        max_uses: u32,
        libraries: Option<Vec<String>>,
    ) -> Result<(GuestPassRow, String), AccountError> {
        let libraries = libraries
            .map(|l| serde_json::to_string(&l).map_err(anyhow::Error::from))
            .transpose()?;
        let mut secret = [0u8; 24];
        getrandom::getrandom(&mut secret).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let code: String = secret.iter().map(|b| format!("{b:02x}")).collect();
        let id = Uuid::new_v4();
        let pass = db::guest_passes::NewGuestPass {
            id,
            code_hash: &code_hash(&code),
            label,
            created_by,
            now: Utc::now(),
            expires_at,
            max_uses: i32::try_from(max_uses).unwrap_or(i32::MAX),
            libraries: libraries.as_deref(),
        };
        db::guest_passes::insert(&self.db, &pass).await?;
        let row = db::guest_passes::find(&self.db, id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("guest pass {id} vanished"))?;
        Ok((row, code))
    }

    /// Every guest pass, newest first.
    pub async fn guest_passes(&self) -> Result<Vec<GuestPassRow>, AccountError> {
        Ok(db::guest_passes::list(&self.db).await?)
    }

    /// Revokes a pass: no new session opens with it, and the guests it let in are
    /// deleted, which ends their sessions at once on every instance. `false` when there
    /// is no such pass.
    ///
    /// # Errors
    /// When the database cannot be read or written.
    pub async fn revoke_guest_pass(&self, id: Uuid) -> Result<bool, AccountError> {
        if db::guest_passes::find(&self.db, id).await?.is_none() {
            return Ok(false);
        }
        db::guest_passes::revoke(&self.db, id, Utc::now()).await?;
        for guest in db::guest_passes::spent_guests(&self.db, Utc::now(), Some(id)).await? {
            self.remove_guest(guest).await?;
        }
        Ok(true)
    }

    /// Opens a temporary guest session with a pass's code: a guest account of its own,
    /// ending when the pass expires (or at `auth.guest_session_lifetime`, if sooner).
    ///
    /// # Errors
    /// [`AccountError::GuestPass`] saying why the code cannot be used.
    pub async fn redeem_guest_pass(
        &self,
        code: &str,
        device: Device,
    ) -> Result<Login, AccountError> {
        let hash = code_hash(code);
        let now = Utc::now();
        let Some((pass_id, expires_at)) = db::guest_passes::take_use(&self.db, &hash, now).await?
        else {
            let why = match db::guest_passes::find_by_code(&self.db, &hash).await? {
                None => GuestPassRefusal::Unknown,
                Some(p) if p.revoked_at.is_some() => GuestPassRefusal::Revoked,
                Some(p) if p.expires_at <= now => GuestPassRefusal::Expired,
                Some(_) => GuestPassRefusal::UsedUp,
            };
            return Err(AccountError::GuestPass(why));
        };
        let id = Uuid::new_v4();
        let username = format!("guest-{}", &id.simple().to_string()[..12]);
        db::guest_passes::insert_guest(&self.db, id, &username, pass_id, now).await?;
        let row = db::users::find(&self.db, id)
            .await?
            .ok_or(AccountError::NotFound(id))?;
        self.open_session(row, device, Some(expires_at)).await
    }

    /// Deletes the guests of expired and revoked passes (their sessions have ended with
    /// the pass; this takes their accounts and watch data). Returns how many.
    ///
    /// # Errors
    /// When the database cannot be read or written.
    pub async fn sweep_guest_passes(&self) -> Result<usize, AccountError> {
        let spent = db::guest_passes::spent_guests(&self.db, Utc::now(), None).await?;
        for guest in &spent {
            self.remove_guest(*guest).await?;
        }
        Ok(spent.len())
    }

    async fn remove_guest(&self, id: Uuid) -> Result<(), AccountError> {
        match self.delete(id).await {
            Ok(()) | Err(AccountError::NotFound(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn ensure_another_admin(&self, id: Uuid) -> Result<(), AccountError> {
        if db::users::count_other_active_admins(&self.db, id).await? == 0 {
            return Err(AccountError::LastAdmin);
        }
        Ok(())
    }
}

/// The API's pattern for usernames says the same: `^[A-Za-z0-9._-]{2,50}$`.
fn validate_username(name: &str) -> Result<&str, AccountError> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    let len = name.chars().count();
    if !(2..=50).contains(&len) || !ok_chars {
        return Err(AccountError::Invalid(
            "username must be 2 to 50 letters, digits, '.', '_' or '-'".to_owned(),
        ));
    }
    Ok(name)
}

fn validate_password(password: &str) -> Result<(), AccountError> {
    let chars = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        return Err(AccountError::Invalid(format!(
            "password must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"
        )));
    }
    Ok(())
}

/// Something before an `@`, and after it a domain with a dot that does not start with
/// one; no spaces, tabs, line breaks or NUL; at most 100 characters. The API's pattern
/// for `email` says the same.
fn validate_email(email: &str) -> Result<&str, AccountError> {
    let valid = email.chars().count() <= 100
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
        })
        && !email.contains(|c: char| c.is_ascii_whitespace() || c == '\0');
    if !valid {
        return Err(AccountError::Invalid(format!(
            "{email:?} is not an e-mail address"
        )));
    }
    Ok(email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_passwords_and_emails_are_validated() {
        assert!(validate_username("ann.b_c-1").is_ok());
        assert!(validate_username("a").is_err());
        assert!(validate_username("ann smith").is_err());
        assert!(validate_username("../etc").is_err());
        assert!(validate_password("short").is_err());
        assert!(validate_password(&"x".repeat(2000)).is_err());
        assert!(validate_password("long enough").is_ok());
        assert!(validate_email("ann@example.org").is_ok());
        assert!(validate_email("ann@localhost").is_err());
        assert!(validate_email("not an email").is_err());
    }

    #[test]
    fn roles_parse_without_case() {
        assert_eq!("Admin".parse::<Role>().unwrap(), Role::Admin);
        assert!("root".parse::<Role>().is_err());
    }
}
