//! `tug lock …`: the deploy lock on the primary host.

use clap::{Args, Subcommand};

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
