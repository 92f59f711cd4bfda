//! The options every command accepts, before or after it: Kamal's class options, then Tug's.

use std::path::PathBuf;

use clap::{ArgAction, Args};

/// The heading under which global options are listed in every command's help.
const GLOBAL: &str = "Global options";

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
    #[arg(long = "version", value_name = "VERSION", value_parser = tug_config::version::parse_tag, global = true, help_heading = GLOBAL)]
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
    #[arg(short, long, value_name = "DESTINATION", value_parser = tug_config::config::names::parse_destination, global = true, help_heading = GLOBAL)]
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
