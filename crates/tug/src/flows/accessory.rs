//! `tug accessory …`: databases, caches and other services beside the app.

use tug_commands::Command;
use tug_commands::accessory::AccessoryCommands;
use tug_commands::docker::Interactive;
use tug_commands::env_file::{ENV_FILE_MODE, EnvFile};
use tug_commands::logs::LogOptions;
use tug_exec::Upload;

use crate::events::Event;
use crate::flows::context::Context;
use crate::flows::error::{FlowError, FlowResult};
use crate::flows::step::host;
use crate::flows::{audit, lock, proxy, registry, terminal};

/// Kamal's `No accessory by the name of 'x' (options: a, b, and c)`.
fn unknown(ctx: &Context, name: &str) -> FlowError {
    let names: Vec<String> = ctx.config.accessories.iter().map(|a| a.name.clone()).collect();
    let options = match names.len() {
        0 => String::new(),
        1 => format!(" (options: {})", names[0]),
        2 => format!(" (options: {} and {})", names[0], names[1]),
        n => format!(" (options: {}, and {})", names[..n - 1].join(", "), names[n - 1]),
    };
    FlowError::Invalid(format!("No accessory by the name of '{name}'{options}"))
}

fn accessory<'a>(ctx: &Context<'a>, name: &str) -> FlowResult<AccessoryCommands<'a>> {
    AccessoryCommands::new(ctx.config, name).map_err(|_| unknown(ctx, name))
}

/// The selected hosts of the accessory.
fn hosts(ctx: &Context, a: &AccessoryCommands) -> Vec<String> {
    a.hosts().iter().filter(|h| ctx.selection.accessory_hosts().contains(h)).cloned().collect()
}

fn names(ctx: &Context, name: &str) -> Vec<String> {
    if name == "all" { ctx.config.accessories.iter().map(|a| a.name.clone()).collect() } else { vec![name.to_string()] }
}

fn prepare(ctx: &Context, name: &str) -> FlowResult<()> {
    let a = accessory(ctx, name)?;
    ctx.on_hosts(&hosts(ctx, &a), |h| {
        registry::login_on(ctx, h, a.registry())?;
        proxy::create_network(ctx, h)
    })?;
    Ok(())
}

/// `accessory boot NAME|all`: hosts that already have its container are skipped.
pub fn boot(ctx: &Context, name: &str) -> FlowResult<()> {
    lock::with_lock(ctx, || {
        for n in names(ctx, name) {
            prepare(ctx, &n)?;
            boot_one(ctx, &n)?;
        }
        Ok(())
    })
}

fn boot_one(ctx: &Context, name: &str) -> FlowResult<()> {
    let a = accessory(ctx, name)?;
    let all = hosts(ctx, &a);
    let existing =
        ctx.on_hosts(&all, |h| Ok((h.to_string(), ctx.query(&host(h), &a.info(true, true), "accessory container")?)))?;
    let booted: Vec<String> =
        existing.iter().filter(|(_, f)| f.present() == Some(true)).map(|(h, _)| h.clone()).collect();
    if !booted.is_empty() {
        let mut sorted = booted.clone();
        sorted.sort();
        ctx.warn(None, format!("Skipping booting `{name}` on {}, a container already exists", sorted.join(", ")));
    }
    directories(ctx, name)?;
    upload(ctx, name)?;
    let remaining: Vec<String> = existing.iter().filter(|(h, _)| !booted.contains(h)).map(|(h, _)| h.clone()).collect();
    ctx.on_hosts(&remaining, |h| {
        let decided = existing.iter().find(|(e, _)| e == h).and_then(|(_, f)| f.present()).map(|p| !p);
        ctx.when(Some(h), &format!("no {} container exists yet", a.service_name()), decided, || {
            audit::record(ctx, h, &format!("Booted {name} accessory"), None)?;
            ctx.execute(&host(h), &a.ensure_env_directory())?;
            let mut vars = Vec::new();
            for (var, secret) in a.env().secret_pairs() {
                vars.push((var, ctx.secret(&secret)?));
            }
            let file = EnvFile::new(vars);
            ctx.upload(
                h,
                &Upload {
                    remote_path: a.secrets_path(),
                    mode: ENV_FILE_MODE,
                    content: file.expose().as_bytes().to_vec(),
                    sensitive: true,
                },
            )?;
            ctx.execute(&host(h), &a.run(Some(h)))?;
            if a.running_proxy() {
                let target = ctx.query(&host(h), &a.container_id(true), "accessory container id")?;
                if let Some(deploy) = a.deploy(target.text(), &ctx.version_opt().unwrap_or_default()) {
                    ctx.execute(&host(h), &deploy)?;
                }
            }
            Ok(())
        })?;
        Ok(())
    })?;
    Ok(())
}

