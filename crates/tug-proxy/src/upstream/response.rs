//! Reading a response head from a target with `httparse`: its framing (RFC 9112 §6.3), its
//! fields without the hop-by-hop ones, and 1xx answers skipped.

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderValue, Response, StatusCode, Version, header};

use super::body::Framing;
use super::conn::{Conn, Failure};
use crate::headers::header_names::NameCache;
use crate::headers::hop_by_hop::{hop_by_hop_bit, is_hop_by_hop};
use crate::upstream::chunked::ChunkedDecoder;

/// Largest response head accepted (as hyper's default buffer limit).
const MAX_HEAD: usize = 400 * 1024;
/// Most response header fields accepted (as hyper).
const MAX_HEADERS: usize = 100;

/// A response head as the client gets it, and what the connection needs to know of it.
pub(super) struct Head {
    /// Without its hop-by-hop fields (RFC 9110 §7.6.1: those named by `Connection` too).
    pub(super) response: Response<()>,
    pub(super) framing: Framing,
    /// Whether the connection may carry another request after this response.
    pub(super) keep_alive: bool,
}

/// Marks a response whose target sent it chunked (its `Transfer-Encoding` field, being
/// hop-by-hop, is gone): such a response streams even with buffering on.
#[derive(Debug, Clone, Copy)]
pub struct ChunkedFromTarget;

/// Reads the response head, skipping 1xx answers other than 101.
pub(super) async fn read_head(conn: &mut Conn, head_request: bool) -> Result<Head, Failure> {
    loop {
        if !conn.buf.is_empty() {
            match parse_head(&mut conn.buf, &mut conn.names, head_request)? {
                Some(head)
                    if head.response.status().is_informational()
                        && head.response.status() != StatusCode::SWITCHING_PROTOCOLS =>
                {
                    continue;
                }
                Some(head) => return Ok(head),
                None if conn.buf.len() > MAX_HEAD => return Err(Failure::Head("too large".to_string())),
                None => {}
            }
        }
        if conn.fill().await.map_err(Failure::Read)? == 0 {
            return Err(if conn.buf.is_empty() { Failure::Closed } else { Failure::CutHead });
        }
    }
}

/// What the framing fields of a head say (RFC 9112 §6.3).
#[derive(Default)]
struct FramingFields<'a> {
    close: bool,
    /// Whether the last transfer coding is `chunked`, when there is a `Transfer-Encoding`.
    chunked_last: Option<bool>,
    length: Option<Result<u64, ()>>,
    /// Names `Connection` lists besides the hop-by-hop ones: dropped too.
    listed: Vec<&'a [u8]>,
}

impl<'a> FramingFields<'a> {
    fn read(fields: &[httparse::Header<'a>]) -> Self {
        let mut found = Self::default();
        for field in fields {
            let name = field.name.as_bytes();
            if name.eq_ignore_ascii_case(b"connection") {
                for token in field.value.split(|&b| b == b',').map(<[u8]>::trim_ascii).filter(|t| !t.is_empty()) {
                    found.close |= token.eq_ignore_ascii_case(b"close");
                    if !is_hop_by_hop(token) {
                        found.listed.push(token);
                    }
                }
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                let last = field.value.rsplit(|&b| b == b',').next().map(<[u8]>::trim_ascii);
                found.chunked_last = Some(last.is_some_and(|t| t.eq_ignore_ascii_case(b"chunked")));
            } else if name.eq_ignore_ascii_case(b"content-length") {
                let length = parse_length(field.value);
                found.length = match found.length {
                    None => Some(length),
                    Some(earlier) if earlier == length => Some(length),
                    Some(_) => Some(Err(())),
                };
            }
        }
        found
    }
}

/// A `Content-Length` value: one number, or a list of the same number.
pub(super) fn parse_length(value: &[u8]) -> Result<u64, ()> {
    let mut length = None;
    for part in value.split(|&b| b == b',').map(<[u8]>::trim_ascii) {
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return Err(());
        }
        let n: u64 = std::str::from_utf8(part).map_err(|_| ())?.parse().map_err(|_| ())?;
        if length.is_some_and(|l| l != n) {
            return Err(());
        }
        length = Some(n);
    }
    length.ok_or(())
}

