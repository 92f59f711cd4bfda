//! The tool against real SQLite files: backups under continuous writes, corrupted backups,
//! killed backups, restores with WAL files about, retention.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

use rusqlite::{Connection, params};
use tug_db::{BackupOptions, DbError, Manifest};

const BIN: &str = env!("CARGO_BIN_EXE_tug-db");

/// A WAL-mode database like the app's, with `rows` rows of `size` random bytes.
fn app_db(path: &Path, rows: i64, size: i64) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(())).unwrap();
    conn.execute_batch("CREATE TABLE IF NOT EXISTS entries (id INTEGER PRIMARY KEY, body BLOB NOT NULL); CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, t TEXT);").unwrap();
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) INSERT INTO entries (body) SELECT randomblob(?2) FROM n",
        params![rows, size],
    )
    .unwrap();
    conn
}

fn count(path: &Path, table: &str) -> i64 {
    let conn = Connection::open(path).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
}

fn decompressed(backup: &Path, dir: &Path) -> PathBuf {
    let out = dir.join("decompressed.sqlite3");
    tug_db::files::decompress(backup, &out).unwrap();
    out
}

#[test]
fn backup_under_continuous_writes_holds_every_row_committed_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("production.sqlite3");
    drop(app_db(&db, 20_000, 500));
    let last = Arc::new(AtomicI64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (db, last, stop) = (db.clone(), last.clone(), stop.clone());
        std::thread::spawn(move || {
            let conn = Connection::open(&db).unwrap();
            conn.busy_timeout(Duration::from_secs(5)).unwrap();
            let mut writes = 0u64;
            while !stop.load(Ordering::SeqCst) {
                conn.execute("INSERT INTO notes (t) VALUES ('x')", []).unwrap();
                last.store(conn.last_insert_rowid(), Ordering::SeqCst);
                writes += 1;
            }
            writes
        })
    };
    while last.load(Ordering::SeqCst) < 200 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let committed_before = last.load(Ordering::SeqCst);
    let report = tug_db::backup(&db, &dir.path().join("backups"), &BackupOptions::default()).unwrap();
    let after = last.load(Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    let writes = writer.join().unwrap();
    assert!(writes > 200);

    let verified = tug_db::verify(&report.path).unwrap();
    assert_eq!(verified.tables["entries"], 20_000);
    let copy = decompressed(&report.path, dir.path());
    let conn = Connection::open(&copy).unwrap();
    let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
    // Every row committed before the backup began is there, without gaps.
    let (n, max): (i64, i64) = conn
        .query_row("SELECT count(*), max(id) FROM notes WHERE id <= ?1", [committed_before], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((n, max), (committed_before, committed_before));
    let total: i64 = conn.query_row("SELECT count(*) FROM notes", [], |r| r.get(0)).unwrap();
    assert!(total >= committed_before && total <= after, "{committed_before} <= {total} <= {after}");
    assert_eq!(verified.tables["notes"], total);
    // The backup is one self-contained file in rollback mode.
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "delete");
}

#[test]
fn names_manifest_and_listing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("production.sqlite3");
    drop(app_db(&db, 10, 10));
    let backups = dir.path().join("b");
    let r =
        tug_db::backup(&db, &backups, &BackupOptions { version: Some("abc/123".into()), ..BackupOptions::default() })
            .unwrap();
    let name = r.path.file_name().unwrap().to_str().unwrap().to_string();
    assert!(name.starts_with("production-2"), "{name}");
    assert!(name.ends_with("Z-abc123.sqlite3.zst"), "{name}");
    let m = Manifest::read_for(&r.path).unwrap();
    assert_eq!(m.tables["entries"], 10);
    assert_eq!(m.version.as_deref(), Some("abc/123"));
    assert_eq!(tug_db::files::sha256_file(&r.path).unwrap(), (m.sha256.clone(), m.bytes));
    let listing = tug_db::list(&backups).unwrap();
    assert_eq!(listing.backups.len(), 1);
    assert!(listing.partials.is_empty() && listing.orphans.is_empty());
    // Nothing but the backup and its manifest is left.
    let mut files: Vec<String> =
        std::fs::read_dir(&backups).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    files.sort();
    assert_eq!(files, vec![name.clone(), format!("{name}.json")]);
}

