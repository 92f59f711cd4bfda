//! Settings, read from the environment (the container's env from `deploy.yml`, plus the
//! `KAMAL_VERSION` that Kamal and Tug set on every app container).

use std::path::PathBuf;
use std::time::Duration;

/// Where the database lives unless `DATABASE_PATH` says otherwise: the spec's volume.
pub const DEFAULT_DATABASE_PATH: &str = "/rails/storage/production.sqlite3";
/// Kamal's proxy sends traffic to port 80 unless `proxy.app_port` says otherwise.
pub const DEFAULT_PORT: u16 = 80;
/// Static files shipped in the image (the spec's `asset_path`).
pub const DEFAULT_ASSETS_PATH: &str = "/rails/public/assets";
/// How long in-flight requests may take to finish after SIGTERM. Kamal stops containers with
/// a 30 s timeout by default, so this stays below it.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(25);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub database_path: PathBuf,
    pub bind: String,
    pub port: u16,
    pub version: String,
    pub assets_path: PathBuf,
    pub shutdown_timeout: Duration,
}

/// A setting that is present but cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub var: &'static str,
    pub value: String,
    pub expected: &'static str,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={:?} is not valid: expected {}", self.var, self.value, self.expected)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (the environment, or a map in tests). Empty values
    /// count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let port = match get("PORT") {
            None => DEFAULT_PORT,
            Some(value) => value.trim().parse().map_err(|_| ConfigError {
                var: "PORT",
                value,
                expected: "a port number from 0 to 65535",
            })?,
        };
        let shutdown_timeout = match get("SHUTDOWN_TIMEOUT") {
            None => DEFAULT_SHUTDOWN_TIMEOUT,
            Some(value) => Duration::from_secs(value.trim().parse().map_err(|_| ConfigError {
                var: "SHUTDOWN_TIMEOUT",
                value,
                expected: "a whole number of seconds",
            })?),
        };
        Ok(Config {
            database_path: get("DATABASE_PATH").map_or_else(|| PathBuf::from(DEFAULT_DATABASE_PATH), PathBuf::from),
            bind: get("BIND").unwrap_or_else(|| "0.0.0.0".to_string()),
            port,
            version: version_from(&get),
            assets_path: get("ASSETS_PATH").map_or_else(|| PathBuf::from(DEFAULT_ASSETS_PATH), PathBuf::from),
            shutdown_timeout,
        })
    }
}

/// The deployed version: `KAMAL_VERSION` (set by Kamal and Tug on app containers), else
/// `APP_VERSION`, else `unknown`.
pub fn version_from(get: &impl Fn(&str) -> Option<String>) -> String {
    get("KAMAL_VERSION").or_else(|| get("APP_VERSION")).unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_match_the_spec_deployment() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database_path, PathBuf::from("/rails/storage/production.sqlite3"));
        assert_eq!(c.port, 80);
        assert_eq!(c.bind, "0.0.0.0");
        assert_eq!(c.version, "unknown");
        assert_eq!(c.assets_path, PathBuf::from("/rails/public/assets"));
    }

    #[test]
    fn kamal_version_wins_over_app_version() {
        assert_eq!(config(&[("KAMAL_VERSION", "abc"), ("APP_VERSION", "def")]).unwrap().version, "abc");
        assert_eq!(config(&[("KAMAL_VERSION", ""), ("APP_VERSION", "def")]).unwrap().version, "def");
    }

    #[test]
    fn bad_port_names_the_variable() {
        let err = config(&[("PORT", "eighty")]).unwrap_err();
        assert_eq!(err.var, "PORT");
        assert!(err.to_string().contains("eighty"));
    }
}
