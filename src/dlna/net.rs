//! The interfaces DLNA announces on and the networks it answers.

use crate::config::{DlnaSettings, Network};
use std::net::{IpAddr, Ipv4Addr};

/// An IPv4 interface address DLNA announces on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    pub name: String,
    pub addr: Ipv4Addr,
    pub network: Network,
}

/// Every IPv4 address of an interface that is up.
pub fn interfaces() -> std::io::Result<Vec<Interface>> {
    let mut found = Vec::new();
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `head` with a list we walk read-only and free once.
    if unsafe { libc::getifaddrs(&raw mut head) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let mut at = head;
    while !at.is_null() {
        // SAFETY: `at` is a node of the list getifaddrs returned, not yet freed.
        let ifa = unsafe { &*at };
        at = ifa.ifa_next;
        let flags = ifa.ifa_flags;
        let up = flags & libc::IFF_UP as u32 != 0;
        if !up || ifa.ifa_addr.is_null() || ifa.ifa_netmask.is_null() {
            continue;
        }
        // SAFETY: a non-null address whose family we check before reading it as IPv4.
        let family = i32::from(unsafe { (*ifa.ifa_addr).sa_family });
        if family != libc::AF_INET {
            continue;
        }
        // SAFETY: an AF_INET address and netmask are sockaddr_in.
        let (addr, mask) = unsafe {
            let a = &*(ifa.ifa_addr as *const libc::sockaddr_in);
            let m = &*(ifa.ifa_netmask as *const libc::sockaddr_in);
            (
                Ipv4Addr::from(u32::from_be(a.sin_addr.s_addr)),
                u32::from_be(m.sin_addr.s_addr),
            )
        };
        // SAFETY: the name is a NUL-terminated string owned by the list.
        let name = unsafe { std::ffi::CStr::from_ptr(ifa.ifa_name) }
            .to_string_lossy()
            .into_owned();
        let prefix = u8::try_from(mask.leading_ones()).unwrap_or(32);
        found.push(Interface {
            name,
            addr,
            network: Network::of(addr, prefix),
        });
    }
    // SAFETY: `head` came from getifaddrs and is freed once.
    unsafe { libc::freeifaddrs(head) };
    Ok(found)
}

/// A private LAN address (RFC 1918, or link-local): the only kind announced on.
pub fn is_private(addr: Ipv4Addr) -> bool {
    addr.is_private() || addr.is_link_local()
}

/// The interfaces to announce on: those named in `dlna.interfaces`, or every one with
/// a private address; never a public or loopback one.
pub fn announced(settings: &DlnaSettings, all: Vec<Interface>) -> Vec<Interface> {
    all.into_iter()
        .filter(|i| !i.addr.is_loopback() && is_private(i.addr))
        .filter(|i| settings.interfaces.is_empty() || settings.interfaces.contains(&i.name))
        .collect()
}

/// The networks whose clients are answered: `dlna.allowed_networks`, or the networks
/// of the interfaces announced on.
pub fn allowed(settings: &DlnaSettings, announced: &[Interface]) -> Vec<Network> {
    if settings.allowed_networks.is_empty() {
        let mut nets: Vec<Network> = announced.iter().map(|i| i.network).collect();
        nets.dedup();
        nets
    } else {
        settings.allowed_networks.clone()
    }
}

/// Whether `peer` is in one of `networks`.
pub fn is_allowed(networks: &[Network], peer: IpAddr) -> bool {
    networks.iter().any(|n| n.contains(peer))
}

/// The announced address a client at `peer` reaches us by: the interface whose
/// network holds it, else the first one.
pub fn address_for(announced: &[Interface], peer: IpAddr) -> Option<Ipv4Addr> {
    announced
        .iter()
        .find(|i| i.network.contains(peer))
        .or_else(|| announced.first())
        .map(|i| i.addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iface(name: &str, addr: [u8; 4], prefix: u8) -> Interface {
        let addr = Ipv4Addr::from(addr);
        Interface {
            name: name.into(),
            addr,
            network: Network::of(addr, prefix),
        }
    }

    #[test]
    fn only_private_lan_interfaces_are_announced_and_answered() {
        let all = vec![
            iface("lo", [127, 0, 0, 1], 8),
            iface("eth0", [192, 168, 1, 10], 24),
            iface("wan", [203, 0, 113, 7], 24),
            iface("wg0", [10, 8, 0, 1], 24),
        ];
        let settings = DlnaSettings::default();
        let on = announced(&settings, all.clone());
        let names: Vec<&str> = on.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["eth0", "wg0"]);
        let nets = allowed(&settings, &on);
        assert!(is_allowed(&nets, "192.168.1.77".parse().unwrap()));
        assert!(is_allowed(&nets, "::ffff:192.168.1.77".parse().unwrap()));
        assert!(!is_allowed(&nets, "192.168.2.77".parse().unwrap()));
        assert!(!is_allowed(&nets, "203.0.113.9".parse().unwrap()));
        assert_eq!(
            address_for(&on, "10.8.0.5".parse().unwrap()),
            Some(Ipv4Addr::new(10, 8, 0, 1))
        );

        let named = DlnaSettings {
            interfaces: vec!["wg0".into(), "wan".into()],
            allowed_networks: vec!["10.8.0.0/16".parse().unwrap()],
            ..DlnaSettings::default()
        };
        let on = announced(&named, all);
        assert_eq!(
            on.len(),
            1,
            "a public interface is never announced, named or not"
        );
        assert!(is_allowed(
            &allowed(&named, &on),
            "10.8.9.9".parse().unwrap()
        ));
    }

    #[test]
    fn this_machine_lists_its_loopback() {
        let all = interfaces().unwrap();
        assert!(all.iter().any(|i| i.addr.is_loopback()), "{all:?}");
    }
}
