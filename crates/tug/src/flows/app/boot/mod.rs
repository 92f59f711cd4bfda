//! `app boot`, the heart of deploy, redeploy and rollback: on every app host, error pages,
//! assets and certificates first; then host group by host group (`boot.limit`, `boot.wait`),
//! each role's new container, registered with kamal-proxy (or polled until healthy), the
//! barrier held for other roles until the first primary-role container is healthy, the old
//! container stopped; finally the image tagged as latest.

mod one;
mod prepare;
mod switch_back;

use std::sync::Mutex;
use std::time::Duration;

use tug_commands::app::AppCommands;
use tug_commands::env_file::{ENV_FILE_MODE, EnvFile};
use tug_commands::image::{absolute_image, latest_tag};
use tug_config::role::Role;
use tug_exec::Upload;

use self::one::boot_one;
use self::prepare::{assets, certificates, error_pages};
pub use self::switch_back::rollback_on_failure;
use self::switch_back::switch_back;
use super::barrier::Barrier;
use crate::events::Event;
use crate::flows::context::Context;
use crate::flows::error::{FlowError, FlowResult};
use crate::flows::step::{Fact, host};
use crate::flows::{audit, hooks, lock};

/// The role named `name`.
pub fn role<'a>(ctx: &Context<'a>, name: &str) -> FlowResult<&'a Role> {
    ctx.config.roles.iter().find(|r| r.name == name).ok_or_else(|| FlowError::msg(format!("no role `{name}`")))
}

/// The env file of secrets for `role` on `h`, ready to upload.
pub fn env_file_upload(ctx: &Context, app: &AppCommands) -> FlowResult<Upload> {
    let mut vars = Vec::new();
    for (name, secret) in app.env().secret_pairs() {
        vars.push((name, ctx.secret(&secret)?));
    }
    let file = EnvFile::new(vars);
    Ok(Upload {
        remote_path: app.env_file_path(),
        mode: ENV_FILE_MODE,
        content: file.expose().as_bytes().to_vec(),
        sensitive: true,
    })
}

/// `app boot`: the version given with `--version`, else the `latest` image.
pub fn boot(ctx: &Context, version: Option<String>) -> FlowResult<()> {
    lock::with_lock(ctx, || {
        if version.is_none() {
            ctx.phase("Get most recent version available as an image...");
        }
        let v = version.clone().unwrap_or_else(|| latest_tag(ctx.config));
        let previous = ctx.set_version(Some(v.clone()));
        let result = boot_version(ctx, &v);
        ctx.set_version(previous);
        result
    })
}

/// Boots `version` everywhere (the body of `app boot`, inside the lock).
pub fn boot_version(ctx: &Context, version: &str) -> FlowResult<()> {
    ctx.phase(format!("Start container with version {version} (or reboot if already running)..."));
    let app_hosts = ctx.selection.app_hosts().to_vec();
    let existing = ExistingContainers::default();
    ctx.on_hosts(&app_hosts, |h| {
        // Whether a container already has the version's name is asked while the assets are
        // extracted: the boot needs the answer, not the order.
        ctx.together(
            || {
                error_pages(ctx, h, version)?;
                for r in ctx.selection.roles_on(h) {
                    let app = AppCommands::new(ctx.config, role(ctx, &r)?, h, version);
                    assets(ctx, &app)?;
                    certificates(ctx, &app)?;
                }
                Ok(())
            },
            || {
                for r in ctx.selection.roles_on(h) {
                    let app = AppCommands::new(ctx.config, role(ctx, &r)?, h, version);
                    existing.ask(ctx, &app, version)?;
                }
                Ok(())
            },
        )?;
        Ok(())
    })?;
    let barrier = Barrier::new();
    let switched = Mutex::new(Vec::new());
    let groups: Vec<Vec<String>> = match ctx.config.boot.group_size(ctx.config.all_hosts().len()) {
        Some(n) if n > 0 => app_hosts.chunks(n).map(<[String]>::to_vec).collect(),
        _ => vec![app_hosts.clone()],
    };
    let count = groups.len();
    for (i, group) in groups.into_iter().enumerate() {
        let list = group.join(",");
        if count > 1 {
            ctx.phase(format!("Boot group {} of {count}: {}...", i + 1, group.join(", ")));
        }
        hooks::run(ctx, "pre-app-boot", false, &[("hosts", &list)])?;
        let booted = ctx.on_roles(&group, ctx.config.boot.parallel_roles, |h, r| {
            boot_one(ctx, h, r, version, &barrier, &switched, &existing)
        });
        if let Err(e) = booted {
            let switched = switched.into_inner().unwrap_or_default();
            return Err(switch_back(ctx, version, e, switched));
        }
        hooks::run(ctx, "post-app-boot", false, &[("hosts", &list)])?;
        if let Some(wait) = ctx.config.boot.wait.filter(|w| *w > 0) {
            let secs = u64::try_from(wait).unwrap_or(0);
            const WHAT: &str = "the next boot group (boot.wait)";
            ctx.emit(Event::Wait { target: None, what: WHAT.into(), seconds: secs });
            if !ctx.is_plan() {
                let started = std::time::Instant::now();
                ctx.inputs.clock.sleep(Duration::from_secs(secs));
                ctx.waited(None, WHAT, started, true);
            }
        }
    }
    ctx.on_hosts(&app_hosts, |h| {
        let Some(first) = ctx.selection.roles_on(h).into_iter().next() else { return Ok(()) };
        let app = AppCommands::new(ctx.config, role(ctx, &first)?, h, version);
        audit::record_while(
            ctx,
            h,
            &format!("Tagging {} as the latest image", absolute_image(ctx.config, version)),
            None,
            || ctx.execute(&host(h), &app.tag_latest_image()),
        )?;
        Ok(())
    })?;
    Ok(())
}

/// Whether a container with the version's name was on each host and role when this boot
/// asked (before any container was started).
#[derive(Default)]
struct ExistingContainers(Mutex<std::collections::HashMap<(String, String), Fact>>);

impl ExistingContainers {
    fn ask(&self, ctx: &Context, app: &AppCommands, version: &str) -> FlowResult<()> {
        let fact = ctx.query_lenient(
            &host(app.host()),
            &app.container_id_for_version(version, false),
            "container of this version",
        )?;
        if let Ok(mut m) = self.0.lock() {
            m.insert((app.host().to_string(), app.role().name.clone()), fact);
        }
        Ok(())
    }

    fn take(&self, app: &AppCommands) -> Option<Fact> {
        self.0.lock().ok()?.remove(&(app.host().to_string(), app.role().name.clone()))
    }
}

/// The version `app`'s role runs on its host: what this run found out already (stale
/// containers were detected just before), else asked now.
fn running_version(ctx: &Context, app: &AppCommands) -> FlowResult<Fact> {
    let (h, r) = (app.host(), &app.role().name);
    if let Some(v) = ctx.memo.running(h, r) {
        return Ok(Fact::Known(v));
    }
    let fact = ctx.query_lenient(&host(h), &app.current_running_version(), "running version")?;
    if let Some(v) = fact.known() {
        ctx.memo.remember_running(h, r, v);
    }
    Ok(fact)
}
