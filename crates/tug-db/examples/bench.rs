//! Backup time and writer latency during a backup (run by `bench/run`).
//!
//! `bench SIZE_MB DIR`: makes a WAL-mode database of about SIZE_MB in DIR (rows of hex text,
//! which compresses about 2:1), starts a writer that commits one small row every millisecond
//! (synchronous = FULL, like the example app), measures its commit latency for 3 s without a
//! backup, then during a backup taken with the library, and prints one tab-separated line:
//! size, rows, backup seconds, snapshot seconds, compressed MB, writer p50/p99/max (ms) idle
//! and during the backup, commits during the backup.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::{Connection, params};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn stats(mut v: Vec<f64>) -> (f64, f64, f64, usize) {
    v.sort_by(|a, b| a.total_cmp(b));
    (percentile(&v, 0.5), percentile(&v, 0.99), v.last().copied().unwrap_or(f64::NAN), v.len())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(size), Some(dir)) = (args.get(1).and_then(|s| s.parse::<u64>().ok()), args.get(2)) else {
        return Err("usage: bench SIZE_MB DIR".into());
    };
    let dir = Path::new(dir);
    std::fs::create_dir_all(dir)?;
    let db = dir.join(format!("bench-{size}mb.sqlite3"));
    tug_db::files::remove_sqlite_files(&db);

    // About 1 KB per row on disk: 500 hex characters plus overhead, so ~2100 rows per MB.
    let rows = size * 2100;
    let started = Instant::now();
    {
        let conn = Connection::open(&db)?;
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        conn.execute_batch("CREATE TABLE entries (id INTEGER PRIMARY KEY, body TEXT NOT NULL); CREATE TABLE notes (id INTEGER PRIMARY KEY, t TEXT NOT NULL);")?;
        let batch = 50_000u64;
        let mut done = 0;
        while done < rows {
            let n = batch.min(rows - done);
            conn.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) INSERT INTO entries (body) SELECT hex(randomblob(250)) FROM n",
                params![i64::try_from(n)?],
            )?;
            done += n;
        }
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
    let db_bytes = std::fs::metadata(&db)?.len();
    eprintln!("generated {} MB ({rows} rows) in {:.1}s", db_bytes / 1_000_000, started.elapsed().as_secs_f64());

    let stop = Arc::new(AtomicBool::new(false));
    let during = Arc::new(AtomicBool::new(false));
    let idle: Arc<Mutex<Vec<f64>>> = Arc::default();
    let busy: Arc<Mutex<Vec<f64>>> = Arc::default();
    let writer = {
        let (db, stop, during, idle, busy) = (db.clone(), stop.clone(), during.clone(), idle.clone(), busy.clone());
        std::thread::spawn(move || -> Result<(), rusqlite::Error> {
            let conn = Connection::open(&db)?;
            conn.busy_timeout(Duration::from_secs(5))?;
            conn.execute_batch("PRAGMA synchronous = FULL;")?;
            while !stop.load(Ordering::SeqCst) {
                let t = Instant::now();
                conn.execute("INSERT INTO notes (t) VALUES ('a small write from the app')", [])?;
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                let target = if during.load(Ordering::SeqCst) { &busy } else { &idle };
                if let Ok(mut v) = target.lock() {
                    v.push(ms);
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            Ok(())
        })
    };
    std::thread::sleep(Duration::from_secs(3));
    during.store(true, Ordering::SeqCst);
    let backups = dir.join("backups");
    let report = tug_db::backup(&db, &backups, &tug_db::BackupOptions::default())?;
    during.store(false, Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    writer.join().map_err(|_| "writer panicked")??;

    let (ip50, ip99, imax, _) = stats(idle.lock().map(|v| v.clone()).unwrap_or_default());
    let (bp50, bp99, bmax, writes) = stats(busy.lock().map(|v| v.clone()).unwrap_or_default());
    println!(
        "{}\t{}\t{:.2}\t{:.2}\t{:.1}\t{:.2}/{:.2}/{:.1}\t{:.2}/{:.2}/{:.1}\t{}",
        db_bytes / 1_000_000,
        rows,
        report.seconds,
        report.snapshot_seconds,
        report.manifest.bytes as f64 / 1e6,
        ip50,
        ip99,
        imax,
        bp50,
        bp99,
        bmax,
        writes
    );
    tug_db::files::remove_sqlite_files(&db);
    let _ = std::fs::remove_dir_all(&backups);
    Ok(())
}
