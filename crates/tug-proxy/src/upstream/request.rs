//! Writing a request to a target: its body's framing, the head as HTTP/1.1 writes it, and the
//! body, gathered into batches, stopping when the target answers first.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::Poll;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use hyper::body::{Body, Frame};
use tokio::io::AsyncWriteExt;

use super::conn::{Conn, Failure, answer_started};
use super::response::parse_length;
use crate::body::ProxyBody;

/// Request body bytes gathered before a write.
const WRITE_BATCH: usize = 64 * 1024;

/// How a request body is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RequestFraming {
    /// No body is sent.
    None,
    /// As it comes, its length in `Content-Length`.
    Length,
    Chunked,
}

/// Picks the request body's framing and sets the headers for it, as hyper's client does: a
/// given valid `Content-Length` stays; a body of known size gets one; a body of unknown size is
/// chunked, except on GET, HEAD and CONNECT, which are sent without one.
pub(super) fn request_framing(method: &Method, headers: &mut HeaderMap, body: &ProxyBody) -> RequestFraming {
    headers.remove(header::TRANSFER_ENCODING);
    if body.is_end_stream() {
        return RequestFraming::None;
    }
    if matches!(content_length_value(headers), Some(Ok(_))) {
        return RequestFraming::Length;
    }
    if let Some(size) = body.size_hint().exact() {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
        return RequestFraming::Length;
    }
    if matches!(*method, Method::GET | Method::HEAD | Method::CONNECT) {
        headers.remove(header::CONTENT_LENGTH);
        return RequestFraming::None;
    }
    headers.remove(header::CONTENT_LENGTH);
    headers.insert(header::TRANSFER_ENCODING, HeaderValue::from_static("chunked"));
    RequestFraming::Chunked
}

fn content_length_value(headers: &HeaderMap) -> Option<Result<u64, ()>> {
    let mut values = headers.get_all(header::CONTENT_LENGTH).iter();
    let length = parse_length(values.next()?.as_bytes());
    for value in values {
        if parse_length(value.as_bytes()) != length {
            return Some(Err(()));
        }
    }
    Some(length)
}

