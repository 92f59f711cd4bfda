//! Why a flow stopped. Each variant renders as one line (secrets never included).

use std::fmt;

use tug_exec::ExecError;

/// A flow failure.
#[derive(Debug)]
pub enum FlowError {
    /// A command could not run (host unreachable, timeout, upload failed).
    Exec(ExecError),
    /// A command ran and failed.
    CommandFailed {
        /// The host, or `local`.
        target: String,
        /// The command, redacted.
        command: String,
        /// Its exit status.
        status: Option<i32>,
        /// The last lines of its error output, scrubbed of the command's secrets.
        tail: String,
    },
    /// A hook exited non-zero (Kamal's `HookError`).
    Hook {
        /// The hook.
        name: String,
        /// What it printed.
        output: String,
    },
    /// A secret could not be read.
    Secrets(tug_config::secrets::SecretsError),
    /// A failure Kamal reports with a fixed message (lock held, boot failed, …).
    Message(String),
    /// The input does not allow the operation (exit status 2).
    Invalid(String),
}

impl FlowError {
    /// A plain message.
    pub fn msg(m: impl Into<String>) -> FlowError {
        FlowError::Message(m.into())
    }

    /// Whether the input was at fault (exit 2) rather than an operation (exit 1).
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, FlowError::Invalid(_) | FlowError::Secrets(_))
    }
}

impl fmt::Display for FlowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlowError::Exec(e) => write!(f, "{e}"),
            FlowError::CommandFailed { target, command, status, tail } => {
                let s = status.map_or("killed".to_string(), |c| format!("exit status {c}"));
                write!(f, "{target}: `{command}` failed ({s})")?;
                if !tail.trim().is_empty() {
                    write!(f, ": {}", tail.trim().replace('\n', " / "))?;
                }
                Ok(())
            }
            FlowError::Hook { name, output } => {
                write!(f, "Hook `{name}` failed")?;
                if !output.trim().is_empty() {
                    write!(f, ": {}", output.trim().replace('\n', " / "))?;
                }
                Ok(())
            }
            FlowError::Secrets(e) => write!(f, "{e}"),
            FlowError::Message(m) | FlowError::Invalid(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for FlowError {}

impl From<ExecError> for FlowError {
    fn from(e: ExecError) -> Self {
        FlowError::Exec(e)
    }
}

impl From<tug_config::secrets::SecretsError> for FlowError {
    fn from(e: tug_config::secrets::SecretsError) -> Self {
        FlowError::Secrets(e)
    }
}

/// A flow's result.
pub type FlowResult<T = ()> = Result<T, FlowError>;
