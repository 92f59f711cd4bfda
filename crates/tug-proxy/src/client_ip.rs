//! Which address is the client's. With no trusted ranges configured this is the TCP peer (and
//! kamal-proxy's forwarded-header rules apply unchanged). When the peer is in a trusted range,
//! `CF-Connecting-IP` names the client, or else the right-most `X-Forwarded-For` entry that is
//! not itself a trusted proxy.

use std::net::IpAddr;

use http::HeaderMap;

use crate::trusted::{TrustedProxies, canonical};

/// Cloudflare's header carrying the visitor's address.
pub const CF_CONNECTING_IP: &str = "cf-connecting-ip";

/// How the peer relates to the trusted ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerTrust {
    /// No ranges configured: kamal-proxy semantics.
    Unconfigured,
    /// The peer is a trusted proxy.
    Trusted,
    /// Ranges are configured and the peer is outside them.
    Untrusted,
}

/// Classifies a peer address.
pub fn peer_trust(trusted: &TrustedProxies, peer: IpAddr) -> PeerTrust {
    if trusted.is_empty() {
        PeerTrust::Unconfigured
    } else if trusted.contains(peer) {
        PeerTrust::Trusted
    } else {
        PeerTrust::Untrusted
    }
}

/// Parses one address as found in forwarding headers: bare, `[v6]`, `v4:port` or `[v6]:port`.
pub fn parse_ip(value: &str) -> Option<IpAddr> {
    let v = value.trim().trim_matches('"');
    if let Ok(ip) = v.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Some(rest) = v.strip_prefix('[') {
        let end = rest.find(']')?;
        return rest[..end].parse().ok().map(canonical);
    }
    let (host, port) = v.rsplit_once(':')?;
    if port.bytes().all(|b| b.is_ascii_digit()) && !port.is_empty() {
        return host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4);
    }
    None
}

/// Every entry of all `X-Forwarded-For` values, in order; entries that are not addresses are kept
/// as `None` so that position is preserved.
pub fn forwarded_for_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all(http::header::HeaderName::from_static("x-forwarded-for"))
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter(|s| !s.trim().is_empty())
        .map(parse_ip)
        .collect()
}

/// The client's address for a request that arrived from a trusted proxy `peer`.
pub fn client_ip_from_trusted(headers: &HeaderMap, peer: IpAddr, trusted: &TrustedProxies) -> IpAddr {
    if let Some(ip) = headers.get(CF_CONNECTING_IP).and_then(|v| v.to_str().ok()).and_then(parse_ip) {
        return ip;
    }
    let mut last = canonical(peer);
    for entry in forwarded_for_chain(headers).iter().rev() {
        match entry {
            Some(ip) if trusted.contains(*ip) => last = *ip,
            Some(ip) => return *ip,
            None => return last,
        }
    }
    last
}
