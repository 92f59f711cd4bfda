//! The steps flows are made of, and the branching primitive that lets one flow serve real
//! runs, online plans and offline plans.
//!
//! - [`Context::execute`] changes something: it runs (real) or is recorded (plan).
//! - [`Context::query`] only reads: it runs in real runs and online plans and returns a
//!   [`Fact::Known`]; in an offline plan it is shown and returns a [`Fact::Unknown`] whose
//!   placeholder (`<running version>`) stands for the answer in later commands.
//! - [`Context::branch`] runs a step only when a fact says so; when the fact is unknown it
//!   shows the step under `if <condition>:` (and the alternative under `otherwise:`).

use std::time::Instant;

use tug_commands::{Command, Wait};
use tug_exec::{Output, RunOptions, Target, Upload};

use crate::events::{Event, LOCAL};
use crate::flows::context::{Context, Mode};
use crate::flows::error::{FlowError, FlowResult};

/// What a query found out, or (offline) a stand-in for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact {
    /// The query ran; its output, trimmed.
    Known(String),
    /// The query could not run; the placeholder shown in its place.
    Unknown(String),
}

impl Fact {
    /// The answer, or the placeholder.
    pub fn text(&self) -> &str {
        match self {
            Fact::Known(s) | Fact::Unknown(s) => s,
        }
    }

    /// The answer when known.
    pub fn known(&self) -> Option<&str> {
        match self {
            Fact::Known(s) => Some(s),
            Fact::Unknown(_) => None,
        }
    }

    /// Applies a test to a known answer; `None` when unknown.
    pub fn decide(&self, test: impl FnOnce(&str) -> bool) -> Option<bool> {
        self.known().map(test)
    }

    /// `Some(true)` when the answer is non-empty.
    pub fn present(&self) -> Option<bool> {
        self.decide(|s| !s.trim().is_empty())
    }

    /// The answer or placeholder, unless the answer is known to be empty.
    pub fn presence(&self) -> Option<String> {
        match self {
            Fact::Known(s) if s.trim().is_empty() => None,
            other => Some(other.text().to_string()),
        }
    }
}

fn target_name(target: &Target) -> String {
    match target {
        Target::Local => LOCAL.to_string(),
        Target::Host(h) => h.clone(),
    }
}

/// Removes the command's secret values from text it printed.
fn scrub(command: &Command, text: &str) -> String {
    let mut out = text.to_string();
    for s in command.secret_values() {
        let bare = s.trim_matches('"');
        if !bare.is_empty() {
            out = out.replace(bare, "[REDACTED]");
        }
    }
    out
}

fn failed(target: &Target, command: &Command, out: &Output) -> FlowError {
    FlowError::CommandFailed {
        target: target_name(target),
        command: command.to_redacted(),
        status: out.status,
        tail: scrub(command, &out.tail(3)),
    }
}

/// What a command waits for when it is one of the waits a deploy is made of, outside Tug's
/// control (an image download, a new container's health check behind kamal-proxy), with how
/// long it may take: shown as progress in real runs (a line when it starts, one when it ends).
fn wait_of(command: &Command, timeout: std::time::Duration, deploy_timeout: u64) -> Option<(String, u64)> {
    match command.wait()? {
        Wait::Pull(image) => Some((format!("pull {image}"), timeout.as_secs())),
        Wait::ProxyDeploy => {
            Some(("the new container's health check, then the switch of traffic to it".into(), deploy_timeout))
        }
    }
}