/// `accessory upload NAME`: its `files:` on its hosts.
pub fn upload(ctx: &Context, name: &str) -> FlowResult<()> {
    lock::with_lock(ctx, || {
        let a = accessory(ctx, name)?;
        let files = a.files();
        ctx.on_hosts(&hosts(ctx, &a), |h| {
            for f in &files {
                let path = ctx.config.root.join(&f.local);
                let content =
                    std::fs::read(&path).map_err(|_| FlowError::Invalid(format!("Missing file: {}", f.local)))?;
                let (content, sensitive) =
                    if f.is_template() { (render_template(ctx, &a, &content)?, true) } else { (content, false) };
                ctx.execute(&host(h), &f.make_directory())?;
                let mode = u32::from_str_radix(&f.mode, 8).unwrap_or(0o755);
                ctx.upload(h, &Upload { remote_path: f.host_path.clone(), mode, content, sensitive })?;
                ctx.execute(&host(h), &f.chmod())?;
                if let Some(c) = f.chown() {
                    ctx.execute(&host(h), &c)?;
                }
            }
            Ok(())
        })?;
        Ok(())
    })
}

fn render_template(ctx: &Context, a: &AccessoryCommands, content: &[u8]) -> FlowResult<Vec<u8>> {
    let text = String::from_utf8_lossy(content).into_owned();
    let mut env: Vec<(String, String)> = a.env().clear.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for (var, secret) in a.env().secret_pairs() {
        env.push((var, ctx.secret(&secret)?.expose().clone()));
    }
    let var = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).or_else(|| std::env::var(k).ok());
    let run = |_: &str| Err("commands are not run in accessory templates".to_string());
    let rendered = tug_config::erb::render(&text, &tug_config::erb::ErbEnv { var: &var, run: &run })
        .map_err(|e| FlowError::Invalid(format!("could not render the accessory template: {}", e.message)))?;
    Ok(rendered.text.into_bytes())
}

/// `accessory directories NAME`: its `directories:` on its hosts.
pub fn directories(ctx: &Context, name: &str) -> FlowResult<()> {
    lock::with_lock(ctx, || {
        let a = accessory(ctx, name)?;
        let dirs = a.directories();
        ctx.on_hosts(&hosts(ctx, &a), |h| {
            for d in &dirs {
                ctx.execute(&host(h), &d.make_directory())?;
                for c in [d.chmod(), d.chown()].into_iter().flatten() {
                    ctx.execute(&host(h), &c)?;
                }
            }
            Ok(())
        })?;
        Ok(())
    })
}

fn each_host(
    ctx: &Context,
    name: &str,
    work: impl Fn(&AccessoryCommands, &str) -> FlowResult<()> + Sync,
) -> FlowResult<()> {
    lock::with_lock(ctx, || {
        let a = accessory(ctx, name)?;
        ctx.on_hosts(&hosts(ctx, &a), |h| work(&a, h))?;
        Ok(())
    })
}

/// `accessory reboot NAME|all`: pull, stop, remove the container, boot again.
pub fn reboot(ctx: &Context, name: &str) -> FlowResult<()> {
    lock::with_lock(ctx, || {
        for n in names(ctx, name) {
            prepare(ctx, &n)?;
            pull_image(ctx, &n)?;
            stop(ctx, &n)?;
            remove_container(ctx, &n)?;
            boot_one(ctx, &n)?;
        }
        Ok(())
    })
}

/// `accessory pull_image NAME`.
pub fn pull_image(ctx: &Context, name: &str) -> FlowResult<()> {
    each_host(ctx, name, |a, h| {
        audit::record(ctx, h, &format!("Pull {name} accessory image"), None)?;
        ctx.execute(&host(h), &a.pull_image()).map(|_| ())
    })
}

