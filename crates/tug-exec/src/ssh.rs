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
    /// Where the control sockets live: a directory private to this run
    /// ([`crate::run_dir`]).
    pub control_dir: PathBuf,
    /// Why no such directory could be made ([`SshOptions::for_this_run`]): every command then
    /// fails with it.
    pub control_dir_error: Option<String>,
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
            control_dir_error: None,
            persist: Duration::from_secs(900),
            keepalive: Duration::from_secs(5),
            keepalive_count: 3,
        }
    }

    /// [`SshOptions::new`] in the run's private directory ([`crate::run_dir::this_run`]).
    pub fn for_this_run() -> Self {
        match crate::run_dir::this_run() {
            Ok(dir) => SshOptions::new(dir),
            Err(e) => SshOptions { control_dir_error: Some(e.to_string()), ..SshOptions::new(PathBuf::new()) },
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

    /// The SSH config file every connection of this run reads ([`SshOptions::write_config`]).
    pub fn config_file(&self) -> PathBuf {
        self.control_dir.join("ssh_config")
    }

    /// The text of [`SshOptions::config_file`]: the user's config files first (OpenSSH keeps the
    /// first value it reads, so theirs win), then Tug's defaults for what they leave unset. An
    /// `-F` for each file would not do: `ssh` reads only the last `-F`, and options on the
    /// command line override every file.
    pub fn config_text(&self) -> String {
        let mut t = String::from(
            "# Written by tug for one run: the user's SSH config first (its settings win), then Tug's defaults.\n",
        );
        let include = |t: &mut String, path: &str| t.push_str(&format!("Include \"{}\"\n", path.replace('"', "")));
        match &self.config_files {
            // The defaults ssh reads without -F: the user's file, then the system-wide one.
            None => {
                include(&mut t, "~/.ssh/config");
                include(&mut t, "/etc/ssh/ssh_config");
            }
            Some(files) => {
                for f in files {
                    let path = std::path::absolute(f).map_or_else(|_| f.clone(), |p| p.display().to_string());
                    include(&mut t, &path);
                }
            }
        }
        t.push_str(&format!(
            "Host *\n  ConnectTimeout {}\n  ServerAliveInterval {}\n  ServerAliveCountMax {}\n  StrictHostKeyChecking accept-new\n",
            self.connect_timeout.as_secs().max(1),
            self.keepalive.as_secs().max(1),
            self.keepalive_count.max(1)
        ));
        t
    }

    /// Writes [`SshOptions::config_file`]; every `ssh` this run starts reads it. The control
    /// directory must be private to this user ([`crate::run_dir::check_private`]): a file
    /// another user could have placed or could replace would choose what every `ssh` runs.
    pub fn write_config(&self) -> Result<PathBuf, ExecError> {
        let fail = |message: String| ExecError::RunDir { message };
        if let Some(e) = &self.control_dir_error {
            return Err(fail(e.clone()));
        }
        crate::run_dir::check_private(&self.control_dir).map_err(|e| fail(e.0))?;
        let path = self.config_file();
        // Written beside and renamed: an ssh starting meanwhile reads the old file or the new
        // one, never half of one. Always written afresh: nothing found here is kept.
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let partial = self.control_dir.join(format!(".ssh_config.{}.{n}", std::process::id()));
        let written = std::fs::write(&partial, self.config_text()).and_then(|()| std::fs::rename(&partial, &path));
        written.map_err(|e| fail(format!("{}: {e}", path.display())))?;
        Ok(path)
    }

    /// Config file, proxy, keys, agent, and batch mode.
    fn connection_args(&self) -> Vec<String> {
        let mut a: Vec<String> = vec!["-F".into(), self.config_file().display().to_string()];
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
        a.extend(["-o".into(), "BatchMode=yes".into()]);
        a
    }
}

/// The SSH runner. Clones share the masters; the last one dropped closes them.
#[derive(Debug, Clone)]
pub struct SshRunner {
    options: SshOptions,
    masters: Arc<Masters>,
    unusable: Option<String>,
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
                Process::new("ssh")
                    .args(&self.args)
                    .args(["-O", "exit"])
                    .arg(h)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .ok()
            })
            .collect();
        for mut c in closing {
            let _ = c.wait();
        }
    }
}

impl SshRunner {
    /// A runner with these options. When the config file cannot be written, every command
    /// fails with the reason (offline plans, which run nothing, still work).
    pub fn new(options: SshOptions) -> Self {
        let unusable = options.write_config().err().map(|e| e.to_string());
        let masters = Arc::new(Masters { args: options.args(), hosts: Mutex::new(BTreeSet::new()) });
        SshRunner { options, masters, unusable }
    }

    fn usable(&self) -> Result<(), ExecError> {
        match &self.unusable {
            Some(message) => Err(ExecError::RunDir { message: message.clone() }),
            None => Ok(()),
        }
    }

