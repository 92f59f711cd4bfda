//! `resume <service>`.

/// Arguments of `resume`.
#[derive(Debug, clap::Args)]
pub struct ResumeArgs {
    /// Service name.
    pub service: String,
}
