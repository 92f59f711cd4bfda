//! Runs a server-side command: builds the [`Context`] from the command line (hosts, roles,
//! secrets, runners, renderer), then the flow for real or as a plan (`--dry-run`).

use std::io::Write;

use tug_commands::docker::Interactive;
use tug_config::secrets::Secrets;
use tug_exec::Runner;
use tug_exec::ssh::SshRunner;

use super::global::GlobalArgs;
use super::load::load_config;
use crate::error::{Error, ExitStatus};
use crate::events::EventSink;
use crate::flows::FlowResult;
use crate::flows::context::{Context, ContextParts, Mode, Options, SecretAccess};
use crate::plan::{self, Plan};
use crate::render::json::JsonRenderer;
use crate::render::plan::PlanRenderer;
use crate::render::progress::ProgressRenderer;
use crate::render::{self, Verbosity};
use crate::selection::Selection;
use crate::ssh_options::ssh_options;
use crate::world::Environment;

/// A command for the servers, not run yet: [`Remote::run`] runs its flow.
pub struct Remote<'a> {
    global: &'a GlobalArgs,
    /// Canonical command names from the top down (`app`, `boot`).
    path: &'a [String],
    env: Environment,
    question: Option<&'static str>,
}

impl<'a> Remote<'a> {
    /// The command named by `path` (canonical words from the top down), with `global`'s
    /// options, to run in `env`. Not the parsed command line itself: the clap tree names every
    /// group's arguments, and the groups use this type.
    pub fn new(global: &'a GlobalArgs, path: &'a [String], env: Environment) -> Self {
        Remote { global, path, env, question: None }
    }

    /// The global options of the command line.
    pub fn global(&self) -> &'a GlobalArgs {
        self.global
    }

    /// The command without global options (`proxy upgrade`).
    pub fn command_line(&self) -> String {
        self.path.join(" ")
    }

    /// How `docker exec` gets standard input: a terminal when this side has one.
    pub fn stdin(&self) -> Interactive {
        if self.env.interactive { Interactive::Tty } else { Interactive::Piped }
    }

    /// Asks `question` before a real run, unless `confirmed` (`-y`).
    pub fn confirm_unless(mut self, confirmed: bool, question: &'static str) -> Self {
        if !confirmed {
            self.question = Some(question);
        }
        self
    }

    /// Runs `flow` for real, or as a plan with `--dry-run`.
    pub fn run(mut self, flow: impl FnOnce(&Context) -> FlowResult<()>) -> Result<ExitStatus, Error> {
        let global = self.global;
        let config = load_config(global, &self.env.root)?;
        let selection =
            Selection::new(&config, global.hosts.as_deref(), global.roles.as_deref(), global.primary).map_err(|e| {
                Error::InvalidArgument { message: e.0, help: Some("`tug config` lists the hosts and roles".into()) }
            })?;
        let plan_mode = global.dry_run;
        if !plan_mode && global.offline {
            return Err(Error::InvalidArgument {
                message: format!(
                    "`tug {}` needs the servers, and --offline forbids contacting them",
                    self.command_line()
                ),
                help: Some("add --dry-run to see the plan without contacting any server".into()),
            });
        }
        if !plan_mode
            && let Some(question) = self.question
            && !self.env.confirm(question)
        {
            let _ = writeln!(self.env.err, "Aborted");
            return Ok(ExitStatus::Failure);
        }
        let command_line = self.command_line();
        let Environment { inputs, out, err, .. } = self.env;
        let sink = renderer(global, out, err);
        let secrets = Secrets::new(config.root.clone(), config.secrets_path(), config.destination.clone());
        let ssh = SshRunner::new(ssh_options(&config));
        let queries: Option<&dyn Runner> = if global.offline { None } else { Some(&ssh) };
        let plan = Plan::new(queries);
        let (runner, mode, secret_access): (&dyn Runner, Mode, SecretAccess) = if plan_mode {
            // A plan checks the secrets as the run would read them; offline, without `$(…)`.
            let access = if global.offline { SecretAccess::Redacted } else { SecretAccess::Checked(&secrets) };
            (&plan.recorder, plan.mode(), access)
        } else {
            (&ssh, Mode::Run, SecretAccess::Read(&secrets))
        };
        let ctx = Context::new(ContextParts {
            config: &config,
            selection,
            events: sink.as_ref(),
            inputs,
            options: Options {
                skip_hooks: global.skip_hooks,
                lock_wait: global.lock_wait,
                lock_wait_timeout: global.lock_wait_timeout,
                lock_wait_interval: global.lock_wait_interval,
                version_given: global.app_version.is_some(),
            },
            command: names(self.path),
            secrets: secret_access,
            runner,
            queries: plan.queries,
            mode,
            version: config.version().ok().map(str::to_string),
        });
        let result = if plan_mode { plan::run(&ctx, &command_line, flow) } else { flow(&ctx) };
        result.map(|()| ExitStatus::Success).map_err(Error::Flow)
    }
}

/// JSON lines with `--json`; otherwise the plan with `--dry-run`, or the progress of a real run.
fn renderer(global: &GlobalArgs, out: Box<dyn Write + Send>, err: Box<dyn Write + Send>) -> Box<dyn EventSink> {
    let verbosity = if global.quiet {
        Verbosity::Quiet
    } else if global.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    if global.json {
        Box::new(JsonRenderer::new(render::stream(out)))
    } else if global.dry_run {
        Box::new(PlanRenderer::new(render::stream(out)))
    } else {
        Box::new(ProgressRenderer::new(render::stream(out), render::stream(err), verbosity))
    }
}

/// The words of the command (`app`, `boot`) for `KAMAL_COMMAND`/`KAMAL_SUBCOMMAND`.
fn names(path: &[String]) -> (String, Option<String>) {
    let mut path = path.iter().cloned();
    let command = path.next().unwrap_or_default();
    (command, path.next())
}
