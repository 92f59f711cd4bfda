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

use std::net::IpAddr;
use std::time::Duration;

use tug_commands::Command;
use tug_commands::proxy::ProxyRun;
use tug_commands::shell::single_quote;
use tug_config::advice::{self, Level};
use tug_config::extension::XTug;
use tug_config::{Config, Sensitive};
use tug_exec::{ExecError, Output, Target};

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

/// Free space under which the disk check fails (bytes).
const DISK_FAIL: u64 = 1 << 30;
/// Free space under which the disk check warns (bytes).
const DISK_WARN: u64 = 5 << 30;
/// Clock skew above which the clock check warns (seconds).
const SKEW_WARN: i64 = 5;

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

fn files(config: &Config, options: &Options) -> Vec<Check> {
    let roles: Vec<&str> = config.roles.iter().map(|r| r.name.as_str()).collect();
    let hosts = config.all_hosts();
    let mut out = vec![Check::pass(
        "config",
        None,
        format!(
            "{} is valid: {} host{} ({}), role{} {}",
            options.files,
            hosts.len(),
            if hosts.len() == 1 { "" } else { "s" },
            hosts.join(", "),
            if roles.len() == 1 { "" } else { "s" },
            roles.join(", ")
        ),
    )];
    let advice = advice::advise(config);
    for a in &advice {
        let status = if a.level == Level::Error { Status::Fail } else { Status::Warn };
        out.push(Check::new(a.topic, None, status, a.message.clone(), Some(a.help.clone())));
    }
    let x = XTug::from_config(config);
    if let Some(mode) = x.ssl_mode
        && !advice.iter().any(|a| a.topic == "cloudflare")
    {
        out.push(Check::pass(
            "cloudflare",
            None,
            format!("Cloudflare's {} mode matches the proxy's TLS settings", mode.label()),
        ));
    }
    if !advice.iter().any(|a| a.topic == "sqlite") {
        for role in &config.roles {
            if let Some(volume) = advice::sqlite_volume(config, role, &x) {
                out.push(Check::pass(
                    "sqlite",
                    None,
                    format!(
                        "the SQLite volume `{volume}` of role `{}` is on one server ({})",
                        role.name,
                        role.hosts().join(", ")
                    ),
                ));
            }
        }
    }
    out
}

fn registry(config: &Config, world: &dyn World, options: &Options) -> Check {
    let registry = &config.registry;
    let server = registry.server.clone().unwrap_or_else(|| "Docker Hub".into());
    if registry.is_local() {
        return Check::pass(
            "registry",
            None,
            format!("{server} is a local registry, reached through SSH tunnels: no login needed"),
        );
    }
    let creds = match &options.credentials {
        Ok(c) => c,
        Err(e) => {
            return Check::fail(
                "registry",
                None,
                format!("could not read the registry credentials: {e}"),
                "set the secret named in `registry.password` (e.g. `export KAMAL_REGISTRY_PASSWORD=<Docker Hub access token>`, read by `.kamal/secrets`)",
            );
        }
    };
    if creds.password.expose().is_empty() {
        return Check::fail(
            "registry",
            None,
            "the registry password is empty",
            "set it: for Docker Hub create an access token (Account settings > Personal access tokens, Read & Write) and `export KAMAL_REGISTRY_PASSWORD=…`",
        );
    }
    let cmd = Command::new(["printf '%s' \"$TUG_DOCTOR_REGISTRY_PASSWORD\" | docker login"])
        .args(registry.server.clone().map(|s| single_quote(&s)))
        .arg("-u \"$TUG_DOCTOR_REGISTRY_USER\" --password-stdin");
    let env = vec![
        ("TUG_DOCTOR_REGISTRY_USER".to_string(), creds.username.expose().clone()),
        ("TUG_DOCTOR_REGISTRY_PASSWORD".to_string(), creds.password.expose().clone()),
    ];
    let user = if creds.username_secret { "[REDACTED]".to_string() } else { creds.username.expose().clone() };
    let scrub = |text: String| {
        let mut t = text.replace(creds.password.expose().as_str(), "[REDACTED]");
        if creds.username_secret && !creds.username.expose().is_empty() {
            t = t.replace(creds.username.expose().as_str(), "[REDACTED]");
        }
        t
    };
    match world.run(&Target::Local, &cmd, &env, options.timeout.max(Duration::from_secs(20))) {
        Ok(out) if out.success() => {
            Check::pass("registry", None, format!("`docker login` to {server} as {user} succeeded"))
        }
        Ok(out) => {
            let said = scrub(out.tail(1));
            let lower = said.to_ascii_lowercase();
            if out.status == Some(127) || lower.contains("not found") && lower.contains("docker") {
                Check::fail(
                    "registry",
                    None,
                    "docker is not installed on this machine",
                    "install Docker here: `tug build` needs it to build and push images",
                )
            } else if lower.contains("cannot connect to the docker daemon") {
                Check::fail(
                    "registry",
                    None,
                    format!("Docker is not running on this machine: {said}"),
                    "start Docker Desktop or the docker service, then run `tug doctor` again",
                )
            } else if lower.contains("unauthorized")
                || lower.contains("incorrect username or password")
                || lower.contains("denied")
            {
                Check::fail(
                    "registry",
                    None,
                    format!("{server} refused the login for {user}: {said}"),
                    "check `registry.username` and the token in KAMAL_REGISTRY_PASSWORD (Docker Hub: a personal access token with Read & Write, not the account password)",
                )
            } else if lower.contains("no such host") || lower.contains("dial tcp") || lower.contains("timeout") {
                Check::fail(
                    "registry",
                    None,
                    format!("cannot reach {server} from this machine: {said}"),
                    "check this machine's network and DNS (and `registry.server`)",
                )
            } else {
                Check::fail(
                    "registry",
                    None,
                    format!("`docker login` to {server} failed: {said}"),
                    "run `docker login` here to see why (network, proxy, registry address)",
                )
            }
        }
        Err(e) => Check::fail(
            "registry",
            None,
            format!("`docker login` to {server} could not run: {}", scrub(e.to_string())),
            "check that Docker is installed and the registry is reachable from here",
        ),
    }
}

