//! How a hook runs (Kamal's `Commands::Hook`): the executable `<hooks_path>/<name>`, run
//! locally without a shell, with the `KAMAL_*` tags of the command in its environment and,
//! for the hooks that take them, every secret.
//!
//! The tags (`KAMAL_RECORDED_AT`, `KAMAL_PERFORMER`, `KAMAL_VERSION`, …) are computed by the
//! caller (they need the clock and git); this module only places them. Secret values stay
//! [`Sensitive`] so a plan shows `[REDACTED]`.

use indexmap::IndexMap;
use tug_config::{Config, Sensitive};

use crate::command::Command;

/// A value in a hook's environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookValue {
    /// A `KAMAL_*` tag, shown as is.
    Plain(String),
    /// A secret, shown as `[REDACTED]`.
    Secret(Sensitive<String>),
}

impl HookValue {
    /// The real value, for the child process.
    pub fn expose(&self) -> &str {
        match self {
            HookValue::Plain(v) => v,
            HookValue::Secret(s) => s.expose(),
        }
    }

    /// The value to show.
    pub fn shown(&self) -> &str {
        match self {
            HookValue::Plain(v) => v,
            HookValue::Secret(_) => tug_config::sensitive::REDACTED,
        }
    }
}

/// A hook's environment, in Kamal's order: tags, then secrets (a secret with a tag's name
/// replaces it, as Ruby's `merge!` does).
pub type HookEnv = IndexMap<String, HookValue>;

/// Hook commands for one configuration.
#[derive(Debug, Clone, Copy)]
pub struct HookCommands<'a> {
    config: &'a Config,
}

impl<'a> HookCommands<'a> {
    /// Commands for `config`.
    pub fn new(config: &'a Config) -> HookCommands<'a> {
        HookCommands { config }
    }

    /// `<hooks_path>/<hook>`, relative to the project directory (where it is run from).
    pub fn hook_file(&self, hook: &str) -> String {
        format!("{}/{hook}", self.config.hooks_path().trim_end_matches('/'))
    }

    /// The command: the hook file alone, executed directly.
    pub fn run(&self, hook: &str) -> Command {
        Command::new([self.hook_file(hook)])
    }

    /// The environment: `tags` (already named `KAMAL_*`, in order, e.g. `Tags::env`) and, when `secrets` is
    /// given, every secret after them.
    pub fn env(
        &self,
        tags: impl IntoIterator<Item = (String, String)>,
        secrets: Option<&IndexMap<String, Sensitive<String>>>,
    ) -> HookEnv {
        let mut env: HookEnv = tags.into_iter().map(|(k, v)| (k, HookValue::Plain(v))).collect();
        for (k, v) in secrets.into_iter().flatten() {
            env.insert(k.clone(), HookValue::Secret(v.clone()));
        }
        env
    }
}
