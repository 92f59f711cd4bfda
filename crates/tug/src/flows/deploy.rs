//! The top-level verbs: `deploy`, `setup`, `redeploy`, `rollback`, `remove` and `details`, in
//! Kamal's step order.

use tug_commands::app::AppCommands;
use tug_commands::builder::PushOptions;

use crate::events::Event;
use crate::flows::app::boot::{self, role};
use crate::flows::context::Context;
use crate::flows::error::{FlowError, FlowResult};
use crate::flows::step::host;
use crate::flows::{accessory, app, build, db, hooks, lock, proxy, prune, registry, server};

/// Options of `deploy`, `redeploy` and `setup`.
#[derive(Debug, Clone, Default)]
pub struct DeployOptions {
    /// `-P`: pull the existing image instead of building.
    pub skip_push: bool,
    /// `--no-cache`.
    pub no_cache: bool,
    /// `--skip-backup`: no SQLite backup before the boot.
    pub skip_backup: bool,
}

fn build_or_pull(ctx: &Context, options: &DeployOptions) -> FlowResult<()> {
    if options.skip_push {
        ctx.phase("Pull app image...");
        build::pull(ctx)
    } else {
        ctx.phase("Build and push app image...");
        build::deliver(ctx, &PushOptions { no_cache: options.no_cache, ..PushOptions::default() })
    }
}

fn finished(ctx: &Context) -> String {
    let secs = ctx.inputs.clock.elapsed().as_secs_f64();
    ctx.emit(Event::Done { seconds: (secs * 10.0).round() / 10.0 });
    format!("{}", secs.round())
}

/// kamal-proxy (and, for `setup`, the accessories) ready, and stale containers stopped: two
/// steps that do not depend on each other, at once.
/// `announce`: each part says when it starts (not when they run alongside the pull, which
/// announced all three).
fn prepare_servers(ctx: &Context, boot_accessories: bool, announce: bool) -> FlowResult<()> {
    ctx.together(
        || {
            if announce {
                ctx.phase("Ensure kamal-proxy is running...");
            }
            proxy::boot(ctx)?;
            if boot_accessories {
                accessory::boot(ctx, "all")?;
            }
            Ok(())
        },
        || {
            if announce {
                ctx.phase("Detect stale containers...");
            }
            app::stale_containers(ctx, true)
        },
    )?;
    Ok(())
}

/// Whether no `pre-deploy` hook will run. Then nothing has to happen between pulling the
/// image and preparing the servers, and Tug does both at once under the lock (Kamal pulls
/// first and takes the lock after; the hook, when there is one, keeps Kamal's order: it may
/// stop the deploy before any server is touched beyond the pull).
fn nothing_between_pull_and_prepare(ctx: &Context) -> bool {
    ctx.options.skip_hooks || !hooks::exists(ctx, "pre-deploy")
}

/// The advice on the configuration, before `setup`, `deploy` and `redeploy` touch anything
/// (plans included): SQLite warnings are shown and the run goes on (`tug config` and `tug
/// doctor` show the others); errors of any topic (a setup that cannot work, such as
/// Cloudflare's Full mode in front of `proxy.ssl: false`) are shown and stop it.
fn check_advice(ctx: &Context) -> FlowResult<()> {
    let mut errors = Vec::new();
    for a in tug_config::advice::advise(ctx.config) {
        match a.level {
            tug_config::advice::Level::Warning if a.topic == "sqlite" => {
                ctx.warn(None, format!("{} ({})", a.message, a.help));
            }
            tug_config::advice::Level::Warning => {}
            tug_config::advice::Level::Error => {
                if ctx.is_plan() {
                    // The plan ends here; the error (with its help) follows it.
                    ctx.phase(format!("Stop: error: [{}] {}", a.topic, a.message));
                }
                errors.push(format!("[{}] {}; help: {}", a.topic, a.message, a.help));
            }
        }
    }
    if errors.is_empty() {
        return Ok(());
    }
    Err(FlowError::Invalid(format!(
        "the configuration cannot work as written, so `{}` stops before touching any server: {}",
        ctx.command,
        errors.join("; ")
    )))
}

/// `deploy` (`boot_accessories`: also boot the accessories).
pub fn deploy(ctx: &Context, options: &DeployOptions, boot_accessories: bool) -> FlowResult<()> {
    check_advice(ctx)?;
    deploy_steps(ctx, options, boot_accessories)
}

/// `deploy` after its warnings (also the deploy part of `setup`).
fn deploy_steps(ctx: &Context, options: &DeployOptions, boot_accessories: bool) -> FlowResult<()> {
    let version = ctx.version()?;
    let overlap = nothing_between_pull_and_prepare(ctx);
    if overlap {
        if !options.skip_push {
            ctx.phase("Build and push app image...");
            build::push(ctx, &PushOptions { no_cache: options.no_cache, ..PushOptions::default() })?;
        }
    } else {
        build_or_pull(ctx, options)?;
    }
    lock::with_lock(ctx, || {
        if overlap {
            ctx.phase("Pull app image, and meanwhile ensure kamal-proxy is running and detect stale containers...");
            ctx.together(|| build::pull(ctx), || prepare_servers(ctx, boot_accessories, false))?;
        } else {
            hooks::run(ctx, "pre-deploy", true, &[])?;
            prepare_servers(ctx, boot_accessories, true)?;
        }
        if !options.skip_backup {
            db::before_deploy(ctx, &version)?;
        }
        boot::boot_version(ctx, &version)?;
        ctx.phase("Prune old containers and images...");
        prune::all(ctx)
    })?;
    let runtime = finished(ctx);
    hooks::run(ctx, "post-deploy", true, &[("runtime", &runtime)])
}