#[test]
fn a_missing_database_is_an_error_and_no_backup() {
    let dir = tempfile::tempdir().unwrap();
    let err = tug_db::backup(&dir.path().join("nope.sqlite3"), dir.path(), &BackupOptions::default()).unwrap_err();
    assert!(matches!(err, DbError::Missing(_)), "{err}");
    let out = Command::new(BIN)
        .args(["backup", "nope.sqlite3", "--dir", "b", "--if-exists"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let summary = tug_db::parse_summary(&String::from_utf8_lossy(&out.stdout)).unwrap();
    assert_eq!(summary["skipped"], true);
}

fn flip(path: &Path, at: usize, len: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    let at = at.min(bytes.len().saturating_sub(len));
    for b in &mut bytes[at..at + len] {
        *b ^= 0x5A;
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_corrupted_backup_fails_verify_and_is_refused_by_restore() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("app.sqlite3");
    drop(app_db(&db, 2000, 300));
    let backups = dir.path().join("backups");
    let good = tug_db::backup(&db, &backups, &BackupOptions::default()).unwrap();
    let bad = tug_db::backup(&db, &backups, &BackupOptions::default()).unwrap();
    let len = std::fs::metadata(&bad.path).unwrap().len() as usize;
    flip(&bad.path, len / 2, 16);

    let err = tug_db::verify(&bad.path).unwrap_err();
    assert!(matches!(err, DbError::Mismatch { .. }), "{err}");
    assert!(tug_db::verify(&good.path).is_ok());

    // Through the binary: exit 1 and a summary that says why.
    let out = Command::new(BIN).arg("verify").arg(&bad.path).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let summary = tug_db::parse_summary(&String::from_utf8_lossy(&out.stdout)).unwrap();
    assert_eq!((summary["ok"].as_bool(), summary["kind"].as_str()), (Some(false), Some("checksum")));

    // Restore refuses it and changes nothing (no safety backup either).
    let target = dir.path().join("other.sqlite3");
    drop(app_db(&target, 7, 10));
    let err = tug_db::restore(&bad.path, &target, &backups).unwrap_err();
    assert!(err.to_string().contains("refusing to restore"), "{err}");
    assert_eq!(count(&target, "entries"), 7);
    assert_eq!(tug_db::list(&backups).unwrap().backups.len(), 2);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn damage_inside_the_database_is_caught_even_with_a_matching_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("app.sqlite3");
    drop(app_db(&db, 3000, 300));
    let backups = dir.path().join("backups");
    let r = tug_db::backup(&db, &backups, &BackupOptions::default()).unwrap();
    // Damage the database inside, recompress, and rewrite the manifest's checksum to match.
    let inner = decompressed(&r.path, dir.path());
    let len = std::fs::metadata(&inner).unwrap().len() as usize;
    flip(&inner, len / 3, 4096);
    let (sha256, bytes) = tug_db::files::compress(&inner, &r.path, 3).unwrap();
    let mut m = Manifest::read_for(&r.path).unwrap();
    m.sha256 = sha256;
    m.bytes = bytes;
    std::fs::write(Manifest::path_for(&r.path), serde_json::to_vec(&m).unwrap()).unwrap();
    let err = tug_db::verify(&r.path).unwrap_err();
    assert!(matches!(err, DbError::Integrity { .. } | DbError::Mismatch { .. }), "{err}");
    assert!(tug_db::restore(&r.path, &db, &backups).is_err());
    assert_eq!(count(&db, "entries"), 3000);
}

#[test]
fn a_backup_without_its_manifest_is_not_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("app.sqlite3");
    drop(app_db(&db, 5, 5));
    let r = tug_db::backup(&db, dir.path(), &BackupOptions::default()).unwrap();
    std::fs::remove_file(Manifest::path_for(&r.path)).unwrap();
    assert!(matches!(tug_db::verify(&r.path).unwrap_err(), DbError::Missing(_)));
    let listing = tug_db::list(dir.path()).unwrap();
    assert!(listing.backups.is_empty());
    assert_eq!(listing.partials.len(), 1);
}

/// Every file in `dir` that looks like a complete backup verifies.
fn complete_backups_verify(dir: &Path) -> usize {
    let mut complete = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        if !name.starts_with('.') && name.ends_with(".sqlite3.zst") {
            tug_db::verify(&dir.join(&name))
                .unwrap_or_else(|err| panic!("{name} looks complete but does not verify: {err}"));
            complete += 1;
        }
    }
    complete
}

#[test]
fn a_backup_killed_halfway_leaves_no_complete_looking_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("big.sqlite3");
    drop(app_db(&db, 80_000, 1000)); // about 85 MB of incompressible rows
    let mut interrupted = 0;
    let mut finished = 0;
    for (i, delay) in [20u64, 150, 400, 900, 1600, 3000].into_iter().enumerate() {
        let backups = dir.path().join(format!("b{i}"));
        let mut child = Command::new(BIN)
            .arg("backup")
            .arg(&db)
            .arg("--dir")
            .arg(&backups)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let done = child.try_wait().unwrap().is_some();
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let complete = if backups.exists() { complete_backups_verify(&backups) } else { 0 };
        if done || complete == 1 {
            finished += 1;
        } else {
            assert_eq!(complete, 0);
            interrupted += 1;
            if backups.exists() {
                let listing = tug_db::list(&backups).unwrap();
                assert!(listing.backups.is_empty());
            }
        }
    }
    assert!(interrupted >= 1, "no run was interrupted (finished {finished})");
    // The source database is untouched by the killed copies.
    assert_eq!(count(&db, "entries"), 80_000);
}

