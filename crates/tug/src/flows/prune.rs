//! `tug prune all|images|containers`: stopped containers beyond `retain_containers`, and images
//! no container uses.

use tug_commands::prune::Prune;

use crate::context::Context;
use crate::flows::error::{FlowError, FlowResult};
use crate::flows::step::host;
use crate::flows::{audit, lock};

/// `prune all`: containers, then images.
pub fn all(ctx: &Context) -> FlowResult<()> {
    lock::with_lock(ctx, || {
        containers(ctx, None)?;
        images(ctx)
    })
}

/// `prune images`.
pub fn images(ctx: &Context) -> FlowResult<()> {
    lock::with_lock(ctx, || {
        let prune = Prune::new(ctx.config);
        ctx.on_hosts(&ctx.specifics.hosts, |h| {
            audit::record(ctx, h, "Pruned images", None)?;
            ctx.execute(&host(h), &prune.dangling_images())?;
            ctx.execute(&host(h), &prune.tagged_images())?;
            Ok(())
        })?;
        Ok(())
    })
}

/// `prune containers [--retain N]`.
pub fn containers(ctx: &Context, retain: Option<u64>) -> FlowResult<()> {
    let retain = retain.map_or(ctx.config.retain_containers(), |r| i64::try_from(r).unwrap_or(i64::MAX));
    if retain < 1 {
        return Err(FlowError::Invalid("retain must be at least 1".into()));
    }
    let retain = u32::try_from(retain).unwrap_or(u32::MAX);
    lock::with_lock(ctx, || {
        let prune = Prune::new(ctx.config);
        ctx.on_hosts(&ctx.specifics.hosts, |h| {
            audit::record(ctx, h, "Pruned containers", None)?;
            ctx.execute(&host(h), &prune.app_containers(retain))?;
            Ok(())
        })?;
        Ok(())
    })
}
