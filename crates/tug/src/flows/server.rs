//! `tug server bootstrap|exec`: Docker on the servers, and commands run on them directly.

use tug_commands::Command;
use tug_commands::docker::Docker;

use crate::events::Event;
use crate::flows::context::Context;
use crate::flows::error::{FlowError, FlowResult};
use crate::flows::step::host;
use crate::flows::{audit, hooks, lock, terminal};

/// `server bootstrap`: installs Docker where it is missing (root or passwordless sudo
/// needed), adds the SSH user to the `docker` group, then runs the `docker-setup` hook.
pub fn bootstrap(ctx: &Context) -> FlowResult<()> {
    lock::with_lock(ctx, || {
        let missing = ctx.on_hosts(&ctx.selection.hosts, |h| {
            let t = host(h);
            let installed = ctx.check(&t, &Docker.installed(), "docker installed")?;
            let mut cannot = false;
            ctx.when(Some(h), "Docker is missing", installed.map(|i| !i), || {
                let superuser = ctx.check(&t, &Docker.superuser(), "root or sudo")?;
                let install = || -> FlowResult<()> {
                    ctx.execute(&t, &Docker.install())?;
                    let root = ctx.check(&t, &Docker.root(), "root")?;
                    let in_group = if root == Some(true) {
                        Some(true)
                    } else {
                        ctx.check(&t, &Docker.in_docker_group(), "in docker group")?
                    };
                    let needs_group = match (root, in_group) {
                        (Some(true), _) | (_, Some(true)) => Some(false),
                        (Some(false), Some(false)) => Some(true),
                        _ => None,
                    };
                    ctx.when(Some(h), "the SSH user is neither root nor in the `docker` group", needs_group, || {
                        ctx.execute(&t, &Docker.add_to_docker_group())?;
                        ctx.execute_lenient(&t, &Docker.refresh_session())?;
                        Ok(())
                    })?;
                    Ok(())
                };
                let fail = || -> FlowResult<()> {
                    if ctx.is_plan() {
                        ctx.warn(Some(h), "Docker cannot be installed without root access or passwordless sudo");
                    }
                    Ok(())
                };
                ctx.branch(Some(h), "the SSH user is root or may run `sudo usermod`", superuser, install, Some(&fail))?;
                cannot = superuser == Some(false);
                Ok(())
            })?;
            Ok(cannot.then(|| h.to_string()))
        })?;
        let missing: Vec<String> = missing.into_iter().flatten().collect();
        if !missing.is_empty() && !ctx.is_plan() {
            return Err(FlowError::msg(format!(
                "Docker is not installed on {} and can't be automatically installed without having root access and either `wget` or `curl`. Install Docker manually: https://docs.docker.com/engine/install/",
                missing.join(", ")
            )));
        }
        hooks::run(ctx, "docker-setup", false, &[])
    })
}

/// `server exec CMD` (without `--interactive`) on every selected host.
pub fn exec(ctx: &Context, command: &[String]) -> FlowResult<()> {
    let cmd = command.join(" ");
    ctx.phase(format!("Running '{cmd}' on {}...", ctx.selection.hosts.join(", ")));
    ctx.on_hosts(&ctx.selection.hosts, |h| {
        audit::record(ctx, h, &format!("Executed cmd '{cmd}' on {h}"), None)?;
        let out = ctx.execute(&host(h), &Command::new([cmd.clone()]))?;
        if !ctx.is_plan() {
            ctx.emit(Event::Output { target: h.to_string(), text: out.stdout });
        }
        Ok(())
    })?;
    Ok(())
}

/// `server exec --interactive CMD`: on the primary host over `ssh -t`, with the terminal
/// handed over.
pub fn exec_interactive(ctx: &Context, command: &[String]) -> FlowResult<()> {
    let primary = ctx.selection.primary_host.clone().unwrap_or_default();
    let local = tug_commands::ssh::run_over_ssh(&ctx.config.ssh, &primary, &Command::new([command.join(" ")]));
    terminal::hand_over(ctx, &local)
}
