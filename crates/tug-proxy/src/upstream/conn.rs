//! One keep-alive connection to a target, with what has been read from it but not yet used,
//! and why an exchange over it failed.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::BytesMut;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::headers::header_names::NameCache;

/// Room made in a connection's buffer before each read.
const READ_SIZE: usize = 16 * 1024;

/// One connection to a target and what has been read from it but not yet used.
pub(super) struct Conn {
    pub(super) stream: TcpStream,
    pub(super) buf: BytesMut,
    /// The field names of the last response, reused by the next.
    pub(super) names: NameCache,
}

impl Conn {
    pub(super) async fn connect(authority: &str) -> Result<Self, String> {
        let stream = TcpStream::connect(authority).await.map_err(|e| format!("dial tcp {authority}: {e}"))?;
        let _ = stream.set_nodelay(true);
        Ok(Self { stream, buf: BytesMut::new(), names: NameCache::default() })
    }

    /// Whether an idle connection can carry a request: the target has neither closed it nor
    /// written to it. Reads the socket only when its readiness says something arrived.
    pub(super) fn is_idle_and_open(&self) -> bool {
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
    pub(super) fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if self.buf.capacity() - self.buf.len() < READ_SIZE / 4 {
            self.buf.reserve(READ_SIZE);
        }
        tokio_util::io::poll_read_buf(Pin::new(&mut self.stream), cx, &mut self.buf)
    }

    pub(super) async fn fill(&mut self) -> io::Result<usize> {
        poll_fn(|cx| self.poll_fill(cx)).await
    }

    /// Writes `bytes`, unless the target starts answering first (it refuses the request
    /// early): then `Ok(false)`, with the start of the answer in the buffer.
    pub(super) async fn write_unless_answered(&mut self, bytes: &[u8]) -> Result<bool, Failure> {
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
pub(super) fn answer_started(read: io::Result<usize>) -> Result<bool, Failure> {
    match read {
        Ok(0) => Err(Failure::Closed),
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(false),
        Err(e) => Err(Failure::Read(e)),
    }
}

/// Why an exchange with a target failed.
#[derive(Debug)]
pub(super) enum Failure {
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
    pub(super) fn message(self) -> String {
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
