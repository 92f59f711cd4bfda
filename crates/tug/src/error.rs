//! What can go wrong in the command line layer, and the exit status each outcome maps to.
//!
//! Errors are data; [`crate::diagnostics`] renders them.

use std::fmt;
use std::process::ExitCode;

/// How a run of `tug` ended, as the shell sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Exit code 0: the command did what was asked.
    Success,
    /// Exit code 1: an operation failed (a server, a registry, a hook), or Tug does not do it.
    Failure,
    /// Exit code 2: the input was invalid (arguments, configuration, secrets).
    Invalid,
}

impl ExitStatus {
    /// The numeric exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Invalid => 2,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status.code())
    }
}

/// A failure of the command line layer.
#[derive(Debug)]
pub enum Error {
    /// clap rejected the arguments, or asked to print help.
    Usage(clap::Error),
    /// The first word is neither a command nor an alias from the configuration.
    UnknownCommand {
        /// The word the user typed.
        name: String,
        /// The closest command or alias, when one is close enough.
        suggestion: Option<String>,
    },
    /// An alias from the configuration could not be expanded.
    Alias {
        /// The alias name.
        name: String,
        /// What is wrong with it (lowercase, no trailing period).
        problem: String,
    },
    /// An argument is not valid for a reason clap cannot see.
    InvalidArgument {
        /// What is wrong (lowercase, no trailing period).
        message: String,
        /// How to fix it.
        help: Option<String>,
    },
    /// The configuration is invalid; every problem found is listed.
    Config(tug_config::ConfigErrors),
    /// A secret could not be read, fetched or extracted.
    Secrets(tug_config::secrets::SecretsError),
    /// Writing a file failed.
    Io {
        /// What was being done (lowercase, no trailing period).
        action: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A flow (deploy, boot, lock, …) failed.
    Flow(crate::flows::FlowError),
    /// Tug does not do what was asked (Kamal 1.x migrations).
    Missing {
        /// What is missing (lowercase, no trailing period).
        message: String,
    },
}

impl Error {
    /// The refusal of Kamal's migrations from 1.x (`upgrade`, `proxy upgrade`, `accessory
    /// upgrade`); `command` as typed, without global options.
    pub fn kamal_1_migration(command: impl fmt::Display) -> Self {
        Error::Missing {
            message: format!(
                "`tug {command}` is Kamal's migration from 1.x (Traefik) to 2.0, which Tug does not do: migrate those servers with Kamal 2 first, then use Tug"
            ),
        }
    }

    /// The exit status this error ends the run with.
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Error::Usage(e) if !e.use_stderr() => ExitStatus::Success,
            Error::Usage(_)
            | Error::UnknownCommand { .. }
            | Error::Alias { .. }
            | Error::InvalidArgument { .. }
            | Error::Config(_)
            | Error::Secrets(_) => ExitStatus::Invalid,
            Error::Io { .. } => ExitStatus::Failure,
            Error::Flow(e) if e.is_invalid_input() => ExitStatus::Invalid,
            Error::Flow(_) => ExitStatus::Failure,
            Error::Missing { .. } => ExitStatus::Failure,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(e) => write!(f, "{}", e.kind()),
            Error::UnknownCommand { name, .. } => write!(f, "unknown command `{name}`"),
            Error::Alias { name, problem } => write!(f, "alias `{name}` {problem}"),
            Error::InvalidArgument { message, .. } => f.write_str(message),
            Error::Config(errors) => write!(f, "{errors}"),
            Error::Secrets(e) => write!(f, "{e}"),
            Error::Io { action, source } => write!(f, "could not {action}: {source}"),
            Error::Missing { message } => f.write_str(message),
            Error::Flow(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<clap::Error> for Error {
    fn from(e: clap::Error) -> Self {
        Error::Usage(e)
    }
}

impl From<tug_config::secrets::SecretsError> for Error {
    fn from(e: tug_config::secrets::SecretsError) -> Self {
        Error::Secrets(e)
    }
}

impl From<tug_config::ConfigErrors> for Error {
    fn from(e: tug_config::ConfigErrors) -> Self {
        Error::Config(e)
    }
}

impl From<crate::flows::FlowError> for Error {
    fn from(e: crate::flows::FlowError) -> Self {
        Error::Flow(e)
    }
}
