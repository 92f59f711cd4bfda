//! The log-viewing options shared by `app logs`, `proxy logs` and `accessory logs`.

use clap::Args;
use tug_commands::logs::LogOptions;

/// How many lines, from when, matching what, and whether to follow.
#[derive(Debug, Clone, Args)]
pub struct LogArgs {
    /// Show lines since a timestamp (2013-01-02T13:23:37Z) or for a duration (42m)
    #[arg(short, long, value_name = "WHEN")]
    pub since: Option<String>,

    /// Number of lines to show from each server
    #[arg(short = 'n', long, value_name = "N")]
    pub lines: Option<u64>,

    /// Show only lines matching this pattern (e.g. a request id)
    #[arg(short, long, value_name = "PATTERN")]
    pub grep: Option<String>,

    /// Follow the log on the primary server (or the one picked with --hosts)
    #[arg(short, long)]
    pub follow: bool,

    /// Show the lines without timestamps
    #[arg(short = 'T', long)]
    pub skip_timestamps: bool,
}

impl LogArgs {
    /// The options of a log query: `default_lines` lines, unless `--lines` says otherwise or
    /// `--since` or `--grep` choose the lines.
    pub fn options(&self, default_lines: u64, grep_options: Option<String>) -> LogOptions {
        let chosen = self.since.is_some() || self.grep.is_some();
        LogOptions {
            timestamps: !self.skip_timestamps,
            since: self.since.clone(),
            lines: self.lines.or(if chosen { None } else { Some(default_lines) }),
            grep: self.grep.clone(),
            grep_options,
        }
    }
}

/// `--grep-options`, offered by `app logs` and `accessory logs` but not `proxy logs`.
#[derive(Debug, Clone, Args)]
pub struct GrepOptions {
    /// Extra options for grep
    #[arg(long, value_name = "OPTIONS", allow_hyphen_values = true)]
    pub grep_options: Option<String>,
}
