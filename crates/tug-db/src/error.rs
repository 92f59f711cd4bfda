//! What can go wrong, each with what to do about it.

use std::path::{Path, PathBuf};

/// A failed backup, verify, restore or listing.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite refused.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A file operation failed.
    #[error("{action}: {source}")]
    Io {
        /// What was being done, with the path.
        action: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file that must exist does not.
    #[error("{0}")]
    Missing(String),
    /// `PRAGMA integrity_check` found problems.
    #[error("integrity check of {path} failed: {report}")]
    Integrity {
        /// The file checked.
        path: PathBuf,
        /// What SQLite reported.
        report: String,
    },
    /// The file is not the one the manifest describes.
    #[error("{path} does not match its manifest: {what}")]
    Mismatch {
        /// The backup file.
        path: PathBuf,
        /// What differs.
        what: String,
    },
    /// The database is still in use where it must not be.
    #[error("{0}")]
    Busy(String),
    /// Bad arguments.
    #[error("{0}")]
    Invalid(String),
}

/// A result with [`DbError`].
pub type DbResult<T> = Result<T, DbError>;

impl DbError {
    /// A short machine-readable kind, for the summary line.
    pub fn kind(&self) -> &'static str {
        match self {
            DbError::Sqlite(_) => "sqlite",
            DbError::Io { .. } => "io",
            DbError::Missing(_) => "missing",
            DbError::Integrity { .. } => "integrity",
            DbError::Mismatch { .. } => "checksum",
            DbError::Busy(_) => "busy",
            DbError::Invalid(_) => "invalid",
        }
    }
}

/// Wraps an I/O error with what was done to which path.
pub fn io(action: &str, path: &Path) -> impl FnOnce(std::io::Error) -> DbError {
    let action = format!("{action} {}", path.display());
    move |source| DbError::Io { action, source }
}
