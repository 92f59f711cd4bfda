//! The database: one writer connection (writes are serialised in the app, so concurrent
//! requests never fight over SQLite's write lock), a few reader connections (WAL lets them run
//! beside the writer), a health probe that opens the file afresh, and the online backup.
//!
//! Every call here blocks: the HTTP layer runs them on tokio's blocking pool.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

/// How long a statement waits for another connection's lock before it fails.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// The health probe waits less: a health check that hangs is as bad as one that fails.
pub const HEALTH_BUSY_TIMEOUT: Duration = Duration::from_secs(1);
/// How long a backup keeps retrying while the source database is locked.
const BACKUP_BUSY_DEADLINE: Duration = Duration::from_secs(30);
/// Reader connections kept open between requests.
const MAX_IDLE_READERS: usize = 4;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
)";

#[derive(Debug)]
pub enum DbError {
    Sqlite(rusqlite::Error),
    Io {
        action: String,
        source: std::io::Error,
    },
    /// The database file is missing, or is no longer the file the app opened.
    Missing(String),
    /// `PRAGMA integrity_check` reported problems.
    Integrity(String),
    /// A thread panicked while holding a connection.
    Poisoned,
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::Sqlite(err) => write!(f, "sqlite: {err}"),
            DbError::Io { action, source } => write!(f, "{action}: {source}"),
            DbError::Missing(what) => f.write_str(what),
            DbError::Integrity(report) => write!(f, "integrity check failed: {report}"),
            DbError::Poisoned => f.write_str("a database connection was poisoned by a panic"),
        }
    }
}

impl std::error::Error for DbError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DbError::Sqlite(err) => Some(err),
            DbError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(err: rusqlite::Error) -> Self {
        DbError::Sqlite(err)
    }
}

fn io_error(action: impl Into<String>) -> impl FnOnce(std::io::Error) -> DbError {
    let action = action.into();
    move |source| DbError::Io { action, source }
}

/// One stored row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: i64,
    pub body: String,
    pub created_at: String,
}

/// The app's database.
pub struct Db {
    path: PathBuf,
    identity: Option<FileIdentity>,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl Db {
    /// Opens (creating if needed) the database at `path`, switches it to WAL and creates the
    /// schema. The directory must exist: it is the deploy's volume, and creating it would
    /// hide a missing volume by writing into the container.
    pub fn open(path: &Path) -> Result<Db, DbError> {
        let dir = parent_dir(path);
        if !dir.is_dir() {
            return Err(DbError::Missing(format!(
                "the database directory {} does not exist (is the volume mounted?)",
                dir.display()
            )));
        }
        let writer = connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE, BUSY_TIMEOUT)
            .map_err(|err| match err {
                DbError::Sqlite(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::CannotOpen) => {
                    DbError::Missing(format!(
                        "cannot open or create {} ({e}): is the volume mounted on {} and writable by the app's user?",
                        path.display(),
                        dir.display()
                    ))
                }
                other => other,
            })?;
        let mode: String = writer.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(DbError::Missing(format!("could not switch {} to WAL mode (got {mode})", path.display())));
        }
        writer.execute_batch(SCHEMA)?;
        Ok(Db {
            path: path.to_path_buf(),
            identity: FileIdentity::of(path),
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stores a row and returns its id.
    pub fn insert(&self, body: &str) -> Result<i64, DbError> {
        let writer = self.writer.lock().map_err(|_| DbError::Poisoned)?;
        writer.execute("INSERT INTO entries (body) VALUES (?1)", params![body])?;
        Ok(writer.last_insert_rowid())
    }

    pub fn get(&self, id: i64) -> Result<Option<Entry>, DbError> {
        self.read(|conn| {
            conn.query_row("SELECT id, body, created_at FROM entries WHERE id = ?1", params![id], |row| {
                Ok(Entry { id: row.get(0)?, body: row.get(1)?, created_at: row.get(2)? })
            })
            .optional()
        })
    }

    /// Ids greater than `after`, ascending, at most `limit`.
    pub fn ids_after(&self, after: i64, limit: u32) -> Result<Vec<i64>, DbError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached("SELECT id FROM entries WHERE id > ?1 ORDER BY id LIMIT ?2")?;
            let ids = stmt.query_map(params![after, limit], |row| row.get(0))?;
            ids.collect()
        })
    }

    pub fn count(&self) -> Result<i64, DbError> {
        self.read(|conn| conn.query_row("SELECT count(*) FROM entries", [], |row| row.get(0)))
    }

    /// Whether the database answers right now: the file at the configured path is still the
    /// one the app writes to, and a fresh connection (no create) can read the table within
    /// [`HEALTH_BUSY_TIMEOUT`]. A kept-open connection would keep answering from a deleted
    /// file, so the probe never reuses one.
    pub fn health(&self) -> Result<(), DbError> {
        if !self.path.exists() {
            return Err(DbError::Missing(format!("{} does not exist", self.path.display())));
        }
        if let Some(opened) = &self.identity
            && FileIdentity::of(&self.path).as_ref() != Some(opened)
        {
            return Err(DbError::Missing(format!(
                "{} was replaced after the app opened it; restart the app",
                self.path.display()
            )));
        }
        let conn = connect(&self.path, OpenFlags::SQLITE_OPEN_READ_WRITE, HEALTH_BUSY_TIMEOUT)?;
        conn.query_row("SELECT 1 FROM entries LIMIT 1", [], |_| Ok(())).optional()?;
        Ok(())
    }

    /// Checkpoints the WAL into the database file and closes every connection, so that the
    /// volume holds one self-contained file after the app stops.
    pub fn close(self) -> Result<(), DbError> {
        let readers = self.readers.into_inner().map_err(|_| DbError::Poisoned)?;
        for reader in readers {
            reader.close().map_err(|(_, err)| err)?;
        }
        let writer = self.writer.into_inner().map_err(|_| DbError::Poisoned)?;
        writer.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        writer.close().map_err(|(_, err)| err)?;
        Ok(())
    }

    fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, DbError> {
        let idle = self.readers.lock().map_err(|_| DbError::Poisoned)?.pop();
        let conn = match idle {
            Some(conn) => conn,
            None => connect(&self.path, OpenFlags::SQLITE_OPEN_READ_WRITE, BUSY_TIMEOUT)?,
        };
        let result = f(&conn);
        let mut readers = self.readers.lock().map_err(|_| DbError::Poisoned)?;
        if readers.len() < MAX_IDLE_READERS {
            readers.push(conn);
        }
        Ok(result?)
    }
}

