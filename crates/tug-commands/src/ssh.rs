//! Commands run interactively over SSH from the deploying machine (Kamal's `run_over_ssh`):
//! `app exec -i`, `app logs -f`, `accessory exec -i`. The remote command becomes one
//! single-quoted word of a local `ssh -t` command line.

use tug_config::ssh::{ConfigFiles, Ssh};

use crate::command::Command;
use crate::docker::quoted_word;

/// `ssh [-F file]… [-J jump | -o ProxyCommand='…'] [-i key]… [-o IdentitiesOnly=yes] -t
/// <user>@<host> -p <port> '<command>'`.
///
/// The `-F`, `-i` and proxy command values are passed as written in `ssh:`, as Kamal does
/// (they are paths and a command line the operator wrote for their own machine).
pub fn run_over_ssh(ssh: &Ssh, host: &str, command: &Command) -> Command {
    let mut cmd = Command::new(["ssh"]);
    match ssh.config_files() {
        ConfigFiles::Default => {}
        ConfigFiles::Off => cmd = cmd.args(["-F", "/dev/null"]),
        ConfigFiles::Files(files) => {
            for f in files {
                cmd = cmd.args(["-F".to_string(), f]);
            }
        }
    }
    if let Some(jump) = ssh.proxy_jump() {
        cmd = cmd.args(["-J".to_string(), jump]);
    } else if let Some(proxy_command) = ssh.proxy_command() {
        cmd = cmd.args(["-o".to_string(), format!("ProxyCommand='{proxy_command}'")]);
    }
    for key in ssh.keys() {
        cmd = cmd.args(["-i".to_string(), key]);
    }
    if ssh.keys_only() {
        cmd = cmd.args(["-o", "IdentitiesOnly=yes"]);
    }
    cmd.args(["-t".to_string(), format!("{}@{host}", ssh.user()), "-p".to_string(), ssh.port()])
        .extend(quoted_word(command))
}