    fn process(&self, host: &str, remote: &str) -> Result<Process, ExecError> {
        Self::valid_host(host)?;
        if let Ok(mut h) = self.masters.hosts.lock()
            && !h.contains(host)
        {
            h.insert(host.to_string());
        }
        let mut p = Process::new("ssh");
        p.args(self.options.args()).arg(host).arg("--").arg(remote);
        Ok(p)
    }

    /// ssh reads a destination starting with `-` as an option (`-oProxyCommand=…`); the config
    /// refuses such hosts, and this runner never passes one on either.
    fn valid_host(host: &str) -> Result<(), ExecError> {
        if host.is_empty() || host.starts_with('-') {
            return Err(ExecError::InvalidHost { host: host.into() });
        }
        Ok(())
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
        self.usable()?;
        let out = run_process(
            self.process(host, &command.to_remote_shell())?,
            None,
            host,
            &command.to_redacted(),
            options.timeout,
        )?;
        Self::check_reachable(host, out)
    }

    fn stream(&self, host: &str, local: &Command, remote: &Command, timeout: Duration) -> Result<Output, ExecError> {
        self.usable()?;
        Self::valid_host(host)?;
        // Local stdout goes straight into ssh's stdin (no buffering of the whole stream here).
        let shown = format!("{} | ssh {host} {}", local.to_redacted(), remote.to_redacted());
        let mut source = Process::new("sh");
        source.arg("-c").arg(local.to_shell()).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = source.spawn().map_err(|source| ExecError::Spawn {
            target: "local".into(),
            program: "sh".into(),
            source,
        })?;
        let Some(pipe) = child.stdout.take() else {
            let _ = child.kill();
            return Err(ExecError::Upload {
                host: host.into(),
                path: String::new(),
                message: "no pipe from the local command".into(),
            });
        };
        let local_err = child.stderr.take();
        let err_reader = std::thread::spawn(move || {
            let mut buf = String::new();
            if let Some(mut e) = local_err {
                let _ = std::io::Read::read_to_string(&mut e, &mut buf);
            }
            buf
        });
        let mut sink = self.process(host, &remote.to_remote_shell())?;
        sink.stdin(Stdio::from(pipe));
        let out = run_process_with_stdin_set(sink, host, &shown, timeout);
        let local_status = child.wait().ok().and_then(|s| s.code());
        let local_stderr = err_reader.join().unwrap_or_default();
        let out = Self::check_reachable(host, out?)?;
        if local_status != Some(0) {
            return Ok(Output {
                status: local_status.or(Some(1)),
                stdout: out.stdout,
                stderr: format!("{local_stderr}{}", out.stderr),
            });
        }
        Ok(out)
    }

    fn upload(&self, host: &str, upload: &Upload) -> Result<(), ExecError> {
        self.usable()?;
        // Content goes through stdin, never the command line (no secret in a process list).
        let path = single_quote(&upload.remote_path);
        let remote = format!(
            "mkdir -p \"$(dirname {path})\" && touch {path} && chmod {mode:o} {path} && cat > {path}",
            mode = upload.mode
        );
        let out = run_process(
            self.process(host, &remote)?,
            Some(upload.content.clone()),
            host,
            &remote,
            Duration::from_secs(120),
        )?;
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
        o.config_files = Some(vec!["/lab/ssh_config".into()]);
        let shared = o.args().join(" ");
        let standalone = o.standalone_args().join(" ");
        assert_eq!(
            standalone,
            shared.replace(" -o ControlMaster=auto -o ControlPath=/tmp/c/%C -o ControlPersist=900", ""),
            "{shared}"
        );
        assert!(
            !standalone.contains("Control") && standalone.starts_with("-F /tmp/c/ssh_config -o BatchMode=yes"),
            "{standalone}"
        );
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
        assert!(a.starts_with("-F /tmp/c/ssh_config -J root@bastion -i ~/.ssh/id -o IdentitiesOnly=yes"), "{a}");
        assert!(a.contains("-o ControlMaster=auto -o ControlPath=/tmp/c/%C"), "{a}");
        assert!(a.ends_with("-p 22 -l deploy"), "{a}");
        assert!(!a.contains("ConnectTimeout"), "timeouts are defaults in the config file, not overrides: {a}");
    }

    #[test]
    fn the_config_file_reads_the_users_files_before_tugs_defaults() {
        let mut o = SshOptions::new("/tmp/c");
        let t = o.config_text();
        let user = t.find("Include \"~/.ssh/config\"").expect(&t);
        let system = t.find("Include \"/etc/ssh/ssh_config\"").expect(&t);
        let defaults = t.find("Host *\n  ConnectTimeout 30\n  ServerAliveInterval 5\n  ServerAliveCountMax 3\n  StrictHostKeyChecking accept-new").expect(&t);
        assert!(user < system && system < defaults, "{t}");

        o.config_files = Some(vec!["/a/one".into(), "two".into()]);
        let t = o.config_text();
        let cwd = std::env::current_dir().expect("cwd");
        let one = t.find("Include \"/a/one\"").expect(&t);
        let two = t.find(&format!("Include \"{}\"", cwd.join("two").display())).expect(&t);
        assert!(one < two && !t.contains("~/.ssh/config"), "every file, in order, relative ones from here: {t}");

        o.config_files = Some(vec![]);
        assert!(!o.config_text().contains("Include"), "ssh.config: false reads no user file");
    }

