//! `backup`: a consistent online snapshot, checked, compressed, checksummed, renamed into place.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::catalog::{self, Manifest};
use crate::error::{DbError, DbResult, io};
use crate::files::{self, Partials};
use crate::sqlite;

/// How to take a backup.
#[derive(Debug, Clone)]
pub struct BackupOptions {
    /// The app version, put in the name and manifest.
    pub version: Option<String>,
    /// `manual`, `pre-deploy` or `pre-restore`.
    pub reason: String,
    /// After the backup, keep only the newest N of this database.
    pub keep: Option<usize>,
    /// zstd level.
    pub level: i32,
}

impl Default for BackupOptions {
    fn default() -> Self {
        BackupOptions { version: None, reason: "manual".into(), keep: None, level: 3 }
    }
}

/// What a backup made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupReport {
    /// The backup file.
    pub path: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// Backups deleted by retention.
    pub pruned: Vec<PathBuf>,
    /// Seconds spent taking the snapshot (the part that reads the live database).
    pub snapshot_seconds: f64,
    /// Seconds in all.
    pub seconds: f64,
}

/// Takes a backup of the database at `db` into `dir` while the app keeps writing.
///
/// The snapshot goes to a hidden file in `dir`, is checked with `PRAGMA integrity_check` and
/// counted, then compressed into `.<name>.partial` (SHA-256 computed on the way, fsynced). The
/// manifest is written as `.<name>.json.partial` and fsynced. Then the manifest is renamed into
/// place, the backup file after it, and the directory fsynced. Until that last rename nothing
/// in `dir` looks like a complete backup, and an error removes every partial file.
pub fn backup(db: &Path, dir: &Path, options: &BackupOptions) -> DbResult<BackupReport> {
    let started = Instant::now();
    if !db.is_file() {
        return Err(DbError::Missing(format!("there is no database at {} (is the volume mounted?)", db.display())));
    }
    files::ensure_dir(dir)?;
    let stem = catalog::stem_of(db);
    let (stamp, created_at) = files::utc_now();
    let mut partials = Partials::default();
    // Reserve the name: the partial file is created exclusively, so two backups started in the
    // same second never share a name.
    let (name, partial) = loop {
        let name = catalog::free_name(dir, &stem, &stamp, options.version.as_deref());
        let partial = files::hidden(dir, &name, ".partial");
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&partial) {
            Ok(_) => break (name, partials.add(&partial)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io("create", &partial)(e)),
        }
    };
    let snapshot = partials.add(&files::hidden(dir, &name, ".snapshot"));
    let manifest_partial = partials.add(&files::hidden(dir, &name, ".json.partial"));
    files::remove_sqlite_files(&snapshot);

    sqlite::snapshot(db, &snapshot)?;
    let snapshot_seconds = started.elapsed().as_secs_f64();
    let tables: BTreeMap<String, i64> = sqlite::check_file(&snapshot)?;
    let sqlite_bytes = std::fs::metadata(&snapshot).map_err(io("stat", &snapshot))?.len();
    let (sha256, bytes) = files::compress(&snapshot, &partial, options.level)?;
    files::remove_sqlite_files(&snapshot);

    let manifest = Manifest {
        format: 1,
        file: name.clone(),
        stem,
        database: db.display().to_string(),
        created_at,
        version: options.version.clone().filter(|v| !v.is_empty()),
        reason: options.reason.clone(),
        compression: "zstd".into(),
        sha256,
        bytes,
        sqlite_bytes,
        tables,
        integrity: "ok".into(),
    };
    manifest.write_partial(&manifest_partial)?;
    let target = catalog::publish(dir, &name, &partial, &manifest_partial)?;
    partials.keep();

    let pruned = match options.keep {
        Some(keep) => catalog::prune(dir, keep.max(1))?,
        None => Vec::new(),
    };
    Ok(BackupReport { path: target, manifest, pruned, snapshot_seconds, seconds: started.elapsed().as_secs_f64() })
}
