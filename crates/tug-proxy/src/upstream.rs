//! Each accept worker's HTTP/1.1 client for targets, with its pool of keep-alive connections.
//!
//! The task serving the client writes the request and reads the response itself: no task per
//! connection, no channels, no wake-ups of another task (with hyper's client those were about a
//! quarter of the instructions per proxied request). The response head is parsed with
//! `httparse`; the body is framed as RFC 9112 §6.3 says ([`UpstreamBody`]).
//!
//! A worker's requests run on one thread, so its pool is a short list per target address
//! behind an uncontended lock. A connection goes back when its response body has been read to
//! the end and nothing is left over; an idle connection the target closed (or wrote to) is
//! noticed from the socket's readiness, without a system call when nothing happened.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode, Version, header};
use hyper::body::{Body, Frame, SizeHint};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::body::ProxyBody;
use crate::chunked::{ChunkedDecoder, Step};
use crate::header_names::NameCache;
use crate::headers::hop_by_hop::{hop_by_hop_bit, is_hop_by_hop};

/// Idle connections kept per target address.
const MAX_IDLE_PER_TARGET: usize = 100;
/// An idle connection older than this is closed rather than reused.
const IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// Largest response head accepted (as hyper's default buffer limit).
const MAX_HEAD: usize = 400 * 1024;
/// Most response header fields accepted (as hyper).
const MAX_HEADERS: usize = 100;
/// Room made in a connection's buffer before each read.
const READ_SIZE: usize = 16 * 1024;
/// Request body bytes gathered before a write.
const WRITE_BATCH: usize = 64 * 1024;

/// One connection to a target and what has been read from it but not yet used.
struct Conn {
    stream: TcpStream,
    buf: BytesMut,
    /// The field names of the last response, reused by the next.
    names: NameCache,
}

impl Conn {
    async fn connect(authority: &str) -> Result<Self, String> {
        let stream = TcpStream::connect(authority).await.map_err(|e| format!("dial tcp {authority}: {e}"))?;
        let _ = stream.set_nodelay(true);
        Ok(Self { stream, buf: BytesMut::new(), names: NameCache::default() })
    }

    /// Whether an idle connection can carry a request: the target has neither closed it nor
    /// written to it. Reads the socket only when its readiness says something arrived.
    fn is_idle_and_open(&self) -> bool {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        match self.stream.poll_read_ready(&mut cx) {
            Poll::Pending => true,
            Poll::Ready(Err(_)) => false,
            Poll::Ready(Ok(())) => {
                let mut probe = [0u8; 1];
                matches!(self.stream.try_read(&mut probe), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
            }
        }
    }

    /// Reads more into the buffer; `Ok(0)` at the end of the connection.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if self.buf.capacity() - self.buf.len() < READ_SIZE / 4 {
            self.buf.reserve(READ_SIZE);
        }
        tokio_util::io::poll_read_buf(Pin::new(&mut self.stream), cx, &mut self.buf)
    }

    async fn fill(&mut self) -> io::Result<usize> {
        poll_fn(|cx| self.poll_fill(cx)).await
    }

    /// Writes `bytes`, unless the target starts answering first (it refuses the request
    /// early): then `Ok(false)`, with the start of the answer in the buffer.
    async fn write_unless_answered(&mut self, bytes: &[u8]) -> Result<bool, Failure> {
        let Self { stream, buf, .. } = self;
        let (reader, mut writer) = stream.split();
        let write = writer.write_all(bytes);
        tokio::pin!(write);
        loop {
            tokio::select! {
                biased;
                written = &mut write => return written.map(|()| true).map_err(Failure::Write),
                ready = reader.readable() => {
                    ready.map_err(Failure::Read)?;
                    if answer_started(reader.try_read_buf(buf))? {
                        return Ok(false);
                    }
                }
            }
        }
    }
}

/// What a read tells when the socket turned readable while the request was still going out:
/// the target started answering (`true`), or the readiness was stale (`false`: keep sending).
fn answer_started(read: io::Result<usize>) -> Result<bool, Failure> {
    match read {
        Ok(0) => Err(Failure::Closed),
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(false),
        Err(e) => Err(Failure::Read(e)),
    }
}

/// Why an exchange with a target failed.
#[derive(Debug)]
enum Failure {
    /// The connection ended before any of the answer (a reused connection the target had
    /// just closed: the request can go again on another).
    Closed,
    Write(io::Error),
    Read(io::Error),
    /// The answer stopped in the middle of its head.
    CutHead,
    Head(String),
    RequestBody(String),
}

