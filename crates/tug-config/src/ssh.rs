//! `ssh:` and `sshkit:` — how Tug connects to servers.

use crate::yaml::{Node, Value};

/// Which SSH config files `ssh.config` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigFiles {
    /// Absent, `nil` or `true`: the ones `ssh` reads by default.
    Default,
    /// `false`: none.
    Off,
    /// A file, or a list of them (as written).
    Files(Vec<String>),
}

/// The `ssh:` section.
#[derive(Debug, Clone)]
pub struct Ssh {
    /// The validated `ssh:` hash (empty when absent).
    pub raw: Node,
}

impl Ssh {
    /// `user`, default `root`.
    pub fn user(&self) -> String {
        self.raw.get("user").map_or("root".into(), Node::to_ruby_s)
    }

    /// `port`, default 22 (as written; Kamal passes it on unchanged).
    pub fn port(&self) -> String {
        self.raw.get("port").map_or("22".into(), Node::to_ruby_s)
    }

    /// The jump host (`proxy`, given `root@` when it names no user).
    pub fn proxy_jump(&self) -> Option<String> {
        let p = self.raw.get("proxy").filter(|p| !p.is_null())?.to_ruby_s();
        Some(if p.contains('@') { p } else { format!("root@{p}") })
    }

    /// `proxy_command`.
    pub fn proxy_command(&self) -> Option<String> {
        self.raw.get("proxy_command").filter(|p| !p.is_null()).map(Node::to_ruby_s)
    }

    /// `config`: the SSH config files to read.
    pub fn config_files(&self) -> ConfigFiles {
        match self.raw.get("config").map(|n| &n.value) {
            None | Some(Value::Null | Value::Bool(true)) => ConfigFiles::Default,
            Some(Value::Bool(false)) => ConfigFiles::Off,
            Some(Value::Seq(files)) => ConfigFiles::Files(files.iter().map(Node::to_ruby_s).collect()),
            Some(_) => ConfigFiles::Files(self.raw.get("config").map(Node::to_ruby_s).into_iter().collect()),
        }
    }

    /// `keys`: identity files, as written.
    pub fn keys(&self) -> Vec<String> {
        self.raw.get("keys").and_then(Node::as_seq).map(|k| k.iter().map(Node::to_ruby_s).collect()).unwrap_or_default()
    }

    /// `keys_only`, default false: offer only `keys`, not the agent's other identities.
    pub fn keys_only(&self) -> bool {
        self.raw.get("keys_only").and_then(Node::as_bool).unwrap_or(false)
    }

    /// `forward_agent`, default false here (Tug's connections do not forward the agent).
    pub fn forward_agent(&self) -> bool {
        self.raw.get("forward_agent").and_then(Node::as_bool).unwrap_or(false)
    }

    /// `log_level`, default `fatal`.
    pub fn log_level(&self) -> String {
        self.raw.get("log_level").map_or("fatal".into(), Node::to_ruby_s)
    }
}

/// The `sshkit:` section.
#[derive(Debug, Clone)]
pub struct Sshkit {
    /// The validated `sshkit:` hash (empty when absent).
    pub raw: Node,
}

impl Sshkit {
    /// `max_concurrent_starts`, default 30.
    pub fn max_concurrent_starts(&self) -> i64 {
        self.raw.get("max_concurrent_starts").and_then(Node::as_int).unwrap_or(30)
    }

    /// `pool_idle_timeout` in seconds, default 900.
    pub fn pool_idle_timeout(&self) -> i64 {
        self.raw.get("pool_idle_timeout").and_then(Node::as_int).unwrap_or(900)
    }

    /// `dns_retries`, default 3.
    pub fn dns_retries(&self) -> i64 {
        self.raw.get("dns_retries").and_then(Node::as_int).unwrap_or(3)
    }
}
