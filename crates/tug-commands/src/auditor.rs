//! The audit log on each server: one line per change, appended to
//! `.kamal/<service>[-<destination>]-audit.log`.

use tug_config::Config;

use crate::command::Command;
use crate::docker::make_directory;
use crate::layout::RUN_DIRECTORY;
use crate::shell::escape_shell_value;
use crate::tags::Tags;

/// Builds audit commands. `tags` are the run's tags ([`Tags::from_config`], plus details such
/// as `role`); the line shows them without `version`, `service_version` and `service`.
#[derive(Debug, Clone)]
pub struct Auditor<'a> {
    config: &'a Config,
    tags: Tags,
}

impl<'a> Auditor<'a> {
    /// An auditor for a run with these tags.
    pub fn new(config: &'a Config, tags: Tags) -> Self {
        Auditor { config, tags }
    }

    /// `mkdir -p .kamal && echo "[time] [performer] [details…] <line>" >> <audit log>`.
    /// `details` are added to this line's tags (`detail`, `role`, …).
    pub fn record(&self, line: &str, details: &[(&str, &str)]) -> Command {
        Command::new(["mkdir", "-p", RUN_DIRECTORY])
            .via_env()
            .and(Command::new(["echo".to_string(), escape_shell_value(&self.audit_line(line, details))]))
            .arg(">>")
            .arg(self.audit_log_file())
    }

    /// `tail -n 50 <audit log>`.
    pub fn reveal(&self) -> Command {
        Command::new(["tail".to_string(), "-n".to_string(), "50".to_string(), self.audit_log_file()]).via_env()
    }

    /// `.kamal/<service>[-<destination>]-audit.log`.
    pub fn audit_log_file(&self) -> String {
        let mut name = self.config.service.clone();
        if let Some(d) = &self.config.destination {
            name.push('-');
            name.push_str(d);
        }
        format!("{RUN_DIRECTORY}/{name}-audit.log")
    }

    /// The text of one audit line.
    pub fn audit_line(&self, line: &str, details: &[(&str, &str)]) -> String {
        let tags = details.iter().fold(self.tags.clone(), |t, (k, v)| t.with(k, Some(v)));
        format!("{} {line}", tags.except(&["version", "service_version", "service"]))
    }

    /// `mkdir -p .kamal`.
    pub fn make_run_directory(&self) -> Command {
        make_directory(RUN_DIRECTORY)
    }
}
