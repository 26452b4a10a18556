//! SSDP (UPnP Device Architecture 1.0, section 1): how TVs find the server. Answers
//! `M-SEARCH` on UDP 1900 from clients in the allowed networks, announces the device
//! with `NOTIFY ssdp:alive` at start, every `dlna.notify_interval` and on an
//! interface that appears, and says `ssdp:byebye` when the server stops.

use super::description::{CONNECTION_MANAGER, CONTENT_DIRECTORY, DEVICE_TYPE};
use super::net::{self, Interface};
use super::Dlna;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::UdpSocket;

pub const GROUP: Ipv4Addr = Ipv4Addr::new(239, 255, 255, 250);
pub const PORT: u16 = 1900;

/// Searches answered at once at most; more are dropped (a flood costs no memory).
const MAX_PENDING_ANSWERS: usize = 64;

/// How often the interfaces are read again (a laptop that joins the LAN later, a
/// DHCP lease that changes the address).
const INTERFACES_EVERY: Duration = Duration::from_secs(30);

/// Longest wait before answering a search, whatever its `MX` asks (UDA allows up to
/// MX seconds; TVs wait for answers about a second).
const MAX_ANSWER_DELAY: Duration = Duration::from_millis(500);

/// The `SERVER` header of SSDP and of DLNA's HTTP answers.
pub fn server_header() -> String {
    format!(
        "Linux/1.0 UPnP/1.0 homestream/{}",
        env!("CARGO_PKG_VERSION")
    )
}

/// What the device announces: (notification type, unique service name).
fn targets(uuid: &str) -> Vec<(String, String)> {
    let udn = format!("uuid:{uuid}");
    let mut out = vec![
        (
            "upnp:rootdevice".to_owned(),
            format!("{udn}::upnp:rootdevice"),
        ),
        (udn.clone(), udn.clone()),
    ];
    for t in [DEVICE_TYPE, CONTENT_DIRECTORY, CONNECTION_MANAGER] {
        out.push((t.to_owned(), format!("{udn}::{t}")));
    }
    out
}

/// The targets a search for `st` is answered with.
fn matching(uuid: &str, st: &str) -> Vec<(String, String)> {
    targets(uuid)
        .into_iter()
        .filter(|(nt, _)| st == "ssdp:all" || st.eq_ignore_ascii_case(nt))
        .collect()
}

/// A search request: its `ST` and `MX`, when it is a well-formed `M-SEARCH`.
fn parse_search(datagram: &[u8]) -> Option<(String, u64)> {
    let text = std::str::from_utf8(datagram).ok()?;
    let mut lines = text.split("\r\n").flat_map(|l| l.split('\n'));
    let first = lines.next()?.trim();
    if !first.eq_ignore_ascii_case("M-SEARCH * HTTP/1.1") {
        return None;
    }
    let (mut st, mut mx, mut man) = (None, 1, false);
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim().to_ascii_uppercase().as_str() {
            "ST" => st = Some(value.to_owned()),
            "MX" => mx = value.parse().unwrap_or(1),
            "MAN" => man = value.trim_matches('"') == "ssdp:discover",
            _ => {}
        }
    }
    man.then_some(())?;
    Some((st?, mx))
}

/// A UDP socket on `addr` that other programs may share (minidlna, a second instance).
fn shared_udp(addr: SocketAddrV4) -> std::io::Result<UdpSocket> {
    use rustix::net::{sockopt, AddressFamily, SocketType};
    let fd = rustix::net::socket(AddressFamily::INET, SocketType::DGRAM, None)?;
    sockopt::set_socket_reuseaddr(&fd, true)?;
    sockopt::set_socket_reuseport(&fd, true)?;
    rustix::net::bind(&fd, &addr)?;
    let socket = std::net::UdpSocket::from(fd);
    socket.set_nonblocking(true)?;
    UdpSocket::from_std(socket)
}

/// A socket that sends to the group out of one interface.
fn sender(iface: &Interface) -> std::io::Result<UdpSocket> {
    let socket = shared_udp(SocketAddrV4::new(iface.addr, 0))?;
    rustix::net::sockopt::set_ip_multicast_if(&socket, &iface.addr)?;
    socket.set_multicast_ttl_v4(2)?;
    Ok(socket)
}

fn alive(dlna: &Dlna, iface: &Interface, nt: &str, usn: &str) -> String {
    format!(
        "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age={}\r\n\
         LOCATION: {}\r\nNT: {nt}\r\nNTS: ssdp:alive\r\nSERVER: {}\r\nUSN: {usn}\r\n\r\n",
        dlna.max_age().as_secs(),
        dlna.location(iface.addr),
        server_header(),
    )
}

fn byebye(nt: &str, usn: &str) -> String {
    format!(
        "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nNT: {nt}\r\nNTS: ssdp:byebye\r\n\
         USN: {usn}\r\n\r\n"
    )
}

fn answer(dlna: &Dlna, at: Ipv4Addr, st: &str, usn: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age={}\r\nDATE: {}\r\nEXT:\r\nLOCATION: {}\r\n\
         SERVER: {}\r\nST: {st}\r\nUSN: {usn}\r\nContent-Length: 0\r\n\r\n",
        dlna.max_age().as_secs(),
        httpdate::fmt_http_date(std::time::SystemTime::now()),
        dlna.location(at),
        server_header(),
    )
}

