//! A small SQL shell on the app's database: what `bin/rails console` and `bin/rails dbconsole`
//! (the spec's `console` and `dbc` aliases) open in this image.
//!
//! Statements end with `;` and may span lines. Rows print tab-separated. `.tables` lists the
//! tables, `.quit` (or end of input) leaves.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use rusqlite::fallible_iterator::FallibleIterator;
use rusqlite::types::ValueRef;
use rusqlite::{Batch, Connection, OpenFlags};

use crate::db::{DbError, connect};

/// Runs the shell on `input`, writing results to `out` and errors to `err`. Returns whether
/// every statement succeeded.
pub fn run(db_path: &Path, input: impl BufRead, out: &mut impl Write, err: &mut impl Write) -> Result<bool, DbError> {
    let conn = connect(db_path, OpenFlags::SQLITE_OPEN_READ_WRITE, Duration::from_secs(5))?;
    let interactive = std::io::stdin().is_terminal();
    let mut pending = String::new();
    let mut ok = true;
    let prompt = |out: &mut dyn Write, pending: &str| {
        if interactive {
            let _ = write!(out, "{}", if pending.is_empty() { "zen-miner> " } else { "      ...> " });
            let _ = out.flush();
        }
    };
    prompt(out, &pending);
    for line in input.lines() {
        let line = line.map_err(|source| DbError::Io { action: "read input".to_string(), source })?;
        let trimmed = line.trim();
        if pending.is_empty() && trimmed.starts_with('.') {
            match trimmed {
                ".quit" | ".exit" => break,
                ".tables" => {
                    ok &= execute(&conn, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name", out, err)
                }
                other => {
                    let _ = writeln!(err, "unknown command {other} (try .tables or .quit)");
                    ok = false;
                }
            }
        } else if !trimmed.is_empty() {
            pending.push_str(&line);
            pending.push('\n');
            if trimmed.ends_with(';') {
                ok &= execute(&conn, &pending, out, err);
                pending.clear();
            }
        }
        prompt(out, &pending);
    }
    if !pending.trim().is_empty() {
        ok &= execute(&conn, &pending, out, err);
    }
    Ok(ok)
}

fn execute(conn: &Connection, sql: &str, out: &mut impl Write, err: &mut impl Write) -> bool {
    match execute_batch(conn, sql, out) {
        Ok(()) => true,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            false
        }
    }
}

fn execute_batch(conn: &Connection, sql: &str, out: &mut impl Write) -> rusqlite::Result<()> {
    let mut batch = Batch::new(conn, sql);
    while let Some(mut stmt) = batch.next()? {
        let columns = stmt.column_count();
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next()? {
            let mut cells = Vec::with_capacity(columns);
            for i in 0..columns {
                cells.push(match row.get_ref(i)? {
                    ValueRef::Null => "NULL".to_string(),
                    ValueRef::Integer(v) => v.to_string(),
                    ValueRef::Real(v) => v.to_string(),
                    ValueRef::Text(v) => String::from_utf8_lossy(v).into_owned(),
                    ValueRef::Blob(v) => format!("<{} bytes>", v.len()),
                });
            }
            let _ = writeln!(out, "{}", cells.join("\t"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_statements_across_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        crate::db::Db::open(&path).unwrap().close().unwrap();
        let input = "INSERT INTO entries (body)\n VALUES ('a'), ('b');\n.tables\nSELECT id, body FROM entries ORDER BY id;\nSELECT nope;\n";
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let ok = run(&path, input.as_bytes(), &mut out, &mut err).unwrap();
        assert!(!ok);
        assert_eq!(String::from_utf8(out).unwrap(), "entries\n1\ta\n2\tb\n");
        assert!(String::from_utf8(err).unwrap().contains("no such column"));
    }
}
