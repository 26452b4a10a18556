//! The DLNA/UPnP media server (`dlna.enable`): TVs and players on the LAN find it by
//! themselves and browse the libraries from their own menus, in the same process as
//! the API.
//!
//! - [`ssdp`]: discovery on UDP 1900 (answers, announcements, goodbye).
//! - [`net`]: the interfaces announced on (private LAN addresses only) and the networks
//!   answered (`dlna.allowed_networks`).
//! - [`http`]: its own listener (`dlna.port`): the device description, the services'
//!   SCPDs, SOAP control, events, and media and artwork under per-device credentials
//!   ([`crate::devices`]), with the DLNA headers TVs check.
//! - [`directory`]: the ContentDirectory's objects (libraries, folders, series >
//!   seasons > episodes, films, continue watching, next up, recently added,
//!   playlists), as the account `dlna.user` sees the catalog; [`search`] reads
//!   `SearchCriteria`.
//! - [`didl`]: DIDL-Lite; [`description`]: the XML documents; [`xml`]: SOAP.
//!
//! A LAN device has no login: DLNA serves as one configured account, only to clients
//! in the allowed networks, through URLs that carry the device's credential (never a
//! user's token), which an administrator can block.

pub mod description;
pub mod didl;
pub mod directory;
pub mod http;
pub mod net;
pub mod search;
pub mod ssdp;
pub mod xml;

use crate::config::{DlnaSettings, Network, Settings};
use crate::state::AppState;
use anyhow::Context;
use net::Interface;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The running server's identity and where it is announced.
#[derive(Debug)]
pub struct Dlna {
    /// The device's UUID, kept in the data dir so a TV knows it after a restart.
    pub uuid: String,
    pub name: String,
    /// The bound HTTP port.
    pub port: u16,
    pub notify_interval: Duration,
    settings: DlnaSettings,
    announced: Mutex<Vec<Interface>>,
    /// Catalog containers' children, rendered once for every device.
    pub listings: Arc<directory::Listings>,
}

impl Dlna {
    /// How long clients keep the announcement.
    pub fn max_age(&self) -> Duration {
        self.notify_interval * 2
    }

    /// The description's URL at one of our addresses.
    pub fn location(&self, addr: Ipv4Addr) -> String {
        format!("http://{addr}:{}/dlna/description.xml", self.port)
    }

    /// The interfaces announced on now.
    pub fn announced(&self) -> Vec<Interface> {
        self.announced
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Reads the interfaces again and keeps those to announce on.
    pub fn refresh_interfaces(&self) -> Vec<Interface> {
        let all = net::interfaces().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cannot list the network interfaces");
            Vec::new()
        });
        let now = net::announced(&self.settings, all);
        *self.announced.lock().unwrap_or_else(|p| p.into_inner()) = now.clone();
        now
    }

    /// The networks answered.
    pub fn allowed_networks(&self) -> Vec<Network> {
        net::allowed(&self.settings, &self.announced())
    }

    /// Whether a client at `peer` is answered.
    pub fn allows(&self, peer: IpAddr) -> bool {
        net::is_allowed(&self.allowed_networks(), peer.to_canonical())
    }
}

/// The device's UUID, made once and kept in `<data_dir>/dlna-uuid`.
fn device_uuid(settings: &Settings) -> anyhow::Result<String> {
    let file = settings.data_dir.join("dlna-uuid");
    if let Ok(text) = std::fs::read_to_string(&file) {
        if let Ok(id) = uuid::Uuid::parse_str(text.trim()) {
            return Ok(id.to_string());
        }
    }
    let id = uuid::Uuid::new_v4().to_string();
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("cannot create {}", settings.data_dir.display()))?;
    std::fs::write(&file, format!("{id}\n"))
        .with_context(|| format!("cannot keep the DLNA device id in {}", file.display()))?;
    Ok(id)
}

/// The machine's name (uname's, which systemd's `ProcSubset=pid` leaves readable,
/// unlike `/proc/sys/kernel/hostname`).
fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most `buf.len()` bytes into our buffer.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    let name = String::from_utf8_lossy(&buf[..end]).trim().to_owned();
    if ok && !name.is_empty() {
        name
    } else {
        "this machine".to_owned()
    }
}

/// DLNA bound and ready to run: its HTTP listener and the SSDP socket.
pub struct Bound {
    pub dlna: Arc<Dlna>,
    listener: tokio::net::TcpListener,
    ssdp: tokio::net::UdpSocket,
}

impl Bound {
    /// Checks the account it serves as and binds `dlna.port` and UDP 1900, when
    /// `dlna.enable`.
    ///
    /// # Errors
    /// When `dlna.user` names no active account, or a port cannot be bound.
    pub async fn bind(state: &AppState) -> anyhow::Result<Option<Self>> {
        let settings = &state.settings;
        let d = &settings.dlna;
        if !d.enable {
            return Ok(None);
        }
        match state.accounts.by_username(&d.user).await? {
            Some(a) if a.is_active => {}
            Some(_) => anyhow::bail!(
                "dlna.user: the account {:?} is deactivated; DLNA serves as an active account",
                d.user
            ),
            None => anyhow::bail!(
                "dlna.user: there is no account named {:?}; create it (homestream user create) \
                 or name another",
                d.user
            ),
        }
        let addr = std::net::SocketAddr::from((Ipv4Addr::UNSPECIFIED, d.port));
        let listener = crate::server::bind(addr)
            .with_context(|| format!("dlna.port: cannot listen on {addr}"))?;
        let ssdp = ssdp::listen().context("dlna: cannot listen for searches on UDP 1900")?;
        let name = match d.friendly_name.trim() {
            "" => format!("homestream on {}", host_name()),
            n => n.to_owned(),
        };
        let dlna = Dlna {
            uuid: device_uuid(settings)?,
            name,
            port: listener.local_addr()?.port(),
            notify_interval: d.notify_interval.get().max(Duration::from_secs(1)),
            settings: d.clone(),
            announced: Mutex::default(),
            listings: Arc::default(),
        };
        Ok(Some(Self {
            dlna: Arc::new(dlna),
            listener,
            ssdp,
        }))
    }

    /// Starts answering; [`Running::stop`] ends it with a goodbye.
    pub fn run(self, state: AppState) -> Running {
        let dlna = self.dlna.clone();
        dlna.refresh_interfaces();
        tracing::info!(
            port = dlna.port,
            name = %dlna.name,
            uuid = %dlna.uuid,
            networks = ?dlna.allowed_networks().iter().map(ToString::to_string).collect::<Vec<_>>(),
            "DLNA media server started"
        );
        let ssdp = tokio::spawn(ssdp::run(dlna.clone(), self.ssdp));
        let http = tokio::spawn(http::serve(self.listener, dlna.clone(), state));
        Running { dlna, ssdp, http }
    }
}

/// The running DLNA server.
pub struct Running {
    pub dlna: Arc<Dlna>,
    ssdp: tokio::task::JoinHandle<()>,
    http: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops announcing, says goodbye on every interface, and closes the listener.
    pub async fn stop(self) {
        self.ssdp.abort();
        ssdp::say_goodbye(&self.dlna).await;
        self.http.abort();
    }
}
