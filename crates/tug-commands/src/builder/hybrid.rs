//! The hybrid builder: local arches on a local buildx node, the others appended as a node on
//! the remote context (`kamal-hybrid-<driver>-<remote suffix>`).

use super::BuilderCommands;
use super::remote::{context_name, create_remote_context, name_suffix};
use crate::command::Command;
use crate::docker::docker;

/// `kamal-hybrid-<driver>-<suffix>`.
pub fn builder_name(b: &BuilderCommands<'_>) -> String {
    format!("kamal-hybrid-{}-{}", b.driver(), name_suffix(b))
}

/// Local node, remote context, remote node appended (`&&` between them).
pub fn create(b: &BuilderCommands<'_>) -> Command {
    let local = docker(["buildx", "create"])
        .args(b.platform_options(&b.local_arches()))
        .args(["--name".to_string(), b.builder_name(), format!("--driver={}", b.driver())])
        .args(b.driver_options());
    let append = docker(["buildx", "create"])
        .args(b.platform_options(&b.remote_arches()))
        .args(["--append".to_string(), "--name".into(), b.builder_name()])
        .args(b.driver_options())
        .arg(context_name(b));
    local.and(create_remote_context(b)).and(append)
}
