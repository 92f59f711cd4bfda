//! The SSH client options of a deploy, from `ssh:` and `sshkit:`: what every connection Tug
//! opens uses (the runner's shared connections, and the separate `ssh` of byte pipes).

use tug_config::ssh::ConfigFiles;
use tug_exec::ssh::SshOptions;

/// This run's private directory for the control sockets and the SSH config file (made on first
/// use, removed at exit: [`tug_exec::run_dir`]). Empty when it could not be made: the runner
/// then refuses every command with the reason.
pub fn control_directory() -> std::path::PathBuf {
    tug_exec::run_dir::this_run().unwrap_or_default()
}

/// The options for `config`, with the control sockets in a directory of this run.
pub fn ssh_options(config: &tug_config::Config) -> SshOptions {
    let mut o = SshOptions::for_this_run();
    o.user = config.ssh.user();
    o.port = config.ssh.port();
    o.proxy_jump = config.ssh.proxy_jump();
    o.proxy_command = config.ssh.proxy_command();
    o.keys = config.ssh.keys();
    o.keys_only = config.ssh.keys_only();
    o.forward_agent = config.ssh.forward_agent();
    o.config_files = match config.ssh.config_files() {
        ConfigFiles::Default => None,
        ConfigFiles::Off => Some(Vec::new()),
        ConfigFiles::Files(files) => Some(files),
    };
    o.persist = std::time::Duration::from_secs(u64::try_from(config.sshkit.pool_idle_timeout()).unwrap_or(900).max(1));
    // Every ssh of the run reads it (a failure shows in the first command: the runner and ssh
    // name the reason).
    let _ = o.write_config();
    o
}
