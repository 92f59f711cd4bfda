//! One upstream (`host:port`): its health state, its in-flight requests, and draining them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

use crate::error::ProxyError;
use crate::options::TargetOptions;
use crate::routing::generation::Generation;

/// A target's health, as kamal-proxy names the states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetState {
    /// Added, not yet checked.
    Adding,
    /// Being drained: takes no new requests.
    Draining,
    /// Passed its last check.
    Healthy,
    /// Failed a check after being healthy.
    Unhealthy,
}

impl TargetState {
    /// The state's name, as logged.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Adding => "adding",
            Self::Draining => "draining",
            Self::Healthy => "healthy",
            Self::Unhealthy => "unhealthy",
        }
    }
}

/// Checks a target address against kamal-proxy's pattern `^(\w[-_.\w+]+)(:\d+)?$`.
pub fn validate_address(address: &str) -> Result<(), ProxyError> {
    let invalid = || ProxyError::InvalidHostPattern(address.to_string());
    let (host, port) = match address.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (address, None),
    };
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut chars = host.chars();
    let first = chars.next().ok_or_else(invalid)?;
    if !word(first) || host.chars().count() < 2 {
        return Err(invalid());
    }
    if !chars.all(|c| word(c) || matches!(c, '-' | '.' | '+')) {
        return Err(invalid());
    }
    if let Some(p) = port
        && (p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(invalid());
    }
    Ok(())
}

/// An upstream target.
#[derive(Debug)]
pub struct Target {
    address: Arc<str>,
    authority: String,
    parsed_authority: Option<http::uri::Authority>,
    address_header: Option<http::HeaderValue>,
    readonly: bool,
    options: Arc<TargetOptions>,
    state: Mutex<TargetState>,
    inflight: AtomicUsize,
    idle: Notify,
    cancel: Generation,
    tunnels: Generation,
}

impl Target {
    /// A target at `address` (`host[:port]`, port 80 when absent).
    pub fn new(address: &str, readonly: bool, options: Arc<TargetOptions>) -> Result<Arc<Self>, ProxyError> {
        validate_address(address)?;
        let authority = if address.contains(':') { address.to_string() } else { format!("{address}:80") };
        Ok(Arc::new(Self {
            address: Arc::from(address),
            parsed_authority: authority.parse().ok(),
            address_header: http::HeaderValue::from_str(address).ok(),
            authority,
            readonly,
            options,
            state: Mutex::new(TargetState::Adding),
            inflight: AtomicUsize::new(0),
            idle: Notify::new(),
            cancel: Generation::default(),
            tunnels: Generation::default(),
        }))
    }

    /// `host[:port]` as given.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// [`Self::address`], shared (for access log records).
    pub fn address_shared(&self) -> Arc<str> {
        Arc::clone(&self.address)
    }

    /// `host:port`, with port 80 filled in.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// [`Self::address`] as a header value (`X-Kamal-Target`), if it is a valid one.
    pub fn address_header(&self) -> Option<&http::HeaderValue> {
        self.address_header.as_ref()
    }

    /// [`Self::authority`] parsed for a URI (`None` if it is not valid there).
    pub fn parsed_authority(&self) -> Option<&http::uri::Authority> {
        self.parsed_authority.as_ref()
    }

    /// Whether this is a read target.
    pub fn readonly(&self) -> bool {
        self.readonly
    }

    /// The target's options.
    pub fn options(&self) -> &Arc<TargetOptions> {
        &self.options
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TargetState> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The current state.
    pub fn state(&self) -> TargetState {
        *self.lock()
    }

    /// Marks the target healthy without a check (restored state, `--force`).
    pub fn mark_healthy(&self) {
        *self.lock() = TargetState::Healthy;
    }

    /// Records a health check result; returns `(was, now)` when the state changed.
    pub fn health_check_completed(&self, success: bool) -> Option<(TargetState, TargetState)> {
        let mut state = self.lock();
        let was = *state;
        match (success, was) {
            (_, TargetState::Draining) => {}
            (true, _) => *state = TargetState::Healthy,
            (false, TargetState::Healthy) => *state = TargetState::Unhealthy,
            (false, _) => {}
        }
        (was != *state).then_some((was, *state))
    }

    /// Registers a request; fails while draining.
    pub fn start_request(self: &Arc<Self>) -> Option<InflightGuard> {
        let state = self.lock();
        if *state == TargetState::Draining {
            return None;
        }
        self.inflight.fetch_add(1, Ordering::SeqCst);
        drop(state);
        Some(InflightGuard {
            target: Arc::clone(self),
            cancel_seen: self.cancel.current(),
            tunnels_seen: self.tunnels.current(),
        })
    }

    /// Requests in flight.
    pub fn inflight(&self) -> usize {
        self.inflight.load(Ordering::SeqCst)
    }

    /// Drains: refuse new requests, close upgraded connections at once, wait up to `timeout` for
    /// the rest, then cancel what is left (those clients get 504). The state is restored after.
    pub async fn drain(&self, timeout: Duration) {
        let original = {
            let mut state = self.lock();
            let original = *state;
            if original == TargetState::Draining {
                return;
            }
            *state = TargetState::Draining;
            original
        };
        self.tunnels.advance();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.inflight() == 0 {
                break;
            }
            tokio::select! {
                () = notified => {}
                () = tokio::time::sleep_until(deadline) => break,
            }
        }
        self.cancel.advance();
        let mut state = self.lock();
        if *state == TargetState::Draining {
            *state = original;
        }
    }
}

/// Held while a request uses a target; dropping it ends the request.
#[derive(Debug)]
pub struct InflightGuard {
    target: Arc<Target>,
    /// The drain generations when the request started: a later one cancels it. Kept as values,
    /// so a request that never waits never registers as a waiter.
    cancel_seen: u64,
    tunnels_seen: u64,
}

impl InflightGuard {
    /// The target.
    pub fn target(&self) -> &Arc<Target> {
        &self.target
    }

    /// Whether a drain has cancelled this request.
    pub fn is_cancelled(&self) -> bool {
        self.target.cancel.current() != self.cancel_seen
    }

    /// Resolves when a drain cancels this request.
    pub fn cancelled(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let (target, seen) = (Arc::clone(&self.target), self.cancel_seen);
        async move { target.cancel.past(seen).await }
    }

    /// Resolves when a drain closes upgraded (WebSocket) connections.
    pub fn tunnel_cancelled(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let (target, seen) = (Arc::clone(&self.target), self.tunnels_seen);
        async move { target.tunnels.past(seen).await }
    }
}

impl Drop for InflightGuard {
    fn drop(&mut self) {
        if self.target.inflight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.target.idle.notify_waiters();
        }
    }
}
