//! `tug doctor`: loads the configuration (an invalid one is reported as every other command
//! reports it, exit 2), runs the checks of [`crate::flows::doctor`] against the real world (SSH
//! through the system OpenSSH client, `docker` and `curl` on this machine, the system
//! resolver), and prints one line per check, or one JSON object per check with `--json`.
//! Exit 1 when any check fails.

use std::io::Write;
use std::net::{IpAddr, ToSocketAddrs};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;
use tug_commands::Command;
use tug_config::registry::Credential;
use tug_config::secrets::Secrets;
use tug_config::{Config, Sensitive};
use tug_exec::ssh::SshRunner;
use tug_exec::{ExecError, Output, RunOptions, Runner, Target};

use super::GlobalArgs;
use super::flow::Environment;
use crate::error::{Error, ExitStatus};
use crate::flows::doctor::{self, Check, Credentials, Options, Status, World};
use crate::specifics::Specifics;

/// How long each remote or local call of a check may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a DNS lookup may take.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// The machine: SSH for hosts, local processes, the system clock and resolver.
struct SystemWorld {
    ssh: SshRunner,
}

impl World for SystemWorld {
    fn run(
        &self,
        target: &Target,
        command: &Command,
        env: &[(String, String)],
        timeout: Duration,
    ) -> Result<Output, ExecError> {
        let mut options = RunOptions::with_timeout(timeout);
        options.env = env.to_vec();
        self.ssh.run(target, command, &options)
    }

    fn now(&self) -> i64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    }

    fn resolve(&self, name: &str) -> Result<Vec<IpAddr>, String> {
        let (tx, rx) = std::sync::mpsc::channel();
        let query = format!("{name}:443");
        // The system resolver cannot be interrupted; a lookup that outlives the limit is left
        // to finish in the background.
        std::thread::spawn(move || {
            let answer =
                query.to_socket_addrs().map(|a| a.map(|s| s.ip()).collect::<Vec<_>>()).map_err(|e| e.to_string());
            let _ = tx.send(answer);
        });
        match rx.recv_timeout(RESOLVE_TIMEOUT) {
            Ok(answer) => answer.map(|mut ips| {
                ips.dedup();
                ips
            }),
            Err(_) => Err(format!("no answer within {}s", RESOLVE_TIMEOUT.as_secs())),
        }
    }
}

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
    json!({"check": c.check, "target": c.target, "status": c.status.name(), "found": c.found, "fix": c.fix})
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

/// Writes the report; the exit status is 1 when a check failed.
pub fn report(checks: &[Check], json: bool, out: &mut dyn Write) -> ExitStatus {
    for c in checks {
        let line = if json { json_line(c).to_string() } else { text_line(c) };
        let _ = writeln!(out, "{line}");
    }
    if !json {
        let _ = writeln!(out, "{}", summary(checks));
    }
    let _ = out.flush();
    if doctor::failed(checks) { ExitStatus::Failure } else { ExitStatus::Success }
}

/// Runs `tug doctor`.
pub fn run(global: &GlobalArgs, mut env: Environment) -> Result<ExitStatus, Error> {
    let mut opts = tug_config::LoadOptions::new(env.root.clone());
    opts.config_file = global.config_file.clone();
    opts.destination = global.destination.clone();
    opts.version = global.app_version.clone();
    let config = tug_config::load(&opts).map_err(Error::Config)?;
    let specifics =
        Specifics::new(&config, global.hosts.as_deref(), global.roles.as_deref(), global.primary).map_err(|e| {
            Error::InvalidArgument { message: e.0, help: Some("`tug config` lists the hosts and roles".into()) }
        })?;
    let mut ssh_options = crate::ssh_options::ssh_options(&config);
    ssh_options.connect_timeout = CALL_TIMEOUT;
    let world = SystemWorld { ssh: SshRunner::new(ssh_options) };
    let fanout = usize::try_from(config.sshkit.max_concurrent_starts()).unwrap_or(30).clamp(1, 30);
    let options = Options {
        offline: global.offline,
        timeout: CALL_TIMEOUT,
        fanout,
        hosts: specifics.hosts.clone(),
        files: files(global),
        credentials: if global.offline { Err("--offline".into()) } else { credentials(&config) },
    };
    let checks = doctor::run(&config, &world, &options);
    Ok(report(&checks, global.json, &mut env.out))
}

/// Before `setup`, `deploy` and `redeploy` (real runs and plans): the SQLite advice as
/// warnings, since deploying a SQLite volume to several hosts splits the data.
pub(crate) fn deploy_warnings(ctx: &crate::context::Context, command: &super::Command) {
    if !matches!(command, super::Command::Setup(_) | super::Command::Deploy(_) | super::Command::Redeploy(_)) {
        return;
    }
    for a in tug_config::advice::advise(ctx.config).into_iter().filter(|a| a.topic == "sqlite") {
        ctx.warn(None, format!("{} ({})", a.message, a.help));
    }
}
