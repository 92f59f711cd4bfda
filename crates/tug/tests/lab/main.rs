//! The lab scenarios (tests/lab: three servers with sshd and Docker, a registry): one test
//! binary, built only with the `lab` feature (`.ci/run` turns it on after `tests/lab/up`).
//!
//! Scenarios take turns on the servers ([`session`]). They are grouped by what they start from,
//! and the groups' names put them in the order that shares the most setups (`cargo test` starts
//! tests in name order):
//!
//! - [`empty`]: servers cleared; each runs its own first `setup` (with its own config) or must
//!   see empty servers.
//! - [`v1_kept`]: start from the shared "v1 serving" state and leave it as they found it.
//! - [`v1_then_changed`]: start from "v1 serving" and change it (other versions, a removed app,
//!   a server paused), so the next one sets up v1 again.
//!
//! The lab's own checks (`tests/lab/lab.rs`) run once, as `support::lab::tests`.
//!
//! One scenario: `cargo test -p tug --features lab --test lab -- doctor --nocapture`.

mod empty;
mod session;
mod support;
mod v1_kept;
mod v1_then_changed;
