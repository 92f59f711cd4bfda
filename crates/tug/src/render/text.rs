//! Events as text: in a plan, every step per host in order (branches indented under their
//! condition); in a real run, the stages, hooks and waits (every command with `-v`), and the
//! output the user asked for, host-prefixed.

use std::collections::HashMap;
use std::sync::Mutex;

use super::{Stream, Timeline, Verbosity, secs, write_line};
use crate::events::{Event, EventSink, LOCAL};

/// The label of conditions about every host.
const ALL: &str = "all hosts";

/// Writes events as lines: data (plans, requested output) to `out`, progress to `err`.
pub struct TextRenderer {
    out: Stream,
    err: Stream,
    plan: bool,
    verbosity: Verbosity,
    depth: Mutex<HashMap<String, usize>>,
    timeline: Timeline,
}

impl TextRenderer {
    /// A renderer; `plan` prints every step to `out`.
    pub fn new(out: Stream, err: Stream, plan: bool, verbosity: Verbosity) -> Self {
        TextRenderer { out, err, plan, verbosity, depth: Mutex::new(HashMap::new()), timeline: Timeline::default() }
    }

    fn indent(&self, target: &str) -> String {
        let d = self
            .depth
            .lock()
            .map(|d| {
                let own = d.get(target).copied().unwrap_or(0);
                if target == ALL { own } else { own + d.get(ALL).copied().unwrap_or(0) }
            })
            .unwrap_or(0);
        "  ".repeat(d)
    }

    fn shift(&self, target: &str, by: isize) {
        if let Ok(mut d) = self.depth.lock() {
            let e = d.entry(target.to_string()).or_insert(0);
            *e = e.saturating_add_signed(by);
        }
    }

    fn step(&self, target: &str, text: &str) {
        let line = format!("  [{target}] {}{text}", self.indent(target));
        if self.plan {
            write_line(&self.out, &line);
        } else if self.verbosity == Verbosity::Verbose {
            write_line(&self.err, &line);
        }
    }

    fn branch_key(target: &Option<String>) -> String {
        target.clone().unwrap_or_else(|| ALL.to_string())
    }
}

/// The first line of an answer, shortened.
fn summary(answer: &str) -> String {
    let first = answer.lines().next().unwrap_or("");
    let more = answer.lines().count() > 1;
    let mut s: String = first.chars().take(72).collect();
    if more || first.chars().count() > 72 {
        s.push_str(" …");
    }
    if s.is_empty() { "(nothing)".into() } else { s }
}

impl EventSink for TextRenderer {
    fn emit(&self, event: Event) {
        if !self.plan {
            self.timeline.observe(&event);
        }
        match event {
            Event::PlanStart { command, version, online } => {
                let v = version.map(|v| format!(" (version {v})")).unwrap_or_default();
                write_line(&self.out, &format!("Plan for `tug {command}`{v}: nothing below has been run"));
                write_line(
                    &self.out,
                    if online {
                        "Read-only queries (marked `?`) ran on the servers to choose between branches"
                    } else {
                        "Offline: no server was contacted; steps that depend on a server's state are shown under `if …:`"
                    },
                );
            }
            Event::PlanEnd { queries } => {
                let q = if queries == 0 {
                    "no queries were made".to_string()
                } else {
                    format!("{queries} read-only queries were made")
                };
                write_line(&self.out, &format!("End of plan: nothing was changed; {q}"));
            }
            Event::Phase { message } => {
                if self.plan {
                    write_line(&self.out, &format!("== {message}"));
                } else if self.verbosity != Verbosity::Quiet {
                    write_line(&self.err, &message);
                }
            }
            Event::Run { target, command } => self.step(&target, &command),
            Event::Finished { target, status, millis } => {
                if !self.plan && self.verbosity == Verbosity::Verbose {
                    let s = status.map_or("killed".to_string(), |c| c.to_string());
                    write_line(
                        &self.err,
                        &format!("  [{target}] finished in {:.1}s with exit status {s}", millis as f64 / 1000.0),
                    );
                }
            }
            Event::Query { target, command, answer } => {
                let text = match &answer {
                    Some(a) => format!("? {command} => {}", summary(a)),
                    None => format!("? {command}"),
                };
                self.step(&target, &text);
            }
            Event::Upload { host, path, mode, content, bytes } => {
                let body = match &content {
                    None => "[REDACTED]".to_string(),
                    Some(c) if c.len() <= 200 && !c.trim().contains('\n') => format!("{:?}", c),
                    Some(_) => format!("{bytes} bytes"),
                };
                self.step(&host, &format!("upload {path} (mode {mode:04o}): {body}"));
            }
            Event::Hook { name, command, env } => {
                if self.plan {
                    self.step(LOCAL, &format!("hook {name}: {command}"));
                    for (k, v) in env {
                        self.step(LOCAL, &format!("    {k}={v}"));
                    }
                } else if self.verbosity != Verbosity::Quiet {
                    write_line(&self.err, &format!("Running the {name} hook..."));
                }
            }
            Event::Branch { target, condition } => {
                let key = Self::branch_key(&target);
                self.step(&key, &format!("if {condition}:"));
                self.shift(&key, 1);
            }
            Event::BranchElse { target } => {
                let key = Self::branch_key(&target);
                self.shift(&key, -1);
                self.step(&key, "otherwise:");
                self.shift(&key, 1);
            }
            Event::BranchEnd { target } => self.shift(&Self::branch_key(&target), -1),
            Event::Wait { target, what, seconds } => {
                let key = target.unwrap_or_else(|| LOCAL.to_string());
                let line =
                    if seconds == 0 { format!("wait: {what}") } else { format!("wait: {what} (up to {seconds}s)") };
                if self.plan {
                    self.step(&key, &line);
                } else if self.verbosity != Verbosity::Quiet {
                    write_line(&self.err, &format!("  [{key}] {line}"));
                }
            }
            Event::Waited { target, what, millis, ok } => {
                if !self.plan && self.verbosity != Verbosity::Quiet {
                    let key = target.unwrap_or_else(|| LOCAL.to_string());
                    let took = secs(millis as f64 / 1000.0);
                    let end = if ok { format!("done in {took}") } else { format!("failed after {took}") };
                    write_line(&self.err, &format!("  [{key}] {what}: {end}"));
                }
            }
            Event::Output { target, text } => {
                if self.plan {
                    return;
                }
                for line in text.lines() {
                    write_line(&self.out, &format!("[{target}] {line}"));
                }
            }
            Event::Warning { target, message } => {
                let line = match target {
                    Some(t) => format!("warning: [{t}] {message}"),
                    None => format!("warning: {message}"),
                };
                write_line(if self.plan { &self.out } else { &self.err }, &line);
            }
            Event::Done { seconds } => {
                if !self.plan && self.verbosity != Verbosity::Quiet {
                    write_line(&self.err, &format!("  Finished all in {seconds:.1} seconds"));
                    let summary = self.timeline.summary(seconds);
                    if !summary.stages.is_empty() || !summary.hosts.is_empty() {
                        write_line(&self.err, "Summary:");
                    }
                    for (stage, s) in &summary.stages {
                        write_line(&self.err, &format!("  {:>7}  {stage}", secs(*s)));
                    }
                    for (host, n, s) in &summary.hosts {
                        write_line(
                            &self.err,
                            &format!("  [{host}] {n} command{} in {} in all", if *n == 1 { "" } else { "s" }, secs(*s)),
                        );
                    }
                }
            }
        }
    }
}