/// The request line and header fields (then `added`, those with a value), as HTTP/1.1 writes
/// them.
pub(super) fn encode_head(
    method: &Method,
    uri: &http::Uri,
    headers: &HeaderMap,
    added: &[(HeaderName, Option<HeaderValue>)],
) -> Vec<u8> {
    let target = uri.path_and_query().map_or("/", |pq| pq.as_str());
    let mut out = Vec::with_capacity(64 + target.len() + (headers.len() + added.len()) * 48);
    out.extend_from_slice(method.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(target.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    write_fields(&mut out, headers);
    for (name, value) in added {
        if let Some(value) = value {
            write_field(&mut out, name, value);
        }
    }
    out.extend_from_slice(b"\r\n");
    out
}

fn write_fields(out: &mut Vec<u8>, headers: &HeaderMap) {
    for (name, value) in headers {
        write_field(out, name, value);
    }
}

fn write_field(out: &mut Vec<u8>, name: &HeaderName, value: &HeaderValue) {
    out.extend_from_slice(name.as_str().as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value.as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// Writes the head and the body. `Ok(true)` when all of it went; `Ok(false)` when the target
/// answered first (the rest is not sent, and the connection is not reused).
pub(super) async fn write_request(
    conn: &mut Conn,
    head: &[u8],
    body: &mut ProxyBody,
    framing: RequestFraming,
    body_taken: &mut bool,
) -> Result<bool, Failure> {
    if framing == RequestFraming::None {
        conn.stream.write_all(head).await.map_err(Failure::Write)?;
        return Ok(true);
    }
    let chunked = framing == RequestFraming::Chunked;
    let mut pending = Vec::with_capacity(head.len() + 1024);
    pending.extend_from_slice(head);
    loop {
        // Whatever is gathered goes out before waiting for more of the body.
        let polled = poll_fn(|cx| Poll::Ready(Pin::new(&mut *body).poll_frame(cx))).await;
        let frame = match polled {
            Poll::Ready(frame) => frame,
            Poll::Pending => {
                if !pending.is_empty() {
                    if !conn.write_unless_answered(&pending).await? {
                        return Ok(false);
                    }
                    pending.clear();
                }
                match next_frame_unless_answered(conn, body).await? {
                    Some(frame) => frame,
                    None => return Ok(false),
                }
            }
        };
        *body_taken = true;
        match frame {
            None => {
                if chunked {
                    pending.extend_from_slice(b"0\r\n\r\n");
                }
                break;
            }
            Some(Err(e)) => return Err(Failure::RequestBody(e.to_string())),
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) if data.is_empty() => {}
                Ok(data) => {
                    if chunked {
                        pending.extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
                    }
                    if pending.len() + data.len() <= WRITE_BATCH {
                        pending.extend_from_slice(&data);
                    } else {
                        if !pending.is_empty() && !conn.write_unless_answered(&pending).await? {
                            return Ok(false);
                        }
                        pending.clear();
                        if !conn.write_unless_answered(&data).await? {
                            return Ok(false);
                        }
                    }
                    if chunked {
                        pending.extend_from_slice(b"\r\n");
                    }
                }
                Err(frame) => {
                    if let (true, Ok(trailers)) = (chunked, frame.into_trailers()) {
                        pending.extend_from_slice(b"0\r\n");
                        write_fields(&mut pending, &trailers);
                        pending.extend_from_slice(b"\r\n");
                        return finish_write(conn, &pending).await;
                    }
                }
            },
        }
    }
    finish_write(conn, &pending).await
}

async fn finish_write(conn: &mut Conn, pending: &[u8]) -> Result<bool, Failure> {
    if pending.is_empty() { Ok(true) } else { conn.write_unless_answered(pending).await }
}

type Polled = Option<Result<Frame<Bytes>, crate::body::BoxError>>;

/// Waits for the next frame of the request body; `None` when the target answers first.
async fn next_frame_unless_answered(conn: &mut Conn, body: &mut ProxyBody) -> Result<Option<Polled>, Failure> {
    let Conn { stream, buf, .. } = conn;
    loop {
        tokio::select! {
            biased;
            frame = poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx)) => return Ok(Some(frame)),
            ready = stream.readable() => {
                ready.map_err(Failure::Read)?;
                if answer_started(stream.try_read_buf(buf))? {
                    return Ok(None);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::task::Context;

    use super::*;

    #[test]
    fn request_framing_follows_hypers_client() {
        let mut headers = HeaderMap::new();
        headers.insert(header::TRANSFER_ENCODING, HeaderValue::from_static("chunked"));
        assert_eq!(request_framing(&Method::POST, &mut headers, &crate::body::empty()), RequestFraming::None);
        assert!(headers.is_empty());
        assert_eq!(request_framing(&Method::POST, &mut headers, &crate::body::full("abc")), RequestFraming::Length);
        assert_eq!(headers[header::CONTENT_LENGTH], "3");
        let streaming = || crate::body::boxed(Unknown);
        let mut headers = HeaderMap::new();
        assert_eq!(request_framing(&Method::GET, &mut headers, &streaming()), RequestFraming::None);
        assert_eq!(request_framing(&Method::PUT, &mut headers, &streaming()), RequestFraming::Chunked);
        assert_eq!(headers[header::TRANSFER_ENCODING], "chunked");
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("10"));
        assert_eq!(request_framing(&Method::PUT, &mut headers, &streaming()), RequestFraming::Length);
        assert_eq!(headers[header::CONTENT_LENGTH], "10");
    }

    /// A body of unknown size that never ends.
    struct Unknown;

    impl Body for Unknown {
        type Data = Bytes;
        type Error = std::convert::Infallible;
        fn poll_frame(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            Poll::Pending
        }
    }

    #[test]
    fn heads_are_written_as_http_1_1() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("example.com"));
        headers.append("x-a", HeaderValue::from_static("1"));
        headers.append("x-a", HeaderValue::from_static("2"));
        let uri: http::Uri = "/p?q=1".parse().unwrap();
        let added = [
            (HeaderName::from_static("x-b"), None),
            (HeaderName::from_static("x-c"), Some(HeaderValue::from_static("3"))),
        ];
        assert_eq!(
            String::from_utf8(encode_head(&Method::DELETE, &uri, &headers, &added)).unwrap(),
            "DELETE /p?q=1 HTTP/1.1\r\nhost: example.com\r\nx-a: 1\r\nx-a: 2\r\nx-c: 3\r\n\r\n"
        );
    }
}
