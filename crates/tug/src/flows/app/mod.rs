//! `tug app …`: the application containers. `boot` is in [`boot`], with its [`barrier`] and
//! health [`poller`].

pub mod barrier;
pub mod boot;
pub mod poller;

use tug_commands::app::{AppCommands, ExecOptions, LogOptions};
use tug_commands::layout::app_directory;
use tug_commands::server::ServerCommands;

use crate::events::Event;
use crate::flows::context::Context;
use crate::flows::error::{FlowError, FlowResult};
use crate::flows::step::host;
use crate::flows::{audit, hooks, lock, registry, terminal};
use boot::role;

fn app<'b>(ctx: &'b Context, h: &'b str, role_name: &str, version: &'b str) -> FlowResult<AppCommands<'b>> {
    Ok(AppCommands::new(ctx.config, role(ctx, role_name)?, h, version))
}

fn version_or_empty(ctx: &Context) -> String {
    ctx.version_opt().unwrap_or_default()
}

fn show(ctx: &Context, h: &str, text: Option<&str>) {
    if let Some(t) = text {
        ctx.emit(Event::Output { target: h.to_string(), text: t.to_string() });
    }
}

/// `app start`.
pub fn start(ctx: &Context) -> FlowResult<()> {
    let version = version_or_empty(ctx);
    lock::with_lock(ctx, || {
        ctx.on_roles(ctx.selection.app_hosts(), ctx.config.boot.parallel_roles, |h, r| {
            let a = app(ctx, h, r, &version)?;
            audit::record(ctx, h, &format!("Started app version {version}"), None)?;
            ctx.execute_lenient(&host(h), &a.start())?;
            if a.role().running_proxy() {
                let running = ctx.query_made(&host(h), &a.current_running_version(), "running version")?;
                let endpoint =
                    ctx.query_made(&host(h), &a.container_id_for_version(running.text(), false), "container id")?;
                if endpoint.present() == Some(false) {
                    return Err(crate::flows::error::FlowError::msg(format!(
                        "Failed to get endpoint for {r} on {h}, did the container boot?"
                    )));
                }
                ctx.execute(&host(h), &a.deploy(endpoint.text()))?;
            }
            Ok(())
        })
    })
}

/// `app stop`.
pub fn stop(ctx: &Context) -> FlowResult<()> {
    let version = version_or_empty(ctx);
    lock::with_lock(ctx, || {
        ctx.on_roles(ctx.selection.app_hosts(), ctx.config.boot.parallel_roles, |h, r| {
            let a = app(ctx, h, r, &version)?;
            audit::record(ctx, h, "Stopped app", Some(r))?;
            if a.role().running_proxy() {
                let running = ctx.query_lenient(&host(h), &a.current_running_version(), "running version")?;
                let endpoint =
                    ctx.query(&host(h), &a.container_id_for_version(running.text(), false), "container id")?;
                ctx.when(Some(h), &format!("a {r} container is running"), endpoint.present(), || {
                    ctx.execute_lenient(&host(h), &a.remove()).map(|_| ())
                })?;
            }
            ctx.execute_lenient(&host(h), &a.stop(None))?;
            Ok(())
        })
    })
}

/// `app details`.
pub fn details(ctx: &Context) -> FlowResult<()> {
    let version = version_or_empty(ctx);
    ctx.on_roles(ctx.selection.app_hosts(), true, |h, r| {
        let fact = ctx.query(&host(h), &app(ctx, h, r, &version)?.info(), "app containers")?;
        show(ctx, h, fact.known());
        Ok(())
    })
}

/// `app containers`.
pub fn containers(ctx: &Context) -> FlowResult<()> {
    let version = version_or_empty(ctx);
    ctx.on_hosts(ctx.selection.app_hosts(), |h| {
        let Some(r) = ctx.selection.roles_on(h).into_iter().next() else { return Ok(()) };
        let fact = ctx.query(&host(h), &app(ctx, h, &r, &version)?.list_containers(), "containers")?;
        show(ctx, h, fact.known());
        Ok(())
    })?;
    Ok(())
}

