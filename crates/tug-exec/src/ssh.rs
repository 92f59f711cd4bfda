//! Runs commands on servers through the system OpenSSH client, one multiplexed connection per
//! host (ControlMaster), so the user's `~/.ssh/config`, agent, ProxyJump and known_hosts apply.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command as Process, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tug_commands::Command;
use tug_commands::shell::single_quote;

use crate::error::ExecError;
use crate::local::{run_process, run_process_with_stdin_set};
use crate::output::Output;
use crate::runner::{RunOptions, Runner, Target, Upload};

/// How to reach servers (filled by the flows from the config's `ssh:` section).
#[derive(Debug, Clone)]
pub struct SshOptions {
    /// `ssh.user`.
    pub user: String,
    /// `ssh.port`.
    pub port: String,
    /// `ssh.proxy` as `user@host` (`-J`).
    pub proxy_jump: Option<String>,
    /// `ssh.proxy_command`.
    pub proxy_command: Option<String>,
    /// `ssh.keys` (`-i`).
    pub keys: Vec<String>,
    /// `ssh.keys_only` (`IdentitiesOnly=yes`).
    pub keys_only: bool,
    /// `ssh.config`: `Some(false)` ignores the user's config (`-F /dev/null`), a path uses it.
    pub config_files: Option<Vec<String>>,
    /// `ssh.forward_agent`.
    pub forward_agent: bool,
    /// Extra `-o` options (tests use them for known_hosts files).
    pub extra_options: Vec<String>,
    /// How long to wait for a connection.
    pub connect_timeout: Duration,
    /// Where the control sockets live.
    pub control_dir: PathBuf,
    /// `sshkit.pool_idle_timeout`: how long a master stays after its last use (within this
    /// run: the runner closes its masters when it is dropped).
    pub persist: Duration,
    /// How often a silent connection is probed; after [`SshOptions::keepalive_count`] probes
    /// without an answer the host counts as unreachable (a host that stops answering mid-run
    /// fails the command within `keepalive × count`, not the command's whole timeout).
    pub keepalive: Duration,
    /// Unanswered probes before giving up on a host.
    pub keepalive_count: u32,
}

impl SshOptions {
    /// Kamal's defaults (`root`, port 22) with control sockets under `control_dir`.
    pub fn new(control_dir: impl Into<PathBuf>) -> Self {
        SshOptions {
            user: "root".into(),
            port: "22".into(),
            proxy_jump: None,
            proxy_command: None,
            keys: Vec::new(),
            keys_only: false,
            config_files: None,
            forward_agent: false,
            extra_options: Vec::new(),
            connect_timeout: Duration::from_secs(30),
            control_dir: control_dir.into(),
            persist: Duration::from_secs(900),
            keepalive: Duration::from_secs(5),
            keepalive_count: 3,
        }
    }

    /// The `ssh` arguments before the destination.
    pub fn args(&self) -> Vec<String> {
        self.args_sharing(true)
    }

    /// [`SshOptions::args`] without the shared control connection: for an `ssh` of its own,
    /// such as a byte pipe another process runs.
    pub fn standalone_args(&self) -> Vec<String> {
        self.args_sharing(false)
    }

    fn args_sharing(&self, shared: bool) -> Vec<String> {
        let mut a = self.connection_args();
        let control = shared.then(|| {
            [
                "ControlMaster=auto".to_string(),
                format!("ControlPath={}", self.control_dir.join("%C").display()),
                format!("ControlPersist={}", self.persist.as_secs().max(1)),
            ]
        });
        for o in control.into_iter().flatten().chain(self.extra_options.iter().cloned()) {
            a.extend(["-o".into(), o]);
        }
        a.extend(["-p".into(), self.port.clone(), "-l".into(), self.user.clone()]);
        a
    }

    /// Config files, proxy, keys, agent, and the options of every connection.
    fn connection_args(&self) -> Vec<String> {
        let mut a: Vec<String> = Vec::new();
        match &self.config_files {
            Some(files) if files.is_empty() => a.extend(["-F".into(), "/dev/null".into()]),
            Some(files) => {
                for f in files {
                    a.extend(["-F".into(), f.clone()]);
                }
            }
            None => {}
        }
        if let Some(j) = &self.proxy_jump {
            a.extend(["-J".into(), j.clone()]);
        } else if let Some(c) = &self.proxy_command {
            a.extend(["-o".into(), format!("ProxyCommand={c}")]);
        }
        for k in &self.keys {
            a.extend(["-i".into(), k.clone()]);
        }
        if self.keys_only {
            a.extend(["-o".into(), "IdentitiesOnly=yes".into()]);
        }
        if self.forward_agent {
            a.push("-A".into());
        }
        for o in [
            "BatchMode=yes".to_string(),
            "StrictHostKeyChecking=accept-new".to_string(),
            format!("ConnectTimeout={}", self.connect_timeout.as_secs().max(1)),
            format!("ServerAliveInterval={}", self.keepalive.as_secs().max(1)),
            format!("ServerAliveCountMax={}", self.keepalive_count.max(1)),
        ] {
            a.extend(["-o".into(), o]);
        }
        a
    }
}

/// The SSH runner. Clones share the masters; the last one dropped closes them.
#[derive(Debug, Clone)]
pub struct SshRunner {
    options: SshOptions,
    masters: Arc<Masters>,
}

/// The hosts this run opened a master connection to, closed (`ssh -O exit`) on drop so that no
/// `ssh` process outlives the run by `ControlPersist`.
#[derive(Debug)]
struct Masters {
    args: Vec<String>,
    hosts: Mutex<BTreeSet<String>>,
}

