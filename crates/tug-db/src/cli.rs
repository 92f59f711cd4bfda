//! The `tug-db` command line: SQLite backups next to the data. Human lines go to stdout, then
//! one summary line `TUG-DB {json}` (the flows of `tug db` parse it); errors go to stderr too.
//! In the library so that the `tug` binary can be it too (run under the name `tug-db`, as in
//! the helper image Tug makes from itself).
//!
//! Exit codes: 0 done, 1 failed (the summary says why), 2 bad arguments.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::{BackupOptions, DbError, SUMMARY_PREFIX};
use clap::{Parser, Subcommand};
use serde_json::{Value, json};

/// SQLite backups next to the data: consistent online backups, verified restores, retention.
#[derive(Debug, Parser)]
#[command(name = "tug-db", version, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Back up a live database (online backup API), check, compress and checksum it
    Backup {
        /// The database file
        db: PathBuf,
        /// The backup directory
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// The app version, put in the name and manifest
        #[arg(long, value_name = "VERSION")]
        version: Option<String>,
        /// Afterwards keep only the newest N backups of this database
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        keep: Option<u64>,
        /// Why: manual, pre-deploy, pre-restore
        #[arg(long, default_value = "manual")]
        reason: String,
        /// Succeed without a backup when there is no database yet (first deploy)
        #[arg(long)]
        if_exists: bool,
        /// zstd compression level (1-19)
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(i32).range(1..=19))]
        level: i32,
    },
    /// List the complete backups in a directory, newest first
    List {
        /// The backup directory
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// Print the listing as one JSON document
        #[arg(long)]
        json: bool,
    },
    /// Re-check a backup: checksum, decompression, integrity check, row counts
    Verify {
        /// The backup file
        file: PathBuf,
    },
    /// Replace a database with a verified backup (stop the app first)
    Restore {
        /// The backup file (or use --before-deploy)
        file: Option<PathBuf>,
        /// The database to replace
        #[arg(long, value_name = "DB")]
        to: PathBuf,
        /// Where the safety backup of the current database goes (default: the backup's directory)
        #[arg(long, value_name = "DIR")]
        safety_dir: Option<PathBuf>,
        /// Restore the newest backup taken before deploying this version
        #[arg(long, value_name = "VERSION", requires = "dir", conflicts_with = "file")]
        before_deploy: Option<String>,
        /// The backup directory (with --before-deploy)
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Delete all but the newest N backups of each database
    Prune {
        /// The backup directory
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// How many to keep
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        keep: u64,
    },
    /// Find SQLite databases under directories (two levels deep)
    Find {
        /// Where to look
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
    },
    /// Write a file to stdout (how `tug db download` reads from a volume)
    Cat {
        /// The file
        file: PathBuf,
    },
    /// Write a backup as one stream (its manifest, then its bytes) for `receive` elsewhere
    Send {
        /// The backup file
        file: PathBuf,
    },
    /// Read a `send` stream from stdin, verify the copy, put it in place, apply retention
    Receive {
        /// The directory the copy goes to
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// Afterwards keep only the newest N backups of this database there
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        keep: Option<u64>,
    },
}

/// Runs `tug-db` with these arguments (the first is the program's name).
pub fn main_with<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    let command = name(&cli.command);
    match run(cli.command) {
        Ok(summary) => {
            if let Some(summary) = summary {
                let mut s = json!({ "command": command, "ok": true });
                if let (Some(o), Value::Object(extra)) = (s.as_object_mut(), summary) {
                    o.extend(extra);
                }
                println!("{SUMMARY_PREFIX}{s}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tug-db {command}: {e}");
            println!(
                "{SUMMARY_PREFIX}{}",
                json!({ "command": command, "ok": false, "kind": e.kind(), "error": e.to_string() })
            );
            ExitCode::FAILURE
        }
    }
}

fn name(c: &Command) -> &'static str {
    match c {
        Command::Backup { .. } => "backup",
        Command::List { .. } => "list",
        Command::Verify { .. } => "verify",
        Command::Restore { .. } => "restore",
        Command::Prune { .. } => "prune",
        Command::Find { .. } => "find",
        Command::Cat { .. } => "cat",
        Command::Send { .. } => "send",
        Command::Receive { .. } => "receive",
    }
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn counts(tables: &std::collections::BTreeMap<String, i64>) -> String {
    if tables.is_empty() {
        return "no tables".into();
    }
    tables.iter().map(|(t, n)| format!("{t}={n}")).collect::<Vec<_>>().join(", ")
}

