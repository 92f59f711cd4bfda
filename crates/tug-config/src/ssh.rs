//! `ssh:` and `sshkit:` — how Tug connects to servers.

use crate::yaml::Node;

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
