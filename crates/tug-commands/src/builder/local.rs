//! The local buildx builder: `kamal-local-<driver>` (`kamal-local-registry-<driver>` with a
//! local registry, which it reaches through the host network).

use super::BuilderCommands;
use crate::command::Command;
use crate::docker::docker;

/// `kamal-local[-registry]-<driver>`.
pub fn builder_name(b: &BuilderCommands<'_>) -> String {
    if b.config.registry.is_local() {
        format!("kamal-local-registry-{}", b.driver())
    } else {
        format!("kamal-local-{}", b.driver())
    }
}

/// `docker buildx create --name <name> --driver=<driver> [--driver-opt network=host]`; none
/// for the `docker` driver.
pub fn create(b: &BuilderCommands<'_>) -> Option<Command> {
    if b.driver() == "docker" {
        return None;
    }
    Some(
        docker([
            "buildx".to_string(),
            "create".into(),
            "--name".into(),
            builder_name(b),
            format!("--driver={}", b.driver()),
        ])
        .args(b.driver_options()),
    )
}

/// `docker buildx rm <name>`; none for the `docker` driver.
pub fn remove(b: &BuilderCommands<'_>) -> Option<Command> {
    (b.driver() != "docker").then(|| docker(["buildx".to_string(), "rm".into(), builder_name(b)]))
}
