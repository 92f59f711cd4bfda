//! The probes of `tug doctor` (Tug only): read-only commands whose output the checks parse,
//! on the hosts (Docker's version, who listens on the proxy's ports, free disk, the clock)
//! and on this machine (a `docker login` with the password on standard input, an HTTPS
//! request to each proxy host name).

use crate::command::Command;
use crate::shell::single_quote;

/// The environment variable holding the registry user name for [`registry_login`].
pub const REGISTRY_USER_VAR: &str = "TUG_DOCTOR_REGISTRY_USER";

/// The environment variable holding the registry password for [`registry_login`].
pub const REGISTRY_PASSWORD_VAR: &str = "TUG_DOCTOR_REGISTRY_PASSWORD";

/// The line [`listeners`] prints between the running proxy's name and the listening sockets.
pub const LISTENERS_MARK: &str = "tug-listeners";

/// What [`listeners`] prints when the host has neither `ss` nor `netstat`.
pub const NO_SS_MARK: &str = "tug-no-ss";

/// `docker version --format '{{.Server.Version}}'`: SSH works, Docker runs, and its version.
pub fn docker_version() -> Command {
    Command::new(["docker", "version", "--format", "'{{.Server.Version}}'"])
}

/// `kamal-proxy` when it runs, then [`LISTENERS_MARK`], then the TCP listeners with their
/// processes (`ss -ltnp`, else `netstat -ltnp`, else [`NO_SS_MARK`]).
pub fn listeners() -> Command {
    Command::new([
        format!("docker ps --filter 'name=^kamal-proxy$' --format '{{{{.Names}}}}'; echo {LISTENERS_MARK};"),
        format!("{{ ss -ltnp 2>/dev/null || netstat -ltnp 2>/dev/null || echo {NO_SS_MARK}; }}"),
    ])
}

/// `df -Pk` (POSIX columns) of Docker's root directory and of each bind-mounted host path.
pub fn disk<'p>(bind_paths: impl IntoIterator<Item = &'p str>) -> Command {
    Command::new(["df -Pk \"$(docker info --format '{{.DockerRootDir}}' 2>/dev/null || echo /var/lib/docker)\""])
        .args(bind_paths.into_iter().map(single_quote))
        .arg("2>/dev/null")
}

/// `date +%s`: the host's clock in Unix seconds.
pub fn clock() -> Command {
    Command::new(["date", "+%s"])
}

/// `printf '%s' "$PASSWORD" | docker login [SERVER] -u "$USER" --password-stdin`: the
/// credentials come from [`REGISTRY_USER_VAR`] and [`REGISTRY_PASSWORD_VAR`], so they are on
/// no command line.
pub fn registry_login(server: Option<&str>) -> Command {
    Command::new([format!("printf '%s' \"${REGISTRY_PASSWORD_VAR}\" | docker login")])
        .args(server.map(single_quote))
        .arg(format!("-u \"${REGISTRY_USER_VAR}\" --password-stdin"))
}

/// `curl -sS -o /dev/null -I --max-time SECS -w '%{http_code}' 'URL'`: the status of a HEAD
/// request (curl's exit code says what failed: DNS, connection, TLS, time).
pub fn https_status(url: &str, max_seconds: u64) -> Command {
    Command::new([
        "curl".to_string(),
        "-sS".to_string(),
        "-o".to_string(),
        "/dev/null".to_string(),
        "-I".to_string(),
        "--max-time".to_string(),
        max_seconds.to_string(),
        "-w".to_string(),
        "'%{http_code}'".to_string(),
        single_quote(url),
    ])
}
