//! `app boot`, the heart of deploy, redeploy and rollback: on every app host, error pages,
//! assets and certificates first; then host group by host group (`boot.limit`, `boot.wait`),
//! each role's new container, registered with kamal-proxy (or polled until healthy), the
//! barrier held for other roles until the first primary-role container is healthy, the old
//! container stopped; finally the image tagged as latest.

use std::sync::Mutex;
use std::time::Duration;

use tug_commands::app::{AppCommands, LogOptions, container_hostname};
use tug_commands::env_file::{ENV_FILE_MODE, EnvFile};
use tug_commands::image::{absolute_image, latest_tag};
use tug_commands::layout::{error_pages_directory, tls_directory};
use tug_config::role::Role;
use tug_exec::Upload;

use super::barrier::Barrier;
use super::poller;
use crate::context::Context;
use crate::events::Event;
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
    let app_hosts = ctx.specifics.app_hosts().to_vec();
    let existing = ExistingContainers::default();
    ctx.on_hosts(&app_hosts, |h| {
        // Whether a container already has the version's name is asked while the assets are
        // extracted: the boot needs the answer, not the order.
        ctx.together(
            || {
                error_pages(ctx, h, version)?;
                for r in ctx.specifics.roles_on(h) {
                    let app = AppCommands::new(ctx.config, role(ctx, &r)?, h, version);
                    assets(ctx, &app)?;
                    certificates(ctx, &app)?;
                }
                Ok(())
            },
            || {
                for r in ctx.specifics.roles_on(h) {
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
        let Some(first) = ctx.specifics.roles_on(h).into_iter().next() else { return Ok(()) };
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

fn error_pages(ctx: &Context, h: &str, version: &str) -> FlowResult<()> {
    let Some(path) = ctx.config.root_key("error_pages_path").map(|n| n.to_ruby_s()) else { return Ok(()) };
    let dir = ctx.config.root.join(&path);
    let mut pages: Vec<std::path::PathBuf> =
        std::fs::read_dir(&dir).map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    pages.retain(|p| {
        let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        n.len() == 8 && n.ends_with(".html") && (n.starts_with('4') || n.starts_with('5'))
    });
    pages.sort();
    if pages.is_empty() {
        return Ok(());
    }
    let role_name = ctx.specifics.roles_on(h).into_iter().next().unwrap_or_default();
    let app = AppCommands::new(ctx.config, role(ctx, &role_name)?, h, version);
    ctx.execute(&host(h), &app.create_error_pages_directory())?;
    for page in pages {
        let content =
            std::fs::read(&page).map_err(|e| FlowError::msg(format!("could not read `{}`: {e}", page.display())))?;
        let name = page.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
        let remote_path = format!("{}/{version}/{name}", error_pages_directory(ctx.config));
        ctx.upload(h, &Upload { remote_path, mode: 0o700, content, sensitive: false })?;
    }
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
    if let Some(v) = ctx.learned.running(h, r) {
        return Ok(Fact::Known(v));
    }
    let fact = ctx.query_lenient(&host(h), &app.current_running_version(), "running version")?;
    if let Some(v) = fact.known() {
        ctx.learned.remember_running(h, r, v);
    }
    Ok(fact)
}

fn assets(ctx: &Context, app: &AppCommands) -> FlowResult<()> {
    if !app.assets() {
        return Ok(());
    }
    let h = app.host();
    ctx.execute(&host(h), &app.extract_assets())?;
    let old = running_version(ctx, app)?;
    ctx.execute(&host(h), &app.sync_asset_volumes(old.presence().as_deref()))?;
    Ok(())
}

fn certificates(ctx: &Context, app: &AppCommands) -> FlowResult<()> {
    let r = app.role();
    let Some(proxy) = r.proxy.as_ref().filter(|p| r.running_proxy() && p.custom_ssl_certificate()) else {
        return Ok(());
    };
    let h = app.host();
    ctx.execute(&host(h), &app.create_ssl_directory())?;
    let ssl = proxy.raw.get("ssl");
    for (key, file) in [("certificate_pem", "cert.pem"), ("private_key_pem", "key.pem")] {
        let Some(name) = ssl.and_then(|s| s.get(key)).map(|n| n.to_ruby_s()) else { continue };
        let value = ctx.secret(&name)?;
        let remote_path = format!("{}/{}/{file}", tls_directory(ctx.config), r.name);
        ctx.upload(
            h,
            &Upload { remote_path, mode: 0o644, content: value.expose().as_bytes().to_vec(), sensitive: true },
        )?;
    }
    Ok(())
}

/// A host and role that switched to the new version during this boot, and the version it ran
/// before (`None`: nothing ran).
#[derive(Debug, Clone)]
struct Switched {
    host: String,
    role: String,
    old: Option<String>,
}

/// Whether a failed boot switches the hosts that already switched back (Tug's default;
/// `x-tug: {rollback_on_failure: false}` keeps Kamal's per-host behaviour).
pub fn rollback_on_failure(ctx: &Context) -> bool {
    ctx.config
        .root_key("x-tug")
        .and_then(|x| x.get("rollback_on_failure"))
        .and_then(tug_config::yaml::Node::as_bool)
        .unwrap_or(true)
}

/// Tug only (a deliberate difference): after a failed boot, every host that already switched
/// to `version` in this run boots the version it served before again (its container started,
/// kamal-proxy pointed back at it, the new container stopped). Returns the error to report,
/// in one line.
fn switch_back(ctx: &Context, version: &str, error: FlowError, switched: Vec<Switched>) -> FlowError {
    let line = error.to_string();
    if ctx.is_plan() || switched.is_empty() {
        return error;
    }
    if !rollback_on_failure(ctx) {
        let hosts: Vec<&str> = switched.iter().map(|s| s.host.as_str()).collect();
        return FlowError::msg(format!(
            "{line}; {} now run{} {version} (x-tug.rollback_on_failure is off)",
            hosts.join(", "),
            if hosts.len() == 1 { "s" } else { "" }
        ));
    }
    let mut hosts: Vec<String> = switched.iter().map(|s| s.host.clone()).collect();
    hosts.dedup();
    ctx.phase(format!(
        "Switching {} back to the version{} served before, because the deploy of {version} failed...",
        hosts.join(", "),
        if hosts.len() == 1 { " it" } else { "s they" }
    ));
    let reverted = ctx.on_hosts(&hosts, |h| {
        let mut olds = Vec::new();
        for s in switched.iter().filter(|s| s.host == h) {
            ctx.learned.forget_running(h, &s.role);
            let r = role(ctx, &s.role)?;
            let app = AppCommands::new(ctx.config, r, h, version);
            match &s.old {
                Some(old) => {
                    audit::record(
                        ctx,
                        h,
                        &format!("Switching back to app version {old} after the failed deploy of {version}"),
                        Some(&r.name),
                    )?;
                    ctx.execute(&host(h), &app.start_version(old))?;
                    if r.running_proxy() {
                        let id = ctx.query(
                            &host(h),
                            &app.container_id_for_version(old, false),
                            "container of the previous version",
                        )?;
                        ctx.execute(&host(h), &app.deploy(id.text()))?;
                    } else {
                        poller::wait_for_healthy(ctx, h, || {
                            ctx.query_lenient(&host(h), &app.status(old), "container health")
                        })?;
                    }
                    olds.push(old.clone());
                }
                None => {
                    audit::record(
                        ctx,
                        h,
                        &format!("Removing app version {version} after its failed deploy (no version ran before)"),
                        Some(&r.name),
                    )?;
                    if r.running_proxy() {
                        ctx.execute_lenient(&host(h), &app.remove())?;
                    }
                    olds.push("nothing".into());
                }
            }
            ctx.execute_lenient(&host(h), &app.stop(Some(version)))?;
        }
        Ok(format!("{h} to {}", olds.join("+")))
    });
    match reverted {
        Ok(done) => FlowError::msg(format!("{line}; switched back {}", done.join(", "))),
        Err(e) => FlowError::msg(format!("{line}; switching back failed too: {e}")),
    }
}

/// The short reason for a failed step: what the command printed, not the command itself.
fn reason(e: &FlowError) -> String {
    match e {
        FlowError::CommandFailed { tail, status, .. } if !tail.trim().is_empty() => {
            let s = status.map_or("killed".to_string(), |c| format!("exit status {c}"));
            format!("{} ({s})", tail.trim().replace('\n', " / "))
        }
        FlowError::Exec(tug_exec::ExecError::Unreachable { message, .. }) => {
            format!("unreachable over SSH ({})", message.trim())
        }
        other => other.to_string(),
    }
}

/// The last lines the container of `version` printed, on one line (`None` if it has none).
fn last_log_lines(ctx: &Context, app: &AppCommands, version: &str, lines: u64) -> Option<String> {
    let h = app.host();
    let id = ctx.query_lenient(&host(h), &app.container_id_for_version(version, false), "container id").ok()?;
    let id = id.known().map(str::trim).filter(|i| !i.is_empty())?.to_string();
    let opts = LogOptions { lines: Some(lines), timestamps: false, ..LogOptions::default() };
    let logs = ctx.query_lenient(&host(h), &app.logs(Some(&id), &opts), "container logs").ok()?;
    let mut text: Vec<&str> = logs.text().lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    text.dedup();
    (!text.is_empty()).then(|| text.join(" / "))
}

fn boot_one(
    ctx: &Context,
    h: &str,
    role_name: &str,
    version: &str,
    barrier: &Barrier,
    switched: &Mutex<Vec<Switched>>,
    existing: &ExistingContainers,
) -> FlowResult<()> {
    let r = role(ctx, role_name)?;
    let app = AppCommands::new(ctx.config, r, h, version);
    let primary = ctx.specifics.primary_role.clone().unwrap_or_default();
    let gatekeeper = role_name == primary;
    let result = (|| {
        let old = rename_if_clashing(ctx, &app, version, existing.take(&app))?;
        if !gatekeeper {
            let what = format!("the first healthy {primary} container before booting {role_name}");
            ctx.emit(Event::Wait { target: Some(h.to_string()), what: what.clone(), seconds: 0 });
            let started = std::time::Instant::now();
            let open = ctx.is_plan() || barrier.wait();
            ctx.waited(Some(h), &what, started, open);
            if !open {
                return Err(FlowError::msg(format!(
                    "First {primary} container is unhealthy, not booting {role_name} on {h}"
                )));
            }
        }
        if let Err(e) = start_new_version(ctx, &app, version) {
            if gatekeeper && barrier.close() {
                show_failure(ctx, &app, version);
            }
            let unreachable = matches!(
                e,
                FlowError::Exec(tug_exec::ExecError::Unreachable { .. } | tug_exec::ExecError::Timeout { .. })
            );
            let logs = if ctx.is_plan() || unreachable { None } else { last_log_lines(ctx, &app, version, 3) };
            // A host that stopped answering is not asked again (each try would wait for the
            // connection timeout): the error says why it failed.
            if !unreachable {
                let _ = ctx.execute_lenient(&host(h), &app.stop(Some(version)));
            }
            let logs = logs.map(|l| format!("; last log lines: {l}")).unwrap_or_default();
            return Err(FlowError::msg(format!("Failed to boot {role_name} on {h}: {}{logs}", reason(&e))));
        }
        ctx.learned.remember_running(h, role_name, version);
        if let Ok(mut s) = switched.lock() {
            s.push(Switched {
                host: h.to_string(),
                role: role_name.to_string(),
                old: old.as_ref().filter(|o| o.0).map(|o| o.1.clone()),
            });
        }
        if gatekeeper && barrier.open() && !ctx.is_plan() {
            ctx.phase(format!("First {primary} container is healthy on {h}, booting any other roles"));
        }
        ctx.when(
            Some(h),
            &format!("another version of {role_name} was running (<running version>)"),
            match &old {
                None => Some(false),
                Some((true, _)) => Some(true),
                Some((false, _)) => None,
            },
            || {
                let old_version = old.as_ref().map(|o| o.1.clone()).unwrap_or_default();
                ctx.execute_lenient(&host(h), &app.stop(Some(&old_version)))?;
                if app.assets() {
                    ctx.execute(&host(h), &app.clean_up_assets())?;
                }
                if ctx.config.root_key("error_pages_path").is_some() {
                    ctx.execute(&host(h), &app.clean_up_error_pages())?;
                }
                Ok(())
            },
        )?;
        Ok(())
    })();
    if result.is_err() && gatekeeper {
        barrier.close();
    }
    result
}

/// Renames a container already holding the version's name (`asked`: whether one did, when
/// the boot began), then finds out which version runs. Returns `(known to run, version)`, or
/// `None` when none runs.
fn rename_if_clashing(
    ctx: &Context,
    app: &AppCommands,
    version: &str,
    asked: Option<Fact>,
) -> FlowResult<Option<(bool, String)>> {
    let h = app.host();
    let existing = match asked {
        Some(fact) => fact,
        None => {
            ctx.query_lenient(&host(h), &app.container_id_for_version(version, false), "container of this version")?
        }
    };
    ctx.when(Some(h), &format!("a container for version {version} already exists"), existing.present(), || {
        let renamed = format!("{version}_replaced_{}", ctx.inputs.hex.hex(16));
        audit::record(ctx, h, &format!("Renaming container {version} to {renamed}"), None)?;
        ctx.execute(&host(h), &app.rename_container(version, &renamed))?;
        ctx.learned.forget_running(h, &app.role().name);
        Ok(())
    })?;
    // Nothing renamed: what this run found out still holds (no second round trip).
    if existing.present() != Some(false) {
        ctx.learned.forget_running(h, &app.role().name);
    }
    let running = running_version(ctx, app)?;
    Ok(match running {
        Fact::Known(v) if v.trim().is_empty() => None,
        Fact::Known(v) => Some((true, v.trim().to_string())),
        Fact::Unknown(p) => Some((false, p)),
    })
}

fn start_new_version(ctx: &Context, app: &AppCommands, version: &str) -> FlowResult<()> {
    let h = app.host();
    let r = app.role();
    let hostname = container_hostname(h, &ctx.inputs.hex.hex(12));
    audit::record_while(ctx, h, &format!("Booted app version {version}"), Some(&r.name), || {
        ctx.execute(&host(h), &app.ensure_env_directory())?;
        ctx.upload(h, &env_file_upload(ctx, app)?)
    })?;
    let started = ctx.execute(&host(h), &app.run(Some(&hostname)))?;
    if r.running_proxy() {
        // `docker run --detach` prints the new container's id: no second round trip to ask for
        // it (plans, where nothing ran, still show the query).
        let endpoint = match short_container_id(&started.stdout) {
            Some(id) => Fact::Known(id),
            None => ctx.query_made(&host(h), &app.container_id_for_version(version, false), "new container id")?,
        };
        if endpoint.present() == Some(false) {
            return Err(FlowError::msg(format!(
                "Failed to get endpoint for {} on {h}, did the container boot?",
                r.name
            )));
        }
        ctx.execute(&host(h), &app.deploy(endpoint.text()))?;
    } else {
        poller::wait_for_healthy(ctx, h, || ctx.query_lenient(&host(h), &app.status(version), "container health"))?;
    }
    Ok(())
}

/// The short (12 hex digits) id `docker container ls --quiet` prints, from the full id
/// `docker run --detach` printed last.
fn short_container_id(run_output: &str) -> Option<String> {
    let id = run_output.lines().map(str::trim).rfind(|l| !l.is_empty())?;
    (id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit())).then(|| id[..12].to_string())
}

fn show_failure(ctx: &Context, app: &AppCommands, version: &str) {
    if ctx.is_plan() {
        return;
    }
    let h = app.host();
    ctx.phase(format!("First {} container is unhealthy on {h}, not booting any other roles", app.role().name));
    let id = ctx.query_lenient(&host(h), &app.container_id_for_version(version, false), "container id");
    if let Ok(id) = id
        && let Some(id) = id.known().filter(|i| !i.is_empty())
    {
        let opts = LogOptions { lines: Some(20), ..LogOptions::default() };
        if let Ok(logs) = ctx.query_lenient(&host(h), &app.logs(Some(id), &opts), "container logs") {
            ctx.emit(Event::Output { target: h.to_string(), text: logs.text().to_string() });
        }
        if let Ok(health) = ctx.query_lenient(&host(h), &app.container_health_log(version), "health log") {
            ctx.emit(Event::Output { target: h.to_string(), text: health.text().to_string() });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::short_container_id;

    #[test]
    fn container_id_from_docker_run() {
        let full = "4b1f3c2a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a";
        assert_eq!(short_container_id(&format!("{full}\n")).as_deref(), Some("4b1f3c2a9d8e"));
        assert_eq!(
            short_container_id(&format!("Unable to find image locally\n{full}\n")).as_deref(),
            Some("4b1f3c2a9d8e")
        );
        assert_eq!(short_container_id(""), None);
        assert_eq!(short_container_id("not an id"), None);
    }
}
