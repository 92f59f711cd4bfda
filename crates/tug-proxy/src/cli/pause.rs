//! `pause <service> [--drain-timeout] [--max-pause]`.

use std::time::Duration;

use super::{Outcome, go_duration, send};
use crate::control::Command;

/// Arguments of `pause`.
#[derive(Debug, clap::Args)]
pub struct PauseArgs {
    /// Service name.
    pub service: String,
    /// How long to allow in-flight requests to complete
    #[arg(long, value_parser = go_duration, default_value = "30s")]
    pub drain_timeout: Duration,
    /// How long to enqueue requests before shedding load
    #[arg(long, value_parser = go_duration, default_value = "30s")]
    pub max_pause: Duration,
}

/// Runs `pause`.
pub async fn run(args: PauseArgs) -> Outcome {
    let command =
        Command::Pause { service: args.service, drain_timeout: args.drain_timeout, pause_timeout: args.max_pause };
    match send(command).await {
        Ok(_) => Outcome::ok(String::new()),
        Err(e) => Outcome::error(e),
    }
}