/// The checks of one host: SSH and Docker first; the others only when SSH works.
fn host(config: &Config, world: &dyn World, options: &Options, h: &str) -> Vec<Check> {
    let target = Target::Host(h.to_string());
    let t = Some(h);
    let mut out = Vec::new();
    let version = Command::new(["docker", "version", "--format", "'{{.Server.Version}}'"]);
    match world.run(&target, &version, &[], options.timeout) {
        Err(ExecError::Unreachable { message, .. }) => {
            out.push(Check::fail(
                "ssh",
                t,
                format!("cannot connect as {}: {message}", config.ssh.user()),
                format!("check that `ssh {}@{h}` works from here (address, port {}, key in the agent or `ssh.keys`, sshd running)", config.ssh.user(), config.ssh.port()),
            ));
            out.push(Check::skip("docker", t, "no SSH connection (also ports, disk, clock)"));
            return out;
        }
        Err(e) => {
            out.push(Check::fail(
                "ssh",
                t,
                e.to_string(),
                format!(
                    "check that `ssh {}@{h} docker version` answers within {}s",
                    config.ssh.user(),
                    options.timeout.as_secs()
                ),
            ));
            out.push(Check::skip("docker", t, "no SSH connection (also ports, disk, clock)"));
            return out;
        }
        Ok(o) => {
            out.push(Check::pass("ssh", t, format!("connected as {}", config.ssh.user())));
            out.push(docker_line(h, &o));
        }
    }
    if let Some(line) = ports(config, world, options, h) {
        out.push(line);
    }
    out.push(disk(config, world, options, h));
    out.push(clock(world, options, h));
    out
}

