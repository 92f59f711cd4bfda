//! Kamal's tags: the details of one run (when, who, destination, version, service, and for
//! hooks the hosts, roles, lock state and command). They become `KAMAL_*` variables in a hook's
//! environment and `[value]` prefixes on audit lines.
//!
//! Nothing here reads the clock or git: the caller passes the time (`recorded_at`, ISO 8601 in
//! UTC) and the performer (git email, else the local user name).

use std::fmt;

use tug_config::Config;

/// Ordered tags (`recorded_at`, `performer`, …), with `nil` values left out as Kamal does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags {
    tags: Vec<(String, String)>,
}

/// Kamal's `abbreviated_version`: the first 7 characters, unless the version contains `_`
/// (`<sha>_uncommitted_<hex>` is kept whole).
pub fn abbreviated_version(version: &str) -> String {
    if version.contains('_') { version.to_string() } else { version.chars().take(7).collect() }
}

/// `<service>@<abbreviated version>` (just the service without a version).
pub fn service_version(service: &str, version: Option<&str>) -> String {
    match version {
        Some(v) => format!("{service}@{}", abbreviated_version(v)),
        None => service.to_string(),
    }
}

impl Tags {
    /// No tags.
    pub fn new() -> Tags {
        Tags::default()
    }

    /// Kamal's default tags: `recorded_at`, `performer`, `destination` (when set), `version`,
    /// `service_version` and `service`.
    pub fn from_config(config: &Config, version: Option<&str>, recorded_at: &str, performer: &str) -> Tags {
        Tags::new()
            .with("recorded_at", Some(recorded_at))
            .with("performer", Some(performer))
            .with("destination", config.destination.as_deref())
            .with("version", version)
            .with("service_version", Some(service_version(&config.service, version).as_str()))
            .with("service", Some(config.service.as_str()))
    }

    /// Sets a tag (in place when it exists, else at the end); `None` removes it, as a `nil`
    /// detail does in Kamal. Hook details are `hosts` (comma-joined), `roles` (comma-joined),
    /// `lock` (`true`/`false`), `command`, `subcommand`; audits add `role` or `detail`.
    pub fn with(mut self, key: &str, value: Option<&str>) -> Tags {
        match (self.tags.iter().position(|(k, _)| k == key), value) {
            (Some(i), Some(v)) => self.tags[i].1 = v.to_string(),
            (Some(i), None) => {
                self.tags.remove(i);
            }
            (None, Some(v)) => self.tags.push((key.to_string(), v.to_string())),
            (None, None) => {}
        }
        self
    }

    /// A tag's value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The tags without `keys`.
    pub fn except(&self, keys: &[&str]) -> Tags {
        Tags { tags: self.tags.iter().filter(|(k, _)| !keys.contains(&k.as_str())).cloned().collect() }
    }

    /// The tags as `KAMAL_<KEY>` environment variables, in order.
    pub fn env(&self) -> Vec<(String, String)> {
        self.tags.iter().map(|(k, v)| (format!("KAMAL_{}", k.to_uppercase()), v.clone())).collect()
    }

    /// The tags, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// `[value] [value] …`.
impl fmt::Display for Tags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (_, v)) in self.tags.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "[{v}]")?;
        }
        Ok(())
    }
}
