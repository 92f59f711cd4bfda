//! `remove <service>` (alias `rm`).

/// Arguments of `remove`.
#[derive(Debug, clap::Args)]
pub struct RemoveArgs {
    /// Service name.
    pub service: String,
}
