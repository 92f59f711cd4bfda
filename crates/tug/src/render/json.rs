//! `--json`: one JSON object per event and line, for CI and tools.

use serde_json::{Value, json};

use super::{Stream, write_line};
use crate::events::{Event, EventSink};

/// Writes each event as one line of JSON.
pub struct JsonRenderer {
    out: Stream,
}

impl JsonRenderer {
    /// A renderer writing to `out`.
    pub fn new(out: Stream) -> Self {
        JsonRenderer { out }
    }
}

/// The JSON form of an event: `{"event": "<kind>", …fields}`.
pub fn to_json(event: &Event) -> Value {
    match event {
        Event::PlanStart { command, version, online } => {
            json!({"event": "plan_start", "command": command, "version": version, "online": online})
        }
        Event::PlanEnd { queries } => json!({"event": "plan_end", "queries": queries}),
        Event::Phase { message } => json!({"event": "phase", "message": message}),
        Event::Run { target, command } => json!({"event": "run", "target": target, "command": command}),
        Event::Finished { target, status, millis } => {
            json!({"event": "finished", "target": target, "status": status, "millis": millis})
        }
        Event::Query { target, command, answer } => {
            json!({"event": "query", "target": target, "command": command, "answer": answer})
        }
        Event::Upload { host, path, mode, content, bytes } => json!({
            "event": "upload", "target": host, "path": path, "mode": format!("{mode:04o}"),
            "content": content.clone().unwrap_or_else(|| "[REDACTED]".into()), "bytes": bytes
        }),
        Event::Hook { name, command, env } => {
            let env: serde_json::Map<String, Value> = env.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
            json!({"event": "hook", "name": name, "command": command, "env": env})
        }
        Event::Branch { target, condition } => json!({"event": "if", "target": target, "condition": condition}),
        Event::BranchElse { target } => json!({"event": "else", "target": target}),
        Event::BranchEnd { target } => json!({"event": "end_if", "target": target}),
        Event::Wait { target, what, seconds } => json!({"event": "wait", "target": target, "what": what, "seconds": seconds}),
        Event::Output { target, text } => json!({"event": "output", "target": target, "text": text}),
        Event::Warning { target, message } => json!({"event": "warning", "target": target, "message": message}),
        Event::Done { seconds } => json!({"event": "done", "seconds": seconds}),
    }
}

impl EventSink for JsonRenderer {
    fn emit(&self, event: Event) {
        write_line(&self.out, &to_json(&event).to_string());
    }
}
