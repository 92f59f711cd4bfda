//! The state file (`~/.config/kamal-proxy/kamal-proxy.state`): a JSON array of services in
//! kamal-proxy's format, legacy fields included, written after every change and read at start.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::options::{ServiceOptions, TargetOptions};
use crate::routing::pause::PauseSnapshot;
use crate::routing::rollout::RolloutController;

/// One service as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ServiceState {
    /// Service name.
    pub name: String,
    /// Service options.
    pub options: ServiceOptions,
    /// Target options.
    pub target_options: TargetOptions,
    /// Writer targets.
    pub active_targets: Option<Vec<String>>,
    /// Reader targets.
    pub active_readers: Option<Vec<String>>,
    /// Rollout writers.
    pub rollout_targets: Option<Vec<String>>,
    /// Rollout readers.
    pub rollout_readers: Option<Vec<String>>,
    /// Pause state.
    pub pause_controller: Option<PauseSnapshot>,
    /// Rollout split.
    pub rollout_controller: Option<RolloutController>,
    /// Older format: one active target.
    #[serde(rename = "active_target", skip_serializing_if = "String::is_empty")]
    pub legacy_active_target: String,
    /// Older format: one rollout target.
    #[serde(rename = "rollout_target", skip_serializing_if = "String::is_empty")]
    pub legacy_rollout_target: String,
    /// Older format: hosts at the top level.
    #[serde(rename = "hosts", skip_serializing_if = "Vec::is_empty")]
    pub legacy_hosts: Vec<String>,
    /// Older format: path prefixes at the top level.
    #[serde(rename = "path_prefixes", skip_serializing_if = "Vec::is_empty")]
    pub legacy_path_prefixes: Vec<String>,
}

impl ServiceState {
    /// Moves legacy fields into their current places and normalises the options.
    pub fn upgrade_legacy(&mut self) {
        if self.active_targets.as_ref().is_none_or(Vec::is_empty) && !self.legacy_active_target.is_empty() {
            self.active_targets = Some(vec![std::mem::take(&mut self.legacy_active_target)]);
        }
        if self.rollout_targets.as_ref().is_none_or(Vec::is_empty) && !self.legacy_rollout_target.is_empty() {
            self.rollout_targets = Some(vec![std::mem::take(&mut self.legacy_rollout_target)]);
        }
        if self.options.hosts.is_empty() && !self.legacy_hosts.is_empty() {
            self.options.hosts = std::mem::take(&mut self.legacy_hosts);
        }
        if self.options.path_prefixes.is_empty() && !self.legacy_path_prefixes.is_empty() {
            self.options.path_prefixes = std::mem::take(&mut self.legacy_path_prefixes);
        }
        self.options.normalize();
    }
}

/// Why the state file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Reading or writing failed.
    #[error("state file `{path}`: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The JSON did not decode.
    #[error("state file `{path}` is not valid: {source}")]
    Decode {
        /// The file.
        path: String,
        /// The cause.
        source: serde_json::Error,
    },
}

/// Reads the state file; a missing file is an empty state.
pub fn load(path: &Path) -> Result<Vec<ServiceState>, StateError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(StateError::Io { path: path.display().to_string(), source }),
    };
    let mut services: Vec<ServiceState> = serde_json::from_str::<Option<Vec<ServiceState>>>(&text)
        .map_err(|source| StateError::Decode { path: path.display().to_string(), source })?
        .unwrap_or_default();
    for s in &mut services {
        s.upgrade_legacy();
    }
    Ok(services)
}

/// Writes the state file atomically (a temp file in the same directory, then a rename).
pub fn save(path: &Path, services: &[ServiceState]) -> Result<(), StateError> {
    let io = |source| StateError::Io { path: path.display().to_string(), source };
    let mut text = serde_json::to_string(services).map_err(|e| io(std::io::Error::other(e)))?;
    text.push('\n');
    let tmp = path.with_extension("state.tmp");
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}
