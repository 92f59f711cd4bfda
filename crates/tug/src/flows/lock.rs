//! The deploy lock on the primary host (Kamal's `with_lock`, `lock acquire|release|status`,
//! `--lock-wait`).

use std::time::Duration;

use tug_commands::lock::{Lock, LockDetails};
use tug_commands::server::ServerCommands;

use crate::events::Event;
use crate::flows::context::Context;
use crate::flows::error::{FlowError, FlowResult};
use crate::flows::step::host;

/// The message of the lock a deploy takes by itself.
pub const AUTOMATIC_MESSAGE: &str = "Automatic deploy lock";

enum Acquire {
    Taken,
    Held,
}

fn primary(ctx: &Context) -> FlowResult<String> {
    ctx.selection
        .primary_host
        .clone()
        .ok_or_else(|| FlowError::Invalid("no primary host to hold the deploy lock".into()))
}

/// Runs `body` holding the lock (taking it unless this run, or a parent through `KAMAL_LOCK`,
/// holds it already); releases it afterwards, also when `body` fails.
pub fn with_lock<T>(ctx: &Context, body: impl FnOnce() -> FlowResult<T>) -> FlowResult<T> {
    if ctx.holding_lock() {
        return body();
    }
    acquire(ctx)?;
    match body() {
        Ok(v) => {
            release(ctx)?;
            Ok(v)
        }
        Err(e) => {
            if let Err(r) = release(ctx) {
                ctx.warn(None, format!("Error releasing the deploy lock: {r}"));
            }
            Err(e)
        }
    }
}

fn ensure_run_directory(ctx: &Context) -> FlowResult<()> {
    let cmd = ServerCommands::new(ctx.config).ensure_run_directory();
    ctx.on_hosts(&ctx.selection.hosts, |h| ctx.execute(&host(h), &cmd).map(|_| ()))?;
    Ok(())
}

fn execute_acquire(ctx: &Context, message: &str) -> FlowResult<Acquire> {
    let p = primary(ctx)?;
    let lock = Lock::new(ctx.config);
    if ctx.is_plan() {
        let status = ctx.query_lenient(&host(&p), &lock.status(), "lock status")?;
        if let Some(s) = status.known().filter(|s| !s.trim().is_empty()) {
            ctx.warn(
                Some(&p),
                format!("the deploy lock is held now, a real run would stop here: {}", s.replace('\n', " / ")),
            );
        }
    }
    let details = LockDetails {
        message: message.to_string(),
        version: ctx.version_opt().unwrap_or_default(),
        locked_by: ctx.inputs.lock_user.clone(),
        locked_at: ctx.inputs.clock.recorded_at(),
    };
    let out = ctx.on_host(&p, |h| ctx.execute_lenient(&host(h), &lock.acquire(&details)))?;
    if out.success() {
        Ok(Acquire::Taken)
    } else if out.stderr.contains("cannot create directory") || out.stderr.contains("File exists") {
        Ok(Acquire::Held)
    } else {
        Err(FlowError::CommandFailed {
            target: p,
            command: lock.acquire(&details).to_redacted(),
            status: out.status,
            tail: out.tail(3),
        })
    }
}

/// The lock's details, or `None` when there is no lock.
fn capture_status(ctx: &Context) -> FlowResult<Option<String>> {
    let p = primary(ctx)?;
    let lock = Lock::new(ctx.config);
    let fact = ctx.on_host(&p, |h| ctx.query_lenient(&host(h), &lock.status(), "lock details"))?;
    Ok(fact.presence())
}

fn held_error(ctx: &Context) -> FlowResult<FlowError> {
    ctx.phase("Deploy lock already in place!");
    if let Some(status) = capture_status(ctx)? {
        ctx.emit(Event::Output { target: primary(ctx)?, text: status });
    }
    Ok(FlowError::msg("Deploy lock found. Run 'tug lock help' for more information"))
}

