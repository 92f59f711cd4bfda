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
    // A body that arrives in one chunk (most small ones) is kept as that chunk, uncopied;
    // `memory` collects from the second chunk on.
    let mut first: Option<Bytes> = None;
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
            if let Some(chunk) = first.take() {
                f.write_all(&chunk).await?;
            }
            f.write_all(&memory).await?;
            f.write_all(&data).await?;
            memory = BytesMut::new();
            file = Some(f);
        } else if first.is_none() && memory.is_empty() {
            first = Some(data);
        } else {
            if let Some(chunk) = first.take() {
                memory.extend_from_slice(&chunk);
            }
            memory.extend_from_slice(&data);
        }
    }
    match file {
        Some(mut f) => {
            f.flush().await?;
            f.seek(SeekFrom::Start(0)).await?;
            Ok(Buffered::File { file: f, len: total })
        }
        None => Ok(Buffered::Memory(first.unwrap_or_else(|| memory.freeze()))),
    }
}

struct FileBody {
    file: tokio::fs::File,
    remaining: u64,
}

impl Body for FileBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
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

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use super::*;

    /// A body that yields the given chunks one frame at a time.
    struct Chunks(VecDeque<&'static [u8]>);

    impl Body for Chunks {
        type Data = Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            Poll::Ready(self.0.pop_front().map(|c| Ok(Frame::data(Bytes::from_static(c)))))
        }
    }

    async fn read_all(buffered: Buffered) -> Vec<u8> {
        let body = buffered.into_body();
        body.collect().await.map(|c| c.to_bytes().to_vec()).unwrap_or_default()
    }

    #[tokio::test]
    async fn keeps_chunks_in_order_in_memory_and_on_disk() {
        let cases: [(&[&'static [u8]], u64, bool); 6] = [
            (&[], 10, false),
            (&[b"hello"], 10, false),
            (&[b"", b"ab", b"cd"], 10, false),
            (&[b"hello", b" ", b"world"], 100, false),
            (&[b"hello", b" world"], 8, true),
            (&[b"hello world"], 4, true),
        ];
        for (chunks, memory_limit, on_disk) in cases {
            let expected: Vec<u8> = chunks.concat();
            let buffered = buffer(Chunks(chunks.iter().copied().collect()), memory_limit, 0).await.unwrap();
            assert_eq!(matches!(buffered, Buffered::File { .. }), on_disk, "{chunks:?}");
            assert_eq!(buffered.len(), expected.len() as u64);
            assert_eq!(read_all(buffered).await, expected, "{chunks:?}");
        }
    }

    #[tokio::test]
    async fn refuses_bodies_over_the_limit() {
        let result = buffer(Chunks([b"hello".as_slice(), b"world"].into_iter().collect()), 100, 8).await;
        assert!(matches!(result, Err(BufferError::TooLarge)));
    }
}
