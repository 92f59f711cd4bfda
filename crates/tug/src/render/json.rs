//! `--json`: one JSON object per event and line, for CI and tools.

use serde_json::{Value, json};

use super::{Stream, Summary, Timeline, write_line};
use crate::events::{Event, EventSink};

/// Writes each event as one line of JSON; after a real run's `done`, its `summary`.
pub struct JsonRenderer {
    out: Stream,
    timeline: Timeline,
    plan: std::sync::atomic::AtomicBool,
}

impl JsonRenderer {
    /// A renderer writing to `out`.
    pub fn new(out: Stream) -> Self {
        JsonRenderer { out, timeline: Timeline::default(), plan: std::sync::atomic::AtomicBool::new(false) }
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
            let env: serde_json::Map<String, Value> =
                env.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
            json!({"event": "hook", "name": name, "command": command, "env": env})
        }
        Event::Branch { target, condition } => json!({"event": "if", "target": target, "condition": condition}),
        Event::BranchElse { target } => json!({"event": "else", "target": target}),
        Event::BranchEnd { target } => json!({"event": "end_if", "target": target}),
        Event::Wait { target, what, seconds } => {
            json!({"event": "wait", "target": target, "what": what, "seconds": seconds})
        }
        Event::Waited { target, what, millis, ok } => {
            json!({"event": "waited", "target": target, "what": what, "millis": millis, "ok": ok})
        }
        Event::Output { target, text } => json!({"event": "output", "target": target, "text": text}),
        Event::Warning { target, message } => json!({"event": "warning", "target": target, "message": message}),
        Event::Done { seconds } => json!({"event": "done", "seconds": seconds}),
    }
}

/// The JSON form of a run's summary: `{"event": "summary", "seconds", "stages": [{"stage",
/// "seconds"}], "hosts": [{"target", "commands", "seconds"}]}`.
pub fn summary_json(s: &Summary) -> Value {
    let stages: Vec<Value> = s.stages.iter().map(|(stage, secs)| json!({"stage": stage, "seconds": secs})).collect();
    let hosts: Vec<Value> =
        s.hosts.iter().map(|(t, n, secs)| json!({"target": t, "commands": n, "seconds": secs})).collect();
    json!({"event": "summary", "seconds": s.seconds, "stages": stages, "hosts": hosts})
}

impl EventSink for JsonRenderer {
    fn emit(&self, event: Event) {
        use std::sync::atomic::Ordering;
        if matches!(event, Event::PlanStart { .. }) {
            self.plan.store(true, Ordering::SeqCst);
        }
        self.timeline.observe(&event);
        write_line(&self.out, &to_json(&event).to_string());
        if let Event::Done { seconds } = event
            && !self.plan.load(Ordering::SeqCst)
        {
            write_line(&self.out, &summary_json(&self.timeline.summary(seconds)).to_string());
        }
    }
}