fn docker_line(h: &str, o: &Output) -> Check {
    let t = Some(h);
    if o.success() {
        let v = o.stdout.trim().to_string();
        let major = v.split('.').next().and_then(|m| m.parse::<u32>().ok()).unwrap_or(0);
        if major > 0 && major < 24 {
            return Check::warn(
                "docker",
                t,
                format!("Docker {v} is older than 24"),
                "upgrade Docker on the host (Tug and kamal-proxy are tested with Docker 24 and newer)",
            );
        }
        return Check::pass("docker", t, format!("Docker {v} is running"));
    }
    let said = o.tail(1);
    let lower = said.to_ascii_lowercase();
    if o.status == Some(127)
        || lower.contains("command not found")
        || lower.contains("not found") && !lower.contains("daemon")
    {
        Check::fail(
            "docker",
            t,
            "Docker is not installed",
            "`tug server bootstrap` installs it (`tug setup` does too), or install docker.io/docker-ce yourself",
        )
    } else if lower.contains("permission denied") {
        Check::fail(
            "docker",
            t,
            format!("the SSH user may not use Docker: {said}"),
            "add the user to the `docker` group (`sudo usermod -aG docker USER`), or deploy as root",
        )
    } else if lower.contains("cannot connect to the docker daemon") || lower.contains("is the docker daemon running") {
        Check::fail(
            "docker",
            t,
            "the Docker daemon is not running",
            "start it on the host: `sudo systemctl enable --now docker`",
        )
    } else {
        Check::fail(
            "docker",
            t,
            format!("`docker version` failed: {said}"),
            "run `docker version` on the host to see why",
        )
    }
}

/// Hosts of roles behind the proxy.
fn proxy_hosts(config: &Config) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for role in config.roles.iter().filter(|r| r.running_proxy()) {
        for h in role.hosts() {
            if !out.contains(&h) {
                out.push(h);
            }
        }
    }
    out
}

/// A listening socket's port and owner, from a line of `ss -ltnp` or `netstat -ltnp`.
fn listener(line: &str, port: &str) -> Option<Option<String>> {
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let local = tokens.iter().find(|t| t.contains(':') && !t.starts_with("users:"))?;
    if local.rsplit(':').next() != Some(port) {
        return None;
    }
    let owner = tokens
        .iter()
        .find_map(|t| t.strip_prefix("users:((\"").and_then(|r| r.split('"').next()))
        .map(str::to_string)
        .or_else(|| {
            tokens.iter().find_map(|t| {
                let (pid, program) = t.split_once('/')?;
                (!pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| program.trim_end_matches(':').to_string())
            })
        });
    Some(owner)
}

fn ports(config: &Config, world: &dyn World, options: &Options, h: &str) -> Option<Check> {
    if !proxy_hosts(config).iter().any(|p| p == h) {
        return None;
    }
    let t = Some(h);
    let run = ProxyRun::for_host(config, h);
    if run.as_ref().is_some_and(|r| !r.publish()) {
        return Some(Check::pass("ports", t, "`proxy.run.publish` is false: the proxy publishes no ports"));
    }
    let wanted =
        run.as_ref().map_or_else(|| vec!["80".to_string(), "443".to_string()], |r| vec![r.http_port(), r.https_port()]);
    let cmd = Command::new([
        "docker ps --filter 'name=^kamal-proxy$' --format '{{.Names}}'; echo tug-listeners;",
        "{ ss -ltnp 2>/dev/null || netstat -ltnp 2>/dev/null || echo tug-no-ss; }",
    ]);
    let out = match world.run(&Target::Host(h.to_string()), &cmd, &[], options.timeout) {
        Ok(o) => o,
        Err(e) => return Some(Check::skip("ports", t, e.to_string())),
    };
    let (proxy, listeners) = out.stdout.split_once("tug-listeners").unwrap_or(("", &out.stdout));
    let proxy_running = proxy.lines().any(|l| l.trim() == "kamal-proxy");
    if listeners.contains("tug-no-ss") {
        let found = if proxy_running {
            "kamal-proxy is running; listeners not checked (neither `ss` nor `netstat` on the host)"
        } else {
            "neither `ss` nor `netstat` on the host: ports not checked"
        };
        return Some(Check::warn("ports", t, found, "install iproute2 (`ss`) on the host to let doctor check ports"));
    }
    let ports_text = wanted.join(" and ");
    let mut taken: Vec<String> = Vec::new();
    for port in &wanted {
        for owner in listeners.lines().filter_map(|l| listener(l, port)) {
            let who = owner.unwrap_or_else(|| "another process".into());
            let docker = who == "docker-proxy" || who == "dockerd";
            if !(proxy_running && docker) {
                let who = if docker { "another Docker container".to_string() } else { who };
                let item = format!("{port} by {who}");
                if !taken.contains(&item) {
                    taken.push(item);
                }
            }
        }
    }
    Some(if taken.is_empty() && proxy_running {
        Check::pass("ports", t, format!("kamal-proxy is running and holds {ports_text}"))
    } else if taken.is_empty() {
        Check::pass("ports", t, format!("{ports_text} are free for kamal-proxy"))
    } else {
        Check::fail(
            "ports",
            t,
            format!(
                "port {} taken{}",
                taken.join(", port "),
                if proxy_running { " (kamal-proxy is running too)" } else { "" }
            ),
            "stop what holds it (e.g. `tug server exec 'systemctl disable --now nginx'`, or `docker ps` on the host for a container), or move the proxy with `proxy.run.http_port`/`https_port`",
        )
    })
}

