//! Hop-by-hop header fields (RFC 9110 §7.6.1): the fixed list, those `Connection` names, and
//! `TE` (only `TE: trailers` goes on, as in Go). Requests and upgrade responses have them
//! removed here; the pooled client leaves them out of responses as it reads.

use http::HeaderMap;
use http::header::{self, HeaderName, HeaderValue};

/// A `static`, not a `const`: a const array would be built and dropped at every use.
static HOP_BY_HOP: [HeaderName; 8] = [
    header::CONNECTION,
    HeaderName::from_static("proxy-connection"),
    HeaderName::from_static("keep-alive"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

/// The bit of a name in [`remove_hop_by_hop`]'s set (bit i: `HOP_BY_HOP[i]`, then `TE`), or 0.
/// A `match` on the text compiles to a few length and byte comparisons per name, where
/// comparing with each `HeaderName` in turn cost about ten times as much.
pub(crate) fn hop_by_hop_bit(name: &str) -> u16 {
    match name {
        "connection" => 1,
        "proxy-connection" => 1 << 1,
        "keep-alive" => 1 << 2,
        "proxy-authenticate" => 1 << 3,
        "proxy-authorization" => 1 << 4,
        "trailer" => 1 << 5,
        "transfer-encoding" => 1 << 6,
        "upgrade" => 1 << 7,
        "te" => 1 << 8,
        _ => 0,
    }
}

/// Removes hop-by-hop headers, including those the `Connection` header names. `TE: trailers`
/// survives, as in Go.
pub fn remove_hop_by_hop(headers: &mut HeaderMap) {
    // One pass over the (few) names: which hop-by-hop names and `TE` are present. Bit i is
    // HOP_BY_HOP[i]; TE_BIT is `TE`.
    const TE_BIT: u16 = 1 << HOP_BY_HOP.len();
    let mut present = 0u16;
    for key in headers.keys() {
        present |= hop_by_hop_bit(key.as_str());
    }
    // Without `Connection` nothing else is named, so none of these means nothing to do.
    if present == 0 {
        return;
    }
    // The names `Connection` lists: the hop-by-hop ones go below anyway; others are matched
    // against the names present (no lookup, no allocation for `close` or `keep-alive`).
    let mut te_listed = false;
    let mut listed: Vec<HeaderName> = Vec::new();
    for value in headers.get_all(header::CONNECTION) {
        let Ok(value) = value.to_str() else { continue };
        for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if HOP_BY_HOP.iter().any(|h| h.as_str().eq_ignore_ascii_case(name)) {
                continue;
            }
            if name.eq_ignore_ascii_case(header::TE.as_str()) {
                te_listed = true;
            } else if let Some(key) = headers.keys().find(|k| k.as_str().eq_ignore_ascii_case(name)) {
                listed.push(key.clone());
            }
        }
    }
    for name in &listed {
        headers.remove(name);
    }
    for (i, name) in HOP_BY_HOP.iter().enumerate() {
        if present & (1 << i) != 0 {
            headers.remove(name);
        }
    }
    if present & TE_BIT != 0 {
        let te_trailers = !te_listed
            && headers
                .get(header::TE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.split(',').any(|p| p.trim().eq_ignore_ascii_case("trailers")));
        headers.remove(header::TE);
        if te_trailers {
            headers.insert(header::TE, HeaderValue::from_static("trailers"));
        }
    }
}

/// Whether a name, in any case, is hop-by-hop (lowered on the stack: no allocation).
pub(crate) fn is_hop_by_hop(name: &[u8]) -> bool {
    let mut lower = [0u8; 20];
    if name.len() > lower.len() {
        return false;
    }
    for (l, b) in lower.iter_mut().zip(name) {
        *l = b.to_ascii_lowercase();
    }
    std::str::from_utf8(&lower[..name.len()]).is_ok_and(|n| hop_by_hop_bit(n) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain reading of the rule: every hop-by-hop name and every name `Connection` lists
    /// goes; `TE: trailers` stays.
    fn reference(headers: &HeaderMap) -> HeaderMap {
        let listed: Vec<String> = headers
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|n| n.trim().to_ascii_lowercase())
            .collect();
        let te_trailers = !listed.iter().any(|n| n == "te")
            && headers
                .get(header::TE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.split(',').any(|p| p.trim().eq_ignore_ascii_case("trailers")));
        let mut out = HeaderMap::new();
        for (name, value) in headers {
            if !HOP_BY_HOP.contains(name) && *name != header::TE && !listed.iter().any(|n| n == name.as_str()) {
                out.append(name.clone(), value.clone());
            }
        }
        if te_trailers {
            out.insert(header::TE, HeaderValue::from_static("trailers"));
        }
        out
    }

    #[test]
    fn the_bits_follow_the_list() {
        for (i, name) in HOP_BY_HOP.iter().enumerate() {
            assert_eq!(hop_by_hop_bit(name.as_str()), 1 << i, "{name}");
        }
        assert_eq!(hop_by_hop_bit("te"), 1 << HOP_BY_HOP.len());
        assert_eq!(hop_by_hop_bit("host"), 0);
    }

    #[test]
    fn removes_hop_by_hop_and_listed_headers() {
        let cases: &[&[(&str, &str)]] = &[
            &[("host", "a"), ("accept", "*/*")],
            &[("connection", "close"), ("host", "a")],
            &[("connection", "keep-alive, X-Secret"), ("x-secret", "1"), ("x-other", "2"), ("keep-alive", "timeout=5")],
            &[("connection", "x-a"), ("connection", " X-B ,, bad name "), ("x-a", "1"), ("x-b", "2"), ("x-c", "3")],
            &[("te", "trailers, gzip"), ("upgrade", "websocket"), ("transfer-encoding", "chunked"), ("trailer", "x")],
            &[("connection", "te"), ("te", "trailers")],
            &[
                ("te", "gzip"),
                ("proxy-authorization", "x"),
                ("proxy-connection", "keep-alive"),
                ("proxy-authenticate", "y"),
            ],
            &[("connection", "TE, Keep-Alive"), ("te", "trailers"), ("keep-alive", "1"), ("x-a", "1")],
            &[
                ("connection", "X-A, x-b, Upgrade"),
                ("x-a", "1"),
                ("x-a", "2"),
                ("x-b", "3"),
                ("upgrade", "h2c"),
                ("accept", "*/*"),
            ],
            &[("connection", "close"), ("connection", "Host"), ("host", "a"), ("te", "Trailers ; q=1, trailers")],
            &[("te", "trailers"), ("accept", "*/*")],
            &[("keep-alive", "timeout=5"), ("accept", "*/*")],
        ];
        for case in cases {
            let mut headers = HeaderMap::new();
            for (name, value) in *case {
                headers.append(HeaderName::from_bytes(name.as_bytes()).unwrap(), HeaderValue::from_str(value).unwrap());
            }
            let expected = reference(&headers);
            remove_hop_by_hop(&mut headers);
            assert_eq!(headers, expected, "{case:?}");
        }
    }
}
