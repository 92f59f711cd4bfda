//! `stop <service> [--drain-timeout] [--message]`.

use std::time::Duration;

use super::{Outcome, go_duration, send};
use crate::control::Command;

/// Arguments of `stop`.
#[derive(Debug, clap::Args)]
pub struct StopArgs {
    /// Service name.
    pub service: String,
    /// How long to allow in-flight requests to complete
    #[arg(long, value_parser = go_duration, default_value = "30s")]
    pub drain_timeout: Duration,
    /// Message to display to clients while stopped
    #[arg(long, default_value = "")]
    pub message: String,
}

/// Runs `stop`.
pub async fn run(args: StopArgs) -> Outcome {
    let command = Command::Stop { service: args.service, drain_timeout: args.drain_timeout, message: args.message };
    match send(command).await {
        Ok(_) => Outcome::ok(String::new()),
        Err(e) => Outcome::error(e),
    }
}
