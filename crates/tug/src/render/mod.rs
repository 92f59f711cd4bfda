//! The only place that prints: events as text, a plan ([`plan`]) or a real run's progress
//! ([`progress`]), or as JSON lines ([`json`]).

pub mod json;
pub mod plan;
pub mod progress;
mod text;

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Mutex;
use std::time::Instant;

use crate::events::Event;

/// A shared output stream.
pub type Stream = Mutex<Box<dyn Write + Send>>;

/// Wraps a writer for sharing between threads.
pub fn stream(w: impl Write + Send + 'static) -> Stream {
    Mutex::new(Box::new(w))
}

/// Seconds as `1.2s`.
pub(crate) fn secs(s: f64) -> String {
    format!("{s:.1}s")
}

/// How much to say (`-v`, `-q`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Verbosity {
    /// Only errors and requested output.
    Quiet,
    /// Stages, hooks, waits and requested output.
    #[default]
    Normal,
    /// Every command, query and upload, with timings.
    Verbose,
}

pub(crate) fn write_line(stream: &Stream, line: &str) {
    if let Ok(mut w) = stream.lock() {
        let _ = writeln!(w, "{line}");
        let _ = w.flush();
    }
}

/// What a run's closing summary says: how long each stage took (from its `Phase` line to the
/// next stage's) and, per host, how many commands ran there and for how long in all.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The whole run, in seconds.
    pub seconds: f64,
    /// Stages in order, with their seconds.
    pub stages: Vec<(String, f64)>,
    /// Per host (and `local`): commands run, and their summed seconds.
    pub hosts: Vec<(String, usize, f64)>,
}

/// Watches a real run's events to sum it up when it is `Done`. Stages are the `Phase` lines
/// that end in `...` (Kamal's stage lines; the others are remarks within a stage).
#[derive(Debug, Default)]
pub(crate) struct Timeline {
    stages: Mutex<Vec<(String, Instant)>>,
    hosts: Mutex<BTreeMap<String, (usize, u128)>>,
}

impl Timeline {
    pub(crate) fn observe(&self, event: &Event) {
        match event {
            Event::Phase { message } if message.ends_with("...") => {
                if let Ok(mut s) = self.stages.lock() {
                    s.push((message.trim_end_matches("...").trim().to_string(), Instant::now()));
                }
            }
            Event::Finished { target, millis, .. } => {
                if let Ok(mut h) = self.hosts.lock() {
                    let e = h.entry(target.clone()).or_insert((0, 0));
                    e.0 += 1;
                    e.1 += millis;
                }
            }
            _ => {}
        }
    }

    /// The summary, at the end of the run (`seconds`: the run's own figure).
    pub(crate) fn summary(&self, seconds: f64) -> Summary {
        let now = Instant::now();
        let stages = self.stages.lock().map(|s| s.clone()).unwrap_or_default();
        let stages = stages
            .iter()
            .enumerate()
            .map(|(i, (name, at))| {
                let end = stages.get(i + 1).map_or(now, |n| n.1);
                (name.clone(), tenths(end.duration_since(*at).as_secs_f64()))
            })
            .collect();
        let hosts = self
            .hosts
            .lock()
            .map(|h| h.iter().map(|(t, (n, ms))| (t.clone(), *n, tenths(*ms as f64 / 1000.0))).collect())
            .unwrap_or_default();
        Summary { seconds, stages, hosts }
    }
}

fn tenths(s: f64) -> f64 {
    (s * 10.0).round() / 10.0
}
