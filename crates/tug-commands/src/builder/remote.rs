//! The remote buildx builder: a docker context on `builder.remote` and a builder on it,
//! named after the remote (`kamal-remote-ssh---app-1-1-1-5[-local-registry]`).

use super::BuilderCommands;
use crate::command::Command;
use crate::docker::docker;

/// The remote with every character outside `[a-z0-9_-]` made `-`, plus `-local-registry`
/// with a local registry.
pub fn name_suffix(b: &BuilderCommands<'_>) -> String {
    let remote: String = b
        .remote()
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-' { c } else { '-' })
        .collect();
    if b.config.registry.is_local() { format!("{remote}-local-registry") } else { remote }
}

/// `kamal-remote-<suffix>`.
pub fn builder_name(b: &BuilderCommands<'_>) -> String {
    format!("kamal-remote-{}", name_suffix(b))
}

/// `<builder name>-context`.
pub fn context_name(b: &BuilderCommands<'_>) -> String {
    format!("{}-context", b.builder_name())
}

/// `docker context create <ctx> --description '<name> host' --docker 'host=<remote>'`.
pub fn create_remote_context(b: &BuilderCommands<'_>) -> Command {
    docker([
        "context".to_string(),
        "create".into(),
        context_name(b),
        "--description".into(),
        format!("'{} host'", b.builder_name()),
        "--docker".into(),
        format!("'host={}'", b.remote().unwrap_or_default()),
    ])
}

/// The context, then `docker buildx create --name <name> [--driver-opt network=host] <ctx>`.
pub fn create(b: &BuilderCommands<'_>) -> Command {
    create_remote_context(b).then(
        docker(["buildx".to_string(), "create".into(), "--name".into(), b.builder_name()])
            .args(b.driver_options())
            .arg(context_name(b)),
    )
}

/// `docker context rm <ctx> ; docker buildx rm <name>`.
pub fn remove(b: &BuilderCommands<'_>) -> Command {
    docker(["context".to_string(), "rm".into(), context_name(b)]).then(docker([
        "buildx".to_string(),
        "rm".into(),
        b.builder_name(),
    ]))
}

/// The builder uses the context and the context points at the remote, or fail.
pub fn inspect_builder(b: &BuilderCommands<'_>) -> Command {
    let inspect_buildx = docker(["buildx".to_string(), "inspect".into(), b.builder_name()]).pipe(Command::new([
        "grep".to_string(),
        "-q".into(),
        format!("Endpoint:.*{}", context_name(b)),
    ]));
    let inspect_context = docker([
        "context".to_string(),
        "inspect".into(),
        context_name(b),
        "--format".into(),
        "'{{.Endpoints.docker.Host}}'".into(),
    ])
    .pipe(Command::new(["grep".to_string(), "-xq".into(), b.remote().unwrap_or_default()]));
    inspect_buildx.and(inspect_context).or(Command::new(["(echo no compatible builder && exit 1)"]))
}
