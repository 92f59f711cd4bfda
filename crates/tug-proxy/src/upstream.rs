//! Each accept worker's pool of upstream HTTP/1.1 connections, on hyper's connection API.
//!
//! A worker's requests run on one thread, so a pool per worker is a short list per target
//! address behind an uncontended lock: no hashing, no checkout future, no task per request to
//! hand the connection back (it goes back when the response body ends).

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response, Uri};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

use crate::body::ProxyBody;

/// Idle connections kept per target address.
const MAX_IDLE_PER_TARGET: usize = 100;
/// An idle connection older than this is closed rather than reused.
const IDLE_TIMEOUT: Duration = Duration::from_secs(90);

struct Idle {
    sender: SendRequest<ProxyBody>,
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

    fn checkout(&self, authority: &str) -> Option<SendRequest<ProxyBody>> {
        let mut targets = self.targets();
        let target = targets.iter_mut().find(|t| t.authority == authority)?;
        while let Some(idle) = target.idle.pop() {
            if !idle.sender.is_closed() && idle.since.elapsed() < IDLE_TIMEOUT {
                return Some(idle.sender);
            }
        }
        None
    }

    fn checkin(&self, authority: &str, sender: SendRequest<ProxyBody>) {
        if sender.is_closed() {
            return;
        }
        let idle = Idle { sender, since: Instant::now() };
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
            target.idle.retain(|i| !i.sender.is_closed() && i.since.elapsed() < IDLE_TIMEOUT);
        }
        targets.retain(|t| !t.idle.is_empty());
    }

    /// Sends `req` (its URI in origin form, `Host` set) to `authority` over an idle connection,
    /// or a new one. A request that a reused connection closed before sending is sent again on
    /// another. The connection returns to the pool when the response body has been read to its
    /// end.
    pub async fn send(self: &Arc<Self>, authority: &str, mut req: Request<ProxyBody>) -> Result<Response<PooledBody>, String> {
        loop {
            let (mut sender, reused) = match self.checkout(authority) {
                Some(sender) => (sender, true),
                None => (connect(authority).await?, false),
            };
            if let Err(e) = std::future::poll_fn(|cx| sender.poll_ready(cx)).await {
                if reused {
                    continue;
                }
                return Err(e.to_string());
            }
            match sender.try_send_request(req).await {
                Ok(response) => {
                    let back = Checkin { pool: Arc::clone(self), authority: authority.to_string(), sender };
                    return Ok(response.map(|body| PooledBody::new(body, back)));
                }
                Err(mut e) => match e.take_message() {
                    Some(unsent) if reused => req = unsent,
                    _ => return Err(e.into_error().to_string()),
                },
            }
        }
    }
}

async fn connect(authority: &str) -> Result<SendRequest<ProxyBody>, String> {
    let stream = tokio::net::TcpStream::connect(authority).await.map_err(|e| format!("dial tcp {authority}: {e}"))?;
    let _ = stream.set_nodelay(true);
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// `uri` in origin form (path and query), as HTTP/1.1 requests to an origin are written.
pub fn origin_form(uri: &Uri) -> Uri {
    match uri.path_and_query() {
        Some(pq) => Uri::from(pq.clone()),
        None => Uri::from_static("/"),
    }
}

struct Checkin {
    pool: Arc<UpstreamPool>,
    authority: String,
    sender: SendRequest<ProxyBody>,
}

/// A response body from the pool: when it has been read to its end, its connection goes back.
pub struct PooledBody {
    inner: Incoming,
    checkin: Option<Checkin>,
}

impl PooledBody {
    /// A body whose connection is not pooled (an upgrade's).
    pub fn unpooled(inner: Incoming) -> Self {
        Self { inner, checkin: None }
    }

    fn new(inner: Incoming, checkin: Checkin) -> Self {
        let mut body = Self { inner, checkin: Some(checkin) };
        if body.inner.is_end_stream() {
            body.done();
        }
        body
    }

    fn done(&mut self) {
        if let Some(c) = self.checkin.take() {
            c.pool.checkin(&c.authority, c.sender);
        }
    }
}

impl Body for PooledBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = &mut *self;
        let result = Pin::new(&mut this.inner).poll_frame(cx);
        match &result {
            Poll::Ready(Some(Ok(_))) if this.inner.is_end_stream() => this.done(),
            Poll::Ready(None) => this.done(),
            // An error or a body dropped early: the connection is not reused (dropping the
            // sender lets hyper close it).
            Poll::Ready(Some(Err(_))) => this.checkin = None,
            _ => {}
        }
        result
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