fn run(command: Command) -> Result<Option<Value>, DbError> {
    match command {
        Command::Backup { db, dir, version, keep, reason, if_exists, level } => {
            if if_exists && !db.exists() {
                println!("no database at {} yet; nothing to back up", db.display());
                return Ok(Some(json!({ "skipped": true, "database": db })));
            }
            let r = crate::backup(&db, &dir, &BackupOptions { version, reason, keep: keep.map(to_usize), level })?;
            println!(
                "backup {} ({} bytes compressed from {}, {}, integrity ok, sha256 {}) in {:.2}s",
                r.path.display(),
                r.manifest.bytes,
                r.manifest.sqlite_bytes,
                counts(&r.manifest.tables),
                r.manifest.sha256,
                r.seconds
            );
            for p in &r.pruned {
                println!("pruned {}", p.display());
            }
            Ok(Some(json!({
                "file": r.path, "manifest": value(&r.manifest), "pruned": r.pruned,
                "snapshot_seconds": r.snapshot_seconds, "seconds": r.seconds,
            })))
        }
        Command::List { dir, json } => {
            let listing = crate::list(&dir)?;
            if json {
                println!("{}", value(&listing));
                return Ok(None);
            }
            if listing.backups.is_empty() {
                println!("no backups in {}", dir.display());
            }
            for e in &listing.backups {
                let m = &e.manifest;
                println!(
                    "{}  {}  {:>12} bytes  {:<11} {}  {}",
                    m.created_at,
                    m.file,
                    m.bytes,
                    m.reason,
                    m.version.as_deref().unwrap_or("-"),
                    counts(&m.tables)
                );
            }
            for p in &listing.partials {
                println!("incomplete (left by a failed or interrupted backup): {p}");
            }
            Ok(Some(json!({ "dir": dir, "count": listing.backups.len(), "partials": listing.partials })))
        }
        Command::Verify { file } => {
            let r = crate::verify(&file)?;
            println!("verified {}: sha256 ok, decompresses, integrity ok, {}", file.display(), counts(&r.tables));
            Ok(Some(json!({ "file": file, "sha256": r.manifest.sha256, "tables": r.tables })))
        }
        Command::Restore { file, to, safety_dir, before_deploy, dir } => {
            let file = match (file, before_deploy, dir) {
                (Some(f), _, _) => f,
                (None, Some(v), Some(d)) => {
                    crate::find_before_deploy(&d, &v, Some(&crate::catalog::stem_of(&to)))?.path
                }
                _ => {
                    return Err(DbError::Invalid(
                        "name a backup file, or --before-deploy VERSION with --dir DIR".into(),
                    ));
                }
            };
            let safety = safety_dir.unwrap_or_else(|| crate::files::dir_of(&file));
            let r = crate::restore(&file, &to, &safety)?;
            if let Some(s) = &r.safety {
                println!("safety backup of the replaced database: {}", s.display());
            }
            println!("before: {}", r.before.as_ref().map_or_else(|| "no database".to_string(), counts));
            println!("after:  {}", counts(&r.after));
            println!("restored {} to {}", file.display(), to.display());
            Ok(Some(value(&r)))
        }
        Command::Prune { dir, keep } => {
            let removed = crate::prune(&dir, to_usize(keep))?;
            for p in &removed {
                println!("pruned {}", p.display());
            }
            Ok(Some(json!({ "dir": dir, "removed": removed })))
        }
        Command::Find { dirs } => {
            let found: Vec<PathBuf> = dirs.iter().flat_map(|d| find(d, 2)).collect();
            for f in &found {
                println!("{}", f.display());
            }
            Ok(Some(json!({ "databases": found })))
        }
        Command::Cat { file } => {
            let mut f = std::fs::File::open(&file).map_err(crate::error::io("open", &file))?;
            let mut out = std::io::stdout().lock();
            std::io::copy(&mut f, &mut out).map_err(crate::error::io("write out", &file))?;
            out.flush().map_err(crate::error::io("write out", &file))?;
            Ok(None)
        }
        Command::Send { file } => {
            crate::send(&file, &mut std::io::stdout().lock())?;
            Ok(None)
        }
        Command::Receive { dir, keep } => {
            let r = crate::receive(&mut std::io::stdin().lock(), &dir, keep.map(to_usize))?;
            println!(
                "received {} and verified it here (sha256 {}, integrity ok, {})",
                r.path.display(),
                r.manifest.sha256,
                counts(&r.manifest.tables)
            );
            for p in &r.pruned {
                println!("pruned {}", p.display());
            }
            Ok(Some(json!({ "file": r.path, "sha256": r.manifest.sha256, "pruned": r.pruned })))
        }
    }
}

/// SQLite files under `dir` (not hidden, not in hidden directories), `depth` levels deep.
fn find(dir: &Path, depth: u32) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(read) = std::fs::read_dir(dir) else { return found };
    let mut entries: Vec<_> = read.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if crate::files::name_of(&p).starts_with('.') {
            continue;
        }
        if p.is_dir() && depth > 1 {
            found.extend(find(&p, depth - 1));
        } else if p.is_file() && crate::sqlite::is_sqlite_file(&p) {
            found.push(p);
        }
    }
    found
}
