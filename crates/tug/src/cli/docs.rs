//! `tug docs [SECTION]`: the configuration reference.

use clap::Args;

use super::GlobalArgs;
use crate::error::{Error, ExitStatus};

/// Arguments of `tug docs`.
#[derive(Debug, Clone, Args)]
pub struct DocsArgs {
    /// The section to show (accessory, alias, boot, builder, env, logging, output, proxy,
    /// registry, role, servers, ssh, sshkit, and Tug's own x-tug); all of it without one
    #[arg(value_name = "SECTION")]
    pub section: Option<String>,
}

/// Runs `tug docs`: print the reference of `args.section`, or of the whole configuration.
///
/// Not built yet: it arrives with the configuration docs.
pub fn run(global: &GlobalArgs, args: &DocsArgs) -> Result<ExitStatus, Error> {
    let _ = global;
    let page = match &args.section {
        None => tug_config::docs::section("configuration"),
        Some(name) if name.eq_ignore_ascii_case(tug_config::extension::KEY) => Some(tug_config::extension::DOC),
        Some(name) => tug_config::docs::lookup(name),
    };
    match page {
        Some(text) => println!("{}", text.trim_end()),
        // Kamal's exact words, and its exit status (0).
        None => println!("No documentation found for {}", args.section.as_deref().unwrap_or("")),
    }
    Ok(ExitStatus::Success)
}
