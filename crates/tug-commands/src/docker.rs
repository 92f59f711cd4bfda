//! Docker and shell building blocks shared by every builder (Kamal's `commands/base.rb` and
//! `commands/docker.rb`): container lookups by exact name, directories, `sh -c` and `xargs`
//! wrappers, and the checks `server bootstrap` makes before installing Docker.

use tug_config::logging::Logging;

use crate::args::{ArgValue, argumentize, optionize};
use crate::command::Command;
use crate::shell::single_quote;

/// The network every Kamal container joins.
pub const NETWORK: &str = "kamal";

/// `docker …`.
pub fn docker<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    Command::new(["docker"]).args(args)
}

/// The exact-name filter Kamal gives `docker container ls`: `'name=^<name>$'`.
pub fn name_filter(container_name: &str) -> String {
    single_quote(&format!("name=^{container_name}$"))
}

/// `docker container ls [--all] --filter 'name=^<name>$' --quiet`: the id of the container
/// with exactly this name (empty when there is none).
pub fn container_id_for(container_name: &str, only_running: bool) -> Command {
    let cmd = docker(["container", "ls"]);
    let cmd = if only_running { cmd } else { cmd.arg("--all") };
    cmd.args(["--filter".to_string(), name_filter(container_name), "--quiet".to_string()])
}

/// Kamal's logging arguments: `--log-driver "<driver>"` and `--log-opt k="v"` for each option,
/// or `--log-opt max-size="10m"` when nothing is set.
pub fn logging_args(logging: &Logging) -> Vec<String> {
    if !logging.is_set() {
        return argumentize("--log-opt", &[("max-size".to_string(), ArgValue::text("10m"))]);
    }
    let mut args = match logging.driver.as_deref() {
        Some(d) => optionize(&[("log-driver".to_string(), ArgValue::Text(d.to_string()))]),
        None => Vec::new(),
    };
    let options: Vec<(String, ArgValue)> =
        logging.options.iter().map(|(k, v)| (k.clone(), ArgValue::text(v))).collect();
    args.extend(argumentize("--log-opt", &options));
    args
}

/// `mkdir -p <path>`.
pub fn make_directory(path: &str) -> Command {
    Command::new(["mkdir", "-p", path]).via_env()
}

/// `mkdir -p <dirname of file>`.
pub fn make_directory_for(remote_file: &str) -> Command {
    let dir = match remote_file.trim_end_matches('/').rfind('/') {
        Some(0) => "/",
        Some(i) => &remote_file[..i],
        None => ".",
    };
    make_directory(dir)
}

/// `rm -r <path>`.
pub fn remove_directory(path: &str) -> Command {
    Command::new(["rm", "-r", path]).via_env()
}

/// `rm <path>`.
pub fn remove_file(path: &str) -> Command {
    Command::new(["rm", path]).via_env()
}

/// `xargs <command>`: feeds the previous command's output to `command` as arguments.
pub fn xargs(command: Command) -> Command {
    Command::new(["xargs"]).extend(command)
}

/// `sh -c '<command>'`: the whole command single-quoted as one word (Kamal's `shell`).
/// Secrets inside stay secret: the word shows the redacted text.
pub fn shell(command: Command) -> Command {
    Command::new(["sh", "-c"]).via_env().extend(quoted_word(&command))
}

/// One word holding `command`, single-quoted, keeping its secrets redacted when shown.
pub fn quoted_word(command: &Command) -> Command {
    let value = single_quote(&command.to_shell());
    if command.has_secrets() {
        Command::default().secret(value, single_quote(&command.to_redacted()))
    } else {
        Command::default().arg(value)
    }
}

/// Kamal's `docker_interactive_args`: whether `-it` or `-i` depends on the deploying
/// machine's stdin, which the caller looks at (this crate does no I/O).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interactive {
    /// Not interactive.
    No,
    /// Stdin is a terminal: `-it`.
    Tty,
    /// Stdin is a pipe or file: `-i`.
    Piped,
}

impl Interactive {
    /// The docker flag, if any.
    pub fn flag(self) -> Option<&'static str> {
        match self {
            Interactive::No => None,
            Interactive::Tty => Some("-it"),
            Interactive::Piped => Some("-i"),
        }
    }
}

/// The server checks and installation steps of `kamal server bootstrap` (Kamal's `Docker`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Docker;

impl Docker {
    /// Installs Docker with the get.docker.com convenience script.
    pub fn install(&self) -> Command {
        let fetch = Command::new(["curl", "-fsSL", "https://get.docker.com"])
            .or(Command::new(["wget", "-O -", "https://get.docker.com"]))
            .or(Command::new(["echo", "\"exit 1\""]));
        shell(fetch).pipe(Command::new(["sh"]))
    }

    /// `docker -v`: fails when the client is missing.
    pub fn installed(&self) -> Command {
        docker(["-v"])
    }

    /// `docker version`: fails when the daemon is not running.
    pub fn running(&self) -> Command {
        docker(["version"])
    }

    /// Root, or allowed to run `usermod` through sudo without a password.
    pub fn superuser(&self) -> Command {
        Command::new([r#"[ "${EUID:-$(id -u)}" -eq 0 ] || sudo -nl usermod >/dev/null"#])
    }

    /// Root?
    pub fn root(&self) -> Command {
        Command::new([r#"[ "${EUID:-$(id -u)}" -eq 0 ]"#])
    }

    /// Is the SSH user in the `docker` group?
    pub fn in_docker_group(&self) -> Command {
        Command::new([r#"id -nG "${USER:-$(id -un)}" | grep -qw docker"#])
    }

    /// Adds the SSH user to the `docker` group.
    pub fn add_to_docker_group(&self) -> Command {
        Command::new([r#"sudo -n usermod -aG docker "${USER:-$(id -un)}""#])
    }

    /// Ends the SSH session so the next one picks up the new group.
    pub fn refresh_session(&self) -> Command {
        Command::new(["kill -HUP $PPID"])
    }

    /// `docker network create kamal`.
    pub fn create_network(&self) -> Command {
        docker(["network", "create", NETWORK])
    }
}
