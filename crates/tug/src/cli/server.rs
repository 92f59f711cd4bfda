//! `tug server …`: commands on the servers themselves, outside any container.

use clap::{Args, Subcommand};

use super::remote::Remote;
use crate::error::{Error, ExitStatus};
use crate::flows::server;

/// The subcommands of `tug server`.
#[derive(Debug, Subcommand)]
pub enum ServerCommand {
    /// Run a command on the servers
    Exec(ExecArgs),
    /// Install Docker (and curl) where it is missing, and run the `docker-setup` hook
    Bootstrap,
}

/// Arguments of `server exec`. Options are recognised anywhere among the command words.
#[derive(Debug, Clone, Args)]
pub struct ExecArgs {
    /// Run over SSH with a terminal on the primary host, for an interactive shell
    #[arg(short, long)]
    pub interactive: bool,

    /// Print the command's output as it is, without host prefixes
    #[arg(long, conflicts_with = "interactive")]
    pub raw: bool,

    /// The command to run; its words are joined with spaces
    #[arg(value_name = "CMD", required = true, num_args = 1..)]
    pub cmd: Vec<String>,
}

/// Runs a `tug server` subcommand.
pub fn dispatch(remote: Remote<'_>, command: &ServerCommand) -> Result<ExitStatus, Error> {
    match command {
        ServerCommand::Bootstrap => remote.run(server::bootstrap),
        ServerCommand::Exec(a) if a.interactive => remote.run(|ctx| server::exec_interactive(ctx, &a.cmd)),
        ServerCommand::Exec(a) => remote.run(|ctx| server::exec(ctx, &a.cmd)),
    }
}
