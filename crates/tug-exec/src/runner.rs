//! The interface every runner implements, and what a call needs.

use std::time::Duration;

use tug_commands::Command;

use crate::error::ExecError;
use crate::output::Output;

/// Where a command runs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// The deploying machine.
    Local,
    /// A server, by the name in the config.
    Host(String),
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Local => f.write_str("local"),
            Target::Host(h) => f.write_str(h),
        }
    }
}

/// How to run one command.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Kill the command after this long.
    pub timeout: Duration,
    /// Extra environment (local commands only: hooks, builds). Values may be secret; they are
    /// never shown.
    pub env: Vec<(String, String)>,
    /// Working directory (local commands only).
    pub cwd: Option<std::path::PathBuf>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions { timeout: Duration::from_secs(300), env: Vec::new(), cwd: None }
    }
}

impl RunOptions {
    /// Default options with another timeout.
    pub fn with_timeout(timeout: Duration) -> Self {
        RunOptions { timeout, ..RunOptions::default() }
    }
}

/// A file to put on a server.
#[derive(Clone, PartialEq, Eq)]
pub struct Upload {
    /// Path on the server (relative paths start in the SSH user's home, as with Kamal).
    pub remote_path: String,
    /// File mode, e.g. `0o600` for env files.
    pub mode: u32,
    /// The bytes.
    pub content: Vec<u8>,
    /// Whether the content is secret (never shown in plans or logs).
    pub sensitive: bool,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Upload({} mode {:o}, {} bytes{})",
            self.remote_path,
            self.mode,
            self.content.len(),
            if self.sensitive { ", sensitive" } else { "" }
        )
    }
}

/// Runs commands. Implementations must be usable from several threads at once.
pub trait Runner: Send + Sync {
    /// Runs a command and returns its output; a non-zero exit is an `Ok` with that status.
    fn run(&self, target: &Target, command: &Command, options: &RunOptions) -> Result<Output, ExecError>;

    /// Writes a file on a host with the given mode, creating its directory.
    fn upload(&self, host: &str, upload: &Upload) -> Result<(), ExecError>;

    /// Runs `local` on the deploying machine with its standard output fed to `remote` on
    /// `host` (e.g. `docker save IMAGE` into `docker load`). The result is the remote side's,
    /// unless the local side failed.
    fn stream(&self, host: &str, local: &Command, remote: &Command, timeout: Duration) -> Result<Output, ExecError>;
}
