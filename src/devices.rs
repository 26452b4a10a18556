//! The DLNA devices: the TVs and players that browsed the DLNA server, one per address
//! (a LAN device has no login), each with the credential its media URLs carry, and an
//! administrator's block.
//!
//! A credential is an HMAC of the device's id and generation under a key derived from
//! the server's secret: nothing secret is stored, every instance computes the same
//! one, and a block (or an allow, which moves to the next generation) is read from the
//! database on every request, so a blocked device's URLs fail at once everywhere.

use crate::db::dlna::{self, DeviceRow};
use crate::db::{Database, DbError};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use uuid::Uuid;

/// A visit more recent than this is not written again (a TV browses page by page).
const SEEN_EVERY: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// Longest device name kept.
const NAME_MAX: usize = 100;

/// Longest User-Agent kept (as a stream's).
const AGENT_MAX: usize = 200;

/// Devices not blocked that are remembered at most (a household has tens): a new one
/// beyond makes the one unseen longest forgotten (it is recorded again, with new URLs,
/// when it comes back). Addresses are one per device, and a network an administrator
/// allows may hold millions (an IPv6 /64): without a bound, a host there changing its
/// address at will would grow the table without end. Blocked devices are always kept
/// (an administrator's decision is not undone by someone else's traffic).
pub const MAX_DEVICES: usize = 1000;

/// The device service.
#[derive(Debug)]
pub struct Devices {
    db: Database,
    key: [u8; 32],
    limit: usize,
}

/// A device allowed to browse and play.
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    pub id: Uuid,
    pub name: String,
    /// What its media URLs carry.
    pub credential: String,
}

/// Why a device is refused.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("this device was blocked by an administrator")]
    Blocked,
    #[error("unknown device or credential")]
    Unknown,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl Devices {
    /// `secret` is the server's JWT secret; the credentials' key is derived from it.
    pub fn new(db: Database, secret: &[u8]) -> Self {
        Self {
            db,
            key: key_of(secret),
            limit: MAX_DEVICES,
        }
    }

    /// The same service remembering at most `limit` devices not blocked (tests).
    #[must_use]
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    fn credential(&self, id: Uuid, generation: i32) -> String {
        credential(&self.key, id, generation)
    }

    fn allowed(&self, row: DeviceRow) -> Result<Device, DeviceError> {
        if row.blocked_at.is_some() {
            return Err(DeviceError::Blocked);
        }
        Ok(Device {
            credential: self.credential(row.id, row.generation),
            id: row.id,
            name: row.name,
        })
    }

    /// A request from `address`: the device it is (recorded when new, its last visit
    /// kept to the minute; a new one past [`MAX_DEVICES`] makes the one unseen longest
    /// forgotten), or [`DeviceError::Blocked`].
    ///
    /// # Errors
    /// [`DeviceError::Blocked`], or when the store fails.
    pub async fn visit(
        &self,
        address: IpAddr,
        headers: &DeviceHeaders<'_>,
        now: DateTime<Utc>,
    ) -> Result<Device, DeviceError> {
        let addr = address.to_canonical().to_string();
        if let Some(row) = dlna::find_by_address(&self.db, &addr).await? {
            if row.blocked_at.is_some() || now - row.last_seen_at < SEEN_EVERY {
                return self.allowed(row);
            }
        }
        let name = headers.name(address);
        let agent: Option<String> = headers.user_agent.map(|ua| clean(ua, AGENT_MAX));
        let row = dlna::seen(
            &self.db,
            Uuid::new_v4(),
            &addr,
            &name,
            agent.as_deref(),
            now,
        )
        .await?;
        // Just recorded (a known device comes here only after a minute unseen).
        if now - row.first_seen_at < chrono::TimeDelta::seconds(1) {
            dlna::keep_latest(&self.db, self.limit).await?;
        }
        self.allowed(row)
    }

    /// The device a media URL names, when its credential is current and it is not
    /// blocked.
    ///
    /// # Errors
    /// [`DeviceError::Unknown`] for a wrong or old credential, [`DeviceError::Blocked`].
    pub async fn authorize(&self, id: Uuid, credential: &str) -> Result<Device, DeviceError> {
        let row = dlna::find(&self.db, id)
            .await?
            .ok_or(DeviceError::Unknown)?;
        let device = self.allowed(row)?;
        if !constant_time_eq(device.credential.as_bytes(), credential.as_bytes()) {
            return Err(DeviceError::Unknown);
        }
        Ok(device)
    }

    /// Every device seen, the most recent first.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn list(&self) -> Result<Vec<DeviceRow>, DbError> {
        dlna::list(&self.db).await
    }

    /// Blocks a device (its URLs fail at once, its requests get 403) or allows it
    /// again (with new URLs: those it had stay dead). `None` for an unknown device.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn set_blocked(
        &self,
        id: Uuid,
        blocked: bool,
        now: DateTime<Utc>,
    ) -> Result<Option<DeviceRow>, DbError> {
        dlna::set_blocked(&self.db, id, blocked.then_some(now)).await
    }
}