/// Opens a connection with the app's settings: busy timeout, durable commits, temporary
/// tables and indices in memory (the root filesystem is read-only), foreign keys on.
pub fn connect(path: &Path, flags: OpenFlags, busy_timeout: Duration) -> Result<Connection, DbError> {
    let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(busy_timeout)?;
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA temp_store = MEMORY; PRAGMA foreign_keys = ON;")?;
    Ok(conn)
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Device and inode of a file: tells a file apart from one put in its place.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileIdentity {
    dev: u64,
    ino: u64,
}

impl FileIdentity {
    #[cfg(unix)]
    fn of(path: &Path) -> Option<FileIdentity> {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|meta| FileIdentity { dev: meta.dev(), ino: meta.ino() })
    }

    #[cfg(not(unix))]
    fn of(_path: &Path) -> Option<FileIdentity> {
        None
    }
}

/// What a backup or a verify found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    pub path: PathBuf,
    pub rows: i64,
    pub bytes: u64,
}

/// Takes a consistent online backup of the database at `db_path` into `dir` while other
/// connections (the running app) keep writing.
///
/// SQLite's online backup API copies every page in one step, inside one read transaction:
/// the copy is the database as of one commit, holding every row committed before the backup
/// began, and writers are never blocked (WAL). The copy is written under a hidden `.partial`
/// name, switched out of WAL mode so it is one self-contained file, checked with
/// `PRAGMA integrity_check`, fsynced, and only then renamed to
/// `backup-<UTC time>[-<version>].sqlite3` (and the directory fsynced). A failed or killed
/// backup therefore never leaves a file that looks complete.
pub fn backup(db_path: &Path, dir: &Path, version: Option<&str>) -> Result<BackupReport, DbError> {
    if !db_path.is_file() {
        return Err(DbError::Missing(format!("there is no database at {}", db_path.display())));
    }
    let source = connect(db_path, OpenFlags::SQLITE_OPEN_READ_WRITE, BUSY_TIMEOUT)?;
    let stamp: String = source.query_row("SELECT strftime('%Y%m%d-%H%M%S', 'now')", [], |row| row.get(0))?;
    let suffix = version.map(sanitize).filter(|v| !v.is_empty()).map(|v| format!("-{v}")).unwrap_or_default();
    let target = free_name(dir, &format!("backup-{stamp}{suffix}"));
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let partial = dir.join(format!(".{name}.partial"));
    let result = copy_verified(&source, &partial).and_then(|report| {
        std::fs::rename(&partial, &target).map_err(io_error(format!(
            "rename {} to {}",
            partial.display(),
            target.display()
        )))?;
        sync_dir(dir)?;
        Ok(BackupReport { path: target.clone(), ..report })
    });
    if result.is_err() {
        remove_partial(&partial);
    }
    result
}

