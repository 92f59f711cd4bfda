//! Body types: one boxed body for everything the proxy sends, and a wrapper that keeps a
//! request counted as in flight until its response body is done (and ends it on drain).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full, combinators::UnsyncBoxBody};
use hyper::body::{Body, Frame, SizeHint};

use crate::routing::target::InflightGuard;

/// Error type of proxied bodies.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body type of every request and response the proxy sends.
pub type ProxyBody = UnsyncBoxBody<Bytes, BoxError>;

/// A body holding `data`.
pub fn full(data: impl Into<Bytes>) -> ProxyBody {
    Full::new(data.into()).map_err(|never| match never {}).boxed_unsync()
}

/// An empty body.
pub fn empty() -> ProxyBody {
    Empty::<Bytes>::new().map_err(|never| match never {}).boxed_unsync()
}

/// Boxes any body whose error converts into [`BoxError`].
pub fn boxed<B>(body: B) -> ProxyBody
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    body.map_err(Into::into).boxed_unsync()
}

/// The request was cancelled because its target was drained.
#[derive(Debug, thiserror::Error)]
#[error("request cancelled due to draining")]
pub struct Cancelled;

/// Wraps a response body: holds the in-flight guard until the body ends, and fails the body
/// when a drain cancels the request.
pub struct GuardedBody {
    inner: ProxyBody,
    guard: Option<InflightGuard>,
    /// Made the first time the body has to wait: a body that is ready when asked (a small
    /// response) only checks the drain generation.
    cancelled: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl GuardedBody {
    /// Wraps `inner`.
    pub fn new(inner: ProxyBody, guard: InflightGuard) -> Self {
        Self { inner, guard: Some(guard), cancelled: None }
    }
}

impl Body for GuardedBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        let Some(guard) = &this.guard else { return Poll::Ready(None) };
        if guard.is_cancelled() {
            this.guard = None;
            return Poll::Ready(Some(Err(Box::new(Cancelled))));
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Pending => {
                let cancelled = this.cancelled.get_or_insert_with(|| Box::pin(guard.cancelled()));
                if cancelled.as_mut().poll(cx).is_ready() {
                    this.guard = None;
                    return Poll::Ready(Some(Err(Box::new(Cancelled))));
                }
                Poll::Pending
            }
            Poll::Ready(None) => {
                this.guard = None;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(e))) => {
                this.guard = None;
                Poll::Ready(Some(Err(e)))
            }
            other => other,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.guard.is_none() || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
