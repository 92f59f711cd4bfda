//! `tug config`: prints the merged configuration as Kamal does, secrets redacted.

use std::io::Write;

use clap::Args;

use super::psych_yaml::kamal_yaml;
use super::view::kamal_view;
use crate::cli::global::GlobalArgs;
use crate::cli::load::load_config;
use crate::error::{Error, ExitStatus};
use crate::world::Environment;

/// Arguments of `tug config` (none beyond the global options).
#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {}

/// Runs `tug config`: loads the configuration named by `-c`/`-d`, prints Kamal's view of it
/// as YAML (with Kamal's `:key` symbols), or as one JSON object with `--json`. Advice about
/// the configuration (Cloudflare SSL modes, SQLite volumes) goes to stderr, never into the data.
pub fn run(global: &GlobalArgs, args: &ConfigArgs, env: &mut Environment) -> Result<ExitStatus, Error> {
    let _ = args;
    let config = load_config(global, &env.root)?;
    let view = kamal_view(&config).map_err(Error::Config)?;
    if !global.quiet {
        for advice in tug_config::advice::advise(&config) {
            let _ = env.err.write_all(advice_text(&advice).as_bytes());
        }
    }
    let _ = if global.json {
        writeln!(env.out, "{}", serde_json::to_string_pretty(&view).unwrap_or_default())
    } else {
        write!(env.out, "{}", kamal_yaml(&view))
    };
    Ok(ExitStatus::Success)
}

/// One piece of advice as stderr lines: `warning: [topic] message` (or `error:`), then `help:`.
pub fn advice_text(advice: &tug_config::advice::Advice) -> String {
    let level = match advice.level {
        tug_config::advice::Level::Warning => "warning",
        tug_config::advice::Level::Error => "error",
    };
    format!("{level}: [{}] {}\n  help: {}\n", advice.topic, advice.message, advice.help)
}
