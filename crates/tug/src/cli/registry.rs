//! `tug registry …`: logging in to and out of the image registry (or running a local one).

use clap::{Args, Subcommand};

use super::remote::Remote;
use crate::error::{Error, ExitStatus};
use crate::flows::registry;

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

/// Runs a `tug registry` subcommand (`login` and `logout` are `setup` and `remove` that say so).
pub fn dispatch(remote: Remote<'_>, command: &RegistryCommand) -> Result<ExitStatus, Error> {
    match command {
        RegistryCommand::Setup(s) => remote.run(|ctx| registry::setup(ctx, s.skip_local, s.skip_remote, false)),
        RegistryCommand::Login(s) => remote.run(|ctx| registry::setup(ctx, s.skip_local, s.skip_remote, true)),
        RegistryCommand::Remove(s) => remote.run(|ctx| registry::remove(ctx, s.skip_local, s.skip_remote, false)),
        RegistryCommand::Logout(s) => remote.run(|ctx| registry::remove(ctx, s.skip_local, s.skip_remote, true)),
    }
}
