//! The idle connections of one worker, a short list per target address behind an uncontended
//! lock: taken for a request, given back when its response has been read to the end.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::conn::Conn;

/// Idle connections kept per target address.
const MAX_IDLE_PER_TARGET: usize = 100;
/// An idle connection older than this is closed rather than reused.
const IDLE_TIMEOUT: Duration = Duration::from_secs(90);

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

    pub(super) fn checkout(&self, authority: &str) -> Option<Conn> {
        let mut targets = self.targets();
        let target = targets.iter_mut().find(|t| t.authority == authority)?;
        while let Some(idle) = target.idle.pop() {
            if idle.since.elapsed() < IDLE_TIMEOUT && idle.conn.is_idle_and_open() {
                return Some(idle.conn);
            }
        }
        None
    }

    pub(super) fn checkin(&self, authority: &str, conn: Conn) {
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
}
