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
/// as YAML (with Kamal's `:key` symbols), or as one JSON object on one line with `--json`.
/// Advice about the configuration (Cloudflare SSL modes, SQLite volumes) never goes into the
/// data: warnings go to stderr (not with `-q`); errors always show (as JSON events on stdout
/// with `--json`, before the data) and make the exit status 2.
pub fn run(global: &GlobalArgs, args: &ConfigArgs, env: &mut Environment) -> Result<ExitStatus, Error> {
    let _ = args;
    let config = load_config(global, &env.root)?;
    let view = kamal_view(&config).map_err(Error::Config)?;
    let advice = tug_config::advice::advise(&config);
    let mut failed = false;
    for a in &advice {
        let error = a.level == tug_config::advice::Level::Error;
        failed |= error;
        if error && global.json {
            let _ = writeln!(env.out, "{}", advice_json(a));
        } else if error || !global.quiet {
            let _ = env.err.write_all(advice_text(a).as_bytes());
        }
    }
    let _ = if global.json {
        writeln!(env.out, "{}", serde_json::to_string(&view).unwrap_or_default())
    } else {
        write!(env.out, "{}", kamal_yaml(&view))
    };
    Ok(if failed { ExitStatus::Invalid } else { ExitStatus::Success })
}

/// An error-level piece of advice as a JSON event, shaped as the other error events.
fn advice_json(a: &tug_config::advice::Advice) -> serde_json::Value {
    serde_json::json!({
        "event": "error",
        "message": format!("[{}] {}", a.topic, a.message),
        "help": a.help,
        "exit_status": ExitStatus::Invalid.code(),
    })
}

/// One piece of advice as stderr lines: `warning: [topic] message` (or `error:`), then `help:`.
pub fn advice_text(advice: &tug_config::advice::Advice) -> String {
    let level = match advice.level {
        tug_config::advice::Level::Warning => "warning",
        tug_config::advice::Level::Error => "error",
    };
    format!("{level}: [{}] {}\n  help: {}\n", advice.topic, advice.message, advice.help)
}
