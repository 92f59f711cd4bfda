//! A counter tasks can wait on: a drain advances it, and every request that started under an
//! earlier value is cancelled.
//!
//! An atomic and a `Notify` rather than a `watch` channel: a request reads the value when it
//! starts (a load, not a lock) and registers as a waiter only when it has to wait (a `watch`
//! wait subscribed a receiver and registered on every request, ~1k instructions).

use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::Notify;

/// A generation number that only grows.
#[derive(Debug, Default)]
pub struct Generation {
    value: AtomicU64,
    advanced: Notify,
}

impl Generation {
    /// The current generation.
    pub fn current(&self) -> u64 {
        self.value.load(Ordering::Acquire)
    }

    /// Moves to the next generation and wakes everything waiting on an earlier one.
    pub fn advance(&self) {
        self.value.fetch_add(1, Ordering::AcqRel);
        self.advanced.notify_waiters();
    }

    /// Resolves once the generation is no longer `seen`.
    pub async fn past(&self, seen: u64) {
        loop {
            let advanced = self.advanced.notified();
            tokio::pin!(advanced);
            // Registered before the check, so an advance between the two still wakes it.
            advanced.as_mut().enable();
            if self.current() != seen {
                return;
            }
            advanced.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_waiter_wakes_when_the_generation_advances_and_not_before() {
        let generation = Arc::new(Generation::default());
        let seen = generation.current();
        let waiter = tokio::spawn({
            let generation = Arc::clone(&generation);
            async move { generation.past(seen).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished(), "resolved before any advance");
        generation.advance();
        tokio::time::timeout(Duration::from_secs(2), waiter).await.expect("woken by the advance").unwrap();
        assert_eq!(generation.current(), seen + 1);
    }

    #[tokio::test]
    async fn a_generation_already_past_resolves_at_once() {
        let generation = Generation::default();
        let seen = generation.current();
        generation.advance();
        tokio::time::timeout(Duration::from_millis(100), generation.past(seen)).await.expect("resolves at once");
    }

    #[tokio::test]
    async fn every_waiter_of_an_earlier_generation_wakes() {
        let generation = Arc::new(Generation::default());
        let waiters: Vec<_> = (0..8)
            .map(|_| {
                let generation = Arc::clone(&generation);
                let seen = generation.current();
                tokio::spawn(async move { generation.past(seen).await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(20)).await;
        generation.advance();
        for w in waiters {
            tokio::time::timeout(Duration::from_secs(2), w).await.expect("woken").unwrap();
        }
    }
}
