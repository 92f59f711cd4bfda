//! `tug lock …`: the deploy lock on the primary host.

use clap::{Args, Subcommand};

use super::remote::Remote;
use crate::error::{Error, ExitStatus};
use crate::flows::lock;

/// The subcommands of `tug lock`.
#[derive(Debug, Subcommand)]
pub enum LockCommand {
    /// Show whether the deploy lock is held, and by whom
    Status,
    /// Take the deploy lock
    Acquire(AcquireArgs),
    /// Give the deploy lock back
    Release,
}

/// Arguments of `lock acquire`.
#[derive(Debug, Clone, Args)]
pub struct AcquireArgs {
    /// Why the lock is held (shown to whoever finds it held)
    #[arg(short, long, value_name = "MESSAGE", required = true)]
    pub message: String,
}

/// Runs a `tug lock` subcommand.
pub fn dispatch(remote: Remote<'_>, command: &LockCommand) -> Result<ExitStatus, Error> {
    match command {
        LockCommand::Status => remote.run(lock::status),
        LockCommand::Acquire(a) => remote.run(|ctx| lock::acquire_manually(ctx, &a.message)),
        LockCommand::Release => remote.run(lock::release_manually),
    }
}
