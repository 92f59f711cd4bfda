//! Request and response buffering: read a whole body, in memory up to `--buffer-memory`, then
//! into an anonymous temp file, refusing bodies over the limit (0 = no limit).

use std::io::SeekFrom;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncSeekExt, AsyncWriteExt, ReadBuf};

use crate::body::{BoxError, ProxyBody};

/// Why a body could not be buffered.
#[derive(Debug, thiserror::Error)]
pub enum BufferError {
    /// Over the limit.
    #[error("body exceeds the maximum size")]
    TooLarge,
    /// Reading the body failed (client went away, bad chunked encoding).
    #[error("reading the body failed: {0}")]
    Read(BoxError),
    /// The temp file failed.
    #[error("buffer file: {0}")]
    Io(#[from] std::io::Error),
}

/// A fully read body.
#[derive(Debug)]
pub enum Buffered {
    /// Small enough for memory.
    Memory(Bytes),
    /// Spilled to a temp file (deleted on close), `len` bytes long.
    File {
        /// The file, positioned at the start.
        file: tokio::fs::File,
        /// Its length.
        len: u64,
    },
}

impl Buffered {
    /// Length in bytes.
    pub fn len(&self) -> u64 {
        match self {
            Self::Memory(b) => b.len() as u64,
            Self::File { len, .. } => *len,
        }
    }

    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Turns the buffer back into a body with an exact size.
    pub fn into_body(self) -> ProxyBody {
        match self {
            Self::Memory(b) => crate::body::full(b),
            Self::File { file, len } => crate::body::boxed(FileBody { file, remaining: len }),
        }
    }
}

/// Reads `body` whole. `memory_limit` bytes stay in memory; `max` (0 = none) caps the total.
pub async fn buffer<B>(mut body: B, memory_limit: u64, max: u64) -> Result<Buffered, BufferError>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    if max > 0 && body.size_hint().lower() > max {
        return Err(BufferError::TooLarge);
    }
    let mut memory = BytesMut::new();
    let mut file: Option<tokio::fs::File> = None;
    let mut total: u64 = 0;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| BufferError::Read(e.into()))?;
        let Ok(data) = frame.into_data() else { continue };
        total += data.len() as u64;
        if max > 0 && total > max {
            return Err(BufferError::TooLarge);
        }
        if let Some(f) = file.as_mut() {
            f.write_all(&data).await?;
        } else if total > memory_limit {
            let mut f = tokio::fs::File::from_std(tempfile::tempfile()?);
            f.write_all(&memory).await?;
            f.write_all(&data).await?;
            memory = BytesMut::new();
            file = Some(f);
        } else {
            memory.extend_from_slice(&data);
        }
    }
    match file {
        Some(mut f) => {
            f.flush().await?;
            f.seek(SeekFrom::Start(0)).await?;
            Ok(Buffered::File { file: f, len: total })
        }
        None => Ok(Buffered::Memory(memory.freeze())),
    }
}

struct FileBody {
    file: tokio::fs::File,
    remaining: u64,
}

impl Body for FileBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let want = usize::try_from(self.remaining.min(64 * 1024)).unwrap_or(64 * 1024);
        let mut storage = vec![0u8; want];
        let mut buf = ReadBuf::new(&mut storage);
        match Pin::new(&mut self.file).poll_read(cx, &mut buf) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => Poll::Ready(Some(Err(e))),
            Poll::Ready(Ok(())) => {
                let n = buf.filled().len();
                if n == 0 {
                    self.remaining = 0;
                    return Poll::Ready(Some(Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "buffer file ended early",
                    ))));
                }
                self.remaining -= n as u64;
                storage.truncate(n);
                Poll::Ready(Some(Ok(Frame::data(Bytes::from(storage)))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}
