//! Custom error pages for kamal-proxy, one directory per version under the proxy's
//! `apps-config` tree.

use super::AppCommands;
use crate::command::Command;
use crate::docker::make_directory;
use crate::layout::error_pages_directory;

impl AppCommands<'_> {
    /// `mkdir -p .kamal/proxy/apps-config/<svc_dest>/error_pages`.
    pub fn create_error_pages_directory(&self) -> Command {
        make_directory(&error_pages_directory(self.config))
    }

    /// Removes the error pages of every version but the current one.
    pub fn clean_up_error_pages(&self) -> Command {
        Command::new([
            "find",
            &error_pages_directory(self.config),
            "-mindepth",
            "1",
            "-maxdepth",
            "1",
            "!",
            "-name",
            self.version,
            "-exec",
            "rm",
            "-rf",
            "{} +",
        ])
        .via_env()
    }
}
