//! Tug only: the helper image Tug makes from its own executable on a server (`tug-db` runs from
//! it). It has a local-only name (`tug-db-local:<hash of its build context>`), is built on the
//! server from a context streamed over SSH (`docker build -t NAME -`), and is never pulled.

use crate::command::Command;
use crate::docker::docker;
use crate::shell::escape_shell_value;

/// The repository of the helper image: local to each server, in no registry's namespace.
pub const LOCAL_REPOSITORY: &str = "tug-db-local";

/// `tug-db-local:<hash>`.
pub fn local_image(hash: &str) -> String {
    format!("{LOCAL_REPOSITORY}:{hash}")
}

/// `docker info --format '{{.Architecture}}'`: the server's machine (`x86_64`, `aarch64`).
pub fn server_architecture() -> Command {
    docker(["info", "--format", "'{{.Architecture}}'"])
}

/// `docker build --quiet --tag IMAGE -`: an image from the build context read on standard
/// input (a tar whose Dockerfile starts `FROM scratch`, so nothing is pulled).
pub fn build_from_stdin(image: &str) -> Command {
    docker(["build".to_string(), "--quiet".into(), "--tag".into(), escape_shell_value(image), "-".into()])
}

/// `cat FILE`, run on the deploying machine: the build context, streamed into
/// [`build_from_stdin`].
pub fn send_context(file: &str) -> Command {
    Command::new(["cat".to_string(), escape_shell_value(file)])
}

/// `ldd EXECUTABLE`, run on the deploying machine: the shared libraries a dynamically linked
/// executable needs (packed into the image next to it).
pub fn shared_libraries(executable: &str) -> Command {
    Command::new(["ldd".to_string(), escape_shell_value(executable)])
}
