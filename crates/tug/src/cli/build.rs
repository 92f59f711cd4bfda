//! `tug build …`: the application image.

use clap::{Args, Subcommand};
use tug_commands::builder::PushOptions;

use super::remote::Remote;
use crate::error::{Error, ExitStatus};
use crate::flows::build;

/// The subcommands of `tug build`.
#[derive(Debug, Subcommand)]
pub enum BuildCommand {
    /// Build and push the image, then pull it on the servers
    Deliver,
    /// Build the image and push it to the registry
    Push(PushArgs),
    /// Pull the image from the registry onto the servers
    Pull,
    /// Create the builder (buildx builder, remote or cloud builder)
    Create,
    /// Remove the builder
    Remove,
    /// Show the builder
    Details,
    /// Build the working directory as it is, tagged `-dirty`, into the local image store
    Dev(DevArgs),
}

/// Arguments of `build push`.
#[derive(Debug, Clone, Args)]
pub struct PushArgs {
    /// Where the build result goes (any exporter type of `docker buildx build --output`)
    #[arg(long, value_name = "EXPORT_TYPE", default_value = "registry")]
    pub output: String,

    /// Build without Docker's build cache
    #[arg(long)]
    pub no_cache: bool,
}

/// Arguments of `build dev`.
#[derive(Debug, Clone, Args)]
pub struct DevArgs {
    /// Where the build result goes (any exporter type of `docker buildx build --output`)
    #[arg(long, value_name = "EXPORT_TYPE", default_value = "docker")]
    pub output: String,

    /// Build without Docker's build cache
    #[arg(long)]
    pub no_cache: bool,
}

/// Runs a `tug build` subcommand.
pub fn dispatch(remote: Remote<'_>, command: &BuildCommand) -> Result<ExitStatus, Error> {
    match command {
        BuildCommand::Deliver => remote.run(|ctx| build::deliver(ctx, &PushOptions::default())),
        BuildCommand::Push(a) => {
            let options = push_options(&a.output, a.no_cache);
            remote.run(|ctx| build::push(ctx, &options))
        }
        BuildCommand::Pull => remote.run(build::pull),
        BuildCommand::Create => remote.run(build::create),
        BuildCommand::Remove => remote.run(build::remove),
        BuildCommand::Details => remote.run(build::details),
        BuildCommand::Dev(a) => {
            let options = push_options(&a.output, a.no_cache);
            remote.run(|ctx| build::dev(ctx, &options))
        }
    }
}

fn push_options(output: &str, no_cache: bool) -> PushOptions {
    PushOptions { export_action: output.to_string(), no_cache, ..PushOptions::default() }
}
