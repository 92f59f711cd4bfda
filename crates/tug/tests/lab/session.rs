//! The lab session: scenarios take turns on the servers (one at a time, in the order they were
//! started), and share a "v1 deployed" state instead of each clearing the servers and running
//! `setup --version v1` again.
//!
//! - [`empty_servers`]: the servers cleared of anything an earlier scenario left.
//! - [`v1_serving`]: every server serves v1 after a `setup --version v1` on cleared servers.
//!   That setup runs only when the servers are not known to be in that state: the first time,
//!   and after a scenario that changed them. A scenario that leaves v1 serving says so
//!   ([`Scenario::v1_still_serving`]), and the next one starts from it as is.

use std::ops::Deref;
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Instant;

use crate::support::{self, Project};

/// A scenario's turn on the lab's servers, with its own copy of the example project.
pub struct Scenario {
    project: Project,
    _turn: Turn,
}

impl Drop for Scenario {
    /// The scenario's time on the servers (from its turn, setup included), for comparing runs.
    fn drop(&mut self) {
        let status = if std::thread::panicking() { "failed" } else { "ok" };
        eprintln!("lab: {} {status} in {:.1}s", self._turn.scenario, self._turn.started.elapsed().as_secs_f64());
    }
}

impl Deref for Scenario {
    type Target = Project;

    fn deref(&self) -> &Project {
        &self.project
    }
}

impl Scenario {
    /// Asserts every server still serves v1 (and nothing else), and lets the next scenario that
    /// needs "v1 serving" start from the servers as they are.
    pub fn v1_still_serving(&self) {
        self.project.assert_serving("v1");
        *state() = Servers::V1;
    }
}

/// Servers cleared: for scenarios that begin with a first `setup` of their own, or that must see
/// empty servers.
pub fn empty_servers(scenario: &str) -> Scenario {
    let turn = Turn::take(scenario);
    let project = Project::new(support::lab(scenario));
    *state() = Servers::Changed;
    project.clear_servers();
    Scenario { project, _turn: turn }
}

/// Every server serves v1, freshly set up with the example's lab destination.
pub fn v1_serving(scenario: &str) -> Scenario {
    let turn = Turn::take(scenario);
    let project = Project::new(support::lab(scenario));
    let mut servers = state();
    if *servers == Servers::V1 {
        eprintln!("{scenario}: starts from the servers serving v1 (set up by an earlier scenario)");
    } else {
        project.clear_servers();
        project.tug(&["setup", "--version", "v1"]).ok();
        project.assert_serving("v1");
    }
    // Changed until the scenario says otherwise (a failed scenario leaves it so).
    *servers = Servers::Changed;
    drop(servers);
    Scenario { project, _turn: turn }
}

/// What the servers are known to hold between turns.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Servers {
    /// Anything: an earlier scenario used them (or none ran yet).
    Changed,
    /// v1 serving, as [`v1_serving`] makes it.
    V1,
}

fn state() -> MutexGuard<'static, Servers> {
    static STATE: Mutex<Servers> = Mutex::new(Servers::Changed);
    STATE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One scenario at a time, first come first served (`cargo test` runs a binary's tests on
/// several threads, started in name order). The first turn also takes the lab-use lock that
/// other processes (another lab run, `scripts/deploy-timing`) take, and holds it until this
/// process ends, so the shared state cannot change between two turns.
struct Turn {
    scenario: String,
    started: Instant,
}

struct Queue {
    next: u64,
    serving: u64,
}

static QUEUE: Mutex<Queue> = Mutex::new(Queue { next: 0, serving: 0 });
static TURN_DONE: Condvar = Condvar::new();

impl Turn {
    fn take(scenario: &str) -> Turn {
        let mut queue = QUEUE.lock().unwrap_or_else(PoisonError::into_inner);
        let ticket = queue.next;
        queue.next += 1;
        while queue.serving != ticket {
            queue = TURN_DONE.wait(queue).unwrap_or_else(PoisonError::into_inner);
        }
        drop(queue);
        static SERVERS: OnceLock<std::fs::File> = OnceLock::new();
        SERVERS.get_or_init(support::lock_servers);
        Turn { scenario: scenario.to_string(), started: Instant::now() }
    }
}

impl Drop for Turn {
    /// Also when the scenario failed: the next one gets its turn.
    fn drop(&mut self) {
        QUEUE.lock().unwrap_or_else(PoisonError::into_inner).serving += 1;
        TURN_DONE.notify_all();
    }
}
