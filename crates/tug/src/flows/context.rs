//! [`Context`]: everything a flow needs — the config, the selected hosts and roles, secrets,
//! the runner, the event sink, the inputs from the world — and whether this is a real run or a
//! plan.
//!
//! One flow serves three uses. In a real run every command goes to the runner (SSH or local).
//! In a plan, commands that change something go to a recording runner (nothing runs), while
//! read-only queries either run on the servers (online plan) or are left open (offline plan),
//! in which case the flow shows the steps that depend on them under their condition (see
//! `flows::step`).

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use indexmap::IndexMap;
use tug_commands::tags::Tags;
use tug_config::secrets::Secrets;
use tug_config::{Config, Sensitive};
use tug_exec::Runner;

use crate::events::{Event, EventSink};
use crate::flows::error::{FlowError, FlowResult};
use crate::selection::Selection;
use crate::world::Inputs;

/// Real run or plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Run everything.
    Run,
    /// Change nothing; `online` lets read-only queries reach the servers.
    Plan {
        /// Whether queries may run.
        online: bool,
    },
}

/// Options from the command line that flows honour.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `-H`: run no hooks.
    pub skip_hooks: bool,
    /// `--lock-wait`.
    pub lock_wait: bool,
    /// `--lock-wait-timeout`, seconds.
    pub lock_wait_timeout: u64,
    /// `--lock-wait-interval`, seconds.
    pub lock_wait_interval: u64,
    /// `--version` was given.
    pub version_given: bool,
}

/// Where secret values come from.
pub enum SecretAccess<'a> {
    /// The project's secrets files (real runs).
    Read(&'a Secrets),
    /// Online plans: the files are evaluated as a real run evaluates them (`$(…)` included),
    /// and a missing, empty or failing secret stops the plan; values are `[REDACTED]`.
    Checked(&'a Secrets),
    /// Offline plans: the files are read without running their `$(…)` commands; a secret
    /// written nowhere, or written empty, stops the plan; values are `[REDACTED]`.
    Redacted,
}

/// What plans show instead of a secret's value.
const REDACTED: &str = "[REDACTED]";

/// A flow's world.
pub struct Context<'a> {
    /// The configuration.
    pub config: &'a Config,
    /// Selected hosts and roles.
    pub selection: Selection,
    /// Events go here.
    pub events: &'a dyn EventSink,
    /// Clock, performer, random hex.
    pub inputs: Inputs,
    /// Command-line options.
    pub options: Options,
    /// The command (`deploy`, or the group `app` for `app boot`), for `KAMAL_COMMAND`.
    pub command: String,
    /// The subcommand (`boot`), for `KAMAL_SUBCOMMAND`.
    pub subcommand: Option<String>,
    secrets: SecretAccess<'a>,
    runner: &'a dyn Runner,
    queries: Option<&'a dyn Runner>,
    mode: Mode,
    version: Mutex<Option<String>>,
    holding_lock: AtomicBool,
    connected: AtomicBool,
    query_count: AtomicUsize,
    /// Secrets an offline plan said it did not evaluate.
    unevaluated: Mutex<Vec<String>>,
    /// What this run already did or found out on each host.
    pub(crate) memo: crate::flows::memo::RunMemo,
}

/// How a context is made.
pub struct ContextParts<'a> {
    /// The configuration.
    pub config: &'a Config,
    /// Selected hosts and roles.
    pub selection: Selection,
    /// Events go here.
    pub events: &'a dyn EventSink,
    /// Inputs from the world.
    pub inputs: Inputs,
    /// Options.
    pub options: Options,
    /// Command and subcommand.
    pub command: (String, Option<String>),
    /// Secrets.
    pub secrets: SecretAccess<'a>,
    /// Runs commands that change something (a recorder in plans).
    pub runner: &'a dyn Runner,
    /// Runs read-only queries (`None`: offline plan).
    pub queries: Option<&'a dyn Runner>,
    /// Real run or plan.
    pub mode: Mode,
    /// The app version (`None` when it cannot be known, e.g. outside git).
    pub version: Option<String>,
}

impl<'a> Context<'a> {
    /// A context from its parts.
    pub fn new(p: ContextParts<'a>) -> Context<'a> {
        let holding = p.inputs.lock_inherited;
        Context {
            config: p.config,
            selection: p.selection,
            events: p.events,
            inputs: p.inputs,
            options: p.options,
            command: p.command.0,
            subcommand: p.command.1,
            secrets: p.secrets,
            runner: p.runner,
            queries: p.queries,
            mode: p.mode,
            version: Mutex::new(p.version),
            holding_lock: AtomicBool::new(holding),
            connected: AtomicBool::new(false),
            query_count: AtomicUsize::new(0),
            unevaluated: Mutex::new(Vec::new()),
            memo: crate::flows::memo::RunMemo::default(),
        }
    }

    /// Real run or plan.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Whether nothing may change.
    pub fn is_plan(&self) -> bool {
        matches!(self.mode, Mode::Plan { .. })
    }

    pub(crate) fn runner(&self) -> &'a dyn Runner {
        self.runner
    }

