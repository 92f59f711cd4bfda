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
    /// Never read (plans): values are `[REDACTED]`, names come from scanning the files
    /// without evaluating them.
    Redacted,
}

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

    /// The secret `name` (`[REDACTED]` in plans, which read no secrets).
    pub fn secret(&self, name: &str) -> FlowResult<Sensitive<String>> {
        match &self.secrets {
            SecretAccess::Read(s) => Ok(s.get(name)?),
            SecretAccess::Redacted => Ok(Sensitive::new("[REDACTED]".to_string())),
        }
    }

    /// Every secret, for hooks that get them (names only, values `[REDACTED]`, in plans).
    pub fn all_secrets(&self) -> FlowResult<IndexMap<String, Sensitive<String>>> {
        match &self.secrets {
            SecretAccess::Read(s) => Ok(s.all()?),
            SecretAccess::Redacted => {
                Ok(self.secret_names().into_iter().map(|n| (n, Sensitive::new("[REDACTED]".to_string()))).collect())
            }
        }
    }

    /// The names assigned in the secrets files, read without evaluating them.
    fn secret_names(&self) -> Vec<String> {
        let probe = Secrets::new(self.config.root.clone(), self.config.secrets_path(), self.config.destination.clone());
        let mut names: Vec<String> = Vec::new();
        for file in probe.existing_files() {
            let Ok(text) = std::fs::read_to_string(self.config.root.join(&file)) else { continue };
            let text = tug_config::secrets::dotenv::normalize_newlines(&text).into_owned();
            for a in tug_config::secrets::dotenv::scan(&text) {
                let name = text[a.key.clone()].to_string();
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        names
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