/// Sends every announcement of `kind` (alive or byebye) out of `iface`, twice: UDP
/// may lose one.
async fn announce(dlna: &Dlna, iface: &Interface, alive_kind: bool) {
    let socket = match sender(iface) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(interface = %iface.name, error = %e, "cannot announce on this interface");
            return;
        }
    };
    let to = SocketAddr::from((GROUP, PORT));
    for round in 0..2 {
        if round > 0 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        for (nt, usn) in targets(&dlna.uuid) {
            let message = if alive_kind {
                alive(dlna, iface, &nt, &usn)
            } else {
                byebye(&nt, &usn)
            };
            if let Err(e) = socket.send_to(message.as_bytes(), to).await {
                tracing::debug!(interface = %iface.name, error = %e, "an announcement was not sent");
            }
        }
    }
}

/// Runs SSDP until the task is aborted; [`say_goodbye`] follows on shutdown.
pub async fn run(dlna: Arc<Dlna>, socket: UdpSocket) {
    let socket = Arc::new(socket);
    let mut joined: Vec<Interface> = Vec::new();
    let pending = Arc::new(tokio::sync::Semaphore::new(MAX_PENDING_ANSWERS));
    let mut interfaces = tokio::time::interval(INTERFACES_EVERY);
    let mut notify = tokio::time::interval(dlna.notify_interval);
    notify.tick().await;
    let mut buf = vec![0u8; 2048];
    loop {
        tokio::select! {
            _ = interfaces.tick() => {
                let now = dlna.refresh_interfaces();
                for iface in now.iter().filter(|i| !joined.contains(i)) {
                    match socket.join_multicast_v4(GROUP, iface.addr) {
                        Ok(()) => tracing::info!(interface = %iface.name, address = %iface.addr,
                            "DLNA announced on this interface"),
                        // Joined already under an address the interface had before.
                        Err(e) => tracing::debug!(interface = %iface.name, error = %e,
                            "multicast group not joined"),
                    }
                    announce(&dlna, iface, true).await;
                }
                joined = now;
            }
            _ = notify.tick() => {
                for iface in &joined {
                    announce(&dlna, iface, true).await;
                }
            }
            got = socket.recv_from(&mut buf) => {
                let Ok((n, from)) = got else { continue };
                let Some((st, mx)) = parse_search(&buf[..n]) else { continue };
                if !dlna.allows(from.ip()) {
                    tracing::debug!(%from, "a search from outside dlna.allowed_networks, not answered");
                    continue;
                }
                let found = matching(&dlna.uuid, &st);
                if found.is_empty() {
                    continue;
                }
                let Ok(permit) = pending.clone().try_acquire_owned() else { continue };
                let Some(at) = net::address_for(&joined, from.ip()) else { continue };
                let (dlna, socket) = (dlna.clone(), socket.clone());
                tokio::spawn(async move {
                    let most = Duration::from_secs(mx.clamp(1, 5)).min(MAX_ANSWER_DELAY);
                    let wait = most.mul_f64(fastrand_fraction());
                    tokio::time::sleep(wait).await;
                    for (nt, usn) in found {
                        let reply = answer(&dlna, at, &nt, &usn);
                        let _ = socket.send_to(reply.as_bytes(), from).await;
                    }
                    drop(permit);
                });
            }
        }
    }
}

/// A number in [0, 1) that differs between calls (the answer's random delay).
fn fastrand_fraction() -> f64 {
    let mut b = [0u8; 2];
    let _ = getrandom::getrandom(&mut b);
    f64::from(u16::from_le_bytes(b)) / 65536.0
}

/// The socket searches arrive on: UDP 1900 on every address, shared.
///
/// # Errors
/// When port 1900 cannot be bound.
pub fn listen() -> std::io::Result<UdpSocket> {
    let socket = shared_udp(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, PORT))?;
    socket.set_multicast_loop_v4(true)?;
    Ok(socket)
}

/// Says `ssdp:byebye` on every announced interface.
pub async fn say_goodbye(dlna: &Dlna) {
    for iface in dlna.announced() {
        announce(dlna, &iface, false).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_are_read_and_matched_as_upnp_says() {
        let search = b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n\
            MAN: \"ssdp:discover\"\r\nMX: 2\r\nST: urn:schemas-upnp-org:device:MediaServer:1\r\n\r\n";
        let (st, mx) = parse_search(search).unwrap();
        assert_eq!((st.as_str(), mx), (DEVICE_TYPE, 2));
        assert_eq!(matching("u", &st).len(), 1);
        assert_eq!(matching("u", "ssdp:all").len(), 5);
        assert_eq!(
            matching("u", "uuid:u"),
            vec![("uuid:u".into(), "uuid:u".into())]
        );
        assert_eq!(
            matching("u", "upnp:rootdevice"),
            vec![("upnp:rootdevice".into(), "uuid:u::upnp:rootdevice".into())]
        );
        assert!(matching("u", "urn:schemas-upnp-org:device:MediaRenderer:1").is_empty());
        let no_man = b"M-SEARCH * HTTP/1.1\r\nST: ssdp:all\r\n\r\n";
        assert_eq!(
            parse_search(no_man),
            None,
            "MAN: \"ssdp:discover\" is required"
        );
        assert_eq!(parse_search(b"NOTIFY * HTTP/1.1\r\n\r\n"), None);
        assert_eq!(parse_search(&[0xff, 0xfe]), None);
    }
}
