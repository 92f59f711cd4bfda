//! The only place that prints: events as host-prefixed text ([`text`]) or JSON lines
//! ([`json`]).

pub mod json;
pub mod text;

use std::io::Write;
use std::sync::Mutex;

/// A shared output stream.
pub type Stream = Mutex<Box<dyn Write + Send>>;

/// Wraps a writer for sharing between threads.
pub fn stream(w: impl Write + Send + 'static) -> Stream {
    Mutex::new(Box::new(w))
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
