//! What one run has already done or found out on each host, so that later steps of the same
//! run do not ask or do it again: registry logins, and the version each role runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Per-run memory, shared by the threads of one run.
#[derive(Default)]
pub struct RunMemo {
    logins: Mutex<HashMap<String, Arc<Mutex<bool>>>>,
    running: Mutex<HashMap<(String, String), String>>,
}

impl RunMemo {
    /// Runs `login` unless this run already logged in under `key` (host and registry). Two
    /// threads asking for the same key at once take turns: the second one waits for the first
    /// and then does nothing. A failed login is not remembered.
    pub fn login_once<E>(&self, key: &str, login: impl FnOnce() -> Result<(), E>) -> Result<(), E> {
        let slot = match self.logins.lock() {
            Ok(mut map) => Arc::clone(map.entry(key.to_string()).or_default()),
            Err(_) => return login(),
        };
        let Ok(mut done) = slot.lock() else { return login() };
        if !*done {
            login()?;
            *done = true;
        }
        Ok(())
    }

    /// Forgets a login (after a logout), so that the next login runs again.
    pub fn forget_login(&self, key: &str) {
        if let Ok(mut map) = self.logins.lock() {
            map.remove(key);
        }
    }

    /// Remembers the version `role` runs on `host` (empty: none runs).
    pub fn remember_running(&self, host: &str, role: &str, version: &str) {
        if let Ok(mut map) = self.running.lock() {
            map.insert((host.to_string(), role.to_string()), version.trim().to_string());
        }
    }

    /// The version `role` runs on `host`, if this run found out and nothing changed it since.
    pub fn running(&self, host: &str, role: &str) -> Option<String> {
        self.running.lock().ok()?.get(&(host.to_string(), role.to_string())).cloned()
    }

    /// Forgets what runs on `host` for `role` (a container was renamed, started or stopped).
    pub fn forget_running(&self, host: &str, role: &str) {
        if let Ok(mut map) = self.running.lock() {
            map.remove(&(host.to_string(), role.to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RunMemo;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn a_login_runs_once_per_key_and_again_after_a_logout() {
        let memo = RunMemo::default();
        let count = AtomicUsize::new(0);
        let login = || -> Result<(), ()> {
            count.fetch_add(1, Ordering::SeqCst);
            Ok(())
        };
        memo.login_once("h1 registry", login).unwrap();
        memo.login_once("h1 registry", login).unwrap();
        memo.login_once("h2 registry", login).unwrap();
        assert_eq!(count.load(Ordering::SeqCst), 2);
        memo.forget_login("h1 registry");
        memo.login_once("h1 registry", login).unwrap();
        assert_eq!(count.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn a_failed_login_is_tried_again() {
        let memo = RunMemo::default();
        assert!(memo.login_once("h", || Err::<(), _>("refused")).is_err());
        let mut ran = false;
        memo.login_once("h", || {
            ran = true;
            Ok::<(), ()>(())
        })
        .unwrap();
        assert!(ran);
    }

    #[test]
    fn logins_at_once_on_one_host_run_once() {
        let memo = RunMemo::default();
        let count = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    memo.login_once("h", || {
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        count.fetch_add(1, Ordering::SeqCst);
                        Ok::<(), ()>(())
                    })
                    .unwrap();
                });
            }
        });
        assert_eq!(count.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn running_versions_are_remembered_per_host_and_role_until_forgotten() {
        let memo = RunMemo::default();
        memo.remember_running("h1", "web", "v1\n");
        memo.remember_running("h1", "job", "");
        assert_eq!(memo.running("h1", "web").as_deref(), Some("v1"));
        assert_eq!(memo.running("h1", "job").as_deref(), Some(""));
        assert_eq!(memo.running("h2", "web"), None);
        memo.forget_running("h1", "web");
        assert_eq!(memo.running("h1", "web"), None);
    }
}
