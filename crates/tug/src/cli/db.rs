//! `tug db …` (Tug only): the app's SQLite database — backups taken next to the data while the
//! app keeps writing, verified restores, copies to this machine.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::remote::Remote;
use crate::error::{Error, ExitStatus};
use crate::flows::db;

/// The subcommands of `tug db`.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Back up the database now (online, integrity-checked, compressed, checksummed), then apply retention
    Backup,
    /// List the backups on the database's server, newest first
    List,
    /// Re-check a backup on the server: checksum, decompression, integrity check, row counts
    Verify(FileArgs),
    /// Stop the app, swap a verified backup in (after a safety backup), start the app, report row counts
    Restore(RestoreArgs),
    /// Copy a backup to this machine over SSH and verify it here
    Download(DownloadArgs),
}

/// A backup, by file name (in the backup directory) or path on the server.
#[derive(Debug, Clone, Args)]
pub struct FileArgs {
    /// The backup (see `tug db list`)
    #[arg(value_name = "FILE")]
    pub file: String,
}

/// Arguments of `db restore`.
#[derive(Debug, Clone, Args)]
pub struct RestoreArgs {
    /// The backup (see `tug db list`)
    #[arg(value_name = "FILE", required_unless_present = "before_deploy")]
    pub file: Option<String>,

    /// Restore the backup taken just before this version was deployed
    #[arg(long, value_name = "VERSION", value_parser = tug_config::version::parse_tag, conflicts_with = "file")]
    pub before_deploy: Option<String>,
}

/// Arguments of `db download`.
#[derive(Debug, Clone, Args)]
pub struct DownloadArgs {
    /// The backup (see `tug db list`)
    #[arg(value_name = "FILE")]
    pub file: String,

    /// The local directory to put it in
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub to: PathBuf,
}

/// Runs a `tug db` subcommand.
pub fn dispatch(remote: Remote<'_>, command: &DbCommand) -> Result<ExitStatus, Error> {
    match command {
        DbCommand::Backup => remote.run(db::backup),
        DbCommand::List => remote.run(db::list),
        DbCommand::Verify(a) => remote.run(|ctx| db::verify(ctx, &a.file)),
        DbCommand::Restore(a) => remote.run(|ctx| db::restore(ctx, a.file.as_deref(), a.before_deploy.as_deref())),
        DbCommand::Download(a) => remote.run(|ctx| db::download(ctx, &a.file, &a.to)),
    }
}