impl Drop for Masters {
    fn drop(&mut self) {
        let hosts = std::mem::take(self.hosts.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner));
        let closing: Vec<_> = hosts
            .iter()
            .filter_map(|h| {
                Process::new("ssh").args(&self.args).args(["-O", "exit"]).arg(h).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().ok()
            })
            .collect();
        for mut c in closing {
            let _ = c.wait();
        }
    }
}

impl SshRunner {
    /// A runner with these options.
    pub fn new(options: SshOptions) -> Self {
        let masters = Arc::new(Masters { args: options.args(), hosts: Mutex::new(BTreeSet::new()) });
        SshRunner { options, masters }
    }

    fn process(&self, host: &str, remote: &str) -> Process {
        if let Ok(mut h) = self.masters.hosts.lock()
            && !h.contains(host)
        {
            h.insert(host.to_string());
        }
        let mut p = Process::new("ssh");
        p.args(self.options.args()).arg(host).arg("--").arg(remote);
        p
    }

    /// ssh exits 255 when the connection itself failed.
    fn check_reachable(host: &str, out: Output) -> Result<Output, ExecError> {
        if out.status == Some(255) {
            return Err(ExecError::Unreachable { host: host.into(), message: out.tail(1) });
        }
        Ok(out)
    }
}

impl Runner for SshRunner {
    fn run(&self, target: &Target, command: &Command, options: &RunOptions) -> Result<Output, ExecError> {
        let Target::Host(host) = target else {
            return crate::LocalRunner.run(target, command, options);
        };
        let out = run_process(self.process(host, &command.to_remote_shell()), None, host, &command.to_redacted(), options.timeout)?;
        Self::check_reachable(host, out)
    }

    fn stream(&self, host: &str, local: &Command, remote: &Command, timeout: Duration) -> Result<Output, ExecError> {
        // Local stdout goes straight into ssh's stdin (no buffering of the whole stream here).
        let shown = format!("{} | ssh {host} {}", local.to_redacted(), remote.to_redacted());
        let mut source = Process::new("sh");
        source.arg("-c").arg(local.to_shell()).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = source.spawn().map_err(|source| ExecError::Spawn { target: "local".into(), program: "sh".into(), source })?;
        let Some(pipe) = child.stdout.take() else {
            let _ = child.kill();
            return Err(ExecError::Upload { host: host.into(), path: String::new(), message: "no pipe from the local command".into() });
        };
        let local_err = child.stderr.take();
        let err_reader = std::thread::spawn(move || {
            let mut buf = String::new();
            if let Some(mut e) = local_err {
                let _ = std::io::Read::read_to_string(&mut e, &mut buf);
            }
            buf
        });
        let mut sink = self.process(host, &remote.to_remote_shell());
        sink.stdin(Stdio::from(pipe));
        let out = run_process_with_stdin_set(sink, host, &shown, timeout);
        let local_status = child.wait().ok().and_then(|s| s.code());
        let local_stderr = err_reader.join().unwrap_or_default();
        let out = Self::check_reachable(host, out?)?;
        if local_status != Some(0) {
            return Ok(Output { status: local_status.or(Some(1)), stdout: out.stdout, stderr: format!("{local_stderr}{}", out.stderr) });
        }
        Ok(out)
    }

    fn upload(&self, host: &str, upload: &Upload) -> Result<(), ExecError> {
        // Content goes through stdin, never the command line (no secret in a process list).
        let path = single_quote(&upload.remote_path);
        let remote = format!(
            "mkdir -p \"$(dirname {path})\" && touch {path} && chmod {mode:o} {path} && cat > {path}",
            mode = upload.mode
        );
        let out = run_process(self.process(host, &remote), Some(upload.content.clone()), host, &remote, Duration::from_secs(120))?;
        let out = Self::check_reachable(host, out)?;
        if out.success() {
            Ok(())
        } else {
            Err(ExecError::Upload { host: host.into(), path: upload.remote_path.clone(), message: out.tail(1) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standalone_arguments_leave_out_only_the_control_connection() {
        let mut o = SshOptions::new("/tmp/c");
        o.config_files = Some(vec!["lab_config".into()]);
        let shared = o.args().join(" ");
        let standalone = o.standalone_args().join(" ");
        assert_eq!(
            standalone,
            shared.replace(" -o ControlMaster=auto -o ControlPath=/tmp/c/%C -o ControlPersist=900", ""),
            "{shared}"
        );
        assert!(!standalone.contains("Control") && standalone.starts_with("-F lab_config") && standalone.contains("ConnectTimeout=30"), "{standalone}");
    }

    #[test]
    fn arguments_follow_the_config() {
        let mut o = SshOptions::new("/tmp/c");
        o.user = "deploy".into();
        o.proxy_jump = Some("root@bastion".into());
        o.keys = vec!["~/.ssh/id".into()];
        o.keys_only = true;
        o.config_files = Some(vec![]);
        let a = o.args().join(" ");
        assert!(a.starts_with("-F /dev/null -J root@bastion -i ~/.ssh/id -o IdentitiesOnly=yes"), "{a}");
        assert!(a.contains("-o ControlMaster=auto -o ControlPath=/tmp/c/%C"), "{a}");
        assert!(a.ends_with("-p 22 -l deploy"), "{a}");
        assert!(a.contains("-o ServerAliveInterval=5 -o ServerAliveCountMax=3"), "a silent host is given up on within 15 s: {a}");
    }
}
