//! `tug secrets …`: helpers used from `.kamal/secrets` to read secrets from vaults.

use std::io::Write;

use clap::{Args, Subcommand};

use super::global::GlobalArgs;
use super::load::load_config;
use crate::error::{Error, ExitStatus};
use crate::world::Environment;

/// The subcommands of `tug secrets`.
#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Fetch secrets from a vault and print them as JSON
    Fetch(FetchArgs),
    /// Pick one secret out of the JSON printed by `secrets fetch`
    Extract(ExtractArgs),
    /// Print the secrets the configuration would use (for debugging)
    Print,
}

/// Arguments of `secrets fetch`.
#[derive(Debug, Clone, Args)]
pub struct FetchArgs {
    /// The vault adapter (1password, bitwarden, aws_secrets_manager, …)
    #[arg(short, long, value_name = "ADAPTER", required = true)]
    pub adapter: String,

    /// The vault account or user name
    #[arg(long, value_name = "ACCOUNT")]
    pub account: Option<String>,

    /// The vault or folder holding the secrets
    #[arg(long, value_name = "FROM")]
    pub from: Option<String>,

    /// Print the result on one line (used when called from a secrets file)
    #[arg(long, hide = true)]
    pub inline: bool,

    /// The secrets to fetch
    #[arg(value_name = "SECRETS")]
    pub secrets: Vec<String>,
}

/// Arguments of `secrets extract`.
#[derive(Debug, Clone, Args)]
pub struct ExtractArgs {
    /// The secret to pick (its name, or the end of its path)
    #[arg(value_name = "NAME")]
    pub name: String,

    /// The JSON object printed by `secrets fetch`
    #[arg(value_name = "SECRETS")]
    pub secrets: String,

    /// Print the result on one line (used when called from a secrets file)
    #[arg(long, hide = true)]
    pub inline: bool,
}

/// Runs a `tug secrets` subcommand.
pub fn run(global: &GlobalArgs, command: &SecretsCommand, env: &mut Environment) -> Result<ExitStatus, Error> {
    use tug_config::secrets::{self, SystemRunner};
    match command {
        SecretsCommand::Fetch(a) => {
            let results =
                secrets::fetch(&a.adapter, a.account.as_deref(), a.from.as_deref(), &a.secrets, &SystemRunner)?;
            let json = if a.inline { secrets::to_inline_json(&results) } else { secrets::to_json(&results) };
            let _ = writeln!(env.out, "{}", json.expose());
        }
        SecretsCommand::Extract(a) => {
            let _ = writeln!(env.out, "{}", secrets::extract(&a.name, &a.secrets)?.expose());
        }
        SecretsCommand::Print => {
            let config = load_config(global, &env.root)?;
            let store = secrets::Secrets::new(config.root.clone(), config.secrets_path(), config.destination.clone());
            let text = secrets::print(&store)?;
            let _ = writeln!(env.out, "{}", text.expose().trim_end_matches('\n'));
        }
    }
    Ok(ExitStatus::Success)
}
