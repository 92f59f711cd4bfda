//! Registry login and logout here and on the servers (`tug registry …`).

use tug_commands::Command;
use tug_commands::registry::RegistryCommands;
use tug_config::Sensitive;
use tug_config::registry::{Credential, Registry};
use tug_exec::Target;

use crate::flows::context::Context;
use crate::flows::error::{FlowError, FlowResult};
use crate::flows::step::host;

fn credential(ctx: &Context, c: Option<&Credential>) -> FlowResult<Sensitive<String>> {
    match c {
        Some(Credential::Plain(v)) => Ok(Sensitive::new(v.clone())),
        Some(Credential::Secret(name)) => ctx.secret(name),
        None => Ok(Sensitive::new(String::new())),
    }
}

/// `docker login …` for `registry` (the app's when `None`); `None` for a local registry.
pub fn login(ctx: &Context, registry: Option<&Registry>) -> FlowResult<Option<Command>> {
    let registry = registry.unwrap_or(&ctx.config.registry);
    if registry.is_local() {
        return Ok(None);
    }
    let user = credential(ctx, registry.username.as_ref())?;
    let password = credential(ctx, registry.password.as_ref())?;
    Ok(RegistryCommands::new(registry).login(&user, &password))
}

/// Which login on which host: a run logs in once per host, registry and user.
fn login_key(h: &str, registry: &Registry) -> String {
    let user = match &registry.username {
        Some(Credential::Plain(v) | Credential::Secret(v)) => v.as_str(),
        None => "",
    };
    format!("{h} {} {user}", registry.server.as_deref().unwrap_or("docker.io"))
}

/// Logs in on `h` (nothing for a local registry), once per run: Kamal logs in again before
/// booting the proxy; Tug does not when this run already logged in there (a deliberate
/// difference, one round trip less per host).
pub fn login_on(ctx: &Context, h: &str, registry: Option<&Registry>) -> FlowResult<()> {
    let Some(cmd) = login(ctx, registry)? else { return Ok(()) };
    let key = login_key(h, registry.unwrap_or(&ctx.config.registry));
    ctx.memo.login_once(&key, || ctx.execute(&host(h), &cmd).map(|_| ()))
}

/// `tug registry setup|login` (`login`: refuses a local registry).
pub fn setup(ctx: &Context, skip_local: bool, skip_remote: bool, refuse_local: bool) -> FlowResult<()> {
    let commands = RegistryCommands::new(&ctx.config.registry);
    if commands.is_local() {
        if refuse_local {
            return Err(FlowError::Invalid(
                "Cannot use login command with a local registry. Use `tug registry setup` instead.".into(),
            ));
        }
        if let (false, Some(cmd)) = (skip_local, commands.setup()) {
            ctx.execute(&Target::Local, &cmd)?;
        }
        return Ok(());
    }
    if !skip_local && let Some(cmd) = login(ctx, None)? {
        ctx.execute(&Target::Local, &cmd)?;
    }
    if !skip_remote {
        ctx.on_hosts(&ctx.selection.hosts, |h| login_on(ctx, h, None))?;
    }
    Ok(())
}

/// `tug registry remove|logout` (`logout`: refuses a local registry).
pub fn remove(ctx: &Context, skip_local: bool, skip_remote: bool, refuse_local: bool) -> FlowResult<()> {
    let commands = RegistryCommands::new(&ctx.config.registry);
    if commands.is_local() {
        if refuse_local {
            return Err(FlowError::Invalid(
                "Cannot use logout command with a local registry. Use `tug registry remove` instead.".into(),
            ));
        }
        if !skip_local {
            ctx.execute_lenient(&Target::Local, &commands.remove())?;
        }
        return Ok(());
    }
    if !skip_local {
        ctx.execute(&Target::Local, &commands.logout())?;
    }
    if !skip_remote {
        ctx.on_hosts(&ctx.selection.hosts, |h| {
            ctx.memo.forget_login(&login_key(h, &ctx.config.registry));
            ctx.execute(&host(h), &commands.logout()).map(|_| ())
        })?;
    }
    Ok(())
}
