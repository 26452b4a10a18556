//! Session lifecycle: a login opens a session, each authenticated request checks and
//! touches it, and logout, deactivation or a password reset end it.
//!
//! A session ends when it is revoked, when `auth.reauth_after` has passed since login,
//! or when no request came for `auth.session_timeout`. The database row is the record.
//! In front of it sits an in-memory copy, re-read from the database at most every
//! [`RECHECK`]: a media player's many range requests then cost no query each, while a
//! session ended on another instance stops working here within that bound (ending one
//! on this instance takes effect at once).

use crate::config::AuthSettings;
use crate::db::{self, Database, DbError};
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// How long the in-memory copy of a session is trusted before the row is read again.
pub const RECHECK: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(Debug, Clone, Copy)]
struct Cached {
    user_id: Uuid,
    expires_at: DateTime<Utc>,
    /// The last request seen by this instance.
    last_activity: DateTime<Utc>,
    /// The `last_activity` written to the row.
    stored_activity: DateTime<Utc>,
    /// When the row was last read.
    checked_at: DateTime<Utc>,
}

/// Why a session cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("the session does not exist")]
    Unknown,
    #[error("the session was ended (logged out or revoked)")]
    Revoked,
    #[error("the session expired; log in again")]
    Expired,
    #[error("the session ended after inactivity; log in again")]
    Idle,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Opens, checks and ends sessions.
#[derive(Debug, Clone)]
pub struct Sessions {
    db: Database,
    idle_timeout: ChronoDuration,
    lifetime: ChronoDuration,
    cache: Arc<Mutex<HashMap<Uuid, Cached>>>,
}

/// A newly opened session.
#[derive(Debug, Clone)]
pub struct OpenedSession {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl Sessions {
    pub fn new(db: Database, auth: &AuthSettings) -> Self {
        let to_chrono =
            |d: std::time::Duration| ChronoDuration::from_std(d).unwrap_or(ChronoDuration::MAX);
        Self {
            db,
            idle_timeout: to_chrono(auth.session_timeout.get()),
            lifetime: to_chrono(auth.reauth_after.get()),
            cache: Arc::default(),
        }
    }

    /// How long a session lives at most, which is also how long its tokens live.
    pub fn lifetime(&self) -> ChronoDuration {
        self.lifetime
    }

    /// Opens a session for a user.
    ///
    /// # Errors
    /// When it cannot be stored.
    pub async fn open(
        &self,
        user_id: Uuid,
        data: &serde_json::Value,
    ) -> Result<OpenedSession, DbError> {
        let now = Utc::now();
        let session = OpenedSession {
            id: Uuid::new_v4(),
            created_at: now,
            expires_at: now + self.lifetime,
        };
        db::sessions::insert(&self.db, session.id, user_id, data, now, session.expires_at).await?;
        Ok(session)
    }

    /// Checks that a session is open and belongs to `user_id`, and records the activity.
    ///
    /// # Errors
    /// A [`SessionError`] saying why it cannot be used; an idle session is ended.
    pub async fn check(&self, id: Uuid, user_id: Uuid) -> Result<(), SessionError> {
        let now = Utc::now();
        let recheck = ChronoDuration::from_std(RECHECK).unwrap_or(ChronoDuration::zero());
        let cached = self.cache().get(&id).copied();
        let mut entry = match cached {
            Some(c) if c.user_id == user_id && now - c.checked_at < recheck => c,
            _ => self.load(id, user_id, now).await?,
        };
        if now >= entry.expires_at {
            self.forget(id);
            return Err(SessionError::Expired);
        }
        if now - entry.last_activity >= self.idle_timeout {
            self.forget(id);
            db::sessions::revoke(&self.db, id, now).await?;
            return Err(SessionError::Idle);
        }
        entry.last_activity = now;
        // Write the activity at most every minute (or a tenth of the timeout, if
        // shorter): the timeout stays accurate without a write on every request.
        let granularity = (self.idle_timeout / 10).min(ChronoDuration::seconds(60));
        if now - entry.stored_activity >= granularity {
            db::sessions::touch(&self.db, id, now).await?;
            entry.stored_activity = now;
        }
        self.cache().insert(id, entry);
        Ok(())
    }

    async fn load(
        &self,
        id: Uuid,
        user_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Cached, SessionError> {
        let row = db::sessions::find(&self.db, id)
            .await?
            .filter(|row| row.user_id == user_id);
        let Some(row) = row else {
            self.forget(id);
            return Err(SessionError::Unknown);
        };
        if row.revoked_at.is_some() {
            self.forget(id);
            return Err(SessionError::Revoked);
        }
        // Activity seen here but not yet written counts too.
        let seen = self.cache().get(&id).map(|c| c.last_activity);
        Ok(Cached {
            user_id,
            expires_at: row.expires_at,
            last_activity: seen.map_or(row.last_activity, |s| s.max(row.last_activity)),
            stored_activity: row.last_activity,
            checked_at: now,
        })
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Cached>> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn forget(&self, id: Uuid) {
        self.cache().remove(&id);
    }

    /// Ends one session; returns whether it was open.
    ///
    /// # Errors
    /// When the store cannot be written.
    pub async fn end(&self, id: Uuid) -> Result<bool, DbError> {
        self.forget(id);
        db::sessions::revoke(&self.db, id, Utc::now()).await
    }

    /// Ends every session of a user; returns how many were open.
    ///
    /// # Errors
    /// When the store cannot be written.
    pub async fn end_all(&self, user_id: Uuid) -> Result<u64, DbError> {
        self.cache().retain(|_, c| c.user_id != user_id);
        db::sessions::revoke_all_for_user(&self.db, user_id, Utc::now()).await
    }
}
