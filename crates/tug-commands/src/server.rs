//! Server-level commands (Kamal's `Commands::Server`): the run directory, the app's
//! directory, and counting the apps deployed on a host. Docker's own bootstrap checks
//! (`docker -v`, install, `usermod`) are [`crate::docker::Docker`].

use tug_config::Config;

use crate::command::Command;
use crate::docker::{make_directory, remove_directory};
use crate::layout;

/// Server commands for one configuration.
#[derive(Debug, Clone, Copy)]
pub struct ServerCommands<'a> {
    config: &'a Config,
}

impl<'a> ServerCommands<'a> {
    /// Commands for `config`.
    pub fn new(config: &'a Config) -> ServerCommands<'a> {
        ServerCommands { config }
    }

    /// `mkdir -p .kamal`.
    pub fn ensure_run_directory(&self) -> Command {
        make_directory(layout::RUN_DIRECTORY)
    }

    /// `rm -r .kamal/apps/<service>[-<destination>]`.
    pub fn remove_app_directory(&self) -> Command {
        remove_directory(&layout::app_directory(self.config))
    }

    /// `ls .kamal/apps | wc -l`: how many apps are deployed on the host (the proxy is only
    /// removed when none is left).
    pub fn app_directory_count(&self) -> Command {
        Command::new(["ls".to_string(), layout::apps_directory()]).via_env().pipe(Command::new(["wc", "-l"]))
    }
}
