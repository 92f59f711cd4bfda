//! The app's logs: a one-off read on each host, or following one host over SSH.

use super::AppCommands;
use crate::command::Command;
use crate::docker::shell;
use crate::logs::{LogOptions, grep_double_quoted, grep_single_quoted};
use crate::ssh::run_over_ssh;

impl AppCommands<'_> {
    /// `<container id> | xargs docker logs [--timestamps] [--since S] [--tail N] 2>&1 [| grep 'G' [opts]]`,
    /// reading `container_id` (`--container-id`) or else the current container.
    pub fn logs(&self, container_id: Option<&str>, opts: &LogOptions) -> Command {
        let mut read = Command::new(["xargs", "docker", "logs"]);
        if opts.timestamps {
            read = read.arg("--timestamps");
        }
        if let Some(s) = &opts.since {
            read = read.args(["--since", s]);
        }
        if let Some(n) = opts.lines {
            read = read.args(["--tail".to_string(), n.to_string()]);
        }
        let cmd = self.container_id_command(container_id).pipe(read.arg("2>&1"));
        match &opts.grep {
            Some(g) => cmd.pipe(grep_single_quoted(g, opts.grep_options.as_deref())),
            None => cmd,
        }
    }

    /// `ssh -t <user>@<host> -p <port> '<container id> | xargs docker logs … --follow 2>&1 [| grep "G"]'`:
    /// run locally, it follows the logs of one host. `since` is not used, as in Kamal.
    pub fn follow_logs(&self, host: &str, container_id: Option<&str>, opts: &LogOptions) -> Command {
        let mut read = Command::new(["xargs", "docker", "logs"]);
        if opts.timestamps {
            read = read.arg("--timestamps");
        }
        if let Some(n) = opts.lines {
            read = read.args(["--tail".to_string(), n.to_string()]);
        }
        let mut cmd = self.container_id_command(container_id).pipe(read.args(["--follow", "2>&1"]));
        if let Some(g) = &opts.grep {
            cmd = cmd.pipe(grep_double_quoted(g, opts.grep_options.as_deref()));
        }
        run_over_ssh(&self.config.ssh, host, &cmd)
    }

    /// `sh -c 'echo <id>'` for a given container id (passed as typed, as Kamal does), else the
    /// current container's id.
    fn container_id_command(&self, container_id: Option<&str>) -> Command {
        match container_id {
            Some(id) => shell(Command::new([format!("echo {id}")])),
            None => self.current_running_container_id(),
        }
    }
}
