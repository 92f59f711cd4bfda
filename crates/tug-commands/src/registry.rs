//! Registry login and logout, and the local registry container (Kamal's
//! `Commands::Registry`). Credentials arrive resolved (see `Credential::resolve` in
//! tug-config) and are redacted whenever the command is shown:
//! `docker login hub.docker.com -u [REDACTED] -p [REDACTED]`.

use tug_config::Sensitive;
use tug_config::registry::Registry;

use crate::command::Command;
use crate::docker::docker;
use crate::shell::escape_shell_value;

/// The local registry container's name.
pub const LOCAL_REGISTRY_CONTAINER: &str = "kamal-docker-registry";
/// The image of the local registry.
pub const LOCAL_REGISTRY_IMAGE: &str = "registry:3";

/// The registry commands for one `registry:` section (the app's or an accessory's).
#[derive(Debug, Clone, Copy)]
pub struct RegistryCommands<'a> {
    registry: &'a Registry,
}

impl<'a> RegistryCommands<'a> {
    /// Commands for `registry`.
    pub fn new(registry: &'a Registry) -> RegistryCommands<'a> {
        RegistryCommands { registry }
    }

    /// `docker login [server] -u "<user>" -p "<password>"`, both redacted when shown; `None`
    /// for a local registry, which needs no login.
    pub fn login(&self, username: &Sensitive<String>, password: &Sensitive<String>) -> Option<Command> {
        if self.registry.is_local() {
            return None;
        }
        Some(
            docker(["login"])
                .args(self.registry.server.clone())
                .arg("-u")
                .secret(escape_shell_value(username.expose()), "[REDACTED]")
                .arg("-p")
                .secret(escape_shell_value(password.expose()), "[REDACTED]"),
        )
    }

    /// `docker logout [server]`.
    pub fn logout(&self) -> Command {
        docker(["logout"]).args(self.registry.server.clone())
    }

    /// Starts the local registry, or runs it on `127.0.0.1:<port>`; `None` unless the
    /// registry is local.
    pub fn setup(&self) -> Option<Command> {
        let port = self.registry.local_port()?;
        Some(docker(["start", LOCAL_REGISTRY_CONTAINER]).or(docker([
            "run".to_string(),
            "--detach".to_string(),
            "-p".to_string(),
            format!("127.0.0.1:{port}:5000"),
            "--name".to_string(),
            LOCAL_REGISTRY_CONTAINER.to_string(),
            LOCAL_REGISTRY_IMAGE.to_string(),
        ])))
    }

    /// Stops and removes the local registry container.
    pub fn remove(&self) -> Command {
        docker(["stop", LOCAL_REGISTRY_CONTAINER]).and(docker(["rm", LOCAL_REGISTRY_CONTAINER]))
    }

    /// Whether the registry is local (`localhost:PORT`).
    pub fn is_local(&self) -> bool {
        self.registry.is_local()
    }
}