/// `app images`.
pub fn images(ctx: &Context) -> FlowResult<()> {
    let version = version_or_empty(ctx);
    ctx.on_hosts(ctx.selection.app_hosts(), |h| {
        let Some(r) = ctx.selection.roles_on(h).into_iter().next() else { return Ok(()) };
        let fact = ctx.query(&host(h), &app(ctx, h, &r, &version)?.list_images(), "images")?;
        show(ctx, h, fact.known());
        Ok(())
    })?;
    Ok(())
}

/// `app version`: the running version on each host.
pub fn version(ctx: &Context) -> FlowResult<()> {
    let version = version_or_empty(ctx);
    ctx.on_hosts(ctx.selection.app_hosts(), |h| {
        let Some(r) = ctx.selection.roles_on(h).into_iter().next() else { return Ok(()) };
        let fact = ctx.query(&host(h), &app(ctx, h, &r, &version)?.current_running_version(), "running version")?;
        show(ctx, h, fact.known());
        Ok(())
    })?;
    Ok(())
}

/// `app stale_containers [--stop]`: containers of other versions still running.
pub fn stale_containers(ctx: &Context, stop: bool) -> FlowResult<()> {
    let version = version_or_empty(ctx);
    let body = || {
        ctx.on_roles(ctx.selection.app_hosts(), true, |h, r| {
            let a = app(ctx, h, r, &version)?;
            let versions = ctx.query_lenient(&host(h), &a.list_versions(&[], &[]), "versions")?;
            let current = ctx.query_lenient(&host(h), &a.current_running_version(), "running version")?;
            if let Some(cur) = current.known() {
                ctx.memo.remember_running(h, r, cur);
            }
            match (versions.known(), current.known()) {
                (Some(all), Some(cur)) => {
                    for v in all.lines().map(str::trim).filter(|v| !v.is_empty() && *v != cur.trim()) {
                        if stop {
                            ctx.phase(format!("Stopping stale container for role {r} with version {v}"));
                            ctx.execute_lenient(&host(h), &a.stop(Some(v)))?;
                        } else {
                            ctx.emit(Event::Output {
                                target: h.to_string(),
                                text: format!("Detected stale container for role {r} with version {v} (use `tug app stale_containers --stop` to stop)"),
                            });
                        }
                    }
                }
                _ if stop => {
                    ctx.when(Some(h), &format!("a {r} container of another version than the running one still runs (<stale version>)"), None, || {
                        ctx.execute_lenient(&host(h), &a.stop(Some("<stale version>"))).map(|_| ())
                    })?;
                }
                _ => {}
            }
            Ok(())
        })
    };
    if stop { lock::with_lock(ctx, body) } else { body() }
}

/// `app logs --follow`: the log of the primary host's first role, followed with the terminal
/// handed over.
pub fn follow_logs(ctx: &Context, container_id: Option<&str>, options: &LogOptions) -> FlowResult<()> {
    let primary = ctx.selection.primary_host.clone().unwrap_or_default();
    let role_name = ctx.selection.roles_on(&primary).into_iter().next().unwrap_or_default();
    let command =
        AppCommands::new(ctx.config, role(ctx, &role_name)?, &primary, "").follow_logs(&primary, container_id, options);
    terminal::hand_over(ctx, &command)
}

/// `app logs` (without `--follow`).
pub fn logs(ctx: &Context, container_id: Option<&str>, options: &LogOptions) -> FlowResult<()> {
    let version = version_or_empty(ctx);
    ctx.on_roles(ctx.selection.app_hosts(), true, |h, r| {
        let fact = ctx.query_lenient(&host(h), &app(ctx, h, r, &version)?.logs(container_id, options), "logs")?;
        show(ctx, h, fact.known().map(|t| if t.is_empty() { "Nothing found" } else { t }));
        Ok(())
    })
}

fn hosts_removing_all_roles(ctx: &Context) -> Vec<String> {
    ctx.selection
        .app_hosts()
        .iter()
        .filter(|h| {
            let mut selected = ctx.selection.roles_on(h);
            selected.sort();
            let mut all: Vec<String> =
                ctx.config.roles.iter().filter(|r| r.hosts().contains(h)).map(|r| r.name.clone()).collect();
            all.sort();
            selected == all
        })
        .cloned()
        .collect()
}

