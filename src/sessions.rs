//! Session lifecycle: a login opens a session, each authenticated request checks and
//! touches it, and logout, deactivation or a password reset end it.
//!
//! A session ends when it is revoked, when `auth.reauth_after` has passed since login,
//! or when no request came for `auth.session_timeout`. The database row is the record;
//! the Redis issue adds the shared fast path in front of it.

use crate::config::AuthSettings;
use crate::db::{self, Database, DbError};
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use uuid::Uuid;

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
        let row = db::sessions::find(&self.db, id)
            .await?
            .filter(|row| row.user_id == user_id)
            .ok_or(SessionError::Unknown)?;
        let now = Utc::now();
        if row.revoked_at.is_some() {
            return Err(SessionError::Revoked);
        }
        if now >= row.expires_at {
            return Err(SessionError::Expired);
        }
        let idle = now - row.last_activity;
        if idle >= self.idle_timeout {
            db::sessions::revoke(&self.db, id, now).await?;
            return Err(SessionError::Idle);
        }
        // Touch at most every minute (or a tenth of the timeout, if shorter): the
        // timeout stays accurate without a write on every request.
        let granularity = (self.idle_timeout / 10).min(ChronoDuration::seconds(60));
        if idle >= granularity {
            db::sessions::touch(&self.db, id, now).await?;
        }
        Ok(())
    }

    /// Ends one session; returns whether it was open.
    ///
    /// # Errors
    /// When the store cannot be written.
    pub async fn end(&self, id: Uuid) -> Result<bool, DbError> {
        db::sessions::revoke(&self.db, id, Utc::now()).await
    }

    /// Ends every session of a user; returns how many were open.
    ///
    /// # Errors
    /// When the store cannot be written.
    pub async fn end_all(&self, user_id: Uuid) -> Result<u64, DbError> {
        db::sessions::revoke_all_for_user(&self.db, user_id, Utc::now()).await
    }
}
