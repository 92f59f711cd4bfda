//! The headers the proxy adds to a request (`X-Request-*`, `X-Forwarded-*`, the target), kept
//! beside its header map as `(name, value)` pairs: the pooled client writes them after the
//! request's own fields, without a map insertion each.

use http::{HeaderMap, HeaderName, HeaderValue};

/// Inserts the `added` headers that have a value into `headers`: for a request that goes where
/// the map is sent as it is (an upgrade through hyper's client), or code that reads the map.
pub fn insert_added(headers: &mut HeaderMap, added: impl IntoIterator<Item = (HeaderName, Option<HeaderValue>)>) {
    for (name, value) in added {
        if let Some(value) = value {
            headers.insert(name, value);
        }
    }
}