/// `app remove`: stop, then remove containers, images and the app's directories.
pub fn remove(ctx: &Context) -> FlowResult<()> {
    lock::with_lock(ctx, || {
        stop(ctx)?;
        remove_containers(ctx)?;
        remove_images(ctx)?;
        remove_app_directories(ctx)
    })
}

/// `app remove_container VERSION`.
pub fn remove_container(ctx: &Context, target_version: &str) -> FlowResult<()> {
    let version = version_or_empty(ctx);
    lock::with_lock(ctx, || {
        ctx.on_roles(ctx.selection.app_hosts(), true, |h, r| {
            audit::record(ctx, h, &format!("Removed app container with version {target_version}"), Some(r))?;
            ctx.execute(&host(h), &app(ctx, h, r, &version)?.remove_container(target_version))?;
            Ok(())
        })
    })
}

/// `app remove_containers`.
pub fn remove_containers(ctx: &Context) -> FlowResult<()> {
    let version = version_or_empty(ctx);
    lock::with_lock(ctx, || {
        ctx.on_roles(ctx.selection.app_hosts(), true, |h, r| {
            audit::record(ctx, h, "Removed all app containers", Some(r))?;
            ctx.execute(&host(h), &app(ctx, h, r, &version)?.remove_containers())?;
            Ok(())
        })
    })
}

/// `app remove_images`.
pub fn remove_images(ctx: &Context) -> FlowResult<()> {
    let version = version_or_empty(ctx);
    lock::with_lock(ctx, || {
        ctx.on_hosts(&hosts_removing_all_roles(ctx), |h| {
            let Some(r) = ctx.selection.roles_on(h).into_iter().next() else { return Ok(()) };
            audit::record(ctx, h, "Removed all app images", None)?;
            ctx.execute(&host(h), &app(ctx, h, &r, &version)?.remove_images())?;
            Ok(())
        })?;
        Ok(())
    })
}

/// `app remove_app_directories`.
pub fn remove_app_directories(ctx: &Context) -> FlowResult<()> {
    let version = version_or_empty(ctx);
    lock::with_lock(ctx, || {
        ctx.on_hosts(&hosts_removing_all_roles(ctx), |h| {
            let Some(r) = ctx.selection.roles_on(h).into_iter().next() else { return Ok(()) };
            ctx.execute_lenient(&host(h), &ServerCommands::new(ctx.config).remove_app_directory())?;
            audit::record(ctx, h, &format!("Removed {}", app_directory(ctx.config)), None)?;
            ctx.execute_lenient(&host(h), &app(ctx, h, &r, &version)?.remove_proxy_app_directory())?;
            Ok(())
        })?;
        Ok(())
    })
}

/// `app live`: out of maintenance.
pub fn live(ctx: &Context) -> FlowResult<()> {
    let version = version_or_empty(ctx);
    lock::with_lock(ctx, || {
        ctx.on_roles(ctx.selection.proxy_hosts(), true, |h, r| {
            let a = app(ctx, h, r, &version)?;
            if a.role().running_proxy() {
                ctx.execute(&host(h), &a.live())?;
            }
            Ok(())
        })
    })
}

/// `app maintenance [--drain-timeout N] [--message M]`.
pub fn maintenance(ctx: &Context, drain_timeout: Option<u64>, message: Option<&str>) -> FlowResult<()> {
    let version = version_or_empty(ctx);
    let drain = drain_timeout.map_or(ctx.config.drain_timeout(), |d| i64::try_from(d).unwrap_or(i64::MAX));
    lock::with_lock(ctx, || {
        ctx.on_roles(ctx.selection.proxy_hosts(), true, |h, r| {
            let a = app(ctx, h, r, &version)?;
            if a.role().running_proxy() {
                ctx.execute(&host(h), &a.maintenance(Some(drain), message))?;
            }
            Ok(())
        })
    })
}

