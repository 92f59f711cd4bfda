//! Tug only: the image `tug-db` runs from. `x-tug.db.image` names one the user owns (pulled on
//! the host, or sent from this machine, as before); otherwise it is Tug's own helper image,
//! made on the host from the running tug executable: its build context is streamed over SSH
//! into `docker build` there, under a local-only name that is the hash of that context
//! (`tug-db-local:<hash>`). It is never pulled from any registry: nobody else's image can
//! stand in for it, and a rebuilt tug gets a new image.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use tug_commands::helper_image::{build_from_stdin, local_image, send_context, server_architecture};
use tug_commands::image_delivery::image_id;

use crate::flows::context::Context;
use crate::flows::error::{FlowError, FlowResult};
use crate::flows::image_delivery;
use crate::flows::step::{Fact, host};
use crate::helper_image::Helper;

/// How long sending the context and building the image on one host may take.
const BUILD_TIMEOUT: Duration = Duration::from_secs(600);

/// What `x-tug.db.image` is, for messages and [`image_delivery`].
fn wanted(image: &str) -> image_delivery::Wanted<'_> {
    image_delivery::Wanted {
        image,
        what: "tug-db image (x-tug.db.image)",
        build_hint: "push it to a registry the server can pull from, or build it on this machine",
    }
}

/// The image `tug-db` runs from (nothing is asked of a server).
pub fn image_name(ctx: &Context) -> FlowResult<String> {
    match &ctx.config.x_tug.db.image {
        Some(image) => Ok(image.clone()),
        None => match ctx.inputs.tool.helper() {
            Ok(helper) => Ok(local_image(&helper.context.hash)),
            Err(why) => Err(FlowError::msg(format!(
                "cannot make the tug-db helper image: {why}; set x-tug.db.image to a tug-db image you own, or run a tug built for Linux"
            ))),
        },
    }
}

/// Makes sure the image `tug-db` runs from is on `h`, and names it. A user's image that
/// cannot be had, or a server this tug cannot run on, is an error.
pub fn ensure(ctx: &Context, h: &str) -> FlowResult<String> {
    if let Some(image) = &ctx.config.x_tug.db.image {
        image_delivery::require(ctx, h, &wanted(image))?;
        return Ok(image.clone());
    }
    let helper = match ctx.inputs.tool.helper() {
        Ok(helper) => helper,
        Err(why) => {
            let arch = architecture(ctx, h)?;
            return Err(mismatch(h, &arch, &why));
        }
    };
    let image = local_image(&helper.context.hash);
    let present = ctx.check(&host(h), &image_id(&image), "tug-db image present")?;
    ctx.when(Some(h), &format!("the tug-db image {image} is not on the host"), present.map(|p| !p), || {
        let arch = architecture(ctx, h)?;
        if !crate::helper_image::elf::runs_on(helper.machine, &arch) && !arch.starts_with('<') {
            return Err(mismatch(h, &arch, &format!("this tug is built for {}", helper.machine)));
        }
        build(ctx, h, &helper, &image)
    })?;
    Ok(image)
}

/// The server's architecture, as `docker info` reports it (a placeholder in offline plans).
fn architecture(ctx: &Context, h: &str) -> FlowResult<String> {
    Ok(match ctx.query(&host(h), &server_architecture(), "server architecture")? {
        Fact::Known(a) => a.trim().to_string(),
        Fact::Unknown(a) => a,
    })
}

/// The one line for a server this tug cannot make the helper image for.
fn mismatch(h: &str, server: &str, tool: &str) -> FlowError {
    FlowError::Invalid(format!(
        "{h}: the server is {server} but {tool}, so it cannot be the server's tug-db; set x-tug.db.image to a tug-db image you own built for {server}, or run a tug built for Linux {server}"
    ))
}

/// Streams the context to `h` into `docker build`.
fn build(ctx: &Context, h: &str, helper: &Arc<Helper>, image: &str) -> FlowResult<()> {
    let tar = &helper.context.tar;
    if ctx.is_plan() {
        ctx.stream(h, &send_context("<the build context>"), &build_from_stdin(image), BUILD_TIMEOUT)?;
        return Ok(());
    }
    let mut file = tempfile::Builder::new()
        .prefix("tug-db-image-")
        .suffix(".tar")
        .tempfile()
        .map_err(|e| FlowError::msg(format!("cannot write the tug-db image's build context: {e}")))?;
    file.write_all(tar)
        .and_then(|()| file.flush())
        .map_err(|e| FlowError::msg(format!("cannot write the tug-db image's build context: {e}")))?;
    let path = file.path().display().to_string();
    let mb = tar.len() as f64 / 1e6;
    ctx.phase(format!("Make the tug-db image {image} on {h} from this tug ({mb:.1} MB over SSH)..."));
    ctx.stream(h, &send_context(&path), &build_from_stdin(image), BUILD_TIMEOUT)?;
    Ok(())
}
