//! Arguments of the deploy-shaped top-level commands: `setup`, `deploy`, `redeploy`,
//! `rollback`, `remove` and `upgrade`.

use clap::Args;

/// Options of `setup`, `deploy` and `redeploy`.
#[derive(Debug, Clone, Args)]
pub struct DeployArgs {
    /// Build and push no image; pull the existing one on the servers
    #[arg(short = 'P', long)]
    pub skip_push: bool,

    /// Build without Docker's build cache
    #[arg(long)]
    pub no_cache: bool,

    /// Take no backup of the SQLite database before deploying (Tug only)
    #[arg(long)]
    pub skip_backup: bool,
}

/// Arguments of `rollback`.
#[derive(Debug, Clone, Args)]
pub struct RollbackArgs {
    /// The app version to return to (Kamal requires it; Tug will offer the previous one)
    #[arg(value_name = "VERSION")]
    pub target_version: Option<String>,
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