/// `app exec` without `--interactive`: in a new container of the version (default
/// `latest`), or with `--reuse` in the running one, on every app host and role.
pub fn exec(ctx: &Context, command: &[String], reuse: bool, options: &ExecOptions) -> FlowResult<()> {
    require_words(command)?;
    let cmd = command.join(" ");
    let words = [cmd.as_str()];
    if reuse {
        let primary = ctx.selection.primary_host.clone().unwrap_or_default();
        let version = match ctx.options.version_given {
            true => ctx.version()?,
            false => {
                ctx.phase("Get current version of running container...");
                let Some(r) = ctx.selection.roles_on(&primary).into_iter().next() else { return Ok(()) };
                let v = ctx.on_host(&primary, |h| {
                    ctx.query(&host(h), &app(ctx, h, &r, "")?.current_running_version(), "running version")
                })?;
                v.text().to_string()
            }
        };
        ctx.phase(format!("Launching command with version {version} from existing container..."));
        return ctx.on_roles(ctx.selection.app_hosts(), true, |h, r| {
            audit::record(ctx, h, &format!("Executed cmd '{cmd}' on app version {version}"), Some(r))?;
            let out =
                ctx.execute(&host(h), &app(ctx, h, r, &version)?.execute_in_existing_container(&words, options))?;
            show(ctx, h, (!ctx.is_plan()).then_some(out.stdout.as_str()));
            Ok(())
        });
    }
    let version = if ctx.options.version_given {
        ctx.version()?
    } else {
        ctx.phase("Get most recent version available as an image...");
        tug_commands::image::latest_tag(ctx.config)
    };
    ctx.phase(format!("Launching command with version {version} from new container..."));
    ctx.on_hosts(ctx.selection.app_hosts(), |h| registry::login_on(ctx, h, None))?;
    ctx.on_roles(ctx.selection.app_hosts(), true, |h, r| {
        audit::record(ctx, h, &format!("Executed cmd '{cmd}' on app version {version}"), None)?;
        let mut opts = options.clone();
        opts.random_hex = ctx.inputs.hex.hex(6);
        let out = ctx.execute(&host(h), &app(ctx, h, r, &version)?.execute_in_new_container(&words, &opts))?;
        show(ctx, h, (!ctx.is_plan()).then_some(out.stdout.as_str()));
        Ok(())
    })
}

/// Kamal's refusal of an `exec` without command words.
fn require_words(command: &[String]) -> FlowResult<()> {
    if command.is_empty() {
        return Err(FlowError::Invalid("No command provided. You must specify a command to execute.".into()));
    }
    Ok(())
}

/// `app exec --interactive`: the `pre-connect` hook, then the command on the primary host over
/// `ssh -t`, with the terminal handed over.
pub fn exec_interactive(ctx: &Context, command: &[String], reuse: bool, options: &ExecOptions) -> FlowResult<()> {
    require_words(command)?;
    hooks::pre_connect(ctx)?;
    let local = interactive_exec_command(ctx, command, reuse, options)?;
    terminal::hand_over(ctx, &local)
}

/// The local `ssh -t …` command of an interactive `app exec`.
fn interactive_exec_command(
    ctx: &Context,
    command: &[String],
    reuse: bool,
    options: &ExecOptions,
) -> FlowResult<tug_commands::Command> {
    let cmd = command.join(" ");
    let words = [cmd.as_str()];
    let primary = ctx.selection.primary_host.clone().unwrap_or_default();
    let r = ctx.selection.primary_role.clone().unwrap_or_default();
    if reuse {
        let version = if ctx.options.version_given {
            ctx.version()?
        } else {
            let q = ctx.on_host(&primary, |h| {
                ctx.query(&host(h), &app(ctx, h, &r, "")?.current_running_version(), "running version")
            })?;
            q.text().to_string()
        };
        ctx.phase(format!(
            "Launching interactive command with version {version} via SSH from existing container on {primary}..."
        ));
        return Ok(app(ctx, &primary, &r, &version)?.execute_in_existing_container_over_ssh(&words, options));
    }
    let version = if ctx.options.version_given { ctx.version()? } else { tug_commands::image::latest_tag(ctx.config) };
    ctx.phase(format!(
        "Launching interactive command with version {version} via SSH from new container on {primary}..."
    ));
    ctx.on_host(&primary, |h| registry::login_on(ctx, h, None))?;
    let mut opts = options.clone();
    opts.random_hex = ctx.inputs.hex.hex(6);
    Ok(app(ctx, &primary, &r, &version)?.execute_in_new_container_over_ssh(&words, &opts))
}
