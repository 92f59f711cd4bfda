//! `tug init`: creates a starting configuration in the current directory.

use clap::Args;

use super::GlobalArgs;
use crate::error::{Error, ExitStatus, Part};

/// Arguments of `tug init`.
#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// Also add Kamal to the Gemfile and create a bin/kamal binstub (for Ruby projects)
    #[arg(long)]
    pub bundle: bool,
}

/// Runs `tug init`: write `config/deploy.yml`, `.kamal/secrets` and `.kamal/hooks/*.sample`
/// where they do not exist yet.
///
/// Not built yet: it arrives with project scaffolding.
pub fn run(global: &GlobalArgs, args: &InitArgs) -> Result<ExitStatus, Error> {
    let _ = (global, args);
    Err(Error::not_available("init", Part::Init))
}
