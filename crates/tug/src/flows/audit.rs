//! Audit lines on the servers (`.kamal/<service>[-<dest>]-audit.log`), and `tug audit`.

use tug_commands::auditor::Auditor;

use crate::events::Event;
use crate::flows::context::Context;
use crate::flows::error::FlowResult;
use crate::flows::step::host;

/// Appends an audit line on `h` (with the role, when given).
pub fn record(ctx: &Context, h: &str, line: &str, role: Option<&str>) -> FlowResult<()> {
    let auditor = Auditor::new(ctx.config, ctx.tags());
    let details: Vec<(&str, &str)> = role.map(|r| vec![("role", r)]).unwrap_or_default();
    ctx.execute(&host(h), &auditor.record(line, &details))?;
    Ok(())
}

/// Appends an audit line on `h` while `step` runs there (both to the end; in plans the line
/// comes first, as in Kamal, which writes it before the step). The line does not depend on the
/// step, and one round trip less per audited step adds up over a deploy.
pub fn record_while<T: Send>(
    ctx: &Context,
    h: &str,
    line: &str,
    role: Option<&str>,
    step: impl FnOnce() -> FlowResult<T> + Send,
) -> FlowResult<T> {
    ctx.together(|| record(ctx, h, line, role), step).map(|((), v)| v)
}

/// `tug audit`: the last 50 audit lines of every selected host.
pub fn show(ctx: &Context) -> FlowResult<()> {
    let auditor = Auditor::new(ctx.config, ctx.tags());
    ctx.on_hosts(&ctx.selection.hosts, |h| {
        let fact = ctx.query(&host(h), &auditor.reveal(), "audit log")?;
        if let Some(text) = fact.known() {
            ctx.emit(Event::Output { target: h.to_string(), text: text.to_string() });
        }
        Ok(())
    })?;
    Ok(())
}
