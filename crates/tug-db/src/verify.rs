//! `verify`: checksum, decompression, integrity check and row counts against the manifest.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::catalog::Manifest;
use crate::error::{DbError, DbResult};
use crate::files::{self, Partials};
use crate::sqlite;

/// What a verify found (it passed).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifyReport {
    /// The backup file.
    pub path: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// Rows per table found in the decompressed database.
    pub tables: BTreeMap<String, i64>,
}

/// Verifies a backup: its SHA-256 and size match the manifest, it decompresses, the database
/// inside passes `PRAGMA integrity_check`, and its row counts match the manifest. The
/// decompressed copy is a hidden file beside the backup, removed afterwards.
pub fn verify(backup: &Path) -> DbResult<VerifyReport> {
    let mut partials = Partials::default();
    let scratch = partials.add(&files::hidden(&files::dir_of(backup), &files::name_of(backup), ".verify"));
    verify_into(backup, &scratch)
}

/// [`verify`], leaving the decompressed database at `out` when it passes (restore uses it;
/// the caller removes it). On failure `out` is removed.
pub fn verify_into(backup: &Path, out: &Path) -> DbResult<VerifyReport> {
    if !backup.is_file() {
        return Err(DbError::Missing(format!("there is no backup at {}", backup.display())));
    }
    let manifest = Manifest::read_for(backup)?;
    let (sha256, bytes) = files::sha256_file(backup)?;
    if bytes != manifest.bytes {
        return Err(DbError::Mismatch {
            path: backup.to_path_buf(),
            what: format!("{bytes} bytes, the manifest says {}", manifest.bytes),
        });
    }
    if sha256 != manifest.sha256 {
        return Err(DbError::Mismatch {
            path: backup.to_path_buf(),
            what: format!("SHA-256 is {sha256}, the manifest says {}", manifest.sha256),
        });
    }
    let mut partials = Partials::default();
    partials.add(out);
    files::remove_sqlite_files(out);
    files::decompress(backup, out)
        .map_err(|e| DbError::Mismatch { path: backup.to_path_buf(), what: format!("does not decompress: {e}") })?;
    let tables = sqlite::check_file(out)?;
    if tables != manifest.tables {
        return Err(DbError::Mismatch {
            path: backup.to_path_buf(),
            what: format!("row counts {tables:?}, the manifest says {:?}", manifest.tables),
        });
    }
    // A read-only open leaves no journal behind, but be sure nothing sits beside the file.
    for suffix in ["-journal", "-wal", "-shm"] {
        let _ = std::fs::remove_file(files::with_suffix(out, suffix));
    }
    partials.keep();
    Ok(VerifyReport { path: backup.to_path_buf(), manifest, tables })
}