/// The host paths of bind-mounted volumes (named volumes live under Docker's root).
fn bind_paths(config: &Config, h: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for role in config.roles.iter().filter(|r| r.tagged_hosts.contains_key(h)) {
        for v in advice::role_volumes(config, role) {
            if let Some(src) = v.split(':').next().filter(|s| s.starts_with('/'))
                && !out.iter().any(|o| o == src)
            {
                out.push(src.to_string());
            }
        }
    }
    out
}

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / f64::from(1u32 << 30))
}

fn disk(config: &Config, world: &dyn World, options: &Options, h: &str) -> Check {
    let t = Some(h);
    let mut cmd =
        Command::new(["df -Pk \"$(docker info --format '{{.DockerRootDir}}' 2>/dev/null || echo /var/lib/docker)\""]);
    for p in bind_paths(config, h) {
        cmd = cmd.arg(single_quote(&p));
    }
    let out = match world.run(&Target::Host(h.to_string()), &cmd.arg("2>/dev/null"), &[], options.timeout) {
        Ok(o) => o,
        Err(e) => return Check::skip("disk", t, e.to_string()),
    };
    // POSIX df -P: Filesystem 1024-blocks Used Available Capacity Mounted-on.
    let mut worst: Option<(u64, u64, String)> = None;
    for line in out.stdout.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let (Some(total), Some(avail), Some(mount)) =
            (f.get(1).and_then(|x| x.parse::<u64>().ok()), f.get(3).and_then(|x| x.parse::<u64>().ok()), f.get(5))
        else {
            continue;
        };
        let (total, avail) = (total * 1024, avail * 1024);
        if worst.as_ref().is_none_or(|w| avail < w.0) {
            worst = Some((avail, total, (*mount).to_string()));
        }
    }
    let Some((avail, total, mount)) = worst else {
        return Check::warn(
            "disk",
            t,
            format!("could not read free space (`df` said: {})", out.tail(1)),
            "check free space on the host with `df -h`",
        );
    };
    let found = format!("{} free of {} on {mount} (Docker's images and volumes)", gib(avail), gib(total));
    let fix = "free space: `tug prune all` removes old images and containers; grow the disk for the database volume";
    if avail < DISK_FAIL {
        Check::fail("disk", t, found, fix)
    } else if avail < DISK_WARN || (total > 0 && avail * 10 < total) {
        Check::warn("disk", t, found, fix)
    } else {
        Check::pass("disk", t, found)
    }
}

fn clock(world: &dyn World, options: &Options, h: &str) -> Check {
    let t = Some(h);
    let before = world.now();
    let out = world.run(&Target::Host(h.to_string()), &Command::new(["date", "+%s"]), &[], options.timeout);
    let after = world.now();
    let remote = match out {
        Ok(o) if o.success() => o.stdout.trim().parse::<i64>().ok(),
        Ok(_) => None,
        Err(e) => return Check::skip("clock", t, e.to_string()),
    };
    let Some(remote) = remote else {
        return Check::warn("clock", t, "`date +%s` gave no time", "check the host's clock with `date`");
    };
    let skew = remote - (before + after) / 2;
    let slack = (after - before) / 2 + 1;
    let found = match skew {
        0 => "in step with this machine".to_string(),
        s if s > 0 => format!("{s} s ahead of this machine"),
        s => format!("{} s behind this machine", -s),
    };
    if skew.abs() > SKEW_WARN + slack {
        Check::warn(
            "clock",
            t,
            found,
            "turn on time sync on the host (`timedatectl set-ntp true`, or chrony); skewed clocks break TLS, registry tokens and log order",
        )
    } else {
        Check::pass("clock", t, found)
    }
}

