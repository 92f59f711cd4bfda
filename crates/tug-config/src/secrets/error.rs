//! Everything that can go wrong while reading secrets or talking to a vault.
//!
//! Messages that Kamal has are kept word for word (`Secret 'X' not found in …`, `Unknown secrets
//! adapter: x`, the adapters' `Could not read …`); messages Tug adds are lowercase and one line.
//! No message ever contains a secret value.

use thiserror::Error;

/// Why a secret could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SecretsError {
    /// The key is in none of the secrets files that exist.
    #[error("Secret '{key}' not found in {}", files.join(", "))]
    NotFound {
        /// The secret asked for.
        key: String,
        /// The files that were read, as named in the config.
        files: Vec<String>,
    },

    /// No secrets file exists at all.
    #[error("Secret '{key}' not found, no secret files ({}) provided", filenames.join(", "))]
    NoSecretFiles {
        /// The secret asked for.
        key: String,
        /// The files that were looked for.
        filenames: Vec<String>,
    },

    /// A secrets file exists but could not be read.
    #[error("could not read `{path}`: {reason}")]
    Read {
        /// The file, as named in the config.
        path: String,
        /// What the operating system said, or why the text is unusable.
        reason: String,
    },

    /// `export KEY` names a key that no earlier line set (Ruby dotenv's `FormatError`).
    #[error("{file}:{line}: Line {text} has an unset variable")]
    UnsetVariable {
        /// The secrets file.
        file: String,
        /// 1-based line of the key.
        line: usize,
        /// The offending line, quoted as Ruby's `inspect` does.
        text: String,
    },

    /// A `$(command)` exited with a failure status.
    #[error("{file}:{line}: command `{command}` failed{}", exit_status(*.status))]
    CommandFailed {
        /// The secrets file.
        file: String,
        /// 1-based line of the key whose value holds the command.
        line: usize,
        /// The command as written in the file (before `$VAR` expansion, so no secret leaks).
        command: String,
        /// Its exit code, if it exited.
        status: Option<i32>,
    },

    /// A `$(command)` could not be started at all.
    #[error("{file}:{line}: could not run `{command}`: {reason}")]
    CommandSpawn {
        /// The secrets file.
        file: String,
        /// 1-based line of the key whose value holds the command.
        line: usize,
        /// The command as written in the file.
        command: String,
        /// What the operating system said.
        reason: String,
    },

    /// A `$(kamal secrets …)` command, run in-process, failed.
    #[error("{file}:{line}: `{command}` failed: {inner}")]
    InlineCommand {
        /// The secrets file.
        file: String,
        /// 1-based line of the key whose value holds the command.
        line: usize,
        /// The command as written in the file.
        command: String,
        /// Why it failed.
        inner: Box<SecretsError>,
    },

    /// `--adapter` names no known vault.
    #[error("Unknown secrets adapter: {0}")]
    UnknownAdapter(String),

    /// The adapter needs `--account` and none (or a blank one) was given.
    #[error("No value provided for required options '--account'")]
    MissingAccount,

    /// The vault's command-line tool is not installed.
    #[error("`{program}` ({vendor} CLI) is not installed or not on PATH")]
    CliNotInstalled {
        /// The program, e.g. `op`.
        program: String,
        /// The vendor, e.g. `1Password`.
        vendor: String,
    },

    /// The vault's command-line tool could not be started for another reason.
    #[error("could not run `{program}`: {reason}")]
    CliSpawn {
        /// The program, e.g. `op`.
        program: String,
        /// What the operating system said.
        reason: String,
    },

    /// An adapter failed with one of Kamal's messages (`Failed to login to 1Password`,
    /// `Could not read … from …`, …).
    #[error("{0}")]
    Adapter(String),

    /// A vault CLI printed something that is not the JSON expected.
    #[error("could not parse the output of `{command}`: {reason}")]
    BadOutput {
        /// The command, without its secret arguments (e.g. `op item get`).
        command: String,
        /// What is wrong with it.
        reason: String,
    },

    /// `extract` found no key `NAME` nor one ending in `/NAME`.
    #[error("Could not find secret {0}")]
    ExtractNotFound(String),

    /// The secrets given to `extract` are not a JSON object.
    #[error("the secrets passed to `extract` are not a JSON object of names and values: {0}")]
    BadSecretsJson(String),

    /// An in-process `kamal secrets …` command line is malformed.
    #[error("{0}")]
    Usage(String),
}

fn exit_status(status: Option<i32>) -> String {
    match status {
        Some(code) => format!(" with exit status {code}"),
        None => " (killed by a signal)".to_string(),
    }
}
