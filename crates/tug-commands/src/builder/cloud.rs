//! Docker Build Cloud: `driver: cloud <org>/<builder>`, a builder named after the driver with
//! spaces and slashes made `-`.

use super::BuilderCommands;
use crate::command::Command;
use crate::docker::docker;

/// The driver with ` ` and `/` made `-`.
pub fn builder_name(b: &BuilderCommands<'_>) -> String {
    b.driver().replace([' ', '/'], "-")
}

/// `docker buildx create --driver <driver>` (the driver's words as written).
pub fn create(b: &BuilderCommands<'_>) -> Command {
    docker(["buildx".to_string(), "create".into(), "--driver".into(), b.driver()])
}

/// `docker buildx rm <name>`.
pub fn remove(b: &BuilderCommands<'_>) -> Command {
    docker(["buildx".to_string(), "rm".into(), builder_name(b)])
}
