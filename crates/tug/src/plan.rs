//! `--dry-run`: a flow run against a [`RecordingRunner`] (nothing that changes a server runs),
//! with read-only queries on the servers (online) or none at all (`--offline`).

use tug_exec::{RecordingRunner, Runner};

use crate::events::Event;
use crate::flows::FlowResult;
use crate::flows::context::{Context, Mode};

/// The runners of a plan.
pub struct Plan<'a> {
    /// Records every step that would change something.
    pub recorder: RecordingRunner,
    /// Answers read-only queries (`None` offline).
    pub queries: Option<&'a dyn Runner>,
}

impl<'a> Plan<'a> {
    /// A plan; `queries` is the real runner for an online plan.
    pub fn new(queries: Option<&'a dyn Runner>) -> Self {
        Plan { recorder: RecordingRunner::new(), queries }
    }

    /// The mode of contexts made for this plan.
    pub fn mode(&self) -> Mode {
        Mode::Plan { online: self.queries.is_some() }
    }
}

/// Runs `flow` as a plan: announces it, runs it, and ends with the number of queries made.
pub fn run(ctx: &Context, command: &str, flow: impl FnOnce(&Context) -> FlowResult<()>) -> FlowResult<()> {
    let online = matches!(ctx.mode(), Mode::Plan { online: true });
    ctx.emit(Event::PlanStart { command: command.to_string(), version: ctx.version_opt(), online });
    flow(ctx)?;
    ctx.emit(Event::PlanEnd { queries: ctx.queries_made() });
    Ok(())
}
