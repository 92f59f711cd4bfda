//! The clap command tree: Kamal 2.12's command line, word for word, plus Tug's own options.
//!
//! Kamal's conventions kept here: `-h` is `--hosts` (help is `--help` or `tug help`),
//! `--version VERSION` picks the app version (Tug's own version is `tug version`), `-H` skips
//! hooks, every global option is accepted before or after the command, a unique prefix of a
//! command selects it (Thor does the same), and an option given twice keeps its last value
//! (what lets an alias's options be overridden by the words typed after it).

pub mod accessory;
pub mod aliases;
pub mod app;
pub mod build;
pub mod config;
pub mod db;
pub mod deploy;
pub mod docs;
pub mod doctor;
pub mod flow;
pub mod init;
pub mod lock;
pub mod logs;
pub mod proxy;
pub mod prune;
pub mod registry;
pub mod secrets;
pub mod server;
pub mod thor;
pub mod version;

#[cfg(test)]
mod tests;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use clap::{ArgAction, Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::error::{Error, ExitStatus, Part};

/// The heading under which global options are listed in every command's help.
const GLOBAL: &str = "Global options";

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
                  Words that are not commands are looked up in the `aliases:` of the configuration."
)]
pub struct Cli {
    /// Options accepted by every command.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options accepted by every command, before or after it (Kamal's class options, then Tug's).
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Log in detail (every remote command and its output)
    #[arg(short, long, global = true, help_heading = GLOBAL)]
    pub verbose: bool,

    /// Log only errors
    #[arg(short, long, global = true, help_heading = GLOBAL)]
    pub quiet: bool,

    /// Act on this app version instead of the one derived from git
    #[arg(long = "version", value_name = "VERSION", global = true, help_heading = GLOBAL)]
    pub app_version: Option<String>,

    /// Act only on the primary host
    #[arg(short, long, global = true, help_heading = GLOBAL)]
    pub primary: bool,

    /// Act only on these hosts (comma-separated; `*` matches any text)
    #[arg(short = 'h', long, value_name = "HOSTS", global = true, help_heading = GLOBAL)]
    pub hosts: Option<String>,

    /// Act only on these roles (comma-separated; `*` matches any text)
    #[arg(short, long, value_name = "ROLES", global = true, help_heading = GLOBAL)]
    pub roles: Option<String>,

    /// The configuration file
    #[arg(
        short,
        long,
        value_name = "PATH",
        default_value = "config/deploy.yml",
        global = true,
        help_heading = GLOBAL
    )]
    pub config_file: PathBuf,

    /// Merge the destination's file over the configuration (staging reads deploy.staging.yml)
    #[arg(short, long, value_name = "DESTINATION", global = true, help_heading = GLOBAL)]
    pub destination: Option<String>,

    /// Run no hooks
    #[arg(short = 'H', long, global = true, help_heading = GLOBAL)]
    pub skip_hooks: bool,

    /// When another deploy holds the lock, wait for it instead of failing at once
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub lock_wait: bool,

    /// With --lock-wait, give up after this many seconds
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 900,
        global = true,
        help_heading = GLOBAL
    )]
    pub lock_wait_timeout: u64,

    /// With --lock-wait, check the lock again after this many seconds
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 15,
        global = true,
        help_heading = GLOBAL
    )]
    pub lock_wait_interval: u64,

    /// Print one JSON event per line instead of text (Tug only)
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub json: bool,

    /// Print every command each host would run, secrets redacted, and change nothing (Tug only)
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub dry_run: bool,

    /// Contact no server, registry or vault; fail where one is needed (Tug only)
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub offline: bool,

    /// Print help (`-h` means --hosts, as in Kamal)
    #[arg(long, action = ArgAction::Help, global = true, help_heading = GLOBAL)]
    pub help: Option<bool>,
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

/// A parsed command line, with the command's path as typed (`["app", "stale_containers"]`).
#[derive(Debug)]
pub struct Invocation {
    /// The parsed arguments.
    pub cli: Cli,
    /// Canonical command names from the top down (prefixes and dashed spellings resolved).
    pub path: Vec<String>,
}