impl Failure {
    fn message(self) -> String {
        match self {
            Self::Closed => "connection closed before a response".to_string(),
            Self::Write(e) => format!("write: {e}"),
            Self::Read(e) => format!("read: {e}"),
            Self::CutHead => "connection closed in the middle of the response head".to_string(),
            Self::Head(e) => format!("malformed response head: {e}"),
            Self::RequestBody(e) => format!("reading the request body: {e}"),
        }
    }
}

struct Idle {
    conn: Conn,
    since: Instant,
}

struct Target {
    authority: String,
    /// Most recently returned last.
    idle: Vec<Idle>,
}

/// A pool of keep-alive connections to targets (HTTP/1.1, `TCP_NODELAY`).
#[derive(Default)]
pub struct UpstreamPool {
    targets: Mutex<Vec<Target>>,
}

impl std::fmt::Debug for UpstreamPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamPool").finish_non_exhaustive()
    }
}

impl UpstreamPool {
    /// An empty pool.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    fn targets(&self) -> std::sync::MutexGuard<'_, Vec<Target>> {
        self.targets.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn checkout(&self, authority: &str) -> Option<Conn> {
        let mut targets = self.targets();
        let target = targets.iter_mut().find(|t| t.authority == authority)?;
        while let Some(idle) = target.idle.pop() {
            if idle.since.elapsed() < IDLE_TIMEOUT && idle.conn.is_idle_and_open() {
                return Some(idle.conn);
            }
        }
        None
    }

    fn checkin(&self, authority: &str, conn: Conn) {
        let idle = Idle { conn, since: Instant::now() };
        let mut targets = self.targets();
        match targets.iter_mut().find(|t| t.authority == authority) {
            Some(target) => {
                if target.idle.len() >= MAX_IDLE_PER_TARGET {
                    target.idle.remove(0);
                }
                target.idle.push(idle);
            }
            None => targets.push(Target { authority: authority.to_string(), idle: vec![idle] }),
        }
    }

    /// Closes connections idle for longer than the timeout (or closed by the target) and
    /// forgets targets without any.
    pub fn sweep(&self) {
        let mut targets = self.targets();
        for target in targets.iter_mut() {
            target.idle.retain(|i| i.since.elapsed() < IDLE_TIMEOUT && i.conn.is_idle_and_open());
        }
        targets.retain(|t| !t.idle.is_empty());
    }

    /// Sends `req` (`Host` set; of its URI the path and query are written) to `authority` over
    /// an idle connection or a new one, with the `added` headers (those with a value) after its
    /// own. The response comes without hop-by-hop fields; one the target sent chunked is marked
    /// with [`ChunkedFromTarget`]. A request that a reused connection closed before answering is
    /// sent again on another when none of its body had been taken and it was not written or is
    /// safe to repeat. The connection returns to the pool when the response body has been read
    /// to its end.
    pub async fn send(
        self: &Arc<Self>,
        authority: &str,
        req: Request<ProxyBody>,
        added: &[(HeaderName, Option<HeaderValue>)],
    ) -> Result<Response<UpstreamBody>, String> {
        let (mut parts, mut body) = req.into_parts();
        let framing = request_framing(&parts.method, &mut parts.headers, &body);
        let head = encode_head(&parts.method, &parts.uri, &parts.headers, added);
        let head_request = parts.method == Method::HEAD;
        let replayable = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE);
        loop {
            let (mut conn, reused) = match self.checkout(authority) {
                Some(conn) => (conn, true),
                None => (Conn::connect(authority).await?, false),
            };
            let mut body_taken = false;
            let sent = write_request(&mut conn, &head, &mut body, framing, &mut body_taken).await;
            let answer = match sent {
                Ok(whole) => read_head(&mut conn, head_request).await.map(|answer| (answer, whole)),
                // The target may have answered before it stopped reading (a refusal).
                Err(Failure::Write(e)) => match read_head(&mut conn, head_request).await {
                    Ok(answer) => Ok((answer, false)),
                    Err(_) => Err(Failure::Write(e)),
                },
                Err(e) => Err(e),
            };
            match answer {
                Ok((Head { response, framing, keep_alive }, whole)) => {
                    let home = (keep_alive && whole).then(|| (Arc::clone(self), authority.to_string()));
                    return Ok(response.map(|()| UpstreamBody::new(conn, framing, home)));
                }
                // A reused connection the target had closed: nothing of the request was taken
                // in (a failed write), or it is safe to send again (as Go's transport decides).
                Err(Failure::Write(_)) if reused && !body_taken => {}
                Err(Failure::Closed | Failure::Read(_))
                    if reused && !body_taken && replayable && conn.buf.is_empty() => {}
                Err(e) => return Err(e.message()),
            }
        }
    }
}

