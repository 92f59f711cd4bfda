//! A runner that records what would run and answers from a script: `--dry-run` plans and flow
//! tests use it. Secrets are recorded redacted only.

use std::sync::Mutex;

use tug_commands::Command;

use crate::error::ExecError;
use crate::output::Output;
use crate::runner::{RunOptions, Runner, Target, Upload};

/// One recorded action, secrets redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A command run on a target.
    Run {
        /// Where.
        target: Target,
        /// The command as shown (redacted).
        command: String,
    },
    /// A file put on a host.
    Upload {
        /// The host.
        host: String,
        /// The remote path.
        path: String,
        /// Its mode.
        mode: u32,
        /// The content, or `[REDACTED]` for secret files.
        content: String,
    },
}

struct Rule {
    host: Option<String>,
    contains: String,
    reply: Output,
    delay: std::time::Duration,
}

/// Records steps; replies to a command with the first scripted rule whose text it contains
/// (and whose host matches), else with success and empty output.
#[derive(Default)]
pub struct RecordingRunner {
    rules: Mutex<Vec<Rule>>,
    steps: Mutex<Vec<Step>>,
}

impl RecordingRunner {
    /// An empty recorder: every command succeeds and prints nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Scripts a reply for commands containing `contains` (on `host`, or anywhere).
    pub fn reply(&self, host: Option<&str>, contains: &str, reply: Output) -> &Self {
        self.reply_after(host, contains, reply, std::time::Duration::ZERO)
    }

    /// Like [`RecordingRunner::reply`], answering only after `delay` (orders events across
    /// hosts in flow tests: a host that fails late).
    pub fn reply_after(&self, host: Option<&str>, contains: &str, reply: Output, delay: std::time::Duration) -> &Self {
        if let Ok(mut r) = self.rules.lock() {
            r.push(Rule { host: host.map(str::to_string), contains: contains.to_string(), reply, delay });
        }
        self
    }

    /// What was recorded, in order.
    pub fn steps(&self) -> Vec<Step> {
        self.steps.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The commands run on one target, in order.
    pub fn commands_on(&self, target: &Target) -> Vec<String> {
        self.steps()
            .into_iter()
            .filter_map(|s| match s {
                Step::Run { target: t, command } if &t == target => Some(command),
                _ => None,
            })
            .collect()
    }
}

impl Runner for RecordingRunner {
    fn run(&self, target: &Target, command: &Command, _options: &RunOptions) -> Result<Output, ExecError> {
        let shown = command.to_redacted();
        if let Ok(mut s) = self.steps.lock() {
            s.push(Step::Run { target: target.clone(), command: shown.clone() });
        }
        let host = match target {
            Target::Host(h) => Some(h.as_str()),
            Target::Local => None,
        };
        let rules = self.rules.lock().map_err(|_| ExecError::Upload {
            host: String::new(),
            path: String::new(),
            message: "poisoned".into(),
        })?;
        let (reply, delay) = rules
            .iter()
            .find(|r| shown.contains(&r.contains) && (r.host.is_none() || r.host.as_deref() == host))
            .map(|r| (r.reply.clone(), r.delay))
            .unwrap_or_else(|| (Output::ok(""), std::time::Duration::ZERO));
        drop(rules);
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        Ok(reply)
    }

    fn stream(
        &self,
        host: &str,
        local: &Command,
        remote: &Command,
        _timeout: std::time::Duration,
    ) -> Result<Output, ExecError> {
        let shown = format!("{} | ssh {host} {}", local.to_redacted(), remote.to_redacted());
        if let Ok(mut s) = self.steps.lock() {
            s.push(Step::Run { target: Target::Local, command: shown });
        }
        Ok(Output::ok(""))
    }

    fn upload(&self, host: &str, upload: &Upload) -> Result<(), ExecError> {
        if let Ok(mut s) = self.steps.lock() {
            s.push(Step::Upload {
                host: host.to_string(),
                path: upload.remote_path.clone(),
                mode: upload.mode,
                content: if upload.sensitive {
                    "[REDACTED]".into()
                } else {
                    String::from_utf8_lossy(&upload.content).into_owned()
                },
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_redacted_and_replies_from_script() {
        let r = RecordingRunner::new();
        r.reply(Some("h1"), "docker ps", Output::ok("app-web-1\n"));
        let h1 = Target::Host("h1".into());
        let ps = Command::new(["docker", "ps"]);
        assert_eq!(r.run(&h1, &ps, &RunOptions::default()).unwrap().stdout, "app-web-1\n");
        assert_eq!(r.run(&Target::Host("h2".into()), &ps, &RunOptions::default()).unwrap().stdout, "");
        let login = Command::new(["docker", "login", "-p"]).secret("pw", "[REDACTED]");
        r.run(&h1, &login, &RunOptions::default()).unwrap();
        r.upload(
            "h1",
            &Upload { remote_path: ".kamal/x.env".into(), mode: 0o600, content: b"K=v".to_vec(), sensitive: true },
        )
        .unwrap();
        let shown = format!("{:?}", r.steps());
        assert!(!shown.contains("pw\"") && !shown.contains("K=v"), "{shown}");
        assert_eq!(r.commands_on(&h1), ["docker ps", "docker login -p [REDACTED]"]);
    }
}
