//! `tug prune all|images|containers`: stopped containers beyond `retain_containers`, and images
//! no container uses.

use tug_commands::prune::Prune;

use crate::flows::context::Context;
use crate::flows::error::{FlowError, FlowResult};
use crate::flows::step::host;
use crate::flows::{audit, lock};

/// `prune all`: containers, then images, each host on its own (Kamal prunes the containers on
/// every host before the images on any).
pub fn all(ctx: &Context) -> FlowResult<()> {
    let retain = retained(ctx, None)?;
    lock::with_lock(ctx, || {
        let prune = Prune::new(ctx.config);
        ctx.on_hosts(&ctx.selection.hosts, |h| {
            prune_containers_on(ctx, &prune, h, retain)?;
            prune_images_on(ctx, &prune, h)
        })?;
        Ok(())
    })
}

/// `prune images`.
pub fn images(ctx: &Context) -> FlowResult<()> {
    lock::with_lock(ctx, || {
        let prune = Prune::new(ctx.config);
        ctx.on_hosts(&ctx.selection.hosts, |h| prune_images_on(ctx, &prune, h))?;
        Ok(())
    })
}

fn prune_images_on(ctx: &Context, prune: &Prune, h: &str) -> FlowResult<()> {
    audit::record_while(ctx, h, "Pruned images", None, || ctx.execute(&host(h), &prune.dangling_images()))?;
    ctx.execute(&host(h), &prune.tagged_images())?;
    Ok(())
}

fn prune_containers_on(ctx: &Context, prune: &Prune, h: &str, retain: u32) -> FlowResult<()> {
    audit::record_while(ctx, h, "Pruned containers", None, || ctx.execute(&host(h), &prune.app_containers(retain)))?;
    Ok(())
}

/// `prune containers [--retain N]`.
pub fn containers(ctx: &Context, retain: Option<u64>) -> FlowResult<()> {
    let retain = retained(ctx, retain)?;
    lock::with_lock(ctx, || {
        let prune = Prune::new(ctx.config);
        ctx.on_hosts(&ctx.selection.hosts, |h| prune_containers_on(ctx, &prune, h, retain))?;
        Ok(())
    })
}

/// How many stopped containers to keep: `--retain`, else `retain_containers`.
fn retained(ctx: &Context, retain: Option<u64>) -> FlowResult<u32> {
    let retain = retain.map_or(ctx.config.retain_containers(), |r| i64::try_from(r).unwrap_or(i64::MAX));
    if retain < 1 {
        return Err(FlowError::Invalid("retain must be at least 1".into()));
    }
    Ok(u32::try_from(retain).unwrap_or(u32::MAX))
}
