//! Test configurations written as `config/deploy.yml` in a temp dir and loaded with
//! `tug_config::load` (through `tug_test::Project`), the way the CLI loads them. Each root key is one flow-style YAML value,
//! so a test replaces exactly the keys it is about.

#![allow(dead_code)]

use tug_config::Config;

/// A loaded config and the directory it lives in.
pub struct Fixture {
    _dir: tempfile::TempDir,
    pub config: Config,
}

/// Root keys, in order; `set` replaces a key or appends it.
#[derive(Clone)]
pub struct Yaml {
    keys: Vec<(String, String)>,
    destination: Option<String>,
}

impl Yaml {
    pub fn new(keys: &[(&str, &str)]) -> Yaml {
        Yaml { keys: keys.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), destination: None }
    }

    pub fn set(mut self, key: &str, value: &str) -> Yaml {
        match self.keys.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value.to_string(),
            None => self.keys.push((key.to_string(), value.to_string())),
        }
        self
    }

    pub fn destination(mut self, d: &str) -> Yaml {
        self.destination = Some(d.to_string());
        self
    }

    pub fn text(&self) -> String {
        self.keys.iter().map(|(k, v)| format!("{k}: {v}\n")).collect()
    }

    pub fn load(&self) -> Fixture {
        let mut project = tug_test::Project::new(&self.text()).version(Some("999"));
        if let Some(d) = &self.destination {
            project = project.file(&format!("config/deploy.{d}.yml"), "x-destination: true\n").destination(d);
        }
        let config = match project.try_load() {
            Ok(c) => c,
            Err(e) => panic!("fixture does not load: {e:?}\n{}", self.text()),
        };
        Fixture { _dir: project.into_dir(), config }
    }
}

/// The app Kamal's command tests deploy: service `app`, image `dhh/app`, web on 1.1.1.1 and
/// workers on 1.1.1.2, one secret.
pub fn app() -> Yaml {
    Yaml::new(&[
        ("service", "app"),
        ("image", "dhh/app"),
        ("registry", "{username: dhh, password: secret}"),
        ("servers", "{web: [1.1.1.1], workers: [1.1.1.2]}"),
        ("env", "{secret: [RAILS_MASTER_KEY]}"),
        ("builder", "{arch: amd64}"),
    ])
}

/// One web host, no env (the lock, prune, auditor and docker tests).
pub fn single() -> Yaml {
    Yaml::new(&[
        ("service", "app"),
        ("image", "dhh/app"),
        ("registry", "{username: dhh, password: secret}"),
        ("servers", "[1.1.1.1]"),
        ("builder", "{arch: amd64}"),
    ])
}
