//! The `zen-miner` binary: online backup under continuous writes, verify, graceful shutdown.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_zen-miner");

fn zen_miner(db: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear().env("DATABASE_PATH", db).env("KAMAL_VERSION", "v1");
    cmd
}

#[test]
fn backup_under_continuous_writes_holds_every_row_committed_before_it_began() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("production.sqlite3");
    let db = zen_miner::db::Db::open(&db_path).unwrap();
    let filler = "z".repeat(300);
    for i in 0..20_000 {
        db.insert(&format!("prefill {i} {filler}")).unwrap();
    }
    db.close().unwrap();

    // Another process's worth of writer: its own connection, committing row after row.
    let committed = Arc::new(AtomicI64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (committed, stop, path) = (Arc::clone(&committed), Arc::clone(&stop), db_path.clone());
        std::thread::spawn(move || {
            let db = zen_miner::db::Db::open(&path).unwrap();
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                let id = db.insert(&format!("live {n}")).unwrap();
                committed.store(id, Ordering::SeqCst);
                n += 1;
            }
            db.close().unwrap();
        })
    };
    while committed.load(Ordering::SeqCst) < 20_050 {
        std::thread::sleep(Duration::from_millis(5));
    }

    let before = committed.load(Ordering::SeqCst);
    let output = zen_miner(&db_path).arg("backup").output().unwrap();
    let during = committed.load(Ordering::SeqCst);
    eprintln!("committed before the backup: {before}, when it ended: {during}");
    std::thread::sleep(Duration::from_millis(100));
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let backup = stdout.split_whitespace().nth(1).map(std::path::PathBuf::from).unwrap();
    let name = backup.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("backup-") && name.ends_with("-v1.sqlite3"), "{name}");
    assert_eq!(backup.parent().unwrap(), dir.path());
    assert!(during > before, "the writer kept committing while the backup ran");

    // Nothing else was left next to the data: no partial file, no journal of the copy.
    let mut names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, vec![name.clone(), "production.sqlite3".to_string()], "{names:?}");

    let conn = rusqlite::Connection::open_with_flags(&backup, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "delete", "the backup is one self-contained file");
    let held: i64 = conn.query_row("SELECT count(*) FROM entries WHERE id <= ?1", [before], |r| r.get(0)).unwrap();
    assert_eq!(held, before, "every row committed before the backup began is in it");
    let max: i64 = conn.query_row("SELECT max(id) FROM entries", [], |r| r.get(0)).unwrap();
    let total: i64 = conn.query_row("SELECT count(*) FROM entries", [], |r| r.get(0)).unwrap();
    assert_eq!(total, max, "a consistent snapshot: ids 1..=max, no holes");
    assert!(stdout.contains(&format!("({total} rows")), "{stdout}");

    let verified = zen_miner(&db_path).args(["verify", backup.to_str().unwrap()]).output().unwrap();
    assert!(verified.status.success());
    assert!(String::from_utf8_lossy(&verified.stdout).contains("integrity ok"));
}

#[test]
fn a_failed_backup_leaves_no_file_and_verify_refuses_damage() {
    let dir = tempfile::tempdir().unwrap();
    let missing = zen_miner(&dir.path().join("none.sqlite3")).arg("backup").output().unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no database"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    let first_deploy = zen_miner(&dir.path().join("none.sqlite3")).args(["backup", "--if-exists"]).output().unwrap();
    assert!(first_deploy.status.success());
    assert!(String::from_utf8_lossy(&first_deploy.stdout).contains("nothing to back up"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

    let damaged = dir.path().join("backup-damaged.sqlite3");
    std::fs::write(&damaged, "SQLite format 3\0 but nothing after it".repeat(200)).unwrap();
    let verified = zen_miner(&damaged).args(["verify", damaged.to_str().unwrap()]).output().unwrap();
    assert!(!verified.status.success());
}

#[test]
fn sigterm_finishes_the_request_in_flight_then_checkpoints_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("production.sqlite3");
    let mut child = zen_miner(&db_path)
        .env("PORT", "0")
        .env("BIND", "127.0.0.1")
        .env("KAMAL_VERSION", "v2")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr: SocketAddr = first.split("listening on ").nth(1).unwrap().split(',').next().unwrap().parse().unwrap();
    let log = std::thread::spawn(move || lines.map(Result::unwrap).collect::<Vec<_>>());

    assert_eq!(common::request(addr, "GET", "/version", &[], ""), (200, "v2\n".to_string()));
    assert_eq!(common::request(addr, "POST", "/entries", &[("X-Forwarded-For", "198.51.100.7")], "before").0, 201);

    // A request in flight: headers sent, body only half sent when SIGTERM arrives.
    let mut slow = TcpStream::connect(addr).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    slow.write_all(b"POST /entries HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 9\r\n\r\nin-f").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(300));
    assert!(TcpStream::connect(addr).is_err(), "no new connections after SIGTERM");
    slow.write_all(b"light").unwrap();
    let mut reply = String::new();
    slow.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 201"), "{reply}");

    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
    let log = log.join().unwrap();
    assert!(
        log.iter().any(|l| l.starts_with("POST /entries 201") && l.contains("forwarded_for=198.51.100.7")),
        "{log:?}"
    );
    assert!(log.iter().any(|l| l.contains("checkpointed and closed")), "{log:?}");
    assert!(!dir.path().join("production.sqlite3-wal").exists(), "the WAL was checkpointed away");
    let rows: Vec<String> = common::rows(&db_path).into_iter().map(|(_, body)| body).collect();
    assert_eq!(rows, vec!["before", "in-flight"]);
}