/// The credentials' key, derived from the server's secret.
fn key_of(secret: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"homestream dlna device credential\0");
    h.update(secret);
    h.finalize().into()
}

/// 128 bits of HMAC-SHA256 over the device's id and generation, in hex.
fn credential(key: &[u8; 32], id: Uuid, generation: i32) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(id.as_bytes());
    mac.update(&generation.to_be_bytes());
    let tag = mac.finalize().into_bytes();
    tag[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// What a device says of itself in its requests.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeviceHeaders<'a> {
    pub user_agent: Option<&'a str>,
    /// Sony's and others' `X-AV-Client-Info: av=5.0; cn="Sony"; mn="BRAVIA KDL-40"`.
    pub client_info: Option<&'a str>,
}

impl DeviceHeaders<'_> {
    /// A name for the admin page: the model a TV names, else the product of its
    /// User-Agent (Samsung's `SEC_HHP_[TV] Samsung Q60/1.0` reads "[TV] Samsung Q60"),
    /// else "device at <address>".
    pub fn name(&self, address: IpAddr) -> String {
        let model = self.client_info.and_then(|info| {
            info.split(';').find_map(|part| {
                let (k, v) = part.trim().split_once('=')?;
                (k.trim() == "mn").then(|| v.trim().trim_matches('"').to_owned())
            })
        });
        let product = self.user_agent.and_then(|ua| {
            let ua = ua.trim();
            let ua = ua.strip_prefix("SEC_HHP_").unwrap_or(ua);
            let first = match ua.find('/') {
                // "[TV] Samsung Q60 Series (55)/1.0 UPnP/1.0": the name runs to the slash.
                Some(at) if ua[..at].contains(' ') || !ua.contains(' ') => &ua[..at],
                _ => ua.split_whitespace().next().unwrap_or(ua),
            };
            let first = first.split('/').next().unwrap_or(first).trim();
            (!first.is_empty()).then(|| first.to_owned())
        });
        let name = model
            .filter(|m| !m.is_empty())
            .or(product)
            .unwrap_or_else(|| format!("device at {}", address.to_canonical()));
        clean(&name, NAME_MAX)
    }
}

/// At most `max` characters, without control characters.
fn clean(text: &str, max: usize) -> String {
    text.chars().filter(|c| !c.is_control()).take(max).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(ua: Option<&str>, info: Option<&str>) -> String {
        DeviceHeaders {
            user_agent: ua,
            client_info: info,
        }
        .name(IpAddr::from([192, 168, 1, 20]))
    }

    #[test]
    fn a_device_is_named_by_what_it_says_of_itself() {
        assert_eq!(
            name(
                Some("SEC_HHP_[TV] Samsung Q60 Series (55)/1.0 UPnP/1.0"),
                None
            ),
            "[TV] Samsung Q60 Series (55)"
        );
        assert_eq!(name(Some("VLC/3.0.18 LibVLC/3.0.18"), None), "VLC");
        assert_eq!(
            name(
                Some("UPnP/1.0"),
                Some(r#"av=5.0; cn="Sony Corporation"; mn="BRAVIA KDL-40EX720"; mv="1.7";"#)
            ),
            "BRAVIA KDL-40EX720"
        );
        assert_eq!(
            name(Some("Linux/5.10 UPnP/1.0 Kodi/20"), None),
            "Linux",
            "the first product"
        );
        assert_eq!(name(None, None), "device at 192.168.1.20");
        assert!(!name(Some("\u{1b}[31mred"), None).contains('\u{1b}'));
    }

    #[test]
    fn credentials_differ_by_device_generation_and_secret() {
        let (a, b) = (key_of(b"secret one"), key_of(b"secret two"));
        let id = Uuid::new_v4();
        assert_eq!(credential(&a, id, 1), credential(&a, id, 1));
        assert_eq!(credential(&a, id, 1).len(), 32);
        assert_ne!(credential(&a, id, 1), credential(&a, id, 2));
        assert_ne!(credential(&a, id, 1), credential(&b, id, 1));
        assert_ne!(credential(&a, id, 1), credential(&a, Uuid::new_v4(), 1));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
