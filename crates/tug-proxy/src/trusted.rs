//! Trusted proxy ranges: CIDR blocks whose connections may tell us the client's address.
//! Cloudflare's published ranges are built in; more come from `--trusted-proxies` and
//! `--trusted-proxies-file`.

use std::net::IpAddr;
use std::str::FromStr;

/// Cloudflare's published IPv4 ranges (<https://www.cloudflare.com/ips-v4>).
pub const CLOUDFLARE_IPV4: &[&str] = &[
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

/// Cloudflare's published IPv6 ranges (<https://www.cloudflare.com/ips-v6>).
pub const CLOUDFLARE_IPV6: &[&str] = &[
    "2400:cb00::/32",
    "2606:4700::/32",
    "2803:f800::/32",
    "2405:b500::/32",
    "2405:8100::/32",
    "2a06:98c0::/29",
    "2c0f:f248::/32",
];

/// One CIDR block, e.g. `10.0.0.0/8` or `2606:4700::/32`; a bare address is a /32 or /128.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix_len: u8,
}

/// A CIDR that did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid CIDR `{0}`: expected an address with an optional `/prefix`, e.g. `10.0.0.0/8`")]
pub struct CidrError(pub String);

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || CidrError(s.to_string());
        let text = s.trim();
        let (addr, len) = match text.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (text, None),
        };
        let ip: IpAddr = addr.parse().map_err(|_| err())?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let prefix_len = match len {
            Some(l) if !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()) && l.len() <= 3 => {
                l.parse::<u8>().map_err(|_| err())?
            }
            Some(_) => return Err(err()),
            None => max,
        };
        if prefix_len > max {
            return Err(err());
        }
        Ok(Self { network: mask(ip, prefix_len), prefix_len })
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix_len)
    }
}

impl Cidr {
    /// Whether `ip` is inside this block. IPv4-mapped IPv6 addresses count as IPv4.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.network, ip) {
            (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => {
                mask(ip, self.prefix_len) == self.network
            }
            _ => false,
        }
    }
}

/// Maps `::ffff:a.b.c.d` to `a.b.c.d`.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn mask(ip: IpAddr, len: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let m = if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len)) };
            IpAddr::V4((bits & m).into())
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let m = if len == 0 { 0 } else { u128::MAX << (128 - u32::from(len)) };
            IpAddr::V6((bits & m).into())
        }
    }
}

/// The set of trusted proxy ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    ranges: Vec<Cidr>,
}

impl TrustedProxies {
    /// No trusted ranges: forwarded headers are handled exactly as kamal-proxy does.
    pub fn none() -> Self {
        Self::default()
    }

    /// Cloudflare's published ranges.
    pub fn cloudflare() -> Self {
        let ranges = CLOUDFLARE_IPV4.iter().chain(CLOUDFLARE_IPV6).filter_map(|c| c.parse().ok()).collect();
        Self { ranges }
    }

    /// Parses a comma-separated list; the word `cloudflare` adds Cloudflare's ranges.
    pub fn parse_list(list: &str) -> Result<Self, CidrError> {
        let mut out = Self::none();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            out.add_item(item)?;
        }
        Ok(out)
    }

    /// Parses a file's text: one CIDR (or `cloudflare`) per line; `#` starts a comment.
    pub fn parse_file_text(text: &str) -> Result<Self, CidrError> {
        let mut out = Self::none();
        for line in text.lines() {
            let item = line.split('#').next().unwrap_or("").trim();
            if !item.is_empty() {
                out.add_item(item)?;
            }
        }
        Ok(out)
    }

    fn add_item(&mut self, item: &str) -> Result<(), CidrError> {
        if item.eq_ignore_ascii_case("cloudflare") {
            self.extend(&Self::cloudflare());
        } else {
            self.ranges.push(item.parse()?);
        }
        Ok(())
    }

    /// Adds every range of `other`.
    pub fn extend(&mut self, other: &TrustedProxies) {
        for r in &other.ranges {
            if !self.ranges.contains(r) {
                self.ranges.push(*r);
            }
        }
    }

    /// Whether any range is configured.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Whether `ip` is in a trusted range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.ranges.iter().any(|r| r.contains(ip))
    }

    /// The ranges, in order.
    pub fn ranges(&self) -> &[Cidr] {
        &self.ranges
    }
}
