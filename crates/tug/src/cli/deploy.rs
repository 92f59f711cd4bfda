//! Arguments of the deploy-shaped top-level commands: `setup`, `deploy`, `redeploy`,
//! `rollback`, `remove` and `upgrade`.

use clap::Args;

use super::global::GlobalArgs;
use crate::flows::deploy::DeployOptions;

/// What `remove` asks before removing.
pub const REMOVE_QUESTION: &str = "This will remove all containers and images. Are you sure?";

/// Options of `setup`, `deploy` and `redeploy`.
#[derive(Debug, Clone, Args)]
pub struct DeployArgs {
    /// Build and push no image; pull the existing one on the servers
    #[arg(short = 'P', long)]
    pub skip_push: bool,

    /// Build without Docker's build cache
    #[arg(long)]
    pub no_cache: bool,

    /// Take no backup of the SQLite database before deploying (Tug only; without it, a backup
    /// that cannot be taken stops the deploy)
    #[arg(long)]
    pub skip_backup: bool,
}

impl DeployArgs {
    /// The flow's options.
    pub fn options(&self) -> DeployOptions {
        DeployOptions { skip_push: self.skip_push, no_cache: self.no_cache, skip_backup: self.skip_backup }
    }
}

/// Arguments of `rollback`.
#[derive(Debug, Clone, Args)]
pub struct RollbackArgs {
    /// The app version to return to (Kamal requires it; Tug will offer the previous one)
    #[arg(value_name = "VERSION", value_parser = tug_config::version::parse_tag)]
    pub target_version: Option<String>,
}

impl RollbackArgs {
    /// The version to roll back to: `rollback --version V` (as the user's spec writes it;
    /// Kamal wants `rollback V`) rolls back to V too. None lists the candidates.
    pub fn version<'a>(&'a self, global: &'a GlobalArgs) -> Option<&'a str> {
        self.target_version.as_deref().or(global.app_version.as_deref())
    }
}

/// Options of `remove`.
#[derive(Debug, Clone, Args)]
pub struct RemoveArgs {
    /// Proceed without asking for confirmation
    #[arg(short = 'y', long)]
    pub confirmed: bool,
}

/// Options of `upgrade`.
#[derive(Debug, Clone, Args)]
pub struct UpgradeArgs {
    /// Proceed without asking for confirmation
    #[arg(short = 'y', long)]
    pub confirmed: bool,

    /// Upgrade one host at a time
    #[arg(long)]
    pub rolling: bool,
}
