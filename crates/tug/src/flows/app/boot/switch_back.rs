//! Tug only (a deliberate difference): switching the hosts that already switched back to the
//! version they served before when a boot fails, unless `x-tug.rollback_on_failure` is off.

use tug_commands::app::AppCommands;

use super::role;
use crate::flows::app::poller;
use crate::flows::audit;
use crate::flows::context::Context;
use crate::flows::error::FlowError;
use crate::flows::step::host;

/// A host and role that switched to the new version during this boot, and the version it ran
/// before (`None`: nothing ran).
#[derive(Debug, Clone)]
pub(super) struct Switched {
    pub(super) host: String,
    pub(super) role: String,
    pub(super) old: Option<String>,
}

/// Whether a failed boot switches the hosts that already switched back (Tug's default;
/// `x-tug: {rollback_on_failure: false}` keeps Kamal's per-host behaviour).
pub fn rollback_on_failure(ctx: &Context) -> bool {
    ctx.config.x_tug.rollback_on_failure
}

/// Tug only (a deliberate difference): after a failed boot, every host that already switched
/// to `version` in this run boots the version it served before again (its container started,
/// kamal-proxy pointed back at it, the new container stopped). Returns the error to report,
/// in one line.
pub(super) fn switch_back(ctx: &Context, version: &str, error: FlowError, switched: Vec<Switched>) -> FlowError {
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
            ctx.memo.forget_running(h, &s.role);
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