/// How a request body is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RequestFraming {
    /// No body is sent.
    None,
    /// As it comes, its length in `Content-Length`.
    Length,
    Chunked,
}

/// Picks the request body's framing and sets the headers for it, as hyper's client does: a
/// given valid `Content-Length` stays; a body of known size gets one; a body of unknown size is
/// chunked, except on GET, HEAD and CONNECT, which are sent without one.
fn request_framing(method: &Method, headers: &mut HeaderMap, body: &ProxyBody) -> RequestFraming {
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
fn encode_head(
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
async fn write_request(
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

/// A response head as the client gets it, and what the connection needs to know of it.
struct Head {
    /// Without its hop-by-hop fields (RFC 9110 §7.6.1: those named by `Connection` too).
    response: Response<()>,
    framing: Framing,
    /// Whether the connection may carry another request after this response.
    keep_alive: bool,
}

/// Marks a response whose target sent it chunked (its `Transfer-Encoding` field, being
/// hop-by-hop, is gone): such a response streams even with buffering on.
#[derive(Debug, Clone, Copy)]
pub struct ChunkedFromTarget;

/// Reads the response head, skipping 1xx answers other than 101.
async fn read_head(conn: &mut Conn, head_request: bool) -> Result<Head, Failure> {
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
fn parse_length(value: &[u8]) -> Result<u64, ()> {
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

/// How a response body ends.
#[derive(Debug)]
enum Framing {
    /// After this many more bytes.
    Length(u64),
    Chunked(ChunkedDecoder),
    /// At the end of the connection.
    ToClose,
}

/// A response body read from a target's connection; when it has been read to its end, the
/// connection goes back to the pool (if it can carry another request).
pub struct UpstreamBody {
    conn: Option<Conn>,
    framing: Framing,
    home: Option<(Arc<UpstreamPool>, String)>,
}

impl UpstreamBody {
    fn new(conn: Conn, framing: Framing, home: Option<(Arc<UpstreamPool>, String)>) -> Self {
        let mut body = Self { conn: Some(conn), framing, home };
        if matches!(body.framing, Framing::Length(0)) {
            body.finish();
        }
        body
    }

    /// The body has ended: the connection goes back when nothing follows it.
    fn finish(&mut self) {
        if let (Some(conn), Some((pool, authority))) = (self.conn.take(), self.home.take())
            && conn.buf.is_empty()
        {
            pool.checkin(&authority, conn);
        }
    }

    fn fail(&mut self, error: io::Error) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        self.conn = None;
        Poll::Ready(Some(Err(error)))
    }
}

impl Body for UpstreamBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = &mut *self;
        loop {
            let Some(conn) = this.conn.as_mut() else { return Poll::Ready(None) };
            let mut ended = false;
            let frame = match &mut this.framing {
                Framing::Length(remaining) if conn.buf.is_empty() => None,
                Framing::Length(remaining) => {
                    let n = usize::try_from(*remaining).unwrap_or(usize::MAX).min(conn.buf.len());
                    *remaining -= n as u64;
                    ended = *remaining == 0;
                    Some(Frame::data(conn.buf.split_to(n).freeze()))
                }
                Framing::Chunked(decoder) => match decoder.decode(&mut conn.buf) {
                    Ok(Step::Data(data)) => Some(Frame::data(data)),
                    Ok(Step::Trailers(trailers)) => {
                        ended = true;
                        Some(Frame::trailers(trailers))
                    }
                    Ok(Step::End) => {
                        this.finish();
                        return Poll::Ready(None);
                    }
                    Ok(Step::NeedMore) => None,
                    Err(e) => return this.fail(io::Error::new(io::ErrorKind::InvalidData, e)),
                },
                Framing::ToClose if conn.buf.is_empty() => None,
                Framing::ToClose => Some(Frame::data(conn.buf.split().freeze())),
            };
            if let Some(frame) = frame {
                if ended {
                    this.finish();
                }
                return Poll::Ready(Some(Ok(frame)));
            }
            match std::task::ready!(conn.poll_fill(cx)) {
                Ok(0) if matches!(this.framing, Framing::ToClose) => {
                    this.conn = None;
                    return Poll::Ready(None);
                }
                Ok(0) => return this.fail(io::ErrorKind::UnexpectedEof.into()),
                Ok(_) => {}
                Err(e) => return this.fail(e),
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.conn.is_none()
            || matches!(self.framing, Framing::Length(0))
            || matches!(&self.framing, Framing::Chunked(d) if d.is_end())
    }

    fn size_hint(&self) -> SizeHint {
        match (&self.conn, &self.framing) {
            (None, _) => SizeHint::with_exact(0),
            (_, Framing::Length(remaining)) => SizeHint::with_exact(*remaining),
            _ => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
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
