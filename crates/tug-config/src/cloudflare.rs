//! Cloudflare's published edge address ranges, for `tug doctor` (does a proxy host resolve to
//! Cloudflare?) and the configuration advice.
//!
//! The same public facts are built into tug-proxy (`--trusted-proxies cloudflare`); the tug
//! crates do not depend on tug-proxy, so the list is kept here too, and a test
//! (`tests/cloudflare_ranges.rs`) fails when the two lists differ.

use std::net::IpAddr;

/// Cloudflare's IPv4 ranges (<https://www.cloudflare.com/ips-v4>).
pub const IPV4: &[&str] = &[
    "173.245.48.0/20",
    "103.21.244.0/22",
    "103.22.200.0/22",
    "103.31.4.0/22",
    "141.101.64.0/18",
    "108.162.192.0/18",
    "190.93.240.0/20",
    "188.114.96.0/20",
    "197.234.240.0/22",
    "198.41.128.0/17",
    "162.158.0.0/15",
    "104.16.0.0/13",
    "104.24.0.0/14",
    "172.64.0.0/13",
    "131.0.72.0/22",
];

/// Cloudflare's IPv6 ranges (<https://www.cloudflare.com/ips-v6>).
pub const IPV6: &[&str] = &[
    "2400:cb00::/32",
    "2606:4700::/32",
    "2803:f800::/32",
    "2405:b500::/32",
    "2405:8100::/32",
    "2a06:98c0::/29",
    "2c0f:f248::/32",
];

/// Whether `cidr` (`a.b.c.d/n` or `x::/n`) contains `ip`. A malformed block contains nothing.
pub fn cidr_contains(cidr: &str, ip: IpAddr) -> bool {
    let Some((net, bits)) = cidr.split_once('/') else { return false };
    let (Ok(net), Ok(bits)) = (net.parse::<IpAddr>(), bits.parse::<u32>()) else { return false };
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(a)) if bits <= 32 => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
            (u32::from(n) & mask) == (u32::from(a) & mask)
        }
        (IpAddr::V6(n), IpAddr::V6(a)) if bits <= 128 => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
            (u128::from(n) & mask) == (u128::from(a) & mask)
        }
        (IpAddr::V4(_), IpAddr::V6(a)) => {
            a.to_ipv4_mapped().is_some_and(|v4| cidr_contains(&format!("{net}/{bits}"), IpAddr::V4(v4)))
        }
        _ => false,
    }
}

/// Whether `ip` is one of Cloudflare's edge addresses.
pub fn is_cloudflare(ip: IpAddr) -> bool {
    IPV4.iter().chain(IPV6).any(|c| cidr_contains(c, ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_addresses_and_others() {
        assert!(is_cloudflare("104.21.3.4".parse().unwrap()));
        assert!(is_cloudflare("172.67.1.1".parse().unwrap()));
        assert!(is_cloudflare("2606:4700:3030::ac43:1".parse().unwrap()));
        assert!(is_cloudflare("::ffff:104.16.0.1".parse().unwrap()));
        assert!(!is_cloudflare("93.184.215.14".parse().unwrap()));
        assert!(!is_cloudflare("123.45.67.89".parse().unwrap()));
        assert!(!is_cloudflare("2001:db8::1".parse().unwrap()));
        assert!(cidr_contains("0.0.0.0/0", "1.2.3.4".parse().unwrap()));
        assert!(!cidr_contains("nonsense", "1.2.3.4".parse().unwrap()));
    }
}