/// Takes the lock for this run (Kamal's `acquire_lock`).
pub fn acquire(ctx: &Context) -> FlowResult<()> {
    ensure_run_directory(ctx)?;
    if ctx.options.lock_wait {
        acquire_with_wait(ctx)?;
    } else {
        ctx.phase("Acquiring the deploy lock...");
        if let Acquire::Held = execute_acquire(ctx, AUTOMATIC_MESSAGE)? {
            return Err(held_error(ctx)?);
        }
    }
    ctx.set_holding_lock(true);
    Ok(())
}

fn acquire_with_wait(ctx: &Context) -> FlowResult<()> {
    let timeout = Duration::from_secs(ctx.options.lock_wait_timeout);
    let interval = Duration::from_secs(ctx.options.lock_wait_interval);
    let deadline = ctx.inputs.clock.elapsed() + timeout;
    let mut shown = false;
    ctx.phase(format!("Acquiring the deploy lock (waiting up to {}s)...", timeout.as_secs()));
    loop {
        if let Acquire::Taken = execute_acquire(ctx, AUTOMATIC_MESSAGE)? {
            return Ok(());
        }
        if !shown {
            let status = capture_status(ctx)?.unwrap_or_default();
            ctx.phase("Deploy lock is held by:");
            ctx.emit(Event::Output { target: primary(ctx)?, text: status.clone() });
            if !status.contains(AUTOMATIC_MESSAGE) {
                return Err(FlowError::msg(
                    "Deploy lock held manually, not waiting. Run 'tug lock help' for more information",
                ));
            }
            shown = true;
        }
        let now = ctx.inputs.clock.elapsed();
        if now >= deadline {
            ctx.phase(format!("Timed out after {}s waiting for the deploy lock", timeout.as_secs()));
            return Err(FlowError::msg("Timed out waiting for deploy lock"));
        }
        let remaining = deadline - now;
        ctx.phase(format!("Retrying in {}s ({}s remaining)...", interval.as_secs(), remaining.as_secs()));
        let pause = interval.min(remaining);
        ctx.emit(Event::Wait { target: None, what: "the deploy lock".into(), seconds: pause.as_secs() });
        ctx.inputs.clock.sleep(pause);
    }
}

/// Gives the lock back (Kamal's `release_lock`).
pub fn release(ctx: &Context) -> FlowResult<()> {
    ctx.phase("Releasing the deploy lock...");
    execute_release(ctx)?;
    ctx.set_holding_lock(false);
    Ok(())
}

/// `false` when there was no lock to release.
fn execute_release(ctx: &Context) -> FlowResult<bool> {
    let p = primary(ctx)?;
    let lock = Lock::new(ctx.config);
    let out = ctx.on_host(&p, |h| ctx.execute_lenient(&host(h), &lock.release()))?;
    if out.success() {
        Ok(true)
    } else if out.stderr.contains("No such file or directory") {
        Ok(false)
    } else {
        Err(FlowError::CommandFailed {
            target: p,
            command: lock.release().to_redacted(),
            status: out.status,
            tail: out.tail(3),
        })
    }
}

/// `tug lock acquire -m MESSAGE`.
pub fn acquire_manually(ctx: &Context, message: &str) -> FlowResult<()> {
    ensure_run_directory(ctx)?;
    if let Acquire::Held = execute_acquire(ctx, message)? {
        return Err(held_error(ctx)?);
    }
    ctx.phase("Acquired the deploy lock");
    Ok(())
}

/// `tug lock release`.
pub fn release_manually(ctx: &Context) -> FlowResult<()> {
    if execute_release(ctx)? {
        ctx.phase("Released the deploy lock");
    } else {
        ctx.phase("There is no deploy lock");
    }
    Ok(())
}

/// `tug lock status`.
pub fn status(ctx: &Context) -> FlowResult<()> {
    match capture_status(ctx)? {
        Some(s) => ctx.emit(Event::Output { target: primary(ctx)?, text: s }),
        None => ctx.phase("There is no deploy lock"),
    }
    Ok(())
}
