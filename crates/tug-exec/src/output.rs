//! What a finished command left behind.

/// Exit status and output of a command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    /// The exit code (`None` when killed by a signal).
    pub status: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Output {
    /// A successful run that printed `stdout`.
    pub fn ok(stdout: impl Into<String>) -> Self {
        Output { status: Some(0), stdout: stdout.into(), stderr: String::new() }
    }

    /// A failed run with this exit code and error output.
    pub fn failed(status: i32, stderr: impl Into<String>) -> Self {
        Output { status: Some(status), stdout: String::new(), stderr: stderr.into() }
    }

    /// Exit code 0.
    pub fn success(&self) -> bool {
        self.status == Some(0)
    }

    /// The last lines of stderr (or stdout when stderr is empty), for one-line error reports.
    pub fn tail(&self, lines: usize) -> String {
        let text = if self.stderr.trim().is_empty() { &self.stdout } else { &self.stderr };
        let all: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}
