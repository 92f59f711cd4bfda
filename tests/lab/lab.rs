//! The Tug test lab, seen from Rust tests. Std only, so a test crate uses it without a Cargo
//! change:
//!
//! ```ignore
//! #[path = "../../../tests/lab/lab.rs"]
//! mod lab;
//!
//! #[test]
//! #[ignore = "needs the lab (tests/lab/up)"]
//! fn deploys() {
//!     let lab = lab::Lab::up().expect("lab");
//!     let out = lab.ssh(&lab.server_names[0], "docker ps").expect("ssh");
//!     assert!(out.status.success());
//! }
//! ```
//!
//! `Lab::up()` runs `tests/lab/up` once per test process (it is idempotent and takes ~3 s when
//! the lab is already up) and reads `tests/lab/env`; `Lab::load()` only reads the env file.
//! Checked on its own by `rustc --edition 2021 --test tests/lab/lab.rs` (see the README).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// What `tests/lab/up` wrote to `tests/lab/env`.
#[derive(Debug, Clone)]
pub struct Lab {
    /// Server addresses, in order (s1, s2, …).
    pub servers: Vec<String>,
    /// Server names (`tug-lab-s1`, …), usable with `ssh -F <ssh_config>`.
    pub server_names: Vec<String>,
    pub ssh_user: String,
    pub ssh_key: PathBuf,
    pub ssh_known_hosts: PathBuf,
    pub ssh_config: PathBuf,
    /// `host:port` of the registry standing in for Docker Hub.
    pub registry: String,
    pub registry_user: String,
    pub registry_password: String,
    /// The lab CA that signed the registry's certificate.
    pub ca: PathBuf,
    /// A `DOCKER_CONFIG` directory logged in to the registry, for pushes from this machine.
    pub docker_config: PathBuf,
    pub network: String,
    pub gateway: String,
    pub image: String,
    pub state: PathBuf,
    /// Every `KEY=value` of the env file.
    pub vars: BTreeMap<String, String>,
}

/// `tests/lab/` of this repository: from `CARGO_MANIFEST_DIR` (set by cargo for tests) or the
/// current directory, the nearest ancestor holding `tests/lab/up`.
pub fn lab_dir() -> Result<PathBuf, String> {
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .ok_or("no CARGO_MANIFEST_DIR and no current directory")?;
    start
        .ancestors()
        .map(|dir| dir.join("tests/lab"))
        .find(|dir| dir.join("up").is_file())
        .ok_or_else(|| format!("no tests/lab/up above {}", start.display()))
}

/// Parses `KEY=value` lines; blank lines and `#` comments are skipped.
pub fn parse_env(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

impl Lab {
    /// Starts the lab (once per process) and reads its env file.
    pub fn up() -> Result<Lab, String> {
        static UP: OnceLock<Result<(), String>> = OnceLock::new();
        UP.get_or_init(|| {
            let up = lab_dir()?.join("up");
            let out = Command::new(&up)
                .stdin(Stdio::null())
                .output()
                .map_err(|e| format!("cannot run {}: {e}", up.display()))?;
            if out.status.success() {
                Ok(())
            } else {
                let stderr = String::from_utf8_lossy(&out.stderr);
                let last = stderr.lines().last().unwrap_or("(no output)");
                Err(format!("tests/lab/up failed: {last}"))
            }
        })
        .clone()?;
        Lab::load()
    }

    /// Reads `tests/lab/env` (written by `tests/lab/up`).
    pub fn load() -> Result<Lab, String> {
        let path = lab_dir()?.join("env");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("{}: {e} (start the lab with tests/lab/up)", path.display()))?;
        Lab::from_vars(parse_env(&text))
    }

    pub fn from_vars(vars: BTreeMap<String, String>) -> Result<Lab, String> {
        let get = |key: &str| vars.get(key).cloned().ok_or_else(|| format!("tests/lab/env has no {key}"));
        let list = |key: &str| -> Result<Vec<String>, String> {
            Ok(get(key)?.split(',').filter(|s| !s.is_empty()).map(String::from).collect())
        };
        let password_file = PathBuf::from(get("TUG_LAB_REGISTRY_PASSWORD_FILE")?);
        let registry_password = std::fs::read_to_string(&password_file)
            .map_err(|e| format!("{}: {e}", password_file.display()))?
            .trim()
            .to_string();
        Ok(Lab {
            servers: list("TUG_LAB_SERVERS")?,
            server_names: list("TUG_LAB_SERVER_NAMES")?,
            ssh_user: get("TUG_LAB_SSH_USER")?,
            ssh_key: get("TUG_LAB_SSH_KEY")?.into(),
            ssh_known_hosts: get("TUG_LAB_SSH_KNOWN_HOSTS")?.into(),
            ssh_config: get("TUG_LAB_SSH_CONFIG")?.into(),
            registry: get("TUG_LAB_REGISTRY")?,
            registry_user: get("TUG_LAB_REGISTRY_USER")?,
            registry_password,
            ca: get("TUG_LAB_CA")?.into(),
            docker_config: get("TUG_LAB_DOCKER_CONFIG")?.into(),
            network: get("TUG_LAB_NETWORK")?,
            gateway: get("TUG_LAB_GATEWAY")?,
            image: get("TUG_LAB_IMAGE")?,
            state: get("TUG_LAB_STATE")?.into(),
            vars,
        })
    }

    /// Runs a shell command on a server (by name or address) over the lab's SSH config.
    pub fn ssh(&self, host: &str, command: &str) -> Result<Output, String> {
        Command::new("ssh")
            .arg("-F")
            .arg(&self.ssh_config)
            .arg(host)
            .arg(command)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run ssh: {e}"))
    }

    /// A `docker` command on this machine that is logged in to the lab registry.
    pub fn docker(&self) -> Command {
        let mut cmd = Command::new("docker");
        cmd.env("DOCKER_CONFIG", &self.docker_config).env("DOCKER_BUILDKIT", "0");
        cmd
    }

    pub fn state_path(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.state.join(rel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_env_lines() {
        let vars = parse_env("# c\n\nA=1\nB = x,y\nnot a pair\nC=a=b\n");
        assert_eq!(vars.get("A").map(String::as_str), Some("1"));
        assert_eq!(vars.get("B").map(String::as_str), Some("x,y"));
        assert_eq!(vars.get("C").map(String::as_str), Some("a=b"));
        assert_eq!(vars.len(), 3);
    }

    #[test]
    fn missing_key_is_named() {
        let err = Lab::from_vars(BTreeMap::new()).unwrap_err();
        assert!(err.contains("TUG_LAB_REGISTRY_PASSWORD_FILE"), "{err}");
    }

    /// Needs the lab (after tests/lab/up): run with `--include-ignored`.
    #[test]
    #[ignore = "needs the lab (tests/lab/up); .ci/run runs it with --include-ignored"]
    fn live_lab_answers() {
        let lab = Lab::load().expect("lab env");
        assert!(!lab.servers.is_empty());
        for host in &lab.server_names {
            let out = lab.ssh(host, "docker info --format '{{.ServerVersion}}'").expect("ssh");
            assert!(out.status.success(), "{host}: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
}