/// Takes a complete response head off the front of `buf`, if it holds one. Header values are
/// slices of the read buffer, not copies; hop-by-hop fields are left out as they are read
/// (the proxy would remove them anyway), and so is `Content-Length` beside
/// `Transfer-Encoding`, which overrides it.
fn parse_head(buf: &mut BytesMut, names_seen: &mut NameCache, head_request: bool) -> Result<Option<Head>, Failure> {
    // Left uninitialised: httparse writes the fields it finds (the array is 3 KiB).
    let mut fields = [const { std::mem::MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
    let mut parsed = httparse::Response::new(&mut []);
    let len = match httparse::ParserConfig::default().parse_response_with_uninit_headers(&mut parsed, buf, &mut fields)
    {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(Failure::Head(e.to_string())),
    };
    let status =
        parsed.code.and_then(|c| StatusCode::from_u16(c).ok()).ok_or_else(|| Failure::Head("status".to_string()))?;
    let version = if parsed.version == Some(0) { Version::HTTP_10 } else { Version::HTTP_11 };
    let reason =
        parsed.reason.filter(|r| Some(*r) != status.canonical_reason()).map(|r| Bytes::copy_from_slice(r.as_bytes()));
    let found = FramingFields::read(parsed.headers);
    let mut keep_alive = version == Version::HTTP_11 && !found.close;
    let framing = if head_request
        || status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
    {
        Framing::Length(0)
    } else {
        match (found.chunked_last, found.length) {
            (Some(true), _) => Framing::Chunked(ChunkedDecoder::default()),
            (Some(false), _) | (None, None) => {
                keep_alive = false;
                Framing::ToClose
            }
            (None, Some(Ok(length))) => Framing::Length(length),
            (None, Some(Err(()))) => return Err(Failure::Head("invalid content-length".to_string())),
        }
    };
    let base = buf.as_ptr() as usize;
    let mut names = Vec::with_capacity(parsed.headers.len());
    for (position, field) in parsed.headers.iter().enumerate() {
        let name = names_seen.name(position, field.name.as_bytes()).map_err(|e| Failure::Head(e.to_string()))?;
        let dropped = hop_by_hop_bit(name.as_str()) != 0
            || (found.chunked_last.is_some() && name == header::CONTENT_LENGTH)
            || found.listed.iter().any(|l| l.eq_ignore_ascii_case(name.as_str().as_bytes()));
        if !dropped {
            let start = field.value.as_ptr() as usize - base;
            names.push((name, start, start + field.value.len()));
        }
    }
    let head = buf.split_to(len).freeze();
    let mut headers = HeaderMap::with_capacity(names.len() + 2);
    for (name, start, end) in names {
        let value = HeaderValue::from_maybe_shared(head.slice(start..end)).map_err(|e| Failure::Head(e.to_string()))?;
        headers.append(name, value);
    }
    let mut response = Response::new(());
    *response.status_mut() = status;
    *response.version_mut() = version;
    *response.headers_mut() = headers;
    if let Some(reason) = reason.and_then(|r| hyper::ext::ReasonPhrase::try_from(r).ok()) {
        response.extensions_mut().insert(reason);
    }
    if matches!(framing, Framing::Chunked(_)) {
        response.extensions_mut().insert(ChunkedFromTarget);
    }
    Ok(Some(Head { response, framing, keep_alive }))
}

#[cfg(test)]
mod tests {
    use http::HeaderName;

    use super::*;

    fn head_of(raw: &str, head_request: bool) -> Result<Option<Head>, Failure> {
        let mut buf = BytesMut::from(raw.as_bytes());
        parse_head(&mut buf, &mut NameCache::default(), head_request)
    }

    #[test]
    fn response_heads_and_their_framing() {
        let cases: &[(&str, bool, &str, bool)] = &[
            ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", false, "Length(5)", true),
            ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", true, "Length(0)", true),
            ("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", false, "Length(0)", true),
            ("HTTP/1.1 304 Not Modified\r\n\r\n", false, "Length(0)", true),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 9\r\n\r\n",
                false,
                "Chunked",
                true,
            ),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false, "ToClose", false),
            ("HTTP/1.1 200 OK\r\n\r\n", false, "ToClose", false),
            (
                "HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 1\r\n\r\n",
                false,
                "Length(1)",
                false,
            ),
            ("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", false, "Length(1)", false),
            ("HTTP/1.1 200 OK\r\nContent-Length: 7, 7\r\nContent-Length: 7\r\n\r\n", false, "Length(7)", true),
        ];
        for (raw, head_request, framing, keep_alive) in cases {
            let head = head_of(raw, *head_request).unwrap().unwrap();
            assert!(format!("{:?}", head.framing).starts_with(framing), "{raw:?}: {:?}", head.framing);
            assert_eq!(head.keep_alive, *keep_alive, "{raw:?}");
        }
        for raw in [
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        ] {
            assert!(head_of(raw, false).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn a_head_keeps_its_fields_reason_and_leaves_the_body_in_the_buffer() {
        let mut buf = BytesMut::from(
            &b"HTTP/1.1 299 Fine Indeed\r\nX-A: 1\r\nx-a: 2\r\nServer: s\r\nContent-Length: 4\r\n\r\nbody"[..],
        );
        let response = parse_head(&mut buf, &mut NameCache::default(), false).unwrap().unwrap().response;
        assert_eq!(response.status().as_u16(), 299);
        let values: Vec<_> = response.headers().get_all("x-a").iter().map(|v| v.to_str().unwrap()).collect();
        assert_eq!((values, &response.headers()["server"]), (vec!["1", "2"], &HeaderValue::from_static("s")));
        assert_eq!(response.extensions().get::<hyper::ext::ReasonPhrase>().unwrap().as_bytes(), b"Fine Indeed");
        assert_eq!(&buf[..], b"body");
        assert!(head_of("HTTP/1.1 200 OK\r\nX-A: 1\r\n", false).unwrap().is_none());
        assert!(head_of("HTTP/1.1 200 OK\r\nX A: 1\r\n\r\n", false).is_err());
        assert!(head_of("garbage\r\n\r\n", false).is_err());
    }

    /// The fields the client gets are those `hop_by_hop::remove_hop_by_hop` would leave (`TE` goes
    /// entirely from responses, as in Go), minus a `Content-Length` that `Transfer-Encoding`
    /// overrides.
    #[test]
    fn hop_by_hop_fields_are_left_out_as_the_proxy_would_remove_them() {
        let raw = "HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Secret, Upgrade\r\nKeep-Alive: timeout=5\r\n\
                   X-Secret: 1\r\nX-Other: 2\r\nUpgrade: h2c\r\nTrailer: X-Sum\r\nTE: trailers\r\n\
                   Proxy-Connection: x\r\nProxy-Authenticate: y\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\n\r\n";
        let head = head_of(raw, false).unwrap().unwrap();
        let names: Vec<&str> = head.response.headers().keys().map(HeaderName::as_str).collect();
        assert_eq!(names, vec!["x-other"]);
        assert!(head.response.extensions().get::<ChunkedFromTarget>().is_some());
        let plain =
            head_of("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\n", false).unwrap().unwrap();
        assert_eq!(plain.response.headers().keys().map(HeaderName::as_str).collect::<Vec<_>>(), vec!["content-length"]);
        assert!(plain.response.extensions().get::<ChunkedFromTarget>().is_none());
    }
}