#[test]
fn restore_swaps_in_the_backup_and_handles_the_wal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("production.sqlite3");
    let backups = dir.path().join("backups");
    drop(app_db(&db, 100, 10));
    let before_deploy = tug_db::backup(
        &db,
        &backups,
        &BackupOptions { version: Some("v1".into()), reason: "pre-deploy".into(), ..BackupOptions::default() },
    )
    .unwrap();

    // The app goes on, and crashes: committed rows sit in its WAL, not yet in the file.
    let crashed = dir.path().join("crashed");
    std::fs::create_dir(&crashed).unwrap();
    let live = crashed.join("production.sqlite3");
    {
        let conn = app_db(&db, 50, 10);
        conn.execute_batch("PRAGMA wal_autocheckpoint = 0; INSERT INTO notes (t) VALUES ('after backup');").unwrap();
        for suffix in ["", "-wal"] {
            std::fs::copy(tug_db::files::with_suffix(&db, suffix), tug_db::files::with_suffix(&live, suffix)).unwrap();
        }
    }
    // (Not opened here: closing a connection would checkpoint the WAL away.)
    assert!(tug_db::files::with_suffix(&live, "-wal").metadata().unwrap().len() > 0);

    let found = tug_db::find_before_deploy(&backups, "v1", Some("production")).unwrap();
    assert_eq!(found.path, before_deploy.path);
    let r = tug_db::restore(&found.path, &live, &backups).unwrap();
    assert_eq!(r.before.as_ref().unwrap()["entries"], 150);
    assert_eq!(r.before.as_ref().unwrap()["notes"], 1);
    assert_eq!(r.after["entries"], 100);
    assert_eq!(r.after["notes"], 0);
    for suffix in ["-wal", "-shm", "-journal"] {
        assert!(!tug_db::files::with_suffix(&live, suffix).exists(), "{suffix} left behind");
    }
    assert_eq!(count(&live, "entries"), 100);
    // The safety backup holds what was there, WAL rows included.
    let safety = r.safety.unwrap();
    let m = tug_db::verify(&safety).unwrap().manifest;
    assert_eq!((m.tables["entries"], m.tables["notes"], m.reason.as_str()), (150, 1, "pre-restore"));
    // No hidden leftovers beside the database.
    let hidden: Vec<_> = std::fs::read_dir(&crashed)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");
}

#[test]
fn restore_refuses_while_the_database_is_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("app.sqlite3");
    let backups = dir.path().join("backups");
    drop(app_db(&db, 10, 10));
    let r = tug_db::backup(&db, &backups, &BackupOptions::default()).unwrap();
    let writer = app_db(&db, 5, 10);
    writer.execute_batch("PRAGMA wal_autocheckpoint = 0;").unwrap();
    writer.execute("INSERT INTO notes (t) VALUES ('x')", []).unwrap();
    let reader = Connection::open(&db).unwrap();
    reader.execute_batch("BEGIN; SELECT count(*) FROM entries;").unwrap();
    writer.execute("INSERT INTO notes (t) VALUES ('y')", []).unwrap();
    let err = tug_db::restore(&r.path, &db, &backups).unwrap_err();
    assert!(matches!(err, DbError::Busy(_)), "{err}");
    reader.execute_batch("COMMIT").unwrap();
    assert_eq!(count(&db, "entries"), 15);
}

#[test]
fn retention_deletes_exactly_the_oldest() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("production.sqlite3");
    let other = dir.path().join("production_cache.sqlite3");
    let backups = dir.path().join("backups");
    drop(app_db(&db, 3, 3));
    drop(app_db(&other, 3, 3));
    let mut made = Vec::new();
    for i in 0..5 {
        made.push(
            tug_db::backup(
                &db,
                &backups,
                &BackupOptions { version: Some(format!("v{i}")), ..BackupOptions::default() },
            )
            .unwrap()
            .path,
        );
    }
    let cache = tug_db::backup(&other, &backups, &BackupOptions::default()).unwrap().path;
    let removed = tug_db::prune(&backups, 2).unwrap();
    let mut expected = made[..3].to_vec();
    expected.reverse();
    assert_eq!(removed, expected, "the three oldest, newest first");
    let left: Vec<PathBuf> = tug_db::list(&backups).unwrap().backups.into_iter().map(|e| e.path).collect();
    assert_eq!(left, vec![cache, made[4].clone(), made[3].clone()]);
    for p in &made[..3] {
        assert!(!Manifest::path_for(p).exists());
    }
    // Through backup --keep: the new one stays, the oldest goes.
    let newest = tug_db::backup(&db, &backups, &BackupOptions { keep: Some(2), ..BackupOptions::default() }).unwrap();
    assert_eq!(newest.pruned, vec![made[3].clone()]);
}

