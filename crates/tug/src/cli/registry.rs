//! `tug registry …`: logging in to and out of the image registry (or running a local one).

use clap::{Args, Subcommand};

/// The subcommands of `tug registry`.
#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Start the local registry, or log in to the remote one here and on the servers
    Setup(Sides),
    /// Stop the local registry, or log out of the remote one here and on the servers
    Remove(Sides),
    /// Log in to the remote registry here and on the servers
    Login(Sides),
    /// Log out of the remote registry here and on the servers
    Logout(Sides),
}

/// Which side to leave alone.
#[derive(Debug, Clone, Args)]
pub struct Sides {
    /// Leave this machine alone
    #[arg(short = 'L', long)]
    pub skip_local: bool,

    /// Leave the servers alone
    #[arg(short = 'R', long)]
    pub skip_remote: bool,
}
