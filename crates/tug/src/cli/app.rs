//! `tug app …`: the application containers on the servers.

use clap::{Args, Subcommand};
use tug_commands::app::ExecOptions;

use super::remote::Remote;
use crate::error::{Error, ExitStatus};
use crate::flows::app;

use super::logs::{GrepOptions, LogArgs};

/// The subcommands of `tug app`.
#[derive(Debug, Subcommand)]
pub enum AppCommand {
    /// Boot the app on the servers (reboot it where it already runs)
    Boot,
    /// Start the existing app containers
    Start,
    /// Stop the app containers
    Stop,
    /// Show the app containers
    Details,
    /// Run a command in an app container on the servers
    Exec(ExecArgs),
    /// List the app containers on the servers
    Containers,
    /// Find app containers left running from older versions
    #[command(name = "stale_containers", alias = "stale-containers")]
    StaleContainers(StaleContainersArgs),
    /// List the app images on the servers
    Images,
    /// Show log lines of the app from the servers
    Logs(AppLogsArgs),
    /// Remove the app containers and images from the servers
    Remove,
    /// Put the app back in service after maintenance
    Live,
    /// Put the app in maintenance mode
    Maintenance(MaintenanceArgs),
    /// Show the app version running on each server
    Version,
    /// Remove the app container of one version
    #[command(name = "remove_container", alias = "remove-container", hide = true)]
    RemoveContainer(RemoveContainerArgs),
    /// Remove every app container
    #[command(name = "remove_containers", alias = "remove-containers", hide = true)]
    RemoveContainers,
    /// Remove every app image
    #[command(name = "remove_images", alias = "remove-images", hide = true)]
    RemoveImages,
    /// Remove the app directories
    #[command(name = "remove_app_directories", alias = "remove-app-directories", hide = true)]
    RemoveAppDirectories,
}

/// Arguments of `app exec`.
///
/// Options are recognised anywhere among the command words, as Thor does, so an alias such
/// as `app exec --reuse -r console bin/console` still takes a `-r workers` typed after it;
/// words that start with `-` but are not options of `tug` are part of the command (see
/// [`super::exec_words`]).
#[derive(Debug, Clone, Args)]
pub struct ExecArgs {
    /// Run over SSH with a terminal, for an interactive shell or console
    #[arg(short, long)]
    pub interactive: bool,

    /// Run in the app container that is already running instead of a new one
    #[arg(long, conflicts_with = "detach")]
    pub reuse: bool,

    /// Set an environment variable for the command (repeat for more)
    #[arg(short, long, value_name = "KEY:VALUE", value_parser = parse_env_pair)]
    pub env: Vec<(String, String)>,

    /// Run the command in a detached container
    #[arg(long, conflicts_with = "interactive")]
    pub detach: bool,

    /// Print the command's output as it is, without host prefixes
    #[arg(long, conflicts_with_all = ["interactive", "detach"])]
    pub raw: bool,

    /// The command to run; its words are joined with spaces
    #[arg(value_name = "CMD", required = true, num_args = 1..)]
    pub cmd: Vec<String>,
}

/// Splits a Thor hash entry `KEY:VALUE` at its first colon.
pub fn parse_env_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once(':') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("expected KEY:VALUE, found `{s}`")),
    }
}

/// Arguments of `app stale_containers`.
#[derive(Debug, Clone, Args)]
pub struct StaleContainersArgs {
    /// Stop the stale containers found
    #[arg(short, long)]
    pub stop: bool,
}

/// Arguments of `app logs`.
#[derive(Debug, Clone, Args)]
pub struct AppLogsArgs {
    /// Which lines to show.
    #[command(flatten)]
    pub logs: LogArgs,

    /// Extra options for grep.
    #[command(flatten)]
    pub grep: GrepOptions,

    /// Show the logs of this container instead of the running one
    #[arg(long, value_name = "ID")]
    pub container_id: Option<String>,
}

/// Arguments of `app maintenance`.
#[derive(Debug, Clone, Args)]
pub struct MaintenanceArgs {
    /// Seconds to let requests in flight finish (default: `drain_timeout` from the config)
    #[arg(long, value_name = "SECONDS")]
    pub drain_timeout: Option<u64>,

    /// Message shown to visitors during maintenance
    #[arg(long, value_name = "TEXT")]
    pub message: Option<String>,
}

/// Arguments of `app remove_container`.
#[derive(Debug, Clone, Args)]
pub struct RemoveContainerArgs {
    /// The version whose container to remove
    #[arg(value_name = "VERSION", value_parser = tug_config::version::parse_tag)]
    pub target_version: String,
}

/// Runs a `tug app` subcommand.
pub fn dispatch(remote: Remote<'_>, command: &AppCommand) -> Result<ExitStatus, Error> {
    match command {
        AppCommand::Boot => {
            let version = remote.global().app_version.clone();
            remote.run(|ctx| app::boot::boot(ctx, version))
        }
        AppCommand::Start => remote.run(app::start),
        AppCommand::Stop => remote.run(app::stop),
        AppCommand::Details => remote.run(app::details),
        AppCommand::Containers => remote.run(app::containers),
        AppCommand::Images => remote.run(app::images),
        AppCommand::Version => remote.run(app::version),
        AppCommand::StaleContainers(a) => remote.run(|ctx| app::stale_containers(ctx, a.stop)),
        AppCommand::Remove => remote.run(app::remove),
        AppCommand::Live => remote.run(app::live),
        AppCommand::Maintenance(a) => remote.run(|ctx| app::maintenance(ctx, a.drain_timeout, a.message.as_deref())),
        AppCommand::RemoveContainer(a) => remote.run(|ctx| app::remove_container(ctx, &a.target_version)),
        AppCommand::RemoveContainers => remote.run(app::remove_containers),
        AppCommand::RemoveImages => remote.run(app::remove_images),
        AppCommand::RemoveAppDirectories => remote.run(app::remove_app_directories),
        AppCommand::Logs(a) if a.logs.follow => {
            let options = a.logs.options(10, a.grep.grep_options.clone());
            remote.run(|ctx| app::follow_logs(ctx, a.container_id.as_deref(), &options))
        }
        AppCommand::Logs(a) => {
            let options = a.logs.options(100, a.grep.grep_options.clone());
            remote.run(|ctx| app::logs(ctx, a.container_id.as_deref(), &options))
        }
        AppCommand::Exec(a) => {
            let options = ExecOptions { detach: a.detach, env: a.env.clone(), ..ExecOptions::default() };
            if a.interactive {
                let options = ExecOptions { interactive: remote.stdin(), ..options };
                remote.run(|ctx| app::exec_interactive(ctx, &a.cmd, a.reuse, &options))
            } else {
                remote.run(|ctx| app::exec(ctx, &a.cmd, a.reuse, &options))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_env_pair;

    #[test]
    fn env_pair_splits_at_the_first_colon() {
        assert_eq!(parse_env_pair("URL:http://x:1"), Ok(("URL".to_string(), "http://x:1".to_string())));
        assert!(parse_env_pair("NOCOLON").is_err());
        assert!(parse_env_pair(":v").is_err());
    }
}
