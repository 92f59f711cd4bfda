//! `kamal app exec`: a command in a new container of the app image, or in the running one.

use super::AppCommands;
use crate::args::{ArgValue, argumentize};
use crate::command::Command;
use crate::docker::{Interactive, NETWORK, docker};
use crate::image::absolute_image;
use crate::ssh::run_over_ssh;

/// How to run an exec command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOptions {
    /// `-i`: attach stdin (`-it` with a terminal, `-i` without one).
    pub interactive: Interactive,
    /// `--detach` instead of `--rm` (new containers only).
    pub detach: bool,
    /// `-e K=V` pairs, as `--env K="V"`.
    pub env: Vec<(String, String)>,
    /// Six random hex digits for the new container's name (`<prefix>-exec-<version>-<hex>`).
    pub random_hex: String,
}

impl Default for ExecOptions {
    fn default() -> Self {
        ExecOptions { interactive: Interactive::No, detach: false, env: Vec::new(), random_hex: String::new() }
    }
}

fn env_args(env: &[(String, String)]) -> Vec<String> {
    let pairs: Vec<(String, ArgValue)> = env.iter().map(|(k, v)| (k.clone(), ArgValue::text(v))).collect();
    argumentize("--env", &pairs)
}

impl AppCommands<'_> {
    /// `docker exec [-it|-i] [--env K="V"]… <container> <command…>`.
    ///
    /// `command` words are passed as written: they are a shell command line the operator
    /// typed (`bin/rails db:migrate`), exactly as Kamal passes them.
    pub fn execute_in_existing_container(&self, command: &[&str], opts: &ExecOptions) -> Command {
        docker(["exec"])
            .args(opts.interactive.flag())
            .args(env_args(&opts.env))
            .arg(self.container_name(None))
            .args(command.iter().copied())
    }

    /// `docker run [-it|-i] --rm|--detach --name <prefix>-exec-<version>-<hex> --network kamal
    /// <env> [--env K="V"]… <logging> <volumes> <options> <image> <command…>`.
    pub fn execute_in_new_container(&self, command: &[&str], opts: &ExecOptions) -> Command {
        docker(["run"])
            .args(opts.interactive.flag())
            .arg(if opts.detach { "--detach" } else { "--rm" })
            .args([
                "--name".to_string(),
                self.container_name_for_exec(&opts.random_hex),
                "--network".to_string(),
                NETWORK.to_string(),
            ])
            .args(self.env_args())
            .args(env_args(&opts.env))
            .args(self.logging_args())
            .args(self.volume_args())
            .args(self.option_args())
            .arg(absolute_image(self.config, self.version))
            .args(command.iter().copied())
    }

    /// [`AppCommands::execute_in_existing_container`] interactively, through `ssh -t`, to be run
    /// locally. `interactive` must say whether the local stdin is a terminal.
    pub fn execute_in_existing_container_over_ssh(&self, command: &[&str], opts: &ExecOptions) -> Command {
        let inner = self.execute_in_existing_container(command, &self.interactive(opts));
        run_over_ssh(&self.config.ssh, self.host, &inner)
    }

    /// [`AppCommands::execute_in_new_container`] interactively, through `ssh -t`.
    pub fn execute_in_new_container_over_ssh(&self, command: &[&str], opts: &ExecOptions) -> Command {
        let inner = self.execute_in_new_container(command, &self.interactive(opts));
        run_over_ssh(&self.config.ssh, self.host, &inner)
    }

    /// `<prefix>-exec-<version>-<hex>`.
    pub fn container_name_for_exec(&self, random_hex: &str) -> String {
        let mut name = format!("{}-exec-{}", self.container_prefix(), self.version);
        if !random_hex.is_empty() {
            name.push('-');
            name.push_str(random_hex);
        }
        name
    }

    fn interactive(&self, opts: &ExecOptions) -> ExecOptions {
        let mut opts = opts.clone();
        if opts.interactive == Interactive::No {
            opts.interactive = Interactive::Tty;
        }
        opts
    }
}
