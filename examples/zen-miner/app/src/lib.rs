//! Zen Miner: the stand-in for the user's Rails app in Tug's examples and lab.
//!
//! A small web app that keeps its rows in SQLite (WAL mode) on the deploy's volume, answers
//! Kamal's health check only when the database really answers, logs one line per request,
//! shuts down cleanly on SIGTERM, and takes consistent online backups of its own database.
//!
//! - [`config`]: settings from the environment.
//! - [`db`]: the database: schema, writer and readers, health probe, online backup, verify.
//! - [`http`]: the routes and the server loop with graceful shutdown.
//! - [`console`]: a line-oriented SQL shell (`bin/rails console` / `dbconsole` in the image).

pub mod config;
pub mod console;
pub mod db;
pub mod http;

/// Writes one line to stdout, ignoring a closed or full stdout (a log line must never take
/// the app down).
pub fn log_line(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
}
