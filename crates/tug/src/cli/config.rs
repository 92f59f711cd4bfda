//! `tug config`: prints the merged configuration as Kamal does, secrets redacted.

use clap::Args;

use super::GlobalArgs;
use crate::config_view::kamal_view;
use crate::error::{Error, ExitStatus};
use crate::yaml_out;

/// Arguments of `tug config` (none beyond the global options).
#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {}

/// Runs `tug config`: loads the configuration named by `-c`/`-d`, prints Kamal's view of it
/// as YAML (with Kamal's `:key` symbols), or as one JSON object with `--json`.
pub fn run(global: &GlobalArgs, args: &ConfigArgs) -> Result<ExitStatus, Error> {
    let _ = args;
    let config = super::load_config(global)?;
    let view = kamal_view(&config).map_err(Error::Config)?;
    if global.json {
        println!("{}", serde_json::to_string_pretty(&view).unwrap_or_default());
    } else {
        print!("{}", yaml_out::kamal_yaml(&view));
    }
    Ok(ExitStatus::Success)
}
