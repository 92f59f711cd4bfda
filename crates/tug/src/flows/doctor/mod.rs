//! `tug doctor`: the preflight checklist as one command. Each check gives one [`Check`]: pass,
//! warn, fail or skip ("not checked"), what was found, and how to fix it.
//!
//! - from the files: the configuration loads (the caller loads it), and the advice of
//!   [`tug_config::advice`] (Cloudflare SSL mode against `proxy.ssl`, SQLite volumes on several
//!   hosts);
//! - on the deploying machine: `docker login` to the registry with the configured credentials
//!   (the password goes through stdin, never the command line);
//! - on every host, in parallel with bounded fan-out, each call with a timeout: SSH and Docker
//!   (`docker version`), ports 80/443 free or held by kamal-proxy, free disk where Docker keeps
//!   images and volumes, clock skew against this machine;
//! - for every proxy host name: DNS (does it resolve, and to Cloudflare's ranges?) and an HTTPS
//!   request (certificate and status, Cloudflare's 52x errors explained).
//!
//! The world is reached through [`World`], so tests run every branch without servers.

mod files;
mod host;
mod names;
mod ports;
mod registry;

use std::net::IpAddr;
use std::time::Duration;

use tug_commands::Command;
use tug_config::{Config, Sensitive};
use tug_exec::{ExecError, Output, Target};

use self::files::files;
use self::host::host;
use self::names::{names, proxy_names};
use self::registry::registry;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Fine.
    Pass,
    /// Works, or may work, but deserves a look.
    Warn,
    /// Will stop a deploy (or break the site): `tug doctor` exits 1.
    Fail,
    /// Not checked (offline, or an earlier check failed).
    Skip,
}

impl Status {
    /// `pass`, `warn`, `fail`, `skip`.
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked: `config`, `cloudflare`, `sqlite`, `registry`, `ssh`, `docker`,
    /// `ports`, `disk`, `clock`, `dns`, `tls`.
    pub check: &'static str,
    /// The server or host name it is about.
    pub target: Option<String>,
    /// The outcome.
    pub status: Status,
    /// What was found.
    pub found: String,
    /// How to fix it (none for passes).
    pub fix: Option<String>,
}

impl Check {
    fn new(
        check: &'static str,
        target: Option<&str>,
        status: Status,
        found: impl Into<String>,
        fix: Option<String>,
    ) -> Check {
        Check { check, target: target.map(str::to_string), status, found: found.into(), fix }
    }
    fn pass(check: &'static str, target: Option<&str>, found: impl Into<String>) -> Check {
        Check::new(check, target, Status::Pass, found, None)
    }
    fn warn(check: &'static str, target: Option<&str>, found: impl Into<String>, fix: impl Into<String>) -> Check {
        Check::new(check, target, Status::Warn, found, Some(fix.into()))
    }
    fn fail(check: &'static str, target: Option<&str>, found: impl Into<String>, fix: impl Into<String>) -> Check {
        Check::new(check, target, Status::Fail, found, Some(fix.into()))
    }
    fn skip(check: &'static str, target: Option<&str>, why: impl Into<String>) -> Check {
        Check::new(check, target, Status::Skip, format!("not checked: {}", why.into()), None)
    }
}

/// What the checks need from the world.
pub trait World: Sync {
    /// Runs a command on a host (over SSH) or locally, within `timeout`, with extra
    /// environment for local commands.
    fn run(
        &self,
        target: &Target,
        command: &Command,
        env: &[(String, String)],
        timeout: Duration,
    ) -> Result<Output, ExecError>;
    /// The deploying machine's clock, in Unix seconds.
    fn now(&self) -> i64;
    /// Resolves a host name with the system resolver (bounded in time).
    fn resolve(&self, name: &str) -> Result<Vec<IpAddr>, String>;
}

/// The registry credentials, read from the files and secrets by the caller.
pub struct Credentials {
    /// The user name.
    pub username: Sensitive<String>,
    /// Whether the user name comes from a secret (then it is not shown).
    pub username_secret: bool,
    /// The password or token.
    pub password: Sensitive<String>,
}

/// How to run the checks.
pub struct Options {
    /// Contact nothing: only the checks of the files.
    pub offline: bool,
    /// Limit for each remote or local call.
    pub timeout: Duration,
    /// How many hosts are checked at once.
    pub fanout: usize,
    /// The hosts to check (all of them, or `-h`/`-r` selections).
    pub hosts: Vec<String>,
    /// The configuration files read, for the `config` line.
    pub files: String,
    /// The registry credentials, or why they could not be read.
    pub credentials: Result<Credentials, String>,
}

/// Runs every check and returns the lines in report order: files, registry, each host, then
/// each proxy host name.
pub fn run(config: &Config, world: &dyn World, options: &Options) -> Vec<Check> {
    let mut out = files(config, options);
    if options.offline {
        out.push(Check::skip("registry", None, "--offline"));
        for h in &options.hosts {
            out.push(Check::skip("ssh", Some(h), "--offline (also docker, ports, disk, clock)"));
        }
        for name in proxy_names(config) {
            out.push(Check::skip("dns", Some(&name), "--offline (also tls)"));
        }
        return out;
    }
    let (registry_line, host_lines, name_lines) = std::thread::scope(|s| {
        let registry_job = s.spawn(|| registry(config, world, options));
        let names_job = s.spawn(|| names(config, world, options));
        let hosts =
            tug_exec::fanout::for_each_host(&options.hosts, options.fanout, |h| host(config, world, options, h));
        (
            registry_job.join().unwrap_or_else(|_| Check::skip("registry", None, "the check crashed")),
            hosts,
            names_job.join().unwrap_or_default(),
        )
    });
    out.push(registry_line);
    out.extend(host_lines.into_iter().flatten());
    out.extend(name_lines);
    out
}

/// Whether any check failed.
pub fn failed(checks: &[Check]) -> bool {
    checks.iter().any(|c| c.status == Status::Fail)
}
