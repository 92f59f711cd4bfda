//! `X-Forwarded-For`, `-Host` and `-Proto` on the way to the target, as kamal-proxy sets them:
//! incoming values are dropped and recomputed, unless `--forward-headers` is on, in which case
//! the incoming `X-Forwarded-For` is extended with the peer and incoming `-Host`/`-Proto` are kept.
//!
//! With trusted proxy ranges configured ([`crate::trusted`]), only trusted peers are believed:
//! an untrusted peer's forwarding headers (and `CF-Connecting-IP`) are dropped even with
//! `--forward-headers`, and a trusted peer's request carries the resolved client address as the
//! whole `X-Forwarded-For`, so that applications see the visitor, not Cloudflare.

use std::net::IpAddr;

use http::{HeaderMap, HeaderValue, header::HeaderName};

use crate::client_ip::{CF_CONNECTING_IP, PeerTrust, client_ip_from_trusted};
use crate::trusted::{TrustedProxies, canonical};

/// `X-Forwarded-For`.
pub const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
/// `X-Forwarded-Host`.
pub const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
/// `X-Forwarded-Proto`.
pub const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
/// `Forwarded` (RFC 7239), always dropped as Go's `ReverseProxy.Rewrite` does.
pub const FORWARDED: HeaderName = HeaderName::from_static("forwarded");

/// What the proxy knows about the connection a request came on.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// TCP peer address.
    pub peer: IpAddr,
    /// The request's host (the `Host` header or the HTTP/2 authority).
    pub host: &'a str,
    /// Whether the connection is TLS.
    pub tls: bool,
    /// How the peer relates to the trusted ranges.
    pub trust: PeerTrust,
}

/// The three values sent upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forwarded {
    /// `X-Forwarded-For`.
    pub for_: String,
    /// `X-Forwarded-Host`.
    pub host: String,
    /// `X-Forwarded-Proto`.
    pub proto: String,
}

fn joined(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    let values: Vec<&str> = headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
    if values.is_empty() { None } else { Some(values.join(", ")) }
}

fn first_non_empty(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// Computes the forwarded headers for a request.
pub fn compute(incoming: &HeaderMap, origin: Origin<'_>, forward_headers: bool, trusted: &TrustedProxies) -> Forwarded {
    let peer = canonical(origin.peer);
    let scheme = if origin.tls { "https" } else { "http" };
    match origin.trust {
        PeerTrust::Trusted => {
            let client = client_ip_from_trusted(incoming, peer, trusted);
            Forwarded {
                for_: client.to_string(),
                host: first_non_empty(incoming, &X_FORWARDED_HOST).unwrap_or_else(|| origin.host.to_string()),
                proto: first_non_empty(incoming, &X_FORWARDED_PROTO).unwrap_or_else(|| scheme.to_string()),
            }
        }
        trust => {
            let believe = forward_headers && trust == PeerTrust::Unconfigured;
            let for_ = match joined(incoming, &X_FORWARDED_FOR).filter(|_| believe) {
                Some(prior) => format!("{prior}, {peer}"),
                None => {
                    let mut text = String::with_capacity(15);
                    crate::log::push_ip(&mut text, peer);
                    text
                }
            };
            let host = first_non_empty(incoming, &X_FORWARDED_HOST)
                .filter(|_| believe)
                .unwrap_or_else(|| origin.host.to_string());
            let proto = first_non_empty(incoming, &X_FORWARDED_PROTO)
                .filter(|_| believe)
                .unwrap_or_else(|| scheme.to_string());
            Forwarded { for_, host, proto }
        }
    }
}

/// Replaces the forwarding headers of an outgoing request with `fwd`.
pub fn apply(out: &mut HeaderMap, fwd: &Forwarded, trust: PeerTrust) {
    // One pass over the names instead of a hashed removal each when none is there (the usual case).
    let untrusted = trust == PeerTrust::Untrusted;
    if out.keys().any(|k| k == FORWARDED || k == X_FORWARDED_FOR || k == X_FORWARDED_HOST || k == X_FORWARDED_PROTO || (untrusted && k == CF_CONNECTING_IP)) {
        out.remove(FORWARDED);
        out.remove(X_FORWARDED_FOR);
        out.remove(X_FORWARDED_HOST);
        out.remove(X_FORWARDED_PROTO);
        if untrusted {
            out.remove(CF_CONNECTING_IP);
        }
    }
    if let Ok(v) = HeaderValue::from_str(&fwd.for_) {
        out.insert(X_FORWARDED_FOR, v);
    }
    if let Ok(v) = HeaderValue::from_str(&fwd.host) {
        out.insert(X_FORWARDED_HOST, v);
    }
    if let Ok(v) = HeaderValue::from_str(&fwd.proto) {
        out.insert(X_FORWARDED_PROTO, v);
    }
}
