//! Listing, renaming and removing the role's containers.

use super::AppCommands;
use crate::command::Command;
use crate::docker::{container_id_for, docker, xargs};

/// The container's health log, as JSON.
pub const DOCKER_HEALTH_LOG_FORMAT: &str = "'{{json .State.Health}}'";

impl AppCommands<'_> {
    /// `docker container ls --all <filters>`.
    pub fn list_containers(&self) -> Command {
        docker(["container", "ls", "--all"]).args(self.container_filter_args(&[]))
    }

    /// [`AppCommands::list_containers`] printing only names.
    pub fn list_container_names(&self) -> Command {
        self.list_containers().args(["--format", "'{{ .Names }}'"])
    }

    /// Removes the container of `version`.
    pub fn remove_container(&self, version: &str) -> Command {
        container_id_for(&self.container_name(Some(version)), false).pipe(xargs(docker(["container", "rm"])))
    }

    /// `docker rename <container of version> <container of new_version>` (a rollback renames
    /// the old container `<name>_replaced_<hex>` before booting the version again).
    pub fn rename_container(&self, version: &str, new_version: &str) -> Command {
        docker(["rename".to_string(), self.container_name(Some(version)), self.container_name(Some(new_version))])
    }

    /// Removes every stopped container of the role.
    pub fn remove_containers(&self) -> Command {
        docker(["container", "prune", "--force"]).args(self.container_filter_args(&[]))
    }

    /// The health log of the container of `version` (shown when a boot fails).
    pub fn container_health_log(&self, version: &str) -> Command {
        container_id_for(&self.container_name(Some(version)), false).pipe(xargs(docker([
            "inspect",
            "--format",
            DOCKER_HEALTH_LOG_FORMAT,
        ])))
    }
}
