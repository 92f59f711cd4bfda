//! The routing table: which service answers a (host, path). An immutable snapshot, rebuilt on
//! every change and swapped in whole, so that requests read it without locks held for long.
//!
//! Host lookup: the exact host, else `*.` + everything after the first label (one label only),
//! else the catch-all host `""`. Within a host, the longest path prefix that matches on a slash
//! boundary wins (`/api` matches `/api` and `/api/x`, never `/apiary`). Matching is
//! case-sensitive, as in kamal-proxy.

use std::collections::HashMap;

/// Routing maps hash with foldhash: SipHash cost ~200 instructions per request for the host
/// lookup, and the keys are the configured hosts (a lookup cannot grow a collision chain).
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// One (prefix → service) entry under a host.
#[derive(Debug, Clone)]
struct Binding<S> {
    prefix: String,
    name: String,
    service: S,
}

/// A snapshot of the routing table; `S` is the service handle (an `Arc<Service>` in the server).
#[derive(Debug, Clone)]
pub struct ServiceMap<S> {
    by_host: FastMap<String, Vec<Binding<S>>>,
    /// Whether any host is a `*.` wildcard (else a miss goes straight to the catch-all).
    wildcards: bool,
}

impl<S> Default for ServiceMap<S> {
    fn default() -> Self {
        Self { by_host: FastMap::default(), wildcards: false }
    }
}

/// What a routing entry is built from.
#[derive(Debug, Clone)]
pub struct Route<'a, S> {
    /// Service name.
    pub name: &'a str,
    /// Normalised hosts (`""` is the catch-all).
    pub hosts: &'a [String],
    /// Normalised path prefixes.
    pub prefixes: &'a [String],
    /// Handle returned by lookups.
    pub service: S,
}

impl<S: Clone> ServiceMap<S> {
    /// Builds the table from every service's hosts and prefixes.
    pub fn build<'a>(routes: impl IntoIterator<Item = Route<'a, S>>) -> Self {
        let mut by_host: FastMap<String, Vec<Binding<S>>> = FastMap::default();
        for route in routes {
            for host in route.hosts {
                for prefix in route.prefixes {
                    by_host.entry(host.clone()).or_default().push(Binding {
                        prefix: prefix.clone(),
                        name: route.name.to_string(),
                        service: route.service.clone(),
                    });
                }
            }
        }
        for bindings in by_host.values_mut() {
            bindings.sort_by(|a, b| {
                b.prefix
                    .len()
                    .cmp(&a.prefix.len())
                    .then_with(|| a.prefix.cmp(&b.prefix))
                    .then_with(|| a.name.cmp(&b.name))
            });
        }
        let wildcards = by_host.keys().any(|h| h.starts_with('*'));
        Self { by_host, wildcards }
    }

    /// The service for a request's `Host` header (port ignored) and path, with the matched prefix.
    pub fn lookup(&self, host_header: &str, path: &str) -> Option<(&S, &str)> {
        let host = strip_port(host_header);
        let bindings = self.bindings_for_host(host)?;
        let path = ensure_trailing_slash(path);
        bindings
            .iter()
            .find(|b| path.starts_with(ensure_trailing_slash(&b.prefix).as_ref()))
            .map(|b| (&b.service, b.prefix.as_str()))
    }

    /// The service that owns a host's root path `/` (used for certificates by SNI).
    pub fn service_for_host(&self, host: &str) -> Option<&S> {
        self.lookup(host, "/").map(|(s, _)| s)
    }

    /// The name of another service that already owns one of these (host, prefix) pairs.
    pub fn conflict(&self, name: &str, hosts: &[String], prefixes: &[String]) -> Option<&str> {
        for host in hosts {
            let Some(bindings) = self.by_host.get(host) else { continue };
            for prefix in prefixes {
                if let Some(b) = bindings.iter().find(|b| &b.prefix == prefix && b.name != name) {
                    return Some(&b.name);
                }
            }
        }
        None
    }

    fn bindings_for_host(&self, host: &str) -> Option<&Vec<Binding<S>>> {
        if let Some(b) = self.by_host.get(host) {
            return Some(b);
        }
        if self.wildcards
            && let Some(dot) = host.find('.')
            && dot > 0
            && let Some(b) = self.by_host.get(&format!("*{}", &host[dot..]))
        {
            return Some(b);
        }
        self.by_host.get("")
    }
}

/// Removes a `:port` suffix from a `Host` value (`[v6]:port` included), as Go's `SplitHostPort`.
pub fn strip_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        if let Some(end) = rest.find(']') {
            let after = &rest[end + 1..];
            if after.is_empty() || after.starts_with(':') {
                return &rest[..end];
            }
        }
        return host;
    }
    // Byte loops: `:` is ASCII, and a host is a few bytes (cheaper than the generic searchers).
    let bytes = host.as_bytes();
    match bytes.iter().rposition(|&b| b == b':') {
        Some(i) if i > 0 && !bytes[..i].contains(&b':') => &host[..i],
        _ => host,
    }
}

fn ensure_trailing_slash(path: &str) -> std::borrow::Cow<'_, str> {
    if path.ends_with('/') { std::borrow::Cow::Borrowed(path) } else { std::borrow::Cow::Owned(format!("{path}/")) }
}
