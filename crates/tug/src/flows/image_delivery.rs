//! Tug only (a deliberate difference): Tug's own images (the proxy, `tug-db`) reach a server
//! that lacks them even when no registry has them or the server cannot reach one. An image
//! that is not on the host is pulled there; when that fails too and this machine has it, it is
//! streamed over SSH: `docker save IMAGE | ssh HOST docker load`. An image named in the `tug/`
//! namespace of Docker Hub (where Tug's images are built locally, `tug/tug-proxy`) is never
//! pulled: this project does not own that namespace, and whoever does must not get code run on
//! the servers; it is only sent from this machine.

use std::time::Duration;

use tug_commands::image_delivery::{image_id, load, pull, save};
use tug_exec::Runner;

use crate::flows::context::Context;
use crate::flows::error::{FlowError, FlowResult};
use crate::flows::step::host;

/// How long streaming one image to one host may take.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(600);

/// What an image needs to be delivered: what to call it in messages, and how to build it here.
pub struct Wanted<'a> {
    /// The image reference.
    pub image: &'a str,
    /// What it is, for messages (`proxy image`, `tug-db image`).
    pub what: &'a str,
    /// How to get it on this machine (`crates/tug-db/image/build`), for the error.
    pub build_hint: &'a str,
}

/// Whether the image is on the host after [`ensure`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// It is there (was, or was pulled, or was sent), or the plan cannot know.
    Present,
    /// Not on the host, not pullable there, not on this machine: the reason, one line.
    Unavailable(String),
}

/// Makes sure `wanted.image` is on `h`: already there, else `docker pull` there, else sent from
/// this machine over SSH. Plans show the check and the pull.
pub fn ensure(ctx: &Context, h: &str, wanted: &Wanted<'_>) -> FlowResult<Delivery> {
    let image = wanted.image;
    let present = ctx.check(&host(h), &image_id(image), &format!("{} present", wanted.what))?;
    if present == Some(true) {
        return Ok(Delivery::Present);
    }
    let pulled =
        ctx.when(Some(h), &format!("the {} {image} is not on the host", wanted.what), present.map(|p| !p), || {
            if in_unowned_namespace(image) {
                return Ok(Err(format!(
                    "Tug never pulls {image}: the `tug/` namespace on Docker Hub is not this project's"
                )));
            }
            let out = ctx.execute_lenient(&host(h), &pull(image))?;
            Ok(out.success().then_some(()).ok_or(out.tail(1)))
        })?;
    let Some(Err(pull_error)) = pulled else { return Ok(Delivery::Present) };
    if ctx.is_plan() {
        return Ok(Delivery::Present);
    }
    let local =
        tug_exec::LocalRunner.run(&tug_exec::Target::Local, &image_id(image), &tug_exec::RunOptions::default())?;
    if !local.success() {
        return Ok(Delivery::Unavailable(format!(
            "{h}: the {} `{image}` is not on the host and could not be pulled ({pull_error}); it is not on this machine either, so it cannot be sent over SSH ({})",
            wanted.what, wanted.build_hint
        )));
    }
    ctx.phase(format!("Sending the {} {image} to {h} over SSH (it could not be pulled there)...", wanted.what));
    ctx.stream(h, &save(image), &load(), DELIVERY_TIMEOUT)?;
    Ok(Delivery::Present)
}

/// Whether `image` is in Docker Hub's `tug/` namespace (`tug/x`, `docker.io/tug/x`,
/// `index.docker.io/tug/x`), which Tug's own images are named in and this project does not own.
pub fn in_unowned_namespace(image: &str) -> bool {
    let image = image.trim_matches('"');
    let rest = ["docker.io/", "index.docker.io/", "registry-1.docker.io/"]
        .iter()
        .find_map(|p| image.strip_prefix(p))
        .unwrap_or(image);
    rest.starts_with("tug/")
}

/// [`ensure`], with an image that cannot be had an error.
pub fn require(ctx: &Context, h: &str, wanted: &Wanted<'_>) -> FlowResult<()> {
    match ensure(ctx, h, wanted)? {
        Delivery::Present => Ok(()),
        Delivery::Unavailable(reason) => Err(FlowError::msg(reason)),
    }
}

#[cfg(test)]
mod tests {
    use super::in_unowned_namespace;

    #[test]
    fn tug_images_on_docker_hub_are_never_pulled() {
        for image in ["tug/tug-proxy:v1", "docker.io/tug/tug-db:0.1.0", "index.docker.io/tug/x"] {
            assert!(in_unowned_namespace(image), "{image}");
        }
        for image in
            ["basecamp/kamal-proxy:v0.9.0", "registry.example/tug/tug-proxy:v1", "tug-db-local:ab", "tugboat/x"]
        {
            assert!(!in_unowned_namespace(image), "{image}");
        }
    }
}
