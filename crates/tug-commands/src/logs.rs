//! Reading a named container's logs (the proxy's, an accessory's): the options of `logs`
//! and the `grep` that filters them.
//!
//! Kamal interpolates the grep pattern raw between quotes; Tug quotes it so that a quote in
//! the pattern cannot end the word (the same text for any pattern without quotes, `$` or
//! backticks).

use crate::command::Command;
use crate::shell::{escape_shell_value, single_quote};

/// `logs` options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogOptions {
    /// `--timestamps` (default on).
    pub timestamps: bool,
    /// `--since`.
    pub since: Option<String>,
    /// `--tail`.
    pub lines: Option<u64>,
    /// `| grep '<pattern>'`.
    pub grep: Option<String>,
    /// Extra `grep` options, passed as written.
    pub grep_options: Option<String>,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions { timestamps: true, since: None, lines: None, grep: None, grep_options: None }
    }
}

/// `grep '<pattern>'[ <options>]`, for a one-off read.
pub fn grep_single_quoted(pattern: &str, options: Option<&str>) -> Command {
    grep(single_quote(pattern), options)
}

/// `grep "<pattern>"[ <options>]`, for following over SSH (inside the single-quoted remote
/// command).
pub fn grep_double_quoted(pattern: &str, options: Option<&str>) -> Command {
    grep(escape_shell_value(pattern), options)
}

fn grep(pattern: String, options: Option<&str>) -> Command {
    let cmd = Command::new(["grep".to_string(), pattern]).via_env();
    match options {
        Some(o) => cmd.arg(o),
        None => cmd,
    }
}
