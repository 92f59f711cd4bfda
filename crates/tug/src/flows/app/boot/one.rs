//! Booting one role on one host: the clashing container renamed, the barrier waited for
//! (roles after the primary), the new container started and registered with kamal-proxy (or
//! polled until healthy), the old one stopped; a failure says why, with the last log lines.

use std::sync::Mutex;

use tug_commands::app::{AppCommands, LogOptions, container_hostname};

use super::switch_back::Switched;
use super::{ExistingContainers, env_file_upload, role, running_version};
use crate::events::Event;
use crate::flows::app::barrier::Barrier;
use crate::flows::app::poller;
use crate::flows::audit;
use crate::flows::context::Context;
use crate::flows::error::{FlowError, FlowResult};
use crate::flows::step::{Fact, host};

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

pub(super) fn boot_one(
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
    let primary = ctx.selection.primary_role.clone().unwrap_or_default();
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
        ctx.memo.remember_running(h, role_name, version);
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
                if ctx.config.error_pages_path().is_some() {
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
        ctx.memo.forget_running(h, &app.role().name);
        Ok(())
    })?;
    // Nothing renamed: what this run found out still holds (no second round trip).
    if existing.present() != Some(false) {
        ctx.memo.forget_running(h, &app.role().name);
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