    pub(crate) fn query_runner(&self) -> Option<&'a dyn Runner> {
        match self.mode {
            Mode::Run => Some(self.runner),
            Mode::Plan { .. } => self.queries,
        }
    }

    pub(crate) fn count_query(&self) {
        self.query_count.fetch_add(1, Ordering::SeqCst);
    }

    /// How many queries reached a server or ran locally during a plan.
    pub fn queries_made(&self) -> usize {
        self.query_count.load(Ordering::SeqCst)
    }

    /// Emits an event.
    pub fn emit(&self, event: Event) {
        self.events.emit(event);
    }

    /// Emits a stage message.
    pub fn phase(&self, message: impl Into<String>) {
        self.emit(Event::Phase { message: message.into() });
    }

    /// Emits a warning.
    pub fn warn(&self, target: Option<&str>, message: impl Into<String>) {
        self.emit(Event::Warning { target: target.map(str::to_string), message: message.into() });
    }

    /// The app version acted on.
    pub fn version(&self) -> FlowResult<String> {
        self.version.lock().ok().and_then(|v| v.clone()).ok_or_else(|| {
            FlowError::Invalid(
                "no app version: pass `--version VERSION`, set `VERSION`, or run inside a git repository".into(),
            )
        })
    }

    /// The version, if known.
    pub fn version_opt(&self) -> Option<String> {
        self.version.lock().ok().and_then(|v| v.clone())
    }

    /// Acts on another version from now on; returns the previous one.
    pub fn set_version(&self, v: Option<String>) -> Option<String> {
        match self.version.lock() {
            Ok(mut g) => std::mem::replace(&mut *g, v),
            Err(_) => None,
        }
    }

    /// Whether this run holds the deploy lock.
    pub fn holding_lock(&self) -> bool {
        self.holding_lock.load(Ordering::SeqCst)
    }

    pub(crate) fn set_holding_lock(&self, held: bool) {
        self.holding_lock.store(held, Ordering::SeqCst);
    }

    pub(crate) fn mark_connected(&self) -> bool {
        self.connected.swap(true, Ordering::SeqCst)
    }

    /// The secret `name`. Plans check it as a real run would need it (there, missing, empty
    /// and failing secrets are errors) and give `[REDACTED]`: no value ever reaches a plan.
    pub fn secret(&self, name: &str) -> FlowResult<Sensitive<String>> {
        match &self.secrets {
            SecretAccess::Read(s) => Ok(s.get(name)?),
            SecretAccess::Checked(s) => {
                let value = s.get(name)?;
                if value.expose().trim().is_empty() {
                    return Err(self.empty_secret(name, &s.existing_files()));
                }
                Ok(Sensitive::new(REDACTED.to_string()))
            }
            SecretAccess::Redacted => {
                self.check_unevaluated(name)?;
                Ok(Sensitive::new(REDACTED.to_string()))
            }
        }
    }

    /// Every secret, for hooks that get them (names only, values `[REDACTED]`, in plans).
    pub fn all_secrets(&self) -> FlowResult<IndexMap<String, Sensitive<String>>> {
        let redacted = |names: Vec<String>| names.into_iter().map(|n| (n, Sensitive::new(REDACTED.to_string())));
        match &self.secrets {
            SecretAccess::Read(s) => Ok(s.all()?),
            SecretAccess::Checked(s) => Ok(redacted(s.all()?.into_keys().collect()).collect()),
            SecretAccess::Redacted => {
                Ok(redacted(self.written_secrets().into_iter().map(|(name, _)| name).collect()).collect())
            }
        }
    }

    fn empty_secret(&self, name: &str, files: &[String]) -> FlowError {
        FlowError::Invalid(format!(
            "secret `{name}` is empty in {}: the command needs a value; set one there (a real run would use the empty value)",
            if files.is_empty() { self.config.secrets_path() } else { files.join(", ") }
        ))
    }

    /// Offline: the secret must be written in a secrets file, and not be written empty; a
    /// value made by `$(…)` is not run, which the plan says once per secret.
    fn check_unevaluated(&self, name: &str) -> FlowResult<()> {
        let written = self.written_secrets();
        let probe = self.secrets_files();
        let files = probe.existing_files();
        let Some((_, raw)) = written.iter().rev().find(|(n, _)| n == name) else {
            return Err(if files.is_empty() {
                tug_config::secrets::SecretsError::NoSecretFiles { key: name.to_string(), filenames: probe.filenames() }
            } else {
                tug_config::secrets::SecretsError::NotFound { key: name.to_string(), files }
            }
            .into());
        };
        let unquoted = raw.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        if unquoted.is_empty() {
            return Err(self.empty_secret(name, &files));
        }
        if raw.contains('$')
            && let Ok(mut noted) = self.unevaluated.lock()
            && !noted.iter().any(|n| n == name)
        {
            noted.push(name.to_string());
            self.warn(
                None,
                format!(
                    "secret `{name}` is made by `$(…)` or `$VAR` in the secrets files, which an --offline plan does not evaluate: its value is not checked (a plan without --offline checks it)"
                ),
            );
        }
        Ok(())
    }

    fn secrets_files(&self) -> Secrets {
        Secrets::new(self.config.root.clone(), self.config.secrets_path(), self.config.destination.clone())
    }

    /// The names assigned in the secrets files with their raw values, in file order, read
    /// without evaluating them.
    fn written_secrets(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for file in self.secrets_files().existing_files() {
            let Ok(text) = std::fs::read_to_string(self.config.root.join(&file)) else { continue };
            let text = tug_config::secrets::dotenv::normalize_newlines(&text).into_owned();
            for a in tug_config::secrets::dotenv::scan(&text) {
                let raw = a.value.clone().map_or(String::new(), |v| text[v].to_string());
                out.push((text[a.key.clone()].to_string(), raw));
            }
        }
        out
    }

    /// The project directory (hooks and builds run there).
    pub fn root(&self) -> PathBuf {
        self.config.root.clone()
    }

    /// Kamal's tags for this run: time, performer, destination, version, service.
    pub fn tags(&self) -> Tags {
        let version = self.version_opt();
        Tags::from_config(self.config, version.as_deref(), &self.inputs.clock.recorded_at(), &self.inputs.performer)
    }
}
