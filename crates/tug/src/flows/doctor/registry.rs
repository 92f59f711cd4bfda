//! The registry check, on this machine: `docker login` with the configured credentials (the
//! password on standard input, never on the command line; both scrubbed from what is shown).

use std::time::Duration;

use tug_commands::probe;
use tug_config::Config;
use tug_exec::Target;

use super::{Check, Options, World};

pub(super) fn registry(config: &Config, world: &dyn World, options: &Options) -> Check {
    let registry = &config.registry;
    let server = registry.server.clone().unwrap_or_else(|| "Docker Hub".into());
    if registry.is_local() {
        return Check::pass(
            "registry",
            None,
            format!("{server} is a local registry, reached through SSH tunnels: no login needed"),
        );
    }
    let creds = match &options.credentials {
        Ok(c) => c,
        Err(e) => {
            return Check::fail(
                "registry",
                None,
                format!("could not read the registry credentials: {e}"),
                "set the secret named in `registry.password` (e.g. `export KAMAL_REGISTRY_PASSWORD=<Docker Hub access token>`, read by `.kamal/secrets`)",
            );
        }
    };
    if creds.password.expose().is_empty() {
        return Check::fail(
            "registry",
            None,
            "the registry password is empty",
            "set it: for Docker Hub create an access token (Account settings > Personal access tokens, Read & Write) and `export KAMAL_REGISTRY_PASSWORD=…`",
        );
    }
    let cmd = probe::registry_login(registry.server.as_deref());
    let env = vec![
        (probe::REGISTRY_USER_VAR.to_string(), creds.username.expose().clone()),
        (probe::REGISTRY_PASSWORD_VAR.to_string(), creds.password.expose().clone()),
    ];
    let user = if creds.username_secret { "[REDACTED]".to_string() } else { creds.username.expose().clone() };
    let scrub = |text: String| {
        let mut t = text.replace(creds.password.expose().as_str(), "[REDACTED]");
        if creds.username_secret && !creds.username.expose().is_empty() {
            t = t.replace(creds.username.expose().as_str(), "[REDACTED]");
        }
        t
    };
    match world.run(&Target::Local, &cmd, &env, options.timeout.max(Duration::from_secs(20))) {
        Ok(out) if out.success() => {
            Check::pass("registry", None, format!("`docker login` to {server} as {user} succeeded"))
        }
        Ok(out) => {
            let said = scrub(out.tail(1));
            let lower = said.to_ascii_lowercase();
            if out.status == Some(127) || lower.contains("not found") && lower.contains("docker") {
                Check::fail(
                    "registry",
                    None,
                    "docker is not installed on this machine",
                    "install Docker here: `tug build` needs it to build and push images",
                )
            } else if lower.contains("cannot connect to the docker daemon") {
                Check::fail(
                    "registry",
                    None,
                    format!("Docker is not running on this machine: {said}"),
                    "start Docker Desktop or the docker service, then run `tug doctor` again",
                )
            } else if lower.contains("unauthorized")
                || lower.contains("incorrect username or password")
                || lower.contains("denied")
            {
                Check::fail(
                    "registry",
                    None,
                    format!("{server} refused the login for {user}: {said}"),
                    "check `registry.username` and the token in KAMAL_REGISTRY_PASSWORD (Docker Hub: a personal access token with Read & Write, not the account password)",
                )
            } else if lower.contains("no such host") || lower.contains("dial tcp") || lower.contains("timeout") {
                Check::fail(
                    "registry",
                    None,
                    format!("cannot reach {server} from this machine: {said}"),
                    "check this machine's network and DNS (and `registry.server`)",
                )
            } else {
                Check::fail(
                    "registry",
                    None,
                    format!("`docker login` to {server} failed: {said}"),
                    "run `docker login` here to see why (network, proxy, registry address)",
                )
            }
        }
        Err(e) => Check::fail(
            "registry",
            None,
            format!("`docker login` to {server} could not run: {}", scrub(e.to_string())),
            "check that Docker is installed and the registry is reachable from here",
        ),
    }
}
