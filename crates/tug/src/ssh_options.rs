//! The SSH client options of a deploy, from `ssh:` and `sshkit:`: what every connection Tug
//! opens uses (the runner's shared connections, and the separate `ssh` of byte pipes).

use tug_exec::ssh::SshOptions;

/// This run's directory for the control sockets and the SSH config file.
pub fn control_directory() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("tug-ssh-{}", std::process::id() % 100_000))
}

/// The options for `config`, with the control sockets in a directory of this run.
pub fn ssh_options(config: &tug_config::Config) -> SshOptions {
    let mut o = SshOptions::new(control_directory());
    o.user = config.ssh.user();
    o.port = config.ssh.port();
    o.proxy_jump = config.ssh.proxy_jump();
    o.proxy_command = config.ssh.proxy_command();
    let raw = &config.ssh.raw;
    if let Some(keys) = raw.get("keys").and_then(|k| k.as_seq()) {
        o.keys = keys.iter().map(|k| k.to_ruby_s()).collect();
    }
    o.keys_only = raw.get("keys_only").and_then(|k| k.as_bool()).unwrap_or(false);
    o.forward_agent = raw.get("forward_agent").and_then(|k| k.as_bool()).unwrap_or(false);
    match raw.get("config") {
        Some(n) if n.as_bool() == Some(false) => o.config_files = Some(Vec::new()),
        Some(n) if n.as_bool().is_none() && !n.is_null() => {
            o.config_files = Some(
                n.as_seq().map(|s| s.iter().map(|x| x.to_ruby_s()).collect()).unwrap_or_else(|| vec![n.to_ruby_s()]),
            );
        }
        _ => {}
    }
    o.persist = std::time::Duration::from_secs(u64::try_from(config.sshkit.pool_idle_timeout()).unwrap_or(900).max(1));
    // Every ssh of the run reads it (a failure shows in the first one: ssh names the file).
    let _ = o.write_config();
    o
}
