//! SQLite backups taken next to the data.
//!
//! `tug db` runs the `tug-db` binary on the server, in a short-lived container that mounts the
//! app's volume, so nothing depends on the app's image. This library is that tool, and `tug`
//! links it too, to verify a downloaded backup on the deploying machine and to be the tool
//! itself in the helper image it makes from its own executable ([`cli`]).
//!
//! A backup is two files in the backup directory:
//!
//! - `<stem>-<UTC time>[-<version>].sqlite3.zst`: a consistent snapshot of the database taken
//!   with SQLite's online backup API while the app keeps writing, checked with
//!   `PRAGMA integrity_check`, compressed with zstd and fsynced;
//! - `<that name>.json`: its [`Manifest`] (SHA-256 of the compressed file, row counts per table,
//!   version, reason).
//!
//! Both are written under hidden `.…partial` names and renamed into place only when complete,
//! manifest first: a backup file that exists always has its manifest, and a failed or killed
//! backup leaves at most hidden files (which `list` reports and `prune` removes).

pub mod backup;
pub mod catalog;
pub mod cli;
pub mod error;
pub mod files;
pub mod restore;
pub mod sqlite;
pub mod transfer;
pub mod verify;

pub use backup::{BackupOptions, BackupReport, backup};
pub use catalog::{Entry, Listing, Manifest, find_before_deploy, list, prune};
pub use error::{DbError, DbResult};
pub use restore::{RestoreReport, restore};
pub use transfer::{ReceiveReport, receive, send};
pub use verify::{VerifyReport, verify};

/// What starts the one machine-readable line every command prints last on stdout.
pub const SUMMARY_PREFIX: &str = "TUG-DB ";

/// The compressed file's extension.
pub const EXTENSION: &str = "sqlite3.zst";

/// Finds the summary line in a command's output and parses its JSON.
pub fn parse_summary(stdout: &str) -> Option<serde_json::Value> {
    stdout
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix(SUMMARY_PREFIX))
        .and_then(|json| serde_json::from_str(json).ok())
}
