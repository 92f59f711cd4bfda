//! The command line, flag for flag kamal-proxy's: `run`, `deploy`, `remove`, `pause`, `stop`,
//! `resume`, `list` and `rollout`. Every command except `run` makes one call over the control
//! socket. Failures print `Error: <message>` and exit 1, as kamal-proxy (cobra) does.

pub mod deploy;
pub mod list;
pub mod pause;
pub mod remove;
pub mod resume;
pub mod rollout;
pub mod run;
pub mod stop;

use std::ffi::OsString;
use std::time::Duration;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Parser, Subcommand};

use crate::control::{Command, Reply, call};
use crate::error::ProxyError;

/// The root command.
#[derive(Debug, Parser)]
#[command(name = "kamal-proxy", about = "HTTP proxy for zero downtime deployments", version)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Commands,
}

/// Every command.
#[derive(Debug, Subcommand)]
pub enum Commands {
    /// Run the server
    Run(run::RunArgs),
    /// Deploy a target host
    Deploy(Box<deploy::DeployCmd>),
    /// Remove the service
    #[command(alias = "rm")]
    Remove(remove::RemoveArgs),
    /// Pause a service
    Pause(pause::PauseArgs),
    /// Stop a service
    Stop(stop::StopArgs),
    /// Resume a service
    Resume(resume::ResumeArgs),
    /// List the services currently running
    #[command(alias = "ls")]
    List(list::ListArgs),
    /// Deploy and manage rollouts
    Rollout(rollout::RolloutArgs),
}

/// A parsed Go boolean (`strconv.ParseBool`): 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False.
pub fn go_bool(s: &str) -> Result<bool, String> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(format!("strconv.ParseBool: parsing \"{s}\": invalid syntax")),
    }
}

/// A parsed Go duration.
pub fn go_duration(s: &str) -> Result<Duration, String> {
    crate::duration::parse(s)
}

/// A parsed Go int64.
pub fn go_int(s: &str) -> Result<i64, String> {
    s.parse().map_err(|_| format!("strconv.ParseInt: parsing \"{s}\": invalid syntax"))
}

/// A parsed Go int used as a port.
pub fn go_port(s: &str) -> Result<u16, String> {
    s.parse().map_err(|_| format!("strconv.ParseInt: parsing \"{s}\": invalid syntax"))
}

/// The process outcome.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Exit code.
    pub code: i32,
    /// Text for stdout.
    pub stdout: String,
    /// Text for stderr.
    pub stderr: String,
}

impl Outcome {
    fn ok(stdout: String) -> Self {
        Self { code: 0, stdout, stderr: String::new() }
    }

    /// A failure, printed as kamal-proxy prints it.
    pub fn error(message: impl std::fmt::Display) -> Self {
        Self { code: 1, stdout: String::new(), stderr: format!("Error: {message}\n") }
    }
}

/// Parses arguments; returns the command or the outcome to print (help, version, errors).
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Cli, Outcome> {
    Cli::try_parse_from(args).map_err(|e| match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            Outcome::ok(e.render().to_string())
        }
        _ => Outcome::error(cobra_message(&e)),
    })
}

fn context(e: &clap::Error, kind: ContextKind) -> Option<String> {
    match e.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => Some(v.join(" ")),
        other => Some(other.to_string()),
    }
}

/// Words a clap error the way cobra/pflag word the same failure.
fn cobra_message(e: &clap::Error) -> String {
    let arg = context(e, ContextKind::InvalidArg).unwrap_or_default();
    let flag = arg.split([' ', '=', '<', '[']).next().unwrap_or("").to_string();
    match e.kind() {
        ErrorKind::UnknownArgument => {
            if flag.starts_with("--") {
                format!("unknown flag: {flag}")
            } else if flag.starts_with('-') {
                format!("unknown shorthand flag: '{}' in {flag}", flag.trim_start_matches('-'))
            } else {
                format!("unknown command \"{flag}\" for \"kamal-proxy\"")
            }
        }
        ErrorKind::InvalidSubcommand => {
            format!(
                "unknown command \"{}\" for \"kamal-proxy\"",
                context(e, ContextKind::InvalidSubcommand).unwrap_or_default()
            )
        }
        ErrorKind::ValueValidation | ErrorKind::InvalidValue => {
            let value = context(e, ContextKind::InvalidValue).unwrap_or_default();
            let reason = e.source().map(ToString::to_string).unwrap_or_else(|| "invalid value".to_string());
            format!("invalid argument \"{value}\" for \"{flag}\" flag: {reason}")
        }
        ErrorKind::NoEquals => format!("flag needs an argument: {flag}"),
        ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => format!("flag needs an argument: {flag}"),
        ErrorKind::TooManyValues => format!(
            "accepts 1 arg(s), received more than 1 ({})",
            context(e, ContextKind::InvalidValue).unwrap_or_default()
        ),
        ErrorKind::MissingRequiredArgument => "accepts 1 arg(s), received 0".to_string(),
        ErrorKind::MissingSubcommand => "a subcommand is required".to_string(),
        _ => e
            .render()
            .to_string()
            .lines()
            .next()
            .unwrap_or("invalid arguments")
            .trim_start_matches("error: ")
            .to_string(),
    }
}

use std::error::Error as _;

/// Runs a parsed command.
pub async fn execute(cli: Cli) -> Outcome {
    match cli.command {
        Commands::Run(args) => run::run(args).await,
        Commands::Deploy(args) => deploy::run(*args).await,
        Commands::Remove(args) => simple(Command::Remove { service: args.service }).await,
        Commands::Pause(args) => pause::run(args).await,
        Commands::Stop(args) => stop::run(args).await,
        Commands::Resume(args) => simple(Command::Resume { service: args.service }).await,
        Commands::List(_) => list::run().await,
        Commands::Rollout(args) => rollout::run(args).await,
    }
}

/// Sends a command and reports success or the server's error.
pub async fn send(command: Command) -> Result<Reply, ProxyError> {
    call(&crate::config::socket_path(), &command).await
}

async fn simple(command: Command) -> Outcome {
    match send(command).await {
        Ok(_) => Outcome::ok(String::new()),
        Err(e) => Outcome::error(e),
    }
}

/// Parses and runs; the entry point of the binary.
pub async fn main(args: Vec<OsString>) -> Outcome {
    match parse(args) {
        Ok(cli) => execute(cli).await,
        Err(outcome) => outcome,
    }
}