/// `setup`: bootstrap the servers, then deploy with the accessories, all under the lock.
pub fn setup(ctx: &Context, options: &DeployOptions) -> FlowResult<()> {
    check_advice(ctx)?;
    lock::with_lock(ctx, || {
        ctx.phase("Ensure Docker is installed...");
        server::bootstrap(ctx)?;
        deploy_steps(ctx, options, true)
    })
}

/// `redeploy`: build, lock, stale containers, boot (no proxy boot, accessories or prune).
pub fn redeploy(ctx: &Context, options: &DeployOptions) -> FlowResult<()> {
    check_advice(ctx)?;
    let version = ctx.version()?;
    build_or_pull(ctx, options)?;
    lock::with_lock(ctx, || {
        hooks::run(ctx, "pre-deploy", true, &[])?;
        ctx.phase("Detect stale containers...");
        app::stale_containers(ctx, true)?;
        if !options.skip_backup {
            db::before_deploy(ctx, &version)?;
        }
        boot::boot_version(ctx, &version)
    })?;
    let runtime = finished(ctx);
    hooks::run(ctx, "post-deploy", true, &[("runtime", &runtime)])
}

/// `rollback VERSION`: boot a version whose containers are still on every app host.
pub fn rollback(ctx: &Context, version: &str) -> FlowResult<()> {
    let rolled_back = lock::with_lock(ctx, || {
        ctx.set_version(Some(version.to_string()));
        let found = ctx.on_hosts(ctx.selection.app_hosts(), |h| {
            let mut all = Some(true);
            for r in ctx.selection.roles_on(h) {
                let a = AppCommands::new(ctx.config, role(ctx, &r)?, h, version);
                let id = ctx.query_lenient(
                    &host(h),
                    &a.container_id_for_version(version, false),
                    "container of the version",
                )?;
                all = match (all, id.present()) {
                    (Some(true), Some(p)) => Some(p),
                    (Some(false), _) | (_, Some(false)) => Some(false),
                    _ => None,
                };
            }
            Ok(all)
        })?;
        let available = found.into_iter().try_fold(true, |acc, f| f.map(|f| acc && f));
        let missing = || -> FlowResult<()> {
            ctx.warn(None, format!("The app version '{version}' is not available as a container (use 'tug app containers' for available versions)"));
            Ok(())
        };
        let booted = ctx.branch(
            None,
            &format!("a container for version {version} exists on every app host and role"),
            available,
            || {
                hooks::run(ctx, "pre-deploy", true, &[])?;
                boot::boot_version(ctx, version)
            },
            Some(&missing),
        )?;
        Ok(booted.is_some())
    })?;
    let runtime = finished(ctx);
    if rolled_back {
        hooks::run(ctx, "post-deploy", true, &[("runtime", &runtime)])?;
    }
    Ok(())
}

/// `rollback` without a version (Tug only): the versions each host could roll back to.
pub fn rollback_candidates(ctx: &Context) -> FlowResult<()> {
    ctx.phase("Versions available to roll back to (containers still on the servers):");
    ctx.on_roles(ctx.selection.app_hosts(), true, |h, r| {
        let a = AppCommands::new(ctx.config, role(ctx, r)?, h, "");
        let all = ctx.query_lenient(&host(h), &a.list_versions(&["--all"], &[]), "versions")?;
        let current = ctx.query_lenient(&host(h), &a.current_running_version(), "running version")?;
        if let (Some(all), Some(cur)) = (all.known(), current.known()) {
            let others: Vec<&str> = all
                .lines()
                .map(str::trim)
                .filter(|v| !v.is_empty() && *v != cur.trim() && !v.contains("_replaced_"))
                .collect();
            let text = if others.is_empty() {
                format!("{r}: none (running {})", if cur.is_empty() { "nothing" } else { cur })
            } else {
                format!("{r}: {} (running {})", others.join(", "), if cur.is_empty() { "nothing" } else { cur })
            };
            ctx.emit(Event::Output { target: h.to_string(), text });
        }
        Ok(())
    })?;
    ctx.phase("Run `tug rollback VERSION` to boot one of them");
    Ok(())
}

/// `remove`: the app, kamal-proxy, the accessories and the registry login, under the lock.
pub fn remove(ctx: &Context) -> FlowResult<()> {
    lock::with_lock(ctx, || {
        app::remove(ctx)?;
        proxy::remove(ctx, false)?;
        accessory::remove(ctx, "all")?;
        registry::remove(ctx, true, false, false)
    })
}

/// `details`: proxy, app and accessory containers.
pub fn details(ctx: &Context) -> FlowResult<()> {
    proxy::details(ctx)?;
    app::details(ctx)?;
    if !ctx.config.accessories.is_empty() {
        accessory::details(ctx, "all")?;
    }
    Ok(())
}

/// A version to roll back to must be given, unless the candidates are to be listed.
pub fn require_version(version: Option<&str>) -> FlowResult<&str> {
    version.ok_or_else(|| FlowError::Invalid("a version is required".into()))
}
