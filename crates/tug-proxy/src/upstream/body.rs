//! A response body read from a target's connection, framed by length, by chunks or by the end
//! of the connection; the connection goes back to the pool once the body has ended.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};

use super::conn::Conn;
use super::pool::UpstreamPool;
use crate::upstream::chunked::{ChunkedDecoder, Step};

/// How a response body ends.
#[derive(Debug)]
pub(super) enum Framing {
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
    pub(super) fn new(conn: Conn, framing: Framing, home: Option<(Arc<UpstreamPool>, String)>) -> Self {
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
