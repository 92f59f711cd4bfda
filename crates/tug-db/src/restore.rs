//! `restore`: put a verified backup in place of the database, atomically, after a safety
//! backup of what is there now.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::backup::{BackupOptions, backup};
use crate::error::{DbError, DbResult, io};
use crate::files::{self, Partials, with_suffix};
use crate::sqlite;
use crate::verify::verify_into;

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestoreReport {
    /// The backup restored.
    pub backup: PathBuf,
    /// The database replaced.
    pub database: PathBuf,
    /// The safety backup of the database as it was (none when there was no database).
    pub safety: Option<PathBuf>,
    /// Rows per table before (none when there was no database).
    pub before: Option<BTreeMap<String, i64>>,
    /// Rows per table after.
    pub after: BTreeMap<String, i64>,
}

/// Restores `backup` over the database at `db`. The app's writers must be stopped.
///
/// 1. The backup is verified (checksum, decompression, integrity check, row counts) into a
///    hidden file beside `db` (same file system, so the final rename is atomic); a backup that
///    fails is refused and nothing changes.
/// 2. The current database is counted and backed up into `safety_dir` (reason `pre-restore`).
/// 3. Its WAL is checkpointed into it (`TRUNCATE`); when another connection still holds it,
///    the restore stops here: the app is still running.
/// 4. Its `-wal`, `-shm` and `-journal` files are removed (a stale WAL beside the restored
///    file would be replayed onto it), the restored file gets the old file's owner and mode,
///    and is renamed over it; the directory is fsynced.
pub fn restore(backup_file: &Path, db: &Path, safety_dir: &Path) -> DbResult<RestoreReport> {
    let dir = files::dir_of(db);
    if !dir.is_dir() {
        return Err(DbError::Missing(format!(
            "the database directory {} does not exist (is the volume mounted?)",
            dir.display()
        )));
    }
    let mut partials = Partials::default();
    let incoming = partials.add(&files::hidden(&dir, &files::name_of(db), ".restore"));
    let verified = verify_into(backup_file, &incoming)
        .map_err(|e| DbError::Invalid(format!("refusing to restore {}: {e}", backup_file.display())))?;

    let (before, safety) = if db.exists() {
        let before = {
            let conn = sqlite::open_existing(db, false)?;
            sqlite::row_counts(&conn)?
        };
        let report = backup(
            db,
            safety_dir,
            &BackupOptions {
                reason: "pre-restore".into(),
                version: Some("pre-restore".into()),
                ..BackupOptions::default()
            },
        )?;
        checkpoint_alone(db)?;
        (Some(before), Some(report.path))
    } else {
        (None, None)
    };

    let reference = if db.exists() { db.to_path_buf() } else { dir.clone() };
    files::match_owner(&incoming, &reference);
    if db.exists() {
        files::match_mode(&incoming, db);
    }
    files::sync_file(&incoming)?;
    for suffix in ["-wal", "-shm", "-journal"] {
        let side = with_suffix(db, suffix);
        match std::fs::remove_file(&side) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io("remove", &side)(e)),
        }
    }
    std::fs::rename(&incoming, db).map_err(io("rename into place", db))?;
    partials.keep();
    files::sync_dir(&dir)?;

    let after = sqlite::check_file(db)?;
    if after != verified.tables {
        return Err(DbError::Mismatch {
            path: db.to_path_buf(),
            what: format!("after the swap it holds {after:?}, expected {:?}", verified.tables),
        });
    }
    Ok(RestoreReport { backup: backup_file.to_path_buf(), database: db.to_path_buf(), safety, before, after })
}

/// Checkpoints the WAL fully into the database and truncates it; fails when another
/// connection is still using the database (its readers or writers keep the WAL busy).
fn checkpoint_alone(db: &Path) -> DbResult<()> {
    let conn = sqlite::open_existing(db, false)?;
    let (busy, log, done): (i64, i64, i64) =
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    if busy != 0 || log != done {
        return Err(DbError::Busy(format!(
            "{} is still in use by another process (WAL checkpoint blocked): stop the app before restoring",
            db.display()
        )));
    }
    conn.close().map_err(|(_, e)| e)?;
    Ok(())
}
