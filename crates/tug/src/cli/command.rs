//! The clap command tree: Kamal 2.12's command line, word for word, plus Tug's own options.
//!
//! Kamal's conventions kept here: `-h` is `--hosts` (help is `--help` or `tug help`),
//! `--version VERSION` picks the app version (Tug's own version is `tug version`), `-H` skips
//! hooks, every global option is accepted before or after the command, a unique prefix of a
//! command selects it (Thor does the same), and an option given twice keeps its last value
//! (what lets an alias's options be overridden by the words typed after it).

use clap::{CommandFactory, Parser, Subcommand};

use super::global::GlobalArgs;
use super::{
    accessory, app, build, completions, config, db, deploy, docs, init, lock, proxy, prune, registry, secrets, server,
};

/// The whole command line of `tug`.
#[derive(Debug, Parser)]
#[command(
    name = "tug",
    bin_name = "tug",
    about = "Deploy web apps to your own servers with zero downtime (a Kamal 2 compatible command line)",
    disable_help_flag = true,
    disable_version_flag = true,
    infer_subcommands = true,
    args_override_self = true,
    max_term_width = 100,
    after_help = "Run `tug help COMMAND` (or `tug COMMAND --help`) for a command's options. \
                  Words that are not commands are looked up in the `aliases:` of the configuration. \
                  Shell completion: `tug completions bash|zsh|fish` prints a script to source."
)]
pub struct Cli {
    /// Options accepted by every command.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Every top-level command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Install Docker where missing, boot the accessories, and deploy the app
    Setup(deploy::DeployArgs),
    /// Build and push the image, then switch every server to the new version
    Deploy(deploy::DeployArgs),
    /// Deploy without bootstrapping servers, booting kamal-proxy or pruning
    Redeploy(deploy::DeployArgs),
    /// Boot an earlier version of the app whose container is still on the servers
    Rollback(deploy::RollbackArgs),
    /// Show the proxy, app and accessory containers
    Details,
    /// Show the audit log of every server
    Audit,
    /// Show the merged configuration (secrets redacted)
    Config(config::ConfigArgs),
    /// Show the configuration reference, or one section of it
    Docs(docs::DocsArgs),
    /// Create config/deploy.yml, .kamal/secrets and sample hooks
    Init(init::InitArgs),
    /// Remove kamal-proxy, the app, the accessories and the registry login from the servers
    Remove(deploy::RemoveArgs),
    /// Move servers set up by Kamal 1.x to Kamal 2 (kamal-proxy, `kamal` network)
    Upgrade(deploy::UpgradeArgs),
    /// Print Tug's version
    Version,
    /// Print a shell completion script: bash, zsh or fish (Tug only)
    Completions(completions::CompletionsArgs),
    /// Check SSH, Docker, registry login, ports, disk and DNS before a deploy (Tug only)
    Doctor,
    /// Manage accessories (databases, caches, search)
    #[command(subcommand)]
    Accessory(accessory::AccessoryCommand),
    /// Manage the application containers
    #[command(subcommand)]
    App(app::AppCommand),
    /// Build the application image
    #[command(subcommand)]
    Build(build::BuildCommand),
    /// Back up, verify, restore and download the app's SQLite database (Tug only)
    #[command(subcommand)]
    Db(db::DbCommand),
    /// Manage the deploy lock
    #[command(subcommand)]
    Lock(lock::LockCommand),
    /// Manage kamal-proxy
    #[command(subcommand)]
    Proxy(proxy::ProxyCommand),
    /// Remove old application images and containers
    #[command(subcommand)]
    Prune(prune::PruneCommand),
    /// Log in to and out of the image registry
    #[command(subcommand)]
    Registry(registry::RegistryCommand),
    /// Fetch, extract and print secrets
    #[command(subcommand)]
    Secrets(secrets::SecretsCommand),
    /// Run commands on the servers, and install Docker on them
    #[command(subcommand)]
    Server(server::ServerCommand),
}

/// The clap command tree, with the settings every subcommand must share.
pub fn command() -> clap::Command {
    propagate(Cli::command())
}

/// Subcommands get no `-h` help flag (`-h` is `--hosts`), resolve unique prefixes, and let a
/// repeated option keep its last value; every long option also answers to its underscore
/// spelling (`--skip_push`), since Thor accepts both.
fn propagate(cmd: clap::Command) -> clap::Command {
    cmd.disable_help_flag(true)
        .infer_subcommands(true)
        .args_override_self(true)
        .mut_args(underscore_alias)
        .mut_subcommands(propagate)
}

fn underscore_alias(arg: clap::Arg) -> clap::Arg {
    match arg.get_long().filter(|l| l.contains('-')) {
        Some(long) => {
            let underscored = long.replace('-', "_");
            arg.alias(underscored)
        }
        None => arg,
    }
}
