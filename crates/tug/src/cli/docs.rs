//! `tug docs [SECTION]`: the configuration reference.

use clap::Args;

use super::GlobalArgs;
use crate::error::{Error, ExitStatus, Part};

/// Arguments of `tug docs`.
#[derive(Debug, Clone, Args)]
pub struct DocsArgs {
    /// The section to show (accessory, alias, boot, builder, env, logging, output, proxy,
    /// registry, role, servers, ssh, sshkit); all of it without one
    #[arg(value_name = "SECTION")]
    pub section: Option<String>,
}

/// Runs `tug docs`: print the reference of `args.section`, or of the whole configuration.
///
/// Not built yet: it arrives with the configuration docs.
pub fn run(global: &GlobalArgs, args: &DocsArgs) -> Result<ExitStatus, Error> {
    let _ = (global, args);
    Err(Error::not_available("docs", Part::Docs))
}
