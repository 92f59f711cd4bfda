//! The probes a build starts with on this machine: is Docker (and its buildx plugin)
//! installed, and where is the git repository's root.

use crate::command::Command;

/// `docker --version`.
pub fn docker_installed() -> Command {
    Command::new(["docker", "--version"])
}

/// `docker --version && docker buildx version`.
pub fn buildx_installed() -> Command {
    docker_installed().and(Command::new(["docker", "buildx", "version"]))
}

/// `git rev-parse --show-toplevel`: the repository the build clones.
pub fn git_root() -> Command {
    Command::new(["git", "rev-parse", "--show-toplevel"]).via_env()
}
