//! `tug accessory …`: the accessories (databases, caches, search) beside the app.
//!
//! `NAME` is an accessory from the configuration, or `all` where the help says so.

use clap::{Args, Subcommand};

use super::remote::Remote;
use crate::error::{Error, ExitStatus};
use crate::flows::accessory;

use super::logs::{GrepOptions, LogArgs};

/// The subcommands of `tug accessory`.
#[derive(Debug, Subcommand)]
pub enum AccessoryCommand {
    /// Boot an accessory on its hosts (NAME `all` boots every accessory)
    Boot(Name),
    /// Upload an accessory's files to its hosts
    #[command(hide = true)]
    Upload(Name),
    /// Create an accessory's directories on its hosts
    #[command(hide = true)]
    Directories(Name),
    /// Replace an accessory's container with a new one (NAME `all` reboots every accessory)
    Reboot(Name),
    /// Start an accessory's existing container
    Start(Name),
    /// Stop an accessory's container
    Stop(Name),
    /// Restart an accessory's container
    Restart(Name),
    /// Show an accessory's container (NAME `all` shows every accessory)
    Details(Name),
    /// Run a command in an accessory's container
    Exec(ExecArgs),
    /// Show log lines of an accessory
    Logs(LogsArgs),
    /// Pull an accessory's image on its hosts
    #[command(name = "pull_image", alias = "pull-image", hide = true)]
    PullImage(Name),
    /// Remove an accessory's container, image and data directory (NAME `all` removes every accessory)
    Remove(RemoveArgs),
    /// Remove an accessory's container
    #[command(name = "remove_container", alias = "remove-container", hide = true)]
    RemoveContainer(Name),
    /// Remove an accessory's image
    #[command(name = "remove_image", alias = "remove-image", hide = true)]
    RemoveImage(Name),
    /// Remove an accessory's uploaded files and data directories
    #[command(name = "remove_service_directory", alias = "remove-service-directory", hide = true)]
    RemoveServiceDirectory(Name),
    /// Restart accessories set up by Kamal 1.x in the `kamal` network
    Upgrade(UpgradeArgs),
}

/// The accessory to act on.
#[derive(Debug, Clone, Args)]
pub struct Name {
    /// The accessory's name from the configuration (or `all`)
    #[arg(value_name = "NAME")]
    pub name: String,
}

/// Arguments of `accessory exec`. Options are recognised anywhere among the command words.
#[derive(Debug, Clone, Args)]
pub struct ExecArgs {
    /// Run over SSH with a terminal, for an interactive shell or console
    #[arg(short, long)]
    pub interactive: bool,

    /// Run in the accessory container that is already running instead of a new one
    #[arg(long)]
    pub reuse: bool,

    /// Print the command's output as it is, without host prefixes
    #[arg(long, conflicts_with = "interactive")]
    pub raw: bool,

    /// The accessory's name from the configuration
    #[arg(value_name = "NAME")]
    pub name: String,

    /// The command to run; its words are joined with spaces
    #[arg(value_name = "CMD", required = true, num_args = 1..)]
    pub cmd: Vec<String>,
}

/// Arguments of `accessory logs`.
#[derive(Debug, Clone, Args)]
pub struct LogsArgs {
    /// The accessory's name from the configuration
    #[arg(value_name = "NAME")]
    pub name: String,

    /// Which lines to show.
    #[command(flatten)]
    pub logs: LogArgs,

    /// Extra options for grep.
    #[command(flatten)]
    pub grep: GrepOptions,
}

/// Arguments of `accessory remove`.
#[derive(Debug, Clone, Args)]
pub struct RemoveArgs {
    /// The accessory's name from the configuration (or `all`)
    #[arg(value_name = "NAME")]
    pub name: String,

    /// Proceed without asking for confirmation
    #[arg(short = 'y', long)]
    pub confirmed: bool,
}

/// Arguments of `accessory upgrade`.
#[derive(Debug, Clone, Args)]
pub struct UpgradeArgs {
    /// The accessory's name from the configuration (or `all`)
    #[arg(value_name = "NAME")]
    pub name: String,

    /// Upgrade one host at a time
    #[arg(long)]
    pub rolling: bool,

    /// Proceed without asking for confirmation
    #[arg(short = 'y', long)]
    pub confirmed: bool,
}

/// What `accessory remove` asks before removing.
const REMOVE_QUESTION: &str =
    "This will remove all containers, images and data directories for the accessory. Are you sure?";

/// Runs a `tug accessory` subcommand.
pub fn dispatch(remote: Remote<'_>, command: &AccessoryCommand) -> Result<ExitStatus, Error> {
    match command {
        AccessoryCommand::Boot(n) => remote.run(|ctx| accessory::boot(ctx, &n.name)),
        AccessoryCommand::Upload(n) => remote.run(|ctx| accessory::upload(ctx, &n.name)),
        AccessoryCommand::Directories(n) => remote.run(|ctx| accessory::directories(ctx, &n.name)),
        AccessoryCommand::Reboot(n) => remote.run(|ctx| accessory::reboot(ctx, &n.name)),
        AccessoryCommand::Start(n) => remote.run(|ctx| accessory::start(ctx, &n.name)),
        AccessoryCommand::Stop(n) => remote.run(|ctx| accessory::stop(ctx, &n.name)),
        AccessoryCommand::Restart(n) => remote.run(|ctx| accessory::restart(ctx, &n.name)),
        AccessoryCommand::Details(n) => remote.run(|ctx| accessory::details(ctx, &n.name)),
        AccessoryCommand::PullImage(n) => remote.run(|ctx| accessory::pull_image(ctx, &n.name)),
        AccessoryCommand::Remove(a) => {
            remote.confirm_unless(a.confirmed, REMOVE_QUESTION).run(|ctx| accessory::remove(ctx, &a.name))
        }
        AccessoryCommand::RemoveContainer(n) => remote.run(|ctx| accessory::remove_container(ctx, &n.name)),
        AccessoryCommand::RemoveImage(n) => remote.run(|ctx| accessory::remove_image(ctx, &n.name)),
        AccessoryCommand::RemoveServiceDirectory(n) => {
            remote.run(|ctx| accessory::remove_service_directory(ctx, &n.name))
        }
        AccessoryCommand::Logs(a) => {
            let options = a.logs.options(100, a.grep.grep_options.clone());
            remote.run(|ctx| accessory::logs(ctx, &a.name, &options))
        }
        AccessoryCommand::Exec(a) if a.interactive => {
            let stdin = remote.stdin();
            remote.run(|ctx| accessory::exec_interactive(ctx, &a.name, &a.cmd, a.reuse, stdin))
        }
        AccessoryCommand::Exec(a) => remote.run(|ctx| accessory::exec(ctx, &a.name, &a.cmd, a.reuse)),
        AccessoryCommand::Upgrade(_) => Err(Error::kamal_1_migration(remote.command_line())),
    }
}
