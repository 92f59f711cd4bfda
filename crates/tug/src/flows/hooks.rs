//! Local hooks (`.kamal/hooks/<name>`), run with Kamal's `KAMAL_*` environment and, for the
//! hooks that get them, every secret. In plans they are shown with their environment, secret
//! values `[REDACTED]`.

use tug_commands::hook::{HookCommands, HookValue};
use tug_exec::{RunOptions, Runner, Target};

use crate::events::Event;
use crate::flows::context::Context;
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
    let hosts = ctx.selection.hosts.join(",");
    let roles = ctx.selection.specific_roles.as_ref().map(|r| r.join(","));
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
    let mut vars: Vec<(String, String)> = env.iter().map(|(k, v)| (k.clone(), v.expose().to_string())).collect();
    if let Some(path) = path_with_shims() {
        vars.push(("PATH".into(), path));
    }
    let options = RunOptions { cwd: Some(ctx.root()), env: vars, ..RunOptions::default() };
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

/// `PATH` for hooks: a directory whose `kamal` and `tug` run this very binary, then the
/// inherited `PATH`, so hooks written for Kamal (`kamal app exec …`) drive Tug. `None` when
/// the directory cannot be made (the hook then runs with the inherited `PATH`).
fn path_with_shims() -> Option<String> {
    static SHIMS: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    let dir = SHIMS.get_or_init(make_shims).as_ref()?;
    let inherited = std::env::var_os("PATH").unwrap_or_default();
    let mut parts = vec![dir.clone()];
    parts.extend(std::env::split_paths(&inherited));
    std::env::join_paths(parts).ok()?.into_string().ok()
}

/// Makes `bin/{kamal,tug}` in the run's private directory (a shared temp dir would let another
/// user replace the links between runs).
#[cfg(unix)]
fn make_shims() -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = tug_exec::run_dir::this_run().ok()?.join("bin");
    std::fs::create_dir(&dir).ok()?;
    for name in ["kamal", "tug"] {
        std::os::unix::fs::symlink(&exe, dir.join(name)).ok()?;
    }
    Some(dir)
}

#[cfg(not(unix))]
fn make_shims() -> Option<std::path::PathBuf> {
    None
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
