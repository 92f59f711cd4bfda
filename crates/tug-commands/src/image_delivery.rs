//! Getting an image onto a host that lacks it (Tug only: its own images, the proxy and
//! `tug-db`): ask whether it is there, pull it, or stream it from this machine with
//! `docker save IMAGE | ssh HOST docker load`.

use crate::command::{Command, Wait};
use crate::docker::docker;
use crate::shell::escape_shell_value;

/// `docker image inspect IMAGE --format '{{.Id}}'`: the image's id (fails when missing).
pub fn image_id(image: &str) -> Command {
    docker([
        "image".to_string(),
        "inspect".to_string(),
        escape_shell_value(image),
        "--format".into(),
        "'{{.Id}}'".into(),
    ])
}

/// `docker pull IMAGE`, a wait of the deploy (the download).
pub fn pull(image: &str) -> Command {
    let shown = escape_shell_value(image);
    docker(["pull".to_string(), shown.clone()]).waits_for(Wait::Pull(shown))
}

/// `docker save IMAGE` (run on the deploying machine, streamed into [`load`]).
pub fn save(image: &str) -> Command {
    docker(["save".to_string(), escape_shell_value(image)])
}

/// `docker load` (reads an image archive on standard input).
pub fn load() -> Command {
    docker(["load"])
}
