//! SQLite: connections, the online snapshot, the integrity check and row counts.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use crate::error::{DbError, DbResult};

/// How long a statement waits for another connection's lock.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a snapshot keeps retrying while the source stays locked.
const SNAPSHOT_DEADLINE: Duration = Duration::from_secs(60);

/// Opens an existing database (never creates one: a missing volume must not look empty).
pub fn open_existing(path: &Path, read_only: bool) -> DbResult<Connection> {
    let flags = if read_only { OpenFlags::SQLITE_OPEN_READ_ONLY } else { OpenFlags::SQLITE_OPEN_READ_WRITE };
    let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// Copies the database at `source` into a new file `dest` with the online backup API, while
/// other connections keep writing: all pages in one step, inside one read transaction, so the
/// copy is the database as of one commit and holds everything committed before it began.
/// Writers in WAL mode are never blocked. The copy is switched to rollback-journal mode so it
/// is one self-contained file.
pub fn snapshot(source: &Path, dest: &Path) -> DbResult<()> {
    let src = open_existing(source, false)?;
    let mut out = Connection::open(dest)?;
    {
        let copy = Backup::new(&src, &mut out)?;
        let deadline = Instant::now() + SNAPSHOT_DEADLINE;
        loop {
            match copy.step(-1)? {
                StepResult::Done => break,
                StepResult::More => {}
                _ if Instant::now() >= deadline => {
                    return Err(DbError::Busy(format!(
                        "{} stayed locked for {}s; no backup taken",
                        source.display(),
                        SNAPSHOT_DEADLINE.as_secs()
                    )));
                }
                _ => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }
    out.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))?;
    out.close().map_err(|(_, e)| e)?;
    drop(src);
    Ok(())
}

/// `PRAGMA integrity_check` (the full check): `Ok` only when SQLite answers exactly `ok`.
pub fn integrity_check(conn: &Connection, path: &Path) -> DbResult<()> {
    let result: Result<Vec<String>, rusqlite::Error> =
        conn.prepare("PRAGMA integrity_check").and_then(|mut s| s.query_map([], |r| r.get(0))?.collect());
    match result {
        Ok(lines) if lines == ["ok"] => Ok(()),
        Ok(lines) => Err(DbError::Integrity { path: path.to_path_buf(), report: lines.join("; ") }),
        // A damaged header or page makes the check itself fail: that is a failed check too.
        Err(e) => Err(DbError::Integrity { path: path.to_path_buf(), report: e.to_string() }),
    }
}

/// Rows per table (SQLite's own `sqlite_*` tables left out).
pub fn row_counts(conn: &Connection) -> DbResult<BTreeMap<String, i64>> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut counts = BTreeMap::new();
    for t in tables {
        let quoted = format!("\"{}\"", t.replace('"', "\"\""));
        let n: i64 = conn.query_row(&format!("SELECT count(*) FROM {quoted}"), [], |r| r.get(0))?;
        counts.insert(t, n);
    }
    Ok(counts)
}

/// Checks a database file and counts its rows; opens it read-only and changes nothing.
pub fn check_file(path: &Path) -> DbResult<BTreeMap<String, i64>> {
    let conn = open_existing(path, true)
        .map_err(|e| DbError::Integrity { path: path.to_path_buf(), report: e.to_string() })?;
    integrity_check(&conn, path)?;
    row_counts(&conn).map_err(|e| DbError::Integrity { path: path.to_path_buf(), report: e.to_string() })
}

/// Whether a file starts with SQLite's header.
pub fn is_sqlite_file(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 16];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_ok() && &head == b"SQLite format 3\0"
}
