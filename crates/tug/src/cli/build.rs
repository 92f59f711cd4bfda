//! `tug build …`: the application image.

use clap::{Args, Subcommand};

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
