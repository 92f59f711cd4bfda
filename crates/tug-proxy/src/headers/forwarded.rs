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
    /// `peer` (canonical) as a header value, when the connection made it already.
    pub peer_value: Option<&'a HeaderValue>,
}

/// The three values sent upstream (`None`: a value that is not a valid header value, left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forwarded {
    /// `X-Forwarded-For`.
    pub for_: Option<HeaderValue>,
    /// `X-Forwarded-Host`.
    pub host: Option<HeaderValue>,
    /// `X-Forwarded-Proto`.
    pub proto: Option<HeaderValue>,
}

fn joined(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    let values: Vec<&str> = headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
    if values.is_empty() { None } else { Some(values.join(", ")) }
}

/// The first value of `name` when it is text and not empty (shared, not copied).
fn first_non_empty(headers: &HeaderMap, name: &HeaderName) -> Option<HeaderValue> {
    headers.get(name).filter(|v| v.to_str().is_ok_and(|v| !v.is_empty())).cloned()
}

/// `host` as a header value: the request's own `Host` value when that is what `host` came
/// from (shared, not copied).
fn host_value(incoming: &HeaderMap, host: &str) -> Option<HeaderValue> {
    match incoming.get(http::header::HOST) {
        Some(v) if v.to_str().is_ok_and(|v| v == host) => Some(v.clone()),
        _ => HeaderValue::from_str(host).ok(),
    }
}

fn scheme(tls: bool) -> HeaderValue {
    HeaderValue::from_static(if tls { "https" } else { "http" })
}

/// `ip` as a header value.
pub fn ip_value(ip: IpAddr) -> Option<HeaderValue> {
    let mut text = String::with_capacity(15);
    crate::observe::log::push_ip(&mut text, ip);
    HeaderValue::from_str(&text).ok()
}

/// Computes the forwarded headers for a request.
pub fn compute(incoming: &HeaderMap, origin: Origin<'_>, forward_headers: bool, trusted: &TrustedProxies) -> Forwarded {
    let peer = canonical(origin.peer);
    match origin.trust {
        PeerTrust::Trusted => {
            let client = client_ip_from_trusted(incoming, peer, trusted);
            Forwarded {
                for_: ip_value(client),
                host: first_non_empty(incoming, &X_FORWARDED_HOST).or_else(|| host_value(incoming, origin.host)),
                proto: Some(first_non_empty(incoming, &X_FORWARDED_PROTO).unwrap_or_else(|| scheme(origin.tls))),
            }
        }
        trust => {
            // The incoming values are looked at only when they are to be believed.
            let believe = forward_headers && trust == PeerTrust::Unconfigured;
            let for_ = match believe.then(|| joined(incoming, &X_FORWARDED_FOR)).flatten() {
                Some(prior) => HeaderValue::from_str(&format!("{prior}, {peer}")).ok(),
                None => origin.peer_value.cloned().or_else(|| ip_value(peer)),
            };
            let prior = |name: &HeaderName| if believe { first_non_empty(incoming, name) } else { None };
            let host = prior(&X_FORWARDED_HOST).or_else(|| host_value(incoming, origin.host));
            let proto = Some(prior(&X_FORWARDED_PROTO).unwrap_or_else(|| scheme(origin.tls)));
            Forwarded { for_, host, proto }
        }
    }
}

/// Removes from an outgoing request the incoming forwarding headers ([`compute`] has read what
/// it believes of them), and `also` when given.
pub fn remove_incoming(out: &mut HeaderMap, trust: PeerTrust, also: Option<&HeaderName>) {
    // One pass over the names instead of a hashed removal each when none is there (the usual case).
    let untrusted = trust == PeerTrust::Untrusted;
    let present = |k: &HeaderName| {
        k == FORWARDED
            || k == X_FORWARDED_FOR
            || k == X_FORWARDED_HOST
            || k == X_FORWARDED_PROTO
            || (untrusted && k == CF_CONNECTING_IP)
            || also.is_some_and(|a| k == a)
    };
    if out.keys().any(present) {
        out.remove(FORWARDED);
        out.remove(X_FORWARDED_FOR);
        out.remove(X_FORWARDED_HOST);
        out.remove(X_FORWARDED_PROTO);
        if untrusted {
            out.remove(CF_CONNECTING_IP);
        }
        if let Some(also) = also {
            out.remove(also);
        }
    }
}

impl Forwarded {
    /// The three fields with their values, in the order they are sent.
    pub fn into_fields(self) -> [(HeaderName, Option<HeaderValue>); 3] {
        [(X_FORWARDED_FOR, self.for_), (X_FORWARDED_HOST, self.host), (X_FORWARDED_PROTO, self.proto)]
    }
}