fn copy_verified(source: &Connection, partial: &Path) -> Result<BackupReport, DbError> {
    remove_partial(partial);
    let mut dest = connect(partial, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE, BUSY_TIMEOUT)?;
    {
        // All pages in one step (-1): one read transaction, so writers elsewhere never force
        // a restart and the copy is one commit's snapshot. Busy/Locked (another connection
        // recovering the WAL, say) is retried for a bounded time.
        let copy = Backup::new(source, &mut dest)?;
        let deadline = Instant::now() + BACKUP_BUSY_DEADLINE;
        loop {
            match copy.step(-1)? {
                StepResult::Done => break,
                StepResult::More => {}
                _ if Instant::now() >= deadline => {
                    return Err(DbError::Missing(format!(
                        "the database stayed locked for {}s; no backup taken",
                        BACKUP_BUSY_DEADLINE.as_secs()
                    )));
                }
                _ => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }
    dest.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))?;
    let report = check(&dest, partial)?;
    dest.close().map_err(|(_, err)| err)?;
    let file = File::open(partial).map_err(io_error(format!("open {}", partial.display())))?;
    file.sync_all().map_err(io_error(format!("fsync {}", partial.display())))?;
    let bytes = file.metadata().map_err(io_error(format!("stat {}", partial.display())))?.len();
    Ok(BackupReport { bytes, ..report })
}

/// Re-checks a database file (a backup): `PRAGMA integrity_check` and its row count. Opens
/// the file read-only and changes nothing.
pub fn verify(path: &Path) -> Result<BackupReport, DbError> {
    if !path.is_file() {
        return Err(DbError::Missing(format!("there is no file at {}", path.display())));
    }
    let conn = connect(path, OpenFlags::SQLITE_OPEN_READ_ONLY, BUSY_TIMEOUT)?;
    let report = check(&conn, path)?;
    let bytes = std::fs::metadata(path).map_err(io_error(format!("stat {}", path.display())))?.len();
    Ok(BackupReport { bytes, ..report })
}

fn check(conn: &Connection, path: &Path) -> Result<BackupReport, DbError> {
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let lines: Vec<String> = stmt.query_map([], |row| row.get(0))?.collect::<Result<_, _>>()?;
    if lines != ["ok"] {
        return Err(DbError::Integrity(lines.join("; ")));
    }
    let has_table: bool = conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = 'entries'",
        [],
        |row| row.get(0),
    )?;
    let rows = if has_table { conn.query_row("SELECT count(*) FROM entries", [], |row| row.get(0))? } else { 0 };
    Ok(BackupReport { path: path.to_path_buf(), rows, bytes: 0 })
}

/// `<stem>.sqlite3`, or `<stem>-2.sqlite3`, … when a backup of the same second exists.
fn free_name(dir: &Path, stem: &str) -> PathBuf {
    let mut candidate = dir.join(format!("{stem}.sqlite3"));
    let mut n = 2;
    while candidate.exists() {
        candidate = dir.join(format!("{stem}-{n}.sqlite3"));
        n += 1;
    }
    candidate
}

/// Keeps what is safe in a file name.
fn sanitize(version: &str) -> String {
    version.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')).take(64).collect()
}

fn remove_partial(partial: &Path) {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let mut name = partial.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

fn sync_dir(dir: &Path) -> Result<(), DbError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io_error(format!("fsync directory {}", dir.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_and_unique() {
        assert_eq!(sanitize("v1.2/../$(rm -rf)"), "v1.2..rm-rf");
        let dir = tempfile::tempdir().unwrap();
        let first = free_name(dir.path(), "backup-x");
        assert!(first.ends_with("backup-x.sqlite3"));
        std::fs::write(&first, b"").unwrap();
        assert!(free_name(dir.path(), "backup-x").ends_with("backup-x-2.sqlite3"));
    }

    #[test]
    fn open_refuses_a_missing_directory() {
        let dir = tempfile::tempdir().unwrap();
        let err = Db::open(&dir.path().join("nope/production.sqlite3")).err().unwrap();
        assert!(err.to_string().contains("volume"), "{err}");
    }

    #[test]
    fn open_explains_a_database_it_cannot_open() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the database file should be: cannot be opened, even by root.
        let path = dir.path().join("production.sqlite3");
        std::fs::create_dir(&path).unwrap();
        let err = Db::open(&path).err().unwrap();
        assert!(err.to_string().contains("is the volume mounted on"), "{err}");
    }

    #[test]
    fn close_leaves_one_self_contained_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        let db = Db::open(&path).unwrap();
        db.insert("a").unwrap();
        assert_eq!(db.count().unwrap(), 1);
        db.close().unwrap();
        assert!(!dir.path().join("db.sqlite3-wal").exists());
        assert_eq!(verify(&path).unwrap().rows, 1);
    }

    #[test]
    fn verify_rejects_a_damaged_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        let db = Db::open(&path).unwrap();
        for i in 0..500 {
            db.insert(&format!("row {i} {}", "x".repeat(200))).unwrap();
        }
        db.close().unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        let len = bytes.len();
        for b in &mut bytes[len / 2..len / 2 + 4096] {
            *b = 0xA5;
        }
        std::fs::write(&path, bytes).unwrap();
        assert!(verify(&path).is_err());
    }
}
