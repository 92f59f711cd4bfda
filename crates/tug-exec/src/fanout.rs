//! Per-host work in parallel, bounded (Kamal's `sshkit.max_concurrent_starts`), results in host
//! order.

use std::sync::Mutex;
use std::thread;

/// Runs `work` for every host with at most `limit` at once; returns the results in the order of
/// `hosts`.
pub fn for_each_host<T, F>(hosts: &[String], limit: usize, work: F) -> Vec<T>
where
    T: Send,
    F: Fn(&str) -> T + Sync,
{
    let next = Mutex::new(0usize);
    let results: Mutex<Vec<Option<T>>> = Mutex::new((0..hosts.len()).map(|_| None).collect());
    let workers = limit.max(1).min(hosts.len().max(1));
    thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = {
                        let Ok(mut n) = next.lock() else { return };
                        let i = *n;
                        *n += 1;
                        i
                    };
                    let Some(host) = hosts.get(i) else { return };
                    let r = work(host);
                    if let Ok(mut all) = results.lock() {
                        all[i] = Some(r);
                    }
                }
            });
        }
    });
    results.into_inner().unwrap_or_default().into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn bounded_and_ordered() {
        let hosts: Vec<String> = (0..20).map(|i| format!("h{i}")).collect();
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let out = for_each_host(&hosts, 3, |h| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(5));
            running.fetch_sub(1, Ordering::SeqCst);
            h.to_uppercase()
        });
        assert_eq!(out.len(), 20);
        assert_eq!(out[7], "H7");
        assert!(peak.load(Ordering::SeqCst) <= 3);
    }
}