#[test]
fn binary_commands_print_a_summary_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("production.sqlite3");
    drop(app_db(&db, 4, 4));
    let run = |args: &[&str]| {
        let out = Command::new(BIN).args(args).current_dir(dir.path()).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let started = Instant::now();
    let out = run(&["backup", "production.sqlite3", "--dir", "backups", "--version", "v9", "--keep", "3"]);
    let s = tug_db::parse_summary(&out).unwrap();
    assert_eq!(s["command"], "backup");
    assert_eq!(s["manifest"]["tables"]["entries"], 4);
    let file = s["file"].as_str().unwrap().to_string();
    let listing: serde_json::Value = serde_json::from_str(run(&["list", "--dir", "backups", "--json"]).trim()).unwrap();
    assert_eq!(listing["backups"][0]["version"], "v9");
    assert!(tug_db::parse_summary(&run(&["verify", &file])).unwrap()["ok"].as_bool().unwrap());
    let found = tug_db::parse_summary(&run(&["find", "."])).unwrap();
    assert_eq!(found["databases"][0], "./production.sqlite3");
    let r = tug_db::parse_summary(&run(&["restore", &file, "--to", "production.sqlite3"])).unwrap();
    assert_eq!(r["after"]["entries"], 4);
    assert!(r["safety"].as_str().unwrap().contains("pre-restore"));
    let cat = Command::new(BIN).args(["cat", &file]).current_dir(dir.path()).output().unwrap().stdout;
    assert_eq!(cat, std::fs::read(dir.path().join(&file)).unwrap());
    let pruned = tug_db::parse_summary(&run(&["prune", "--dir", "backups", "--keep", "1"])).unwrap();
    assert_eq!(pruned["removed"].as_array().unwrap().len(), 1);
    assert!(started.elapsed() < Duration::from_secs(60));
    let bad = Command::new(BIN).args(["restore", "--to", "x.sqlite3"]).current_dir(dir.path()).output().unwrap();
    assert_eq!(bad.status.code(), Some(1));
}

/// The visible names in a directory.
fn visible(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn a_copy_is_verified_on_arrival_and_a_damaged_one_is_not_put_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("production.sqlite3");
    drop(app_db(&db, 2_000, 300));
    let made = tug_db::backup(&db, &dir.path().join("backups"), &BackupOptions::default()).unwrap();
    let mut stream = Vec::new();
    tug_db::send(&made.path, &mut stream).unwrap();

    let elsewhere = dir.path().join("elsewhere");
    let got = tug_db::receive(&mut stream.as_slice(), &elsewhere, Some(1)).unwrap();
    assert_eq!(got.manifest, made.manifest);
    assert_eq!(std::fs::read(&got.path).unwrap(), std::fs::read(&made.path).unwrap(), "the copy is the same bytes");
    tug_db::verify(&got.path).unwrap();
    let name = made.manifest.file.clone();
    assert_eq!(visible(&elsewhere), vec![name.clone(), format!("{name}.json")]);

    // One byte changed on the way, or the stream cut short: an error, and nothing in place.
    let damaged_dir = dir.path().join("damaged");
    let mut damaged = stream.clone();
    let last = damaged.len() - 10;
    damaged[last] ^= 0x5A;
    let err = tug_db::receive(&mut damaged.as_slice(), &damaged_dir, None).unwrap_err();
    assert!(matches!(err, DbError::Mismatch { .. }), "{err}");
    let cut = &stream[..stream.len() / 2];
    assert!(tug_db::receive(&mut &cut[..], &damaged_dir, None).is_err());
    assert!(visible(&damaged_dir).is_empty(), "no complete-looking copy: {:?}", visible(&damaged_dir));
    assert!(tug_db::list(&damaged_dir).unwrap().partials.is_empty(), "no leftovers after an error");

    // Through the binary: send | receive.
    let via = dir.path().join("via-binary");
    let sent = Command::new(BIN).args(["send"]).arg(&made.path).output().unwrap();
    assert!(sent.status.success());
    let mut receiver = Command::new(BIN)
        .args(["receive", "--keep", "3", "--dir"])
        .arg(&via)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(receiver.stdin.as_mut().unwrap(), &sent.stdout).unwrap();
    let out = receiver.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let summary = tug_db::parse_summary(&String::from_utf8_lossy(&out.stdout)).unwrap();
    assert_eq!(summary["command"], "receive");
    assert_eq!(summary["sha256"], made.manifest.sha256.as_str());
    assert_eq!(visible(&via).len(), 2);
}
