//! The commands of `tug db` (Tug only): `tug-db` run next to the data in a short-lived
//! container of its own image that mounts the app's volumes at the app's paths, and the
//! byte pipes that carry backups off the host over SSH.

use crate::command::Command;
use crate::docker::docker;
use crate::shell::{escape_shell_value, shell_word, single_quote};

/// `tug-db` in a container that mounts the app's volumes.
#[derive(Debug, Clone)]
pub struct TugDb<'a> {
    /// The image holding `tug-db`.
    pub image: &'a str,
    /// The app's volume specs (`name:/path[:options]`), mounted as the app mounts them.
    pub volumes: Vec<&'a str>,
}

/// What `tug-db backup` is asked for.
#[derive(Debug, Clone)]
pub struct Backup<'a> {
    /// The database file.
    pub path: &'a str,
    /// The backup directory.
    pub dir: &'a str,
    /// Retention.
    pub keep: i64,
    /// Why (`manual`, `pre-deploy`).
    pub reason: &'a str,
    /// The app version it belongs to (left out when empty).
    pub version: Option<&'a str>,
    /// Skip quietly when the database does not exist yet.
    pub if_exists: bool,
}

impl TugDb<'_> {
    /// `docker run --rm --pull never --network none --volume …  IMAGE tug-db ARGS`, every value
    /// quoted. Never pulled: the image is Tug's own, made on the server, or the one
    /// `x-tug.db.image` names, pulled (or sent) before it runs.
    pub fn command(&self, args: &[&str]) -> Command {
        container(false, self.volumes.iter().copied(), self.image, args)
    }

    /// `tug-db find MOUNT…`: the SQLite databases in the volumes.
    pub fn find(&self, mounts: &[&str]) -> Command {
        let mut args = vec!["find"];
        args.extend(mounts.iter().copied());
        self.command(&args)
    }

    /// `tug-db backup PATH --dir DIR --keep N --reason R [--version V] [--if-exists]`.
    pub fn backup(&self, b: &Backup<'_>) -> Command {
        let keep = b.keep.to_string();
        let mut args = vec!["backup", b.path, "--dir", b.dir, "--keep", keep.as_str(), "--reason", b.reason];
        if let Some(v) = b.version.filter(|v| !v.is_empty()) {
            args.extend(["--version", v]);
        }
        if b.if_exists {
            args.push("--if-exists");
        }
        self.command(&args)
    }

    /// `tug-db list --dir DIR [--json]`.
    pub fn list(&self, dir: &str, json: bool) -> Command {
        let mut args = vec!["list", "--dir", dir];
        if json {
            args.push("--json");
        }
        self.command(&args)
    }

    /// `tug-db verify FILE`.
    pub fn verify(&self, file: &str) -> Command {
        self.command(&["verify", file])
    }

    /// `tug-db restore FILE --to PATH --safety-dir DIR`.
    pub fn restore(&self, file: &str, to: &str, safety_dir: &str) -> Command {
        self.command(&["restore", file, "--to", to, "--safety-dir", safety_dir])
    }

    /// `tug-db send FILE`: the backup and its manifest on standard output, for [`receive`].
    pub fn send(&self, file: &str) -> Command {
        self.command(&["send", file])
    }

    /// `tug-db cat FILE`: the file's bytes on standard output.
    pub fn cat(&self, file: &str) -> Command {
        self.command(&["cat", file])
    }
}

/// `docker run --rm -i --pull never --network none --volume "DIR:DIR" IMAGE tug-db receive --dir DIR --keep
/// N`: a copy read from standard input, verified before it is put in place in `dir` (a host
/// directory) and retention applied there.
pub fn receive(image: &str, dir: &str, keep: i64) -> Command {
    let volume = format!("{dir}:{dir}");
    let keep = keep.to_string();
    container(true, [volume.as_str()], image, &["receive", "--dir", dir, "--keep", &keep])
}

fn container<'v>(stdin: bool, volumes: impl IntoIterator<Item = &'v str>, image: &str, args: &[&str]) -> Command {
    let mut cmd = docker(["run", "--rm"]);
    if stdin {
        cmd = cmd.arg("-i");
    }
    cmd = cmd.args(["--pull", "never", "--network", "none"]);
    for v in volumes {
        cmd = cmd.args(["--volume".to_string(), escape_shell_value(v)]);
    }
    cmd.arg(escape_shell_value(image)).arg("tug-db").args(args.iter().map(|a| escape_shell_value(a)))
}

/// `ssh ARGS 'HOST' -- 'REMOTE'`, run on this machine: `ssh_args` are the options of Tug's
/// own connections without the shared control socket (a byte pipe has no terminal, so bytes
/// pass unchanged).
pub fn ssh_pipe(ssh_args: &[String], host: &str, remote: &Command) -> Command {
    Command::new(["ssh"])
        .args(ssh_args.iter().map(|a| shell_word(a)))
        .args([single_quote(host), "--".to_string()])
        .arg(single_quote(&remote.to_shell()))
}

/// `COMMAND > 'LOCAL'`: its output written to a file on this machine.
pub fn into_file(command: Command, local: &str) -> Command {
    command.args([">".to_string(), single_quote(local)])
}