/// The host names the proxy serves (`proxy.host`/`hosts` of every proxied role).
fn proxy_names(config: &Config) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for role in &config.roles {
        for n in role.proxy.as_ref().map(tug_config::proxy::Proxy::hosts).unwrap_or_default() {
            let n = n.trim().to_string();
            if !n.is_empty() && !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

fn names(config: &Config, world: &dyn World, options: &Options) -> Vec<Check> {
    let x = XTug::from_config(config);
    let server_ips: Vec<IpAddr> = config
        .all_hosts()
        .iter()
        .flat_map(|h| h.parse::<IpAddr>().map(|ip| vec![ip]).unwrap_or_else(|_| world.resolve(h).unwrap_or_default()))
        .collect();
    let mut out = Vec::new();
    for name in proxy_names(config) {
        let n = Some(name.as_str());
        let role_proxy =
            config.roles.iter().filter_map(|r| r.proxy.as_ref()).find(|p| p.hosts().iter().any(|h| h.trim() == name));
        let ssl = role_proxy.is_some_and(tug_config::proxy::Proxy::ssl);
        let custom = role_proxy.is_some_and(tug_config::proxy::Proxy::custom_ssl_certificate);
        let ips = match world.resolve(&name) {
            Ok(ips) if !ips.is_empty() => ips,
            Ok(_) | Err(_) => {
                out.push(Check::warn(
                    "dns",
                    n,
                    format!("{name} does not resolve (or this machine has no network)"),
                    "create an A/AAAA record for it pointing at your server (proxied, orange cloud, when Cloudflare is in front)",
                ));
                out.push(Check::skip("tls", n, format!("no network path: {name} does not resolve")));
                continue;
            }
        };
        let shown: Vec<String> = ips.iter().take(3).map(IpAddr::to_string).collect();
        let shown = shown.join(", ");
        let cloudflare = ips.iter().all(|ip| tug_config::cloudflare::is_cloudflare(*ip));
        let direct = ips.iter().all(|ip| server_ips.contains(ip));
        out.push(if cloudflare && ssl && !custom {
            Check::warn(
                "dns",
                n,
                format!("{name} resolves to Cloudflare ({shown}), and `proxy.ssl: true` asks Let's Encrypt for a certificate: TLS-ALPN-01 cannot pass Cloudflare's proxy, only HTTP-01 can"),
                "use a Cloudflare Origin CA certificate as `ssl: {certificate_pem, private_key_pem}` (docs/cloudflare.md)",
            )
        } else if cloudflare {
            Check::pass("dns", n, format!("{name} resolves to Cloudflare ({shown})"))
        } else if x.cloudflare {
            Check::warn(
                "dns",
                n,
                format!("{name} resolves to {shown}, not to Cloudflare, although `x-tug.cloudflare` says Cloudflare is in front"),
                "turn on Cloudflare's proxy (orange cloud) for the record under DNS > Records",
            )
        } else if direct {
            Check::pass("dns", n, format!("{name} resolves straight to your servers ({shown})"))
        } else {
            Check::warn(
                "dns",
                n,
                format!("{name} resolves to {shown}: neither Cloudflare nor one of your servers"),
                "point the record at your servers, or proxy it through Cloudflare",
            )
        });
        if !ssl && !cloudflare {
            out.push(Check::skip(
                "tls",
                n,
                format!("`proxy.ssl` is false and {name} is not behind Cloudflare: nothing serves HTTPS for it"),
            ));
            continue;
        }
        out.push(tls(world, options, &name));
    }
    out
}

fn tls(world: &dyn World, options: &Options, name: &str) -> Check {
    let n = Some(name);
    let secs = options.timeout.as_secs().clamp(1, 10);
    let url = format!("https://{name}/");
    let cmd = Command::new([
        "curl".to_string(),
        "-sS".to_string(),
        "-o".to_string(),
        "/dev/null".to_string(),
        "-I".to_string(),
        "--max-time".to_string(),
        secs.to_string(),
        "-w".to_string(),
        "'%{http_code}'".to_string(),
        single_quote(&url),
    ]);
    let out = match world.run(&Target::Local, &cmd, &[], Duration::from_secs(secs + 5)) {
        Ok(o) => o,
        Err(e) => return Check::skip("tls", n, e.to_string()),
    };
    let said = out.stderr.trim().to_string();
    match out.status {
        Some(0) => {
            let code: u16 = out.stdout.trim().parse().unwrap_or(0);
            match code {
                200..=399 => Check::pass("tls", n, format!("{url} answers {code} with a valid certificate")),
                521 => Check::fail(
                    "tls",
                    n,
                    format!("{url}: Cloudflare error 521, the origin refused the connection"),
                    "deploy the app (`tug setup`) and let Cloudflare reach ports 80/443 of every server",
                ),
                522 | 523 => Check::fail(
                    "tls",
                    n,
                    format!("{url}: Cloudflare error {code}, it cannot reach your servers"),
                    "check the DNS record's address and that the firewall lets Cloudflare's ranges in on 80/443",
                ),
                525 => Check::fail(
                    "tls",
                    n,
                    format!("{url}: Cloudflare error 525, the TLS handshake with your servers failed"),
                    "Cloudflare is in Full or Full (strict) mode but the proxy serves no certificate: set `proxy.ssl` with a Cloudflare Origin CA certificate, or use Flexible (docs/cloudflare.md)",
                ),
                526 => Check::fail(
                    "tls",
                    n,
                    format!(
                        "{url}: Cloudflare error 526, the certificate on your servers is not valid for Full (strict)"
                    ),
                    format!(
                        "use a Cloudflare Origin CA certificate that covers {name} (or a public one), as `proxy.ssl.certificate_pem`/`private_key_pem`"
                    ),
                ),
                0 => Check::warn(
                    "tls",
                    n,
                    format!("{url}: the handshake worked but no status came back"),
                    "run `curl -I` on it to see more",
                ),
                _ => Check::warn(
                    "tls",
                    n,
                    format!("{url}: valid certificate, but it answers {code}"),
                    "check the app: `tug app details`, `tug app logs`, `tug proxy logs`",
                ),
            }
        }
        Some(6) => Check::skip("tls", n, format!("no network path: {said}")),
        Some(7) => Check::fail(
            "tls",
            n,
            format!("cannot connect to {name}:443: {said}"),
            "deploy (`tug setup`), and open port 443 in the firewall",
        ),
        Some(28) => Check::fail(
            "tls",
            n,
            format!("{url} did not answer within {secs}s"),
            "check the firewall and that the proxy runs (`tug proxy details`)",
        ),
        Some(35) => Check::fail(
            "tls",
            n,
            format!("the TLS handshake with {name} failed: {said}"),
            "the proxy has no certificate for this name: set `proxy.ssl` (docs/cloudflare.md)",
        ),
        Some(51) | Some(60) => Check::fail(
            "tls",
            n,
            format!("the certificate of {name} is not valid: {said}"),
            "serve a certificate for this name: Let's Encrypt (`ssl: true`) or, behind Cloudflare, an Origin CA certificate with Full (strict)",
        ),
        Some(127) => Check::skip("tls", n, "curl is not installed on this machine"),
        _ => Check::warn("tls", n, format!("{url}: {said}"), "run `curl -I` on it to see more"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listeners_from_ss_and_netstat() {
        let ss = "LISTEN 0      4096         0.0.0.0:80        0.0.0.0:*    users:((\"docker-proxy\",pid=812,fd=4))";
        assert_eq!(listener(ss, "80"), Some(Some("docker-proxy".into())));
        assert_eq!(listener(ss, "443"), None);
        let v6 = "LISTEN 0 511 [::]:443 [::]:* users:((\"nginx\",pid=1,fd=7))";
        assert_eq!(listener(v6, "443"), Some(Some("nginx".into())));
        let netstat =
            "tcp        0      0 0.0.0.0:80              0.0.0.0:*               LISTEN      1234/nginx: master";
        assert_eq!(listener(netstat, "80"), Some(Some("nginx".into())));
        assert_eq!(listener("LISTEN 0 128 127.0.0.1:8080 0.0.0.0:*", "80"), None);
        assert_eq!(listener("State Recv-Q Send-Q Local Address:Port Peer Address:Port Process", "80"), None);
        assert_eq!(listener("LISTEN 0 128 *:80 *:*", "80"), Some(None));
    }
}