impl Context<'_> {
    /// Ends a wait announced with [`Event::Wait`] (real runs only).
    pub fn waited(&self, target: Option<&str>, what: &str, started: Instant, ok: bool) {
        if self.mode() == Mode::Run {
            self.emit(Event::Waited {
                target: target.map(str::to_string),
                what: what.to_string(),
                millis: started.elapsed().as_millis(),
                ok,
            });
        }
    }

    fn run_with(&self, target: &Target, command: &Command, options: &RunOptions, strict: bool) -> FlowResult<Output> {
        let shown = command.to_redacted();
        let name = target_name(target);
        let wait = (self.mode() == Mode::Run)
            .then(|| wait_of(command, options.timeout, u64::try_from(self.config.deploy_timeout()).unwrap_or(30)))
            .flatten();
        self.emit(Event::Run { target: name.clone(), command: shown });
        if let Some((what, seconds)) = &wait {
            self.emit(Event::Wait { target: Some(name.clone()), what: what.clone(), seconds: *seconds });
        }
        let started = Instant::now();
        let out = self.runner().run(target, command, options);
        if let Some((what, _)) = &wait {
            self.waited(Some(&name), what, started, out.as_ref().is_ok_and(Output::success));
        }
        let out = out?;
        if self.mode() == Mode::Run {
            self.emit(Event::Finished { target: name, status: out.status, millis: started.elapsed().as_millis() });
        }
        if strict && !out.success() {
            return Err(failed(target, command, &out));
        }
        Ok(Output { stdout: scrub(command, &out.stdout), stderr: scrub(command, &out.stderr), status: out.status })
    }

    /// Runs a command that changes something; a non-zero exit fails the flow.
    pub fn execute(&self, target: &Target, command: &Command) -> FlowResult<Output> {
        self.run_with(target, command, &RunOptions::default(), true)
    }

    /// Like [`Context::execute`], but a non-zero exit is returned, not raised (Kamal's
    /// `raise_on_non_zero_exit: false`).
    pub fn execute_lenient(&self, target: &Target, command: &Command) -> FlowResult<Output> {
        self.run_with(target, command, &RunOptions::default(), false)
    }

    /// [`Context::execute`] with options (environment, working directory, timeout).
    pub fn execute_with(&self, target: &Target, command: &Command, options: &RunOptions) -> FlowResult<Output> {
        self.run_with(target, command, options, true)
    }

    fn ask(&self, target: &Target, command: &Command, about: &str, strict: bool) -> FlowResult<(Fact, Option<bool>)> {
        let shown = command.to_redacted();
        let name = target_name(target);
        let Some(runner) = self.query_runner() else {
            self.emit(Event::Query { target: name, command: shown, answer: None });
            return Ok((Fact::Unknown(format!("<{about}>")), None));
        };
        let started = Instant::now();
        let out = match runner.run(target, command, &RunOptions::default()) {
            Ok(out) => out,
            Err(e) if self.is_plan() => {
                self.warn(Some(&name), format!("could not ask ({e}); showing both branches"));
                self.emit(Event::Query { target: name, command: shown, answer: None });
                return Ok((Fact::Unknown(format!("<{about}>")), None));
            }
            Err(e) => return Err(e.into()),
        };
        let text = scrub(command, out.stdout.trim());
        if self.is_plan() {
            self.count_query();
            self.emit(Event::Query { target: name, command: shown, answer: Some(text.clone()) });
        } else {
            self.emit(Event::Query { target: name.clone(), command: shown, answer: None });
            self.emit(Event::Finished { target: name, status: out.status, millis: started.elapsed().as_millis() });
        }
        if strict && !out.success() {
            return Err(failed(target, command, &out));
        }
        Ok((Fact::Known(text), Some(out.success())))
    }

    /// A read-only query whose non-zero exit fails the flow (Kamal's `capture_with_info`).
    /// `about` names the answer (`running version`), shown as `<running version>` offline.
    pub fn query(&self, target: &Target, command: &Command, about: &str) -> FlowResult<Fact> {
        Ok(self.ask(target, command, about, true)?.0)
    }

    /// A query about what an earlier step of this flow makes (the container it just started):
    /// in a plan that step did not run, so the server is not asked and the plan shows the
    /// placeholder `<about>` instead.
    pub fn query_made(&self, target: &Target, command: &Command, about: &str) -> FlowResult<Fact> {
        if self.is_plan() {
            self.emit(Event::Query { target: target_name(target), command: command.to_redacted(), answer: None });
            return Ok(Fact::Unknown(format!("<{about}>")));
        }
        self.query(target, command, about)
    }

    /// A read-only query whose exit status is ignored.
    pub fn query_lenient(&self, target: &Target, command: &Command, about: &str) -> FlowResult<Fact> {
        Ok(self.ask(target, command, about, false)?.0)
    }

    /// A read-only check: whether the command succeeds (`None` offline).
    pub fn check(&self, target: &Target, command: &Command, about: &str) -> FlowResult<Option<bool>> {
        Ok(self.ask(target, command, about, false)?.1)
    }

    /// Runs `local` here with its output fed to `remote` on `h` (an image streamed with
    /// `docker save | ssh docker load`); a non-zero exit on either side fails the flow.
    pub fn stream(
        &self,
        h: &str,
        local: &Command,
        remote: &Command,
        timeout: std::time::Duration,
    ) -> FlowResult<Output> {
        let shown = format!("{} | ssh {h} {}", local.to_redacted(), remote.to_redacted());
        self.emit(Event::Run { target: LOCAL.to_string(), command: shown.clone() });
        let started = Instant::now();
        let out = self.runner().stream(h, local, remote, timeout)?;
        if self.mode() == Mode::Run {
            self.emit(Event::Finished {
                target: LOCAL.to_string(),
                status: out.status,
                millis: started.elapsed().as_millis(),
            });
        }
        if !out.success() {
            return Err(FlowError::CommandFailed {
                target: h.to_string(),
                command: shown,
                status: out.status,
                tail: out.tail(3),
            });
        }
        Ok(out)
    }

    /// Puts a file on a host.
    pub fn upload(&self, host: &str, upload: &Upload) -> FlowResult<()> {
        let content = (!upload.sensitive)
            .then(|| String::from_utf8(upload.content.clone()).ok())
            .flatten()
            .filter(|c| c.len() <= 4096);
        self.emit(Event::Upload {
            host: host.to_string(),
            path: upload.remote_path.clone(),
            mode: upload.mode,
            content,
            bytes: upload.content.len(),
        });
        self.runner().upload(host, upload)?;
        Ok(())
    }

    /// Runs `then` when `decided` is `Some(true)`, `otherwise` when `Some(false)`; when the
    /// answer is unknown (offline plan), shows both under `if condition:` / `otherwise:`.
    pub fn branch<T>(
        &self,
        target: Option<&str>,
        condition: &str,
        decided: Option<bool>,
        then: impl FnOnce() -> FlowResult<T>,
        otherwise: Option<&dyn Fn() -> FlowResult<()>>,
    ) -> FlowResult<Option<T>> {
        match decided {
            Some(true) => then().map(Some),
            Some(false) => {
                if let Some(o) = otherwise {
                    o()?;
                }
                Ok(None)
            }
            None => {
                let t = target.map(str::to_string);
                self.emit(Event::Branch { target: t.clone(), condition: condition.to_string() });
                let out = then()?;
                if let Some(o) = otherwise {
                    self.emit(Event::BranchElse { target: t.clone() });
                    o()?;
                }
                self.emit(Event::BranchEnd { target: t });
                Ok(Some(out))
            }
        }
    }

    /// Runs `then` only when `decided` is true (or unknown: shown under `if condition:`).
    pub fn when<T>(
        &self,
        target: Option<&str>,
        condition: &str,
        decided: Option<bool>,
        then: impl FnOnce() -> FlowResult<T>,
    ) -> FlowResult<Option<T>> {
        self.branch(target, condition, decided, then, None)
    }

    /// Two steps that do not depend on each other, at once in real runs; one after the other in
    /// plans, so that they read in order. Both run to the end; the first one's error wins.
    pub fn together<A: Send, B: Send>(
        &self,
        first: impl FnOnce() -> FlowResult<A> + Send,
        second: impl FnOnce() -> FlowResult<B> + Send,
    ) -> FlowResult<(A, B)> {
        if self.is_plan() {
            let a = first()?;
            return Ok((a, second()?));
        }
        let (a, b) = std::thread::scope(|s| {
            let other = s.spawn(second);
            let a = first();
            (a, other.join().unwrap_or_else(|_| Err(FlowError::msg("a step's thread panicked"))))
        });
        Ok((a?, b?))
    }

    /// Runs `work` on every host (bounded by `sshkit.max_concurrent_starts`; one at a time in
    /// plans, so they read in order). Runs the `pre-connect` hook first, once. Every host's
    /// error is kept; the first is returned.
    pub fn on_hosts<T: Send>(
        &self,
        hosts: &[String],
        work: impl Fn(&str) -> FlowResult<T> + Sync,
    ) -> FlowResult<Vec<T>> {
        if hosts.is_empty() {
            return Ok(Vec::new());
        }
        crate::flows::hooks::pre_connect(self)?;
        let limit = if self.is_plan() {
            1
        } else {
            usize::try_from(self.config.sshkit.max_concurrent_starts()).unwrap_or(30).max(1)
        };
        let results = tug_exec::fanout::for_each_host(hosts, limit, work);
        let mut ok = Vec::new();
        let mut errors = Vec::new();
        for r in results {
            match r {
                Ok(v) => ok.push(v),
                Err(e) => errors.push(e),
            }
        }
        match errors.len() {
            0 => Ok(ok),
            1 => Err(errors.remove(0)),
            n => {
                let first = errors.remove(0);
                Err(FlowError::Message(format!(
                    "{first} (and failures on {} more host{})",
                    n - 1,
                    if n > 2 { "s" } else { "" }
                )))
            }
        }
    }

    /// Runs `work` on one host.
    pub fn on_host<T: Send>(&self, host: &str, work: impl Fn(&str) -> FlowResult<T> + Sync) -> FlowResult<T> {
        let mut v = self.on_hosts(&[host.to_string()], work)?;
        v.pop().ok_or_else(|| FlowError::msg("no result"))
    }

    /// Kamal's `on_roles`: for every selected role on `hosts`; with `parallel`, one thread per
    /// role, else hosts in parallel with each host's roles in turn.
    pub fn on_roles(
        &self,
        hosts: &[String],
        parallel: bool,
        work: impl Fn(&str, &str) -> FlowResult<()> + Sync,
    ) -> FlowResult<()> {
        if parallel && !self.is_plan() {
            let results: Vec<FlowResult<()>> = std::thread::scope(|s| {
                let handles: Vec<_> = self
                    .selection
                    .roles
                    .iter()
                    .filter_map(|role| {
                        let role_hosts: Vec<String> =
                            self.selection.role_hosts(role).into_iter().filter(|h| hosts.contains(h)).collect();
                        if role_hosts.is_empty() {
                            return None;
                        }
                        let work = &work;
                        Some(s.spawn(move || self.on_hosts(&role_hosts, |h| work(h, role)).map(|_| ())))
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|_| Err(FlowError::msg("a role's thread panicked"))))
                    .collect()
            });
            return results.into_iter().collect::<FlowResult<Vec<()>>>().map(|_| ());
        }
        if parallel {
            for role in &self.selection.roles {
                let role_hosts: Vec<String> =
                    self.selection.role_hosts(role).into_iter().filter(|h| hosts.contains(h)).collect();
                self.on_hosts(&role_hosts, |h| work(h, role))?;
            }
            return Ok(());
        }
        self.on_hosts(hosts, |h| {
            for role in self.selection.roles_on(h) {
                work(h, &role)?;
            }
            Ok(())
        })
        .map(|_| ())
    }
}

/// A host as a runner target.
pub fn host(h: &str) -> Target {
    Target::Host(h.to_string())
}
