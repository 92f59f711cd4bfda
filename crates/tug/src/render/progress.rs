//! A real run as text: the stages, hooks and waits on stderr (every command too with `-v`,
//! only errors with `-q`), the output the user asked for on stdout, host-prefixed, and a
//! closing summary of where the time went.

use super::text::{Steps, wait_text};
use super::{Stream, Timeline, Verbosity, secs, write_line};
use crate::events::{Event, EventSink, LOCAL};

/// Writes a real run's events as lines: requested output to `out`, progress to `err`.
pub struct ProgressRenderer {
    out: Stream,
    err: Stream,
    verbosity: Verbosity,
    steps: Steps,
    timeline: Timeline,
}

impl ProgressRenderer {
    /// A renderer saying as much as `verbosity` asks.
    pub fn new(out: Stream, err: Stream, verbosity: Verbosity) -> Self {
        ProgressRenderer { out, err, verbosity, steps: Steps::default(), timeline: Timeline::default() }
    }

    fn progress(&self, line: &str) {
        write_line(&self.err, line);
    }

    fn done(&self, seconds: f64) {
        self.progress(&format!("  Finished all in {seconds:.1} seconds"));
        let summary = self.timeline.summary(seconds);
        if !summary.stages.is_empty() || !summary.hosts.is_empty() {
            self.progress("Summary:");
        }
        for (stage, s) in &summary.stages {
            self.progress(&format!("  {:>7}  {stage}", secs(*s)));
        }
        for (host, n, s) in &summary.hosts {
            self.progress(&format!("  [{host}] {n} command{} in {} in all", if *n == 1 { "" } else { "s" }, secs(*s)));
        }
    }
}

impl EventSink for ProgressRenderer {
    fn emit(&self, event: Event) {
        self.timeline.observe(&event);
        let verbose = self.verbosity == Verbosity::Verbose;
        let quiet = self.verbosity == Verbosity::Quiet;
        if self.steps.follow(&event, |line| {
            if verbose {
                self.progress(&line);
            }
        }) {
            return;
        }
        match event {
            Event::Phase { message } if !quiet => self.progress(&message),
            Event::Finished { target, status, millis } if verbose => {
                let s = status.map_or("killed".to_string(), |c| c.to_string());
                self.progress(&format!("  [{target}] finished in {:.1}s with exit status {s}", millis as f64 / 1000.0));
            }
            Event::Hook { name, .. } if !quiet => self.progress(&format!("Running the {name} hook...")),
            Event::Wait { target, what, seconds } if !quiet => {
                let key = target.unwrap_or_else(|| LOCAL.to_string());
                self.progress(&format!("  [{key}] {}", wait_text(&what, seconds)));
            }
            Event::Waited { target, what, millis, ok } if !quiet => {
                let key = target.unwrap_or_else(|| LOCAL.to_string());
                let took = secs(millis as f64 / 1000.0);
                let end = if ok { format!("done in {took}") } else { format!("failed after {took}") };
                self.progress(&format!("  [{key}] {what}: {end}"));
            }
            Event::Output { target, text } => {
                for line in text.lines() {
                    write_line(&self.out, &format!("[{target}] {line}"));
                }
            }
            Event::Warning { target, message } => self.progress(&match target {
                Some(t) => format!("warning: [{t}] {message}"),
                None => format!("warning: {message}"),
            }),
            Event::Done { seconds } if !quiet => self.done(seconds),
            // Plans are drawn by the plan renderer; the rest is not shown at this verbosity.
            _ => {}
        }
    }
}
