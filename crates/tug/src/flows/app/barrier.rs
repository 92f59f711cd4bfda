//! The barrier other roles wait at until the first primary-role container is healthy (Kamal's
//! `Healthcheck::Barrier`): opened by the first healthy one, closed by the first failure.

use std::sync::{Condvar, Mutex};

/// Set once: open (healthy) or closed (failed).
#[derive(Debug, Default)]
pub struct Barrier {
    state: Mutex<Option<bool>>,
    changed: Condvar,
}

impl Barrier {
    /// A barrier nobody has opened or closed.
    pub fn new() -> Self {
        Self::default()
    }

    fn set(&self, open: bool) -> bool {
        let Ok(mut s) = self.state.lock() else { return false };
        if s.is_some() {
            return false;
        }
        *s = Some(open);
        self.changed.notify_all();
        true
    }

    /// Opens it; `true` when this call decided.
    pub fn open(&self) -> bool {
        self.set(true)
    }

    /// Closes it; `true` when this call decided.
    pub fn close(&self) -> bool {
        self.set(false)
    }

    /// Waits until it is decided; `true` when open.
    pub fn wait(&self) -> bool {
        let Ok(mut s) = self.state.lock() else { return false };
        loop {
            if let Some(open) = *s {
                return open;
            }
            s = match self.changed.wait(s) {
                Ok(g) => g,
                Err(_) => return false,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Barrier;

    #[test]
    fn first_decision_wins() {
        let b = Barrier::new();
        assert!(b.open());
        assert!(!b.close());
        assert!(b.wait());
    }
}
