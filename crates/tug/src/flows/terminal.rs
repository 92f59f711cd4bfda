//! Handing the terminal to a local command (`ssh -t …`): interactive `exec` and followed logs.
//! In a plan the command is shown, not run.

use tug_exec::{ExecError, LocalRunner};

use crate::events::{Event, LOCAL};
use crate::flows::context::Context;
use crate::flows::error::{FlowError, FlowResult};

/// Runs `command` on this machine with the terminal handed over, until it ends.
pub fn hand_over(ctx: &Context, command: &tug_commands::Command) -> FlowResult<()> {
    ctx.emit(Event::Run { target: LOCAL.into(), command: command.to_redacted() });
    if ctx.is_plan() {
        return Ok(());
    }
    let status = LocalRunner.hand_over(command).map_err(|e| match e {
        ExecError::Spawn { source, .. } => FlowError::msg(format!("could not start ssh: {source}")),
        other => FlowError::Exec(other),
    })?;
    if status.success() {
        Ok(())
    } else {
        Err(FlowError::msg(format!("`{}` exited with {status}", command.to_redacted())))
    }
}