/// `accessory start NAME`.
pub fn start(ctx: &Context, name: &str) -> FlowResult<()> {
    for n in names(ctx, name) {
        each_host(ctx, &n, |a, h| {
            audit::record(ctx, h, &format!("Started {n} accessory"), None)?;
            ctx.execute(&host(h), &a.start())?;
            if a.running_proxy() {
                let target = ctx.query(&host(h), &a.container_id(true), "accessory container id")?;
                if let Some(deploy) = a.deploy(target.text(), &ctx.version_opt().unwrap_or_default()) {
                    ctx.execute(&host(h), &deploy)?;
                }
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// `accessory stop NAME`.
pub fn stop(ctx: &Context, name: &str) -> FlowResult<()> {
    for n in names(ctx, name) {
        each_host(ctx, &n, |a, h| {
            audit::record(ctx, h, &format!("Stopped {n} accessory"), None)?;
            ctx.execute_lenient(&host(h), &a.stop())?;
            if a.running_proxy() {
                ctx.query(&host(h), &a.container_id(true), "accessory container id")?;
                ctx.execute(&host(h), &a.remove())?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// `accessory restart NAME`.
pub fn restart(ctx: &Context, name: &str) -> FlowResult<()> {
    lock::with_lock(ctx, || {
        stop(ctx, name)?;
        start(ctx, name)
    })
}

/// `accessory details NAME|all`.
pub fn details(ctx: &Context, name: &str) -> FlowResult<()> {
    for n in names(ctx, name) {
        let a = accessory(ctx, &n)?;
        ctx.on_hosts(&hosts(ctx, &a), |h| {
            let f = ctx.query(&host(h), &a.info(false, false), "accessory container")?;
            if let Some(t) = f.known() {
                ctx.emit(Event::Output { target: h.to_string(), text: format!("Accessory {n}:\n{t}") });
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// `accessory logs NAME` (without `--follow`).
pub fn logs(ctx: &Context, name: &str, options: &LogOptions) -> FlowResult<()> {
    let a = accessory(ctx, name)?;
    ctx.on_hosts(&hosts(ctx, &a), |h| {
        let f = ctx.query(&host(h), &a.logs(options), "accessory logs")?;
        if let Some(t) = f.known() {
            ctx.emit(Event::Output { target: h.to_string(), text: t.to_string() });
        }
        Ok(())
    })?;
    Ok(())
}

/// `accessory exec NAME CMD` (without `--interactive`).
pub fn exec(ctx: &Context, name: &str, command: &[String], reuse: bool) -> FlowResult<()> {
    let a = accessory(ctx, name)?;
    let cmd = command.join(" ");
    let words = vec![cmd.clone()];
    ctx.phase(if reuse {
        "Launching command from existing container..."
    } else {
        "Launching command from new container..."
    });
    ctx.on_hosts(&hosts(ctx, &a), |h| {
        if !reuse {
            registry::login_on(ctx, h, a.registry())?;
        }
        audit::record(ctx, h, &format!("Executed cmd '{cmd}' on {name} accessory"), None)?;
        let c: Command = if reuse {
            a.execute_in_existing_container(&words, Interactive::No)
        } else {
            a.execute_in_new_container(&words, Interactive::No)
        };
        let out = ctx.execute(&host(h), &c)?;
        if !ctx.is_plan() {
            ctx.emit(Event::Output { target: h.to_string(), text: out.stdout });
        }
        Ok(())
    })?;
    Ok(())
}

/// `accessory exec --interactive NAME CMD`: over `ssh -t` on the accessory's host, with the
/// terminal handed over; `stdin` says whether this side has a terminal to lend.
pub fn exec_interactive(
    ctx: &Context,
    name: &str,
    command: &[String],
    reuse: bool,
    stdin: Interactive,
) -> FlowResult<()> {
    let a = AccessoryCommands::new(ctx.config, name)
        .map_err(|_| FlowError::Invalid(format!("No accessory by the name of '{name}'")))?;
    let words = vec![command.join(" ")];
    let local = if reuse {
        a.execute_in_existing_container_over_ssh(&words, stdin)
    } else {
        a.execute_in_new_container_over_ssh(&words, stdin)
    };
    terminal::hand_over(ctx, &local)
}

/// `accessory remove NAME|all`: stop, remove container, image and service directory.
pub fn remove(ctx: &Context, name: &str) -> FlowResult<()> {
    lock::with_lock(ctx, || {
        for n in names(ctx, name) {
            stop(ctx, &n)?;
            remove_container(ctx, &n)?;
            remove_image(ctx, &n)?;
            remove_service_directory(ctx, &n)?;
        }
        Ok(())
    })
}

/// `accessory remove_container NAME`.
pub fn remove_container(ctx: &Context, name: &str) -> FlowResult<()> {
    each_host(ctx, name, |a, h| {
        audit::record(ctx, h, &format!("Remove {name} accessory container"), None)?;
        ctx.execute(&host(h), &a.remove_container()).map(|_| ())
    })
}

/// `accessory remove_image NAME`.
pub fn remove_image(ctx: &Context, name: &str) -> FlowResult<()> {
    each_host(ctx, name, |a, h| {
        audit::record(ctx, h, &format!("Removed {name} accessory image"), None)?;
        ctx.execute(&host(h), &a.remove_image()).map(|_| ())
    })
}

/// `accessory remove_service_directory NAME`.
pub fn remove_service_directory(ctx: &Context, name: &str) -> FlowResult<()> {
    each_host(ctx, name, |a, h| ctx.execute(&host(h), &a.remove_service_directory()).map(|_| ()))
}
