//! What flows report while they run: typed events, secrets already redacted.
//!
//! Flows never print; they emit [`Event`]s to an [`EventSink`]. `render::text` turns them into
//! host-prefixed lines and `render::json` into one JSON object per line. Every text an event
//! carries is safe to show: commands are redacted ([`tug_commands::Command`]'s `Display`),
//! secret uploads carry no content, and hook environments show secrets as `[REDACTED]`.

use std::sync::Mutex;

/// Where a step happens: a server, or the deploying machine.
pub type Where = String;

/// The label used for the deploying machine.
pub const LOCAL: &str = "local";

/// One thing that happened (or, in a plan, would happen).
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A plan begins: nothing below changes anything.
    PlanStart {
        /// The command planned (`deploy`, `app boot`).
        command: String,
        /// The app version acted on, when known.
        version: Option<String>,
        /// Whether read-only queries may reach the servers.
        online: bool,
    },
    /// A plan ends.
    PlanEnd {
        /// How many read-only queries reached a server or ran locally.
        queries: usize,
    },
    /// A stage of the command begins (Kamal's magenta `say` lines).
    Phase {
        /// What begins, e.g. `Acquiring the deploy lock...`.
        message: String,
    },
    /// A command that changes something runs on a host or locally.
    Run {
        /// The host, or [`LOCAL`].
        target: Where,
        /// The command, secrets redacted.
        command: String,
    },
    /// A command finished (real runs only).
    Finished {
        /// The host, or [`LOCAL`].
        target: Where,
        /// Its exit status (`None` when killed).
        status: Option<i32>,
        /// How long it took, in milliseconds.
        millis: u128,
    },
    /// A read-only query: runs in real runs and online plans, is only shown offline.
    Query {
        /// The host, or [`LOCAL`].
        target: Where,
        /// The command, secrets redacted.
        command: String,
        /// What it answered (trimmed), when it ran.
        answer: Option<String>,
    },
    /// A file is put on a host.
    Upload {
        /// The host.
        host: String,
        /// The remote path.
        path: String,
        /// The file mode.
        mode: u32,
        /// The content when it is small and not secret; `None` for secrets (`[REDACTED]`).
        content: Option<String>,
        /// Its size in bytes.
        bytes: usize,
    },
    /// A local hook runs.
    Hook {
        /// The hook's name (`pre-deploy`).
        name: String,
        /// The command (the hook file).
        command: String,
        /// Its environment, secrets shown as `[REDACTED]`.
        env: Vec<(String, String)>,
    },
    /// What follows, up to the matching [`Event::BranchEnd`], happens only if `condition`
    /// holds (offline plans, where it could not be checked).
    Branch {
        /// The host the condition is about (`None`: every host).
        target: Option<Where>,
        /// The condition, in words.
        condition: String,
    },
    /// What follows happens only if the condition of the open branch does not hold.
    BranchElse {
        /// The host of the open branch.
        target: Option<Where>,
    },
    /// The end of the innermost open branch.
    BranchEnd {
        /// The host of the branch.
        target: Option<Where>,
    },
    /// Something is waited for (health checks, boot groups, the lock).
    Wait {
        /// The host, when it is about one.
        target: Option<Where>,
        /// What is waited for.
        what: String,
        /// For how long at most, in seconds.
        seconds: u64,
    },
    /// A wait announced by [`Event::Wait`] ended (real runs only).
    Waited {
        /// The host, when it is about one.
        target: Option<Where>,
        /// What was waited for (as in the [`Event::Wait`]).
        what: String,
        /// How long it took, in milliseconds.
        millis: u128,
        /// Whether what was waited for happened (a pull that failed, a health check that
        /// timed out: `false`).
        ok: bool,
    },
    /// Output a command printed that the user asked to see (details, logs, audit).
    Output {
        /// The host, or [`LOCAL`].
        target: Where,
        /// The text.
        text: String,
    },
    /// Something worth knowing that does not stop the command.
    Warning {
        /// The host, when it is about one.
        target: Option<Where>,
        /// The message.
        message: String,
    },
    /// The command finished.
    Done {
        /// Seconds it took (rounded to tenths).
        seconds: f64,
    },
}

/// Receives events. Implementations must accept events from several threads.
pub trait EventSink: Send + Sync {
    /// Takes one event.
    fn emit(&self, event: Event);
}

/// Keeps every event, in order (tests, and renderers that need the whole run).
#[derive(Debug, Default)]
pub struct Collector {
    events: Mutex<Vec<Event>>,
}

impl Collector {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// The events so far.
    pub fn events(&self) -> Vec<Event> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

impl EventSink for Collector {
    fn emit(&self, event: Event) {
        if let Ok(mut e) = self.events.lock() {
            e.push(event);
        }
    }
}
