//! A plan (`--dry-run`) as text on stdout: every step per host in order, branches indented
//! under their condition, the stages as `==` lines, and the warnings.

use super::text::{Steps, wait_text};
use super::{Stream, write_line};
use crate::events::{Event, EventSink, LOCAL};

/// Writes a plan's events as lines to `out`.
pub struct PlanRenderer {
    out: Stream,
    steps: Steps,
}

impl PlanRenderer {
    /// A renderer writing to `out`.
    pub fn new(out: Stream) -> Self {
        PlanRenderer { out, steps: Steps::default() }
    }

    fn write(&self, line: &str) {
        write_line(&self.out, line);
    }
}

impl EventSink for PlanRenderer {
    fn emit(&self, event: Event) {
        if self.steps.follow(&event, |line| self.write(&line)) {
            return;
        }
        match event {
            Event::PlanStart { command, version, online } => {
                let v = version.map(|v| format!(" (version {v})")).unwrap_or_default();
                self.write(&format!("Plan for `tug {command}`{v}: nothing below has been run"));
                self.write(if online {
                    "Read-only queries (marked `?`) ran on the servers to choose between branches"
                } else {
                    "Offline: no server was contacted; steps that depend on a server's state are shown under `if …:`"
                });
            }
            Event::PlanEnd { queries } => {
                let q = if queries == 0 {
                    "no queries were made".to_string()
                } else {
                    format!("{queries} read-only queries were made")
                };
                self.write(&format!("End of plan: nothing was changed; {q}"));
            }
            Event::Phase { message } => self.write(&format!("== {message}")),
            Event::Hook { name, command, env } => {
                self.write(&self.steps.line(LOCAL, &format!("hook {name}: {command}")));
                for (k, v) in env {
                    self.write(&self.steps.line(LOCAL, &format!("    {k}={v}")));
                }
            }
            Event::Wait { target, what, seconds } => {
                let key = target.unwrap_or_else(|| LOCAL.to_string());
                self.write(&self.steps.line(&key, &wait_text(&what, seconds)));
            }
            Event::Warning { target, message } => self.write(&match target {
                Some(t) => format!("warning: [{t}] {message}"),
                None => format!("warning: {message}"),
            }),
            // Nothing runs in a plan: no timings, no output.
            _ => {}
        }
    }
}
