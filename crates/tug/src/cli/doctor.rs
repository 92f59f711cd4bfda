//! `tug doctor`: loads the configuration (an invalid one is reported as every other command
//! reports it, exit 2), runs the checks of [`crate::flows::doctor`] against the real world (SSH
//! through the system OpenSSH client, `docker` and `curl` on this machine, the system
//! resolver), and prints one line per check, or one JSON object per check with `--json`, then
//! the result (a summary line, or a `doctor` JSON event).
//! Exit 1 when any check fails.

use std::io::Write;
use std::time::Duration;

use serde_json::json;
use tug_config::registry::Credential;
use tug_config::secrets::Secrets;
use tug_config::{Config, Sensitive};
use tug_exec::ssh::SshRunner;

use super::global::GlobalArgs;
use super::load::load_config;
use crate::error::{Error, ExitStatus};
use crate::flows::doctor::{self, Check, Credentials, Options, Status};
use crate::selection::Selection;
use crate::world::{Environment, SystemWorld};

/// How long each remote or local call of a check may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

fn credential(secrets: &Secrets, c: Option<&Credential>) -> Result<(Sensitive<String>, bool), String> {
    match c {
        Some(c @ Credential::Secret(name)) => {
            c.resolve(secrets).map(|v| (v, true)).map_err(|e| format!("secret `{name}`: {e}"))
        }
        Some(c) => c.resolve(secrets).map(|v| (v, false)).map_err(|e| e.to_string()),
        None => Ok((Sensitive::new(String::new()), false)),
    }
}

fn credentials(config: &Config) -> Result<Credentials, String> {
    let secrets = Secrets::new(config.root.clone(), config.secrets_path(), config.destination.clone());
    let (username, username_secret) = credential(&secrets, config.registry.username.as_ref())?;
    let (password, _) = credential(&secrets, config.registry.password.as_ref())?;
    Ok(Credentials { username, username_secret, password })
}

fn files(global: &GlobalArgs) -> String {
    let base = global.config_file.display().to_string();
    match &global.destination {
        Some(d) => format!("{base} + {}", global.config_file.with_extension(format!("{d}.yml")).display()),
        None => base,
    }
}

/// One check as a text line: status, check, target, what was found, and the fix.
pub fn text_line(c: &Check) -> String {
    let target = c.target.as_ref().map(|t| format!("[{t}] ")).unwrap_or_default();
    let fix = c.fix.as_ref().map(|f| format!(" — fix: {f}")).unwrap_or_default();
    format!("{:<4}  {:<10} {target}{}{fix}", c.status.name().to_ascii_uppercase(), c.check, c.found)
}

/// One check as a JSON object.
pub fn json_line(c: &Check) -> serde_json::Value {
    json!({"event": "check", "check": c.check, "target": c.target, "status": c.status.name(), "found": c.found, "fix": c.fix})
}

fn summary(checks: &[Check]) -> String {
    let count = |s: Status| checks.iter().filter(|c| c.status == s).count();
    format!(
        "doctor: {} passed, {} warning{}, {} failed, {} not checked",
        count(Status::Pass),
        count(Status::Warn),
        if count(Status::Warn) == 1 { "" } else { "s" },
        count(Status::Fail),
        count(Status::Skip)
    )
}

/// The result of the checks as the last JSON line: `{"event": "doctor", "ok", "passed",
/// "warnings", "failed", "not_checked"}`.
pub fn result_json(checks: &[Check]) -> serde_json::Value {
    let count = |s: Status| checks.iter().filter(|c| c.status == s).count();
    json!({
        "event": "doctor",
        "ok": !doctor::failed(checks),
        "passed": count(Status::Pass),
        "warnings": count(Status::Warn),
        "failed": count(Status::Fail),
        "not_checked": count(Status::Skip),
    })
}

/// Writes the report; the exit status is 1 when a check failed.
pub fn report(checks: &[Check], json: bool, out: &mut dyn Write) -> ExitStatus {
    for c in checks {
        let line = if json { json_line(c).to_string() } else { text_line(c) };
        let _ = writeln!(out, "{line}");
    }
    if json {
        let _ = writeln!(out, "{}", result_json(checks));
    } else {
        let _ = writeln!(out, "{}", summary(checks));
    }
    let _ = out.flush();
    if doctor::failed(checks) { ExitStatus::Failure } else { ExitStatus::Success }
}

/// Runs `tug doctor`.
pub fn run(global: &GlobalArgs, mut env: Environment) -> Result<ExitStatus, Error> {
    let config = load_config(global, &env.root)?;
    let selection =
        Selection::new(&config, global.hosts.as_deref(), global.roles.as_deref(), global.primary).map_err(|e| {
            Error::InvalidArgument { message: e.0, help: Some("`tug config` lists the hosts and roles".into()) }
        })?;
    let mut ssh_options = crate::ssh_options::ssh_options(&config);
    ssh_options.connect_timeout = CALL_TIMEOUT;
    let world = SystemWorld::new(SshRunner::new(ssh_options));
    let fanout = usize::try_from(config.sshkit.max_concurrent_starts()).unwrap_or(30).clamp(1, 30);
    let options = Options {
        offline: global.offline,
        timeout: CALL_TIMEOUT,
        fanout,
        hosts: selection.hosts.clone(),
        files: files(global),
        credentials: if global.offline { Err("--offline".into()) } else { credentials(&config) },
    };
    let checks = doctor::run(&config, &world, &options);
    Ok(report(&checks, global.json, &mut env.out))
}
