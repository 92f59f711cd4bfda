//! Health polling for roles without the proxy (Kamal's `Healthcheck::Poller`): until
//! `deploy_timeout`, accept `running` (after `readiness_delay`, still running) or `healthy`,
//! retrying after 1 s, 2 s, 3 s, …

use std::time::Duration;

use crate::events::Event;
use crate::flows::context::Context;
use crate::flows::error::{FlowError, FlowResult};
use crate::flows::step::Fact;

/// Polls `status` (Docker's health or state) until the container is ready.
pub fn wait_for_healthy(ctx: &Context, host: &str, status: impl Fn() -> FlowResult<Fact>) -> FlowResult<()> {
    let timeout = Duration::from_secs(u64::try_from(ctx.config.deploy_timeout()).unwrap_or(30));
    let readiness = Duration::from_secs(u64::try_from(ctx.config.readiness_delay()).unwrap_or(7));
    const WHAT: &str = "the new container to be healthy";
    ctx.emit(Event::Wait { target: Some(host.to_string()), what: WHAT.into(), seconds: timeout.as_secs() });
    if ctx.is_plan() {
        status()?;
        return Ok(());
    }
    let started = std::time::Instant::now();
    let result = poll(ctx, timeout, readiness, status);
    ctx.waited(Some(host), WHAT, started, result.is_ok());
    result
}

fn poll(
    ctx: &Context,
    timeout: Duration,
    readiness: Duration,
    status: impl Fn() -> FlowResult<Fact>,
) -> FlowResult<()> {
    let deadline = ctx.inputs.clock.elapsed() + timeout;
    let mut attempt = 1u64;
    loop {
        let mut s = status()?.text().to_string();
        if s == "running" && !readiness.is_zero() {
            ctx.inputs.clock.sleep(readiness);
            s = status()?.text().to_string();
        }
        if s == "running" || s == "healthy" {
            return Ok(());
        }
        let now = ctx.inputs.clock.elapsed();
        if now >= deadline {
            return Err(FlowError::msg(format!("container not ready after {} seconds ({s})", timeout.as_secs())));
        }
        ctx.inputs.clock.sleep(Duration::from_secs(attempt).min(deadline - now));
        attempt += 1;
    }
}
