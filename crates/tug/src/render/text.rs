//! What the two text renderers ([`super::plan`] and [`super::progress`]) share: step lines,
//! host-prefixed and indented under the branches they are in.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::events::Event;

/// The label of conditions about every host.
const ALL: &str = "all hosts";

/// Turns step events (commands, queries, uploads, branches) into lines, keeping each host's
/// branch depth.
#[derive(Debug, Default)]
pub(crate) struct Steps {
    depth: Mutex<HashMap<String, usize>>,
}

impl Steps {
    /// `text` as a step line of `target`, indented under its open branches (and those of all
    /// hosts).
    pub(crate) fn line(&self, target: &str, text: &str) -> String {
        format!("  [{target}] {}{text}", self.indent(target))
    }

    /// Writes the lines of a step event with `write` and returns true; any other event is
    /// left alone (false).
    pub(crate) fn follow(&self, event: &Event, mut write: impl FnMut(String)) -> bool {
        match event {
            Event::Run { target, command } => write(self.line(target, command)),
            Event::Query { target, command, answer } => {
                let text = match answer {
                    Some(a) => format!("? {command} => {}", summary(a)),
                    None => format!("? {command}"),
                };
                write(self.line(target, &text));
            }
            Event::Upload { host, path, mode, content, bytes } => {
                let body = match content {
                    None => "[REDACTED]".to_string(),
                    Some(c) if c.len() <= 200 && !c.trim().contains('\n') => format!("{:?}", c),
                    Some(_) => format!("{bytes} bytes"),
                };
                write(self.line(host, &format!("upload {path} (mode {mode:04o}): {body}")));
            }
            Event::Branch { target, condition } => {
                let key = branch_key(target);
                write(self.line(&key, &format!("if {condition}:")));
                self.shift(&key, 1);
            }
            Event::BranchElse { target } => {
                let key = branch_key(target);
                self.shift(&key, -1);
                write(self.line(&key, "otherwise:"));
                self.shift(&key, 1);
            }
            Event::BranchEnd { target } => self.shift(&branch_key(target), -1),
            _ => return false,
        }
        true
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
}

fn branch_key(target: &Option<String>) -> String {
    target.clone().unwrap_or_else(|| ALL.to_string())
}

/// A wait as one line: `wait: WHAT (up to Ns)`.
pub(crate) fn wait_text(what: &str, seconds: u64) -> String {
    if seconds == 0 { format!("wait: {what}") } else { format!("wait: {what} (up to {seconds}s)") }
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
