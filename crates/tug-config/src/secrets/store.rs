//! [`Secrets`]: the secrets files of one project and destination, read on first use.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use indexmap::IndexMap;

use super::dotenv::Evaluator;
use super::error::SecretsError;
use super::ruby;
use super::runner::{CommandRunner, Environment, ProcessEnv, SystemRunner};
use crate::sensitive::Sensitive;

/// The secrets of a project: `<secrets_path>-common`, then `<secrets_path>` (no destination) or
/// `<secrets_path>.<destination>`; later files override earlier ones and missing files are
/// skipped.
///
/// Nothing is read, and no `$(command)` runs, until the first lookup; the result (values or
/// error) is then kept. Concurrent first lookups wait for one evaluation, since a vault CLI may
/// be prompting for a password.
pub struct Secrets {
    root: PathBuf,
    secrets_path: String,
    destination: Option<String>,
    runner: Arc<dyn CommandRunner>,
    env: Arc<dyn Environment>,
    loaded: OnceLock<Result<Loaded, SecretsError>>,
}

struct Loaded {
    files: Vec<String>,
    values: IndexMap<String, Sensitive<String>>,
}

impl Secrets {
    /// Kamal's default `secrets_path`.
    pub const DEFAULT_PATH: &'static str = ".kamal/secrets";

    /// The secrets under `root` (the project directory, where commands run) at `secrets_path`
    /// (relative to `root`, usually [`Secrets::DEFAULT_PATH`]) for `destination`.
    pub fn new(root: impl Into<PathBuf>, secrets_path: impl Into<String>, destination: Option<String>) -> Self {
        Secrets {
            root: root.into(),
            secrets_path: secrets_path.into(),
            destination,
            runner: Arc::new(SystemRunner),
            env: Arc::new(ProcessEnv),
            loaded: OnceLock::new(),
        }
    }

    /// Uses `runner` for `$(command)`s and vault CLIs instead of real processes.
    pub fn with_runner(mut self, runner: Arc<dyn CommandRunner>) -> Self {
        self.runner = runner;
        self
    }

    /// Uses `env` instead of the process environment for `$VAR` fallbacks and adapter settings.
    pub fn with_env(mut self, env: Arc<dyn Environment>) -> Self {
        self.env = env;
        self
    }

    /// The files looked for, in order, as named in messages (`.kamal/secrets-common`,
    /// `.kamal/secrets` or `.kamal/secrets.<destination>`).
    pub fn filenames(&self) -> Vec<String> {
        let main = match &self.destination {
            Some(d) => format!("{}.{d}", self.secrets_path),
            None => self.secrets_path.clone(),
        };
        vec![format!("{}-common", self.secrets_path), main]
    }

    /// The files of [`Secrets::filenames`] that exist (checked now; reads nothing).
    pub fn existing_files(&self) -> Vec<String> {
        self.filenames().into_iter().filter(|f| self.path_of(f).exists()).collect()
    }

    /// Whether the files have been read already.
    pub fn is_loaded(&self) -> bool {
        self.loaded.get().is_some()
    }

    /// The secret `key`, or Kamal's `Secret 'KEY' not found in …` error.
    pub fn get(&self, key: &str) -> Result<Sensitive<String>, SecretsError> {
        let loaded = self.load()?;
        match loaded.values.get(key) {
            Some(v) => Ok(v.clone()),
            None if loaded.files.is_empty() => {
                Err(SecretsError::NoSecretFiles { key: key.to_string(), filenames: self.filenames() })
            }
            None => Err(SecretsError::NotFound { key: key.to_string(), files: loaded.files.clone() }),
        }
    }

    /// Kamal's `key?`: whether `key` is set to a non-blank value. Errors only when the files
    /// cannot be evaluated.
    pub fn contains(&self, key: &str) -> Result<bool, SecretsError> {
        Ok(self.load()?.values.get(key).is_some_and(|v| !ruby::is_blank(v.expose())))
    }

    /// Every secret, in file order.
    pub fn all(&self) -> Result<IndexMap<String, Sensitive<String>>, SecretsError> {
        Ok(self.load()?.values.clone())
    }

    fn path_of(&self, file: &str) -> PathBuf {
        self.root.join(file)
    }

    fn load(&self) -> Result<&Loaded, SecretsError> {
        self.loaded.get_or_init(|| self.read()).as_ref().map_err(Clone::clone)
    }

    fn read(&self) -> Result<Loaded, SecretsError> {
        let files = self.existing_files();
        let evaluator = Evaluator { dir: &self.root, runner: self.runner.as_ref(), env: self.env.as_ref() };
        let mut values = IndexMap::new();
        for file in &files {
            let path = self.path_of(file);
            if path.is_dir() {
                continue; // Kamal lists it but dotenv ignores it
            }
            let text = read_text(&path, file)?;
            evaluator.evaluate(file, &text, &mut values)?;
        }
        Ok(Loaded { files, values })
    }
}

fn read_text(path: &Path, name: &str) -> Result<String, SecretsError> {
    let bytes =
        std::fs::read(path).map_err(|e| SecretsError::Read { path: name.to_string(), reason: e.to_string() })?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    String::from_utf8(bytes.to_vec())
        .map_err(|_| SecretsError::Read { path: name.to_string(), reason: "it is not valid UTF-8".into() })
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secrets")
            .field("root", &self.root)
            .field("secrets_path", &self.secrets_path)
            .field("destination", &self.destination)
            .field("loaded", &self.is_loaded())
            .finish()
    }
}
