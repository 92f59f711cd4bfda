//! Why running a command failed (as opposed to the command failing: see [`crate::Output`]).

use std::time::Duration;

/// A failure to run a command at all.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The command did not finish in time; it was killed.
    #[error("{target}: `{command}` did not finish within {}s", after.as_secs())]
    Timeout {
        /// Where it ran.
        target: String,
        /// The command, secrets redacted.
        command: String,
        /// The limit.
        after: Duration,
    },
    /// The program could not be started (e.g. `ssh` or `sh` is missing).
    #[error("{target}: could not start `{program}`: {source}")]
    Spawn {
        /// Where it was to run.
        target: String,
        /// The program.
        program: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The host could not be reached over SSH.
    #[error("{host}: unreachable over SSH: {message}")]
    Unreachable {
        /// The host.
        host: String,
        /// What ssh said (last line).
        message: String,
    },
    /// A file could not be sent.
    #[error("{host}: could not upload `{path}`: {message}")]
    Upload {
        /// The host.
        host: String,
        /// The remote path.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A host that ssh would read as an option (it starts with `-`) or no host at all.
    #[error("`{host}` is not a host: a host name or address cannot start with `-`")]
    InvalidHost {
        /// The value given as a host.
        host: String,
    },
    /// The run's private SSH directory or config file could not be made.
    #[error("{message}")]
    RunDir {
        /// What went wrong and where.
        message: String,
    },
}
