//! `rollout deploy|set|stop <service>`: canary targets and the traffic split.

use std::time::Duration;

use super::{Outcome, go_duration, go_int, send};
use crate::control::Command;
use crate::options::DeploymentOptions;

/// Arguments of `rollout`.
#[derive(Debug, clap::Args)]
pub struct RolloutArgs {
    /// The rollout subcommand.
    #[command(subcommand)]
    pub command: RolloutCommand,
}

/// Rollout subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum RolloutCommand {
    /// Deploy the rollout target
    Deploy(RolloutDeployArgs),
    /// Set traffic split for rollout
    Set(RolloutSetArgs),
    /// Stop the rollout
    Stop(RolloutStopArgs),
}

/// Arguments of `rollout deploy`.
#[derive(Debug, clap::Args)]
pub struct RolloutDeployArgs {
    /// Service name.
    pub service: String,
    /// Target host(s) to deploy
    #[arg(long = "target", value_delimiter = ',')]
    pub target: Vec<String>,
    /// Read-only target host(s) to deploy
    #[arg(long = "read-target", value_delimiter = ',')]
    pub read_target: Vec<String>,
    /// Maximum time to wait for the new target to become healthy
    #[arg(long, value_parser = go_duration, default_value = "30s")]
    pub deploy_timeout: Duration,
    /// Maximum time to allow existing connections to drain before removing old target
    #[arg(long, value_parser = go_duration, default_value = "30s")]
    pub drain_timeout: Duration,
}

/// Arguments of `rollout set`.
#[derive(Debug, clap::Args)]
pub struct RolloutSetArgs {
    /// Service name.
    pub service: String,
    /// Percentage of traffic to send to the new target
    #[arg(long, value_parser = go_int)]
    pub percent: Option<i64>,
    /// Rollout to specific values
    #[arg(long = "list", value_delimiter = ',')]
    pub list: Option<Vec<String>>,
}

/// Arguments of `rollout stop`.
#[derive(Debug, clap::Args)]
pub struct RolloutStopArgs {
    /// Service name.
    pub service: String,
}

/// Runs a rollout subcommand.
pub async fn run(args: RolloutArgs) -> Outcome {
    let command = match args.command {
        RolloutCommand::Deploy(a) => {
            if a.target.is_empty() {
                return Outcome::error("required flag(s) \"target\" not set");
            }
            Command::RolloutDeploy {
                service: a.service,
                target_urls: a.target,
                reader_urls: a.read_target,
                deployment_options: DeploymentOptions {
                    deploy_timeout: a.deploy_timeout,
                    drain_timeout: a.drain_timeout,
                    force: false,
                },
            }
        }
        RolloutCommand::Set(a) => {
            if a.percent.is_none() && a.list.is_none() {
                return Outcome::error("at least one of the flags in the group [percent list] is required");
            }
            Command::RolloutSet {
                service: a.service,
                percentage: a.percent.unwrap_or(0),
                allowlist: a.list.unwrap_or_default(),
            }
        }
        RolloutCommand::Stop(a) => Command::RolloutStop { service: a.service },
    };
    match send(command).await {
        Ok(_) => Outcome::ok(String::new()),
        Err(e) => Outcome::error(e),
    }
}
