//! Pause, stop and resume of a service. Paused requests wait (up to `--max-pause`, then 504);
//! stopped requests get a 503 page with the stop message; resume lets everyone through.

use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

/// A service's pause state; the numbers are kamal-proxy's state-file values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PauseState {
    /// Serving.
    #[default]
    Running,
    /// Holding requests.
    Paused,
    /// Answering 503.
    Stopped,
}

impl PauseState {
    /// `running`, `paused` or `stopped`, as `list` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Stopped => "stopped",
        }
    }

    fn code(self) -> u8 {
        match self {
            Self::Running => 0,
            Self::Paused => 1,
            Self::Stopped => 2,
        }
    }
}

/// What a request should do after [`PauseController::wait`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitAction {
    /// Go on to the target.
    Proceed,
    /// The pause outlasted `--max-pause`: 504.
    TimedOut,
    /// The service is stopped: 503 with this message.
    Stopped(String),
}

/// The persisted part, in kamal-proxy's JSON shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct PauseSnapshot {
    /// 0 running, 1 paused, 2 stopped.
    pub state: u8,
    /// Message shown while stopped.
    pub stop_message: String,
    /// `--max-pause`, in nanoseconds.
    #[serde(with = "crate::options::nanos")]
    pub fail_after: Duration,
}

#[derive(Debug, Clone, PartialEq)]
struct Inner {
    state: PauseState,
    stop_message: String,
    fail_after: Duration,
    /// Bumped on every change so that waiters wake up.
    generation: u64,
}

/// Holds a service's pause state and wakes waiting requests on change.
#[derive(Debug)]
pub struct PauseController {
    inner: Mutex<Inner>,
    changed: watch::Sender<u64>,
}

impl Default for PauseController {
    fn default() -> Self {
        Self::new()
    }
}

impl PauseController {
    /// A running controller.
    pub fn new() -> Self {
        let (changed, _) = watch::channel(0);
        Self {
            inner: Mutex::new(Inner {
                state: PauseState::Running,
                stop_message: String::new(),
                fail_after: Duration::ZERO,
                generation: 0,
            }),
            changed,
        }
    }

    /// Restores a controller from the state file.
    pub fn from_snapshot(snapshot: &PauseSnapshot) -> Self {
        let controller = Self::new();
        match snapshot.state {
            1 => controller.pause(snapshot.fail_after),
            2 => controller.stop(&snapshot.stop_message),
            _ => {}
        }
        controller
    }

    /// What the state file stores.
    pub fn snapshot(&self) -> PauseSnapshot {
        let inner = self.lock();
        PauseSnapshot {
            state: inner.state.code(),
            stop_message: inner.stop_message.clone(),
            fail_after: inner.fail_after,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn update(&self, f: impl FnOnce(&mut Inner)) {
        let generation = {
            let mut inner = self.lock();
            f(&mut inner);
            inner.generation += 1;
            inner.generation
        };
        self.changed.send_replace(generation);
    }

    /// The current state.
    pub fn state(&self) -> PauseState {
        self.lock().state
    }

    /// Pauses; requests wait up to `fail_after`.
    pub fn pause(&self, fail_after: Duration) {
        self.update(|i| {
            i.state = PauseState::Paused;
            i.fail_after = fail_after;
        });
    }

    /// Stops; requests get 503 with `message`.
    pub fn stop(&self, message: &str) {
        self.update(|i| {
            i.state = PauseState::Stopped;
            i.stop_message = message.to_string();
        });
    }

    /// Resumes.
    pub fn resume(&self) {
        self.update(|i| {
            i.state = PauseState::Running;
            i.stop_message.clear();
        });
    }

    /// Waits while paused; says what the request should do.
    pub async fn wait(&self) -> WaitAction {
        let mut rx = self.changed.subscribe();
        let (state, message, fail_after) = {
            let i = self.lock();
            (i.state, i.stop_message.clone(), i.fail_after)
        };
        match state {
            PauseState::Running => return WaitAction::Proceed,
            PauseState::Stopped => return WaitAction::Stopped(message),
            PauseState::Paused => {}
        }
        let deadline = tokio::time::Instant::now() + fail_after;
        loop {
            tokio::select! {
                changed = rx.changed() => {
                    if changed.is_err() {
                        return WaitAction::Proceed;
                    }
                    let i = self.lock();
                    match i.state {
                        PauseState::Running => return WaitAction::Proceed,
                        PauseState::Stopped => return WaitAction::Stopped(i.stop_message.clone()),
                        PauseState::Paused => {}
                    }
                }
                () = tokio::time::sleep_until(deadline) => return WaitAction::TimedOut,
            }
        }
    }
}
