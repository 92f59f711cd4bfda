//! A project in a temp dir: `config/deploy.yml` and whatever other files a test writes, loaded
//! with `tug_config::load`.

use std::path::Path;

use tug_config::{Config, ConfigErrors, LoadOptions};

/// A temp project directory; it is removed when dropped (keep it while the config is used:
/// paths in the config point into it).
pub struct Project {
    dir: tempfile::TempDir,
    options: LoadOptions,
}

impl Project {
    /// A project whose `config/deploy.yml` holds `deploy_yml`.
    pub fn new(deploy_yml: &str) -> Project {
        let dir = tempfile::tempdir().expect("temp dir");
        let options = LoadOptions::new(dir.path());
        Project { dir, options }.file("config/deploy.yml", deploy_yml)
    }

    /// Writes `text` to `path` (relative to the project; parent directories are made).
    pub fn file(self, path: &str, text: &str) -> Project {
        let path = self.dir.path().join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{}: {e}", parent.display()));
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        self
    }

    /// Writes `.kamal/secrets`.
    pub fn secrets(self, text: &str) -> Project {
        self.file(".kamal/secrets", text)
    }

    /// Makes an empty directory (e.g. `.kamal`).
    pub fn dir(self, path: &str) -> Project {
        let path = self.dir.path().join(path);
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        self
    }

    /// Loads with `--version version` (`None`: no version given).
    pub fn version(mut self, version: Option<&str>) -> Project {
        self.options.version = version.map(String::from);
        self
    }

    /// Loads with `-d destination` (its `config/deploy.<destination>.yml` is the test's to write).
    pub fn destination(mut self, destination: &str) -> Project {
        self.options.destination = Some(destination.to_string());
        self
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// What `tug_config::load` makes of the project.
    pub fn try_load(&self) -> Result<Config, ConfigErrors> {
        tug_config::load(&self.options)
    }

    /// The loaded config and the directory it lives in; panics with the errors when it does not
    /// load.
    pub fn load(self) -> (tempfile::TempDir, Config) {
        let config = self.try_load().unwrap_or_else(|e| panic!("config: {e:?}"));
        (self.dir, config)
    }

    /// The directory alone (for tests that run `tug` in it).
    pub fn into_dir(self) -> tempfile::TempDir {
        self.dir
    }
}
