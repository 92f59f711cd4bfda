//! Local hooks (`.kamal/hooks/<name>`), run with Kamal's `KAMAL_*` environment and, for the
//! hooks that get them, every secret. In plans they are shown with their environment, secret
//! values `[REDACTED]`.

use tug_commands::hook::{HookCommands, HookValue};
use tug_exec::{RunOptions, Runner, Target};

use crate::context::Context;
use crate::events::Event;
use crate::flows::error::{FlowError, FlowResult};

/// Whether the hook file exists.
pub fn exists(ctx: &Context, name: &str) -> bool {
    ctx.config.root.join(HookCommands::new(ctx.config).hook_file(name)).exists()
}

/// Runs hook `name` if it exists and `-H` was not given. `secrets` adds every secret to its
/// environment; `extra` adds or overrides details (`hosts`, `runtime`).
pub fn run(ctx: &Context, name: &str, secrets: bool, extra: &[(&str, &str)]) -> FlowResult<()> {
    if ctx.options.skip_hooks || !exists(ctx, name) {
        return Ok(());
    }
    let hosts = ctx.specifics.hosts.join(",");
    let roles = ctx.specifics.specific_roles.as_ref().map(|r| r.join(","));
    let lock = ctx.holding_lock().to_string();
    let mut tags = ctx
        .tags()
        .with("hosts", Some(&hosts))
        .with("roles", roles.as_deref())
        .with("lock", Some(&lock))
        .with("command", Some(&ctx.command))
        .with("subcommand", ctx.subcommand.as_deref());
    for (k, v) in extra {
        tags = tags.with(k, Some(v));
    }
    let all = if secrets { Some(ctx.all_secrets()?) } else { None };
    let hooks = HookCommands::new(ctx.config);
    let env = hooks.env(tags.env(), all.as_ref());
    let command = hooks.run(name);
    ctx.emit(Event::Hook {
        name: name.to_string(),
        command: command.to_redacted(),
        env: env.iter().map(|(k, v)| (k.clone(), v.shown().to_string())).collect(),
    });
    if ctx.is_plan() {
        return Ok(());
    }
    let options = RunOptions {
        cwd: Some(ctx.root()),
        env: env.iter().map(|(k, v)| (k.clone(), v.expose().to_string())).collect(),
        ..RunOptions::default()
    };
    let out = tug_exec::LocalRunner.run(&Target::Local, &command, &options)?;
    if !out.success() {
        let mut text = out.stdout.clone();
        text.push_str(&out.stderr);
        for (_, v) in env.iter().filter(|(_, v)| matches!(v, HookValue::Secret(_))) {
            if !v.expose().is_empty() {
                text = text.replace(v.expose(), "[REDACTED]");
            }
        }
        return Err(FlowError::Hook { name: name.to_string(), output: text });
    }
    Ok(())
}

/// The `pre-connect` hook, once per run, before the first server is contacted.
pub fn pre_connect(ctx: &Context) -> FlowResult<()> {
    if ctx.mark_connected() {
        return Ok(());
    }
    run(ctx, "pre-connect", true, &[])
}

/// Runs `command` locally (a local step of a flow).
pub fn local(ctx: &Context, command: &tug_commands::Command) -> FlowResult<tug_exec::Output> {
    ctx.execute(&Target::Local, command)
}