impl Invocation {
    /// The command without global options, as shown in messages (`app stale_containers`).
    pub fn command_line(&self) -> String {
        self.path.join(" ")
    }
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

/// Parses `argv` (program name first) without expanding aliases.
pub fn parse(argv: &[String]) -> Result<Invocation, Error> {
    let root = command();
    let argv = thor::command_words_last(argv, &root);
    let matches = root.try_get_matches_from(argv.iter().map(OsString::from))?;
    let mut path = Vec::new();
    let mut level = &matches;
    while let Some((name, sub)) = level.subcommand() {
        path.push(name.to_string());
        level = sub;
    }
    let cli = Cli::from_arg_matches(&matches)?;
    Ok(Invocation { cli, path })
}

/// The process arguments as text; an argument that is not UTF-8 is invalid input.
pub fn args() -> Result<Vec<String>, Error> {
    std::env::args_os()
        .enumerate()
        .map(|(i, arg)| {
            arg.into_string().map_err(|raw| Error::InvalidArgument {
                message: format!("argument {i} is not valid UTF-8: {}", raw.to_string_lossy()),
                help: None,
            })
        })
        .collect()
}

/// Expands an alias from the configuration, if the first word is one, then parses. With no
/// arguments at all, prints the help as `tug help` does (Kamal's default command).
pub fn parse_with_aliases(argv: &[String]) -> Result<Invocation, Error> {
    if argv.len() <= 1 {
        let program = argv.first().cloned().unwrap_or_else(|| "tug".to_string());
        return parse(&[program, "help".to_string()]);
    }
    let argv = aliases::resolve(argv, &builtin_commands(), load_aliases)?;
    parse(&argv)
}

/// Reads the `aliases:` map of the configuration an alias is looked up in.
///
/// Without a configuration file there are no aliases, so an unknown word is reported as an
/// unknown command rather than as a missing file.
fn load_aliases(source: &aliases::AliasSource) -> Result<IndexMap<String, String>, Error> {
    if !Path::new(&source.config_file).exists() {
        return Ok(IndexMap::new());
    }
    let mut opts = tug_config::LoadOptions::new(current_dir());
    opts.config_file = PathBuf::from(&source.config_file);
    opts.destination = source.destination.clone();
    let config = tug_config::load(&opts).map_err(Error::Config)?;
    Ok(config.aliases)
}

fn current_dir() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."))
}

/// Loads the configuration named by `-c`/`-d`/`--version`, every problem reported at once.
pub fn load_config(global: &GlobalArgs) -> Result<tug_config::Config, Error> {
    let mut opts = tug_config::LoadOptions::new(current_dir());
    opts.config_file = global.config_file.clone();
    opts.destination = global.destination.clone();
    opts.version = global.app_version.clone();
    tug_config::load(&opts).map_err(Error::Config)
}

/// Every word that names a built-in command at the top level (names and aliases, `help`
/// included), for alias lookup and suggestions.
pub fn builtin_commands() -> Vec<String> {
    let cmd = command();
    let mut names: Vec<String> = vec!["help".to_string()];
    for sub in cmd.get_subcommands() {
        names.push(sub.get_name().to_string());
        names.extend(sub.get_all_aliases().map(str::to_string));
    }
    names
}

/// Runs a parsed command line.
pub fn run(invocation: &Invocation) -> Result<ExitStatus, Error> {
    run_in(invocation, flow::Environment::system())
}

/// Runs a parsed command line in `env` (tests pass fixed inputs and captured output).
pub fn run_in(invocation: &Invocation, env: flow::Environment) -> Result<ExitStatus, Error> {
    let global = &invocation.cli.global;
    let line = invocation.command_line();
    match &invocation.cli.command {
        Command::Version => version::run(),
        Command::Config(args) => config::run(global, args),
        Command::Docs(args) => docs::run(global, args),
        Command::Init(args) => init::run(global, args),
        Command::Secrets(cmd) => secrets::run(global, cmd),
        Command::Upgrade(_)
        | Command::Proxy(proxy::ProxyCommand::Upgrade(_))
        | Command::Accessory(accessory::AccessoryCommand::Upgrade(_)) => Err(Error::Missing {
            message: format!(
                "`tug {line}` is Kamal's migration from 1.x (Traefik) to 2.0, which Tug does not do: migrate those servers with Kamal 2 first, then use Tug"
            ),
        }),
        Command::Doctor => doctor::run(global, env),
        command if flow::handles(command) => flow::execute(invocation, env),
        _ => Err(Error::not_available(line, Part::CommandsLayer)),
    }
}