    /// What `ssh -G` resolves from the written file: the user's values win over Tug's defaults,
    /// and every listed file counts (two `-F` would keep only the last).
    #[test]
    fn ssh_resolves_the_users_settings_over_the_defaults() {
        if Process::new("ssh").arg("-V").output().is_err() {
            panic!("the OpenSSH client is needed (apt-get install openssh-client)");
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let first = dir.path().join("first");
        let second = dir.path().join("second");
        std::fs::write(&first, "Host web1\n  ConnectTimeout 5\n  HostName 10.0.0.1\n").expect("write");
        std::fs::write(&second, "Host web1\n  ServerAliveCountMax 9\n").expect("write");
        let control = crate::run_dir::RunDir::create_in(dir.path()).expect("run dir");
        let mut o = SshOptions::new(control.path());
        o.config_files = Some(vec![first.display().to_string(), second.display().to_string()]);
        o.write_config().expect("config written");
        let resolved = |host: &str| {
            let out = Process::new("ssh").args(o.standalone_args()).arg("-G").arg(host).output().expect("ssh -G");
            String::from_utf8_lossy(&out.stdout).to_string()
        };
        let web1 = resolved("web1");
        for line in [
            "hostname 10.0.0.1",
            "connecttimeout 5",
            "serveralivecountmax 9",
            "serveraliveinterval 5",
            "stricthostkeychecking accept-new",
            "batchmode yes",
        ] {
            assert!(web1.lines().any(|l| l == line), "{line} in:\n{web1}");
        }
        let other = resolved("web2");
        assert!(
            other.lines().any(|l| l == "connecttimeout 30") && other.lines().any(|l| l == "serveralivecountmax 3"),
            "{other}"
        );
    }

    /// The old code made the directory when missing and kept an `ssh_config` it found there
    /// when the text matched: another user who made the directory first chose what ssh ran.
    #[test]
    #[cfg(unix)]
    fn the_config_is_never_written_into_a_directory_others_can_use() {
        use std::os::unix::fs::PermissionsExt;
        let base = tempfile::tempdir().expect("tempdir");
        let shared = base.path().join("tug-ssh-1234");
        std::fs::create_dir(&shared).expect("mkdir");
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        let o = SshOptions::new(&shared);
        std::fs::write(o.config_file(), o.config_text()).expect("plant");
        let e = o.write_config().expect_err("a world-writable directory is refused");
        assert!(e.to_string().contains("only its owner may use it"), "{e}");

        let missing = SshOptions::new(base.path().join("missing"));
        assert!(missing.write_config().is_err(), "a directory is never made here: only RunDir makes one");
        assert!(!base.path().join("missing").exists());

        let runner = SshRunner::new(o);
        let e = runner
            .run(&Target::Host("web1".into()), &Command::new(["true"]), &RunOptions::default())
            .expect_err("no ssh runs with an unsafe config");
        assert!(matches!(e, ExecError::RunDir { .. }), "{e}");
    }

    #[test]
    fn without_a_private_directory_every_command_fails_with_the_reason() {
        let o = SshOptions {
            control_dir_error: Some("no private directory for SSH's control sockets: tried /x (too long)".into()),
            ..SshOptions::new(PathBuf::new())
        };
        let runner = SshRunner::new(o);
        let e = runner.run(&Target::Host("web1".into()), &Command::new(["true"]), &RunOptions::default());
        let e = e.expect_err("refused");
        assert!(e.to_string().contains("tried /x (too long)"), "{e}");
    }

    #[test]
    fn a_host_ssh_would_read_as_an_option_is_refused() {
        let base = tempfile::tempdir().expect("tempdir");
        let dir = crate::run_dir::RunDir::create_in(base.path()).expect("run dir");
        let runner = SshRunner::new(SshOptions::new(dir.path()));
        let marker = base.path().join("owned");
        let host = format!("-oProxyCommand=touch {}", marker.display());
        let e = runner.run(&Target::Host(host), &Command::new(["true"]), &RunOptions::default()).expect_err("refused");
        assert!(matches!(e, ExecError::InvalidHost { .. }), "{e}");
        assert!(!marker.exists());
    }

    #[test]
    fn the_config_file_is_written_afresh_in_a_private_directory() {
        let base = tempfile::tempdir().expect("tempdir");
        let dir = crate::run_dir::RunDir::create_in(base.path()).expect("run dir");
        let o = SshOptions::new(dir.path());
        std::fs::write(o.config_file(), "Match exec \"touch /tmp/x\"\n").expect("stale");
        let path = o.write_config().expect("written");
        assert_eq!(std::fs::read_to_string(path).expect("read"), o.config_text());
    }
}
