//! `tug prune …`: old application images and containers.

use clap::{Args, Subcommand};

use super::remote::Remote;
use crate::error::{Error, ExitStatus};
use crate::flows::prune;

/// The subcommands of `tug prune`.
#[derive(Debug, Subcommand)]
pub enum PruneCommand {
    /// Remove unused images and stopped containers
    All,
    /// Remove unused images
    Images,
    /// Remove stopped containers except the most recent ones (5 unless configured)
    Containers(ContainersArgs),
}

/// Arguments of `prune containers`.
#[derive(Debug, Clone, Args)]
pub struct ContainersArgs {
    /// How many stopped containers to keep (at least 1; default: `retain_containers`)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub retain: Option<u64>,
}

/// Runs a `tug prune` subcommand.
pub fn dispatch(remote: Remote<'_>, command: &PruneCommand) -> Result<ExitStatus, Error> {
    match command {
        PruneCommand::All => remote.run(prune::all),
        PruneCommand::Images => remote.run(prune::images),
        PruneCommand::Containers(a) => remote.run(|ctx| prune::containers(ctx, a.retain)),
    }
}
