//! `tug docs [SECTION]`: the configuration reference.

use std::io::Write;

use clap::Args;

use crate::error::{Error, ExitStatus};
use crate::world::Environment;

/// Arguments of `tug docs`.
#[derive(Debug, Clone, Args)]
pub struct DocsArgs {
    /// The section to show (accessory, alias, boot, builder, env, logging, output, proxy,
    /// registry, role, servers, ssh, sshkit, and Tug's own x-tug); all of it without one
    #[arg(value_name = "SECTION")]
    pub section: Option<String>,
}

/// Runs `tug docs`: print the reference of `args.section`, or of the whole configuration.
pub fn run(args: &DocsArgs, env: &mut Environment) -> Result<ExitStatus, Error> {
    let page = match &args.section {
        None => tug_config::docs::section("configuration"),
        Some(name) if name.eq_ignore_ascii_case(tug_config::x_tug::KEY) => Some(tug_config::x_tug::DOC),
        Some(name) => tug_config::docs::lookup(name),
    };
    let _ = match page {
        Some(text) => writeln!(env.out, "{}", text.trim_end()),
        // Kamal's exact words, and its exit status (0).
        None => writeln!(env.out, "No documentation found for {}", args.section.as_deref().unwrap_or("")),
    };
    Ok(ExitStatus::Success)
}
