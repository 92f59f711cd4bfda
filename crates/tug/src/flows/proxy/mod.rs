//! `tug proxy …`: kamal-proxy on the servers (boot, reboot, start, stop, restart, details,
//! logs, remove).

pub mod boot_config;

use tug_commands::docker::Docker;
use tug_commands::logs::LogOptions;
use tug_commands::proxy::{MINIMUM_VERSION, ProxyCommands};
use tug_commands::server::ServerCommands;

use crate::events::Event;
use crate::flows::context::Context;
use crate::flows::error::{FlowError, FlowResult};
use crate::flows::step::host;
use crate::flows::{audit, hooks, image_delivery, lock, registry};

/// Whether `version` is older than `other` (`v0.8.7` < `v0.9.2`), comparing numbers.
pub fn older_version(version: &str, other: &str) -> bool {
    let parts =
        |v: &str| -> Vec<u64> { v.trim_start_matches('v').split('.').map(|p| p.trim().parse().unwrap_or(0)).collect() };
    parts(version) < parts(other)
}

/// Creates the `kamal` network on `h` ("already exists" is fine).
pub fn create_network(ctx: &Context, h: &str) -> FlowResult<()> {
    let out = ctx.execute_lenient(&host(h), &Docker.create_network())?;
    if !out.success() && !out.stderr.contains("already exists") {
        return Err(FlowError::CommandFailed {
            target: h.into(),
            command: Docker.create_network().to_redacted(),
            status: out.status,
            tail: out.tail(2),
        });
    }
    Ok(())
}

/// `proxy boot`: the network on every host, then kamal-proxy started (or run) on proxy hosts.
/// Each host goes through its steps on its own (Kamal waits for the network on all hosts
/// first).
pub fn boot(ctx: &Context) -> FlowResult<()> {
    lock::with_lock(ctx, || {
        let proxy_hosts = ctx.selection.proxy_hosts();
        ctx.on_hosts(&ctx.selection.hosts, |h| {
            create_network(ctx, h)?;
            if !proxy_hosts.iter().any(|p| p == h) {
                return Ok(());
            }
            let proxy = ProxyCommands::new(ctx.config, h);
            registry::login_on(ctx, h, None)?;
            let version = ctx.query(&host(h), &proxy.version(), "proxy version")?;
            let running = version.known().map(str::trim).filter(|v| !v.is_empty());
            if let Some(v) = running
                && older_version(v, MINIMUM_VERSION)
            {
                return Err(FlowError::msg(format!(
                    "kamal-proxy version {v} is too old, run `tug proxy reboot` in order to update to at least {MINIMUM_VERSION}"
                )));
            }
            ctx.execute(&host(h), &proxy.ensure_apps_config_directory())?;
            // A version read off the `kamal-proxy` container means the container exists: no
            // image to deliver.
            if running.is_none() {
                ensure_image(ctx, h, &proxy)?;
            }
            ctx.execute(&host(h), &proxy.start_or_run())?;
            Ok(())
        })?;
        Ok(())
    })
}

/// Tug only (a deliberate difference): makes sure a host that is about to run a new proxy
/// container has the proxy image. When there is no `kamal-proxy` container, the image is not on
/// the host and `docker pull` cannot get it (no registry has it, or the host cannot reach one),
/// the image is streamed from this machine (see [`image_delivery`]).
pub fn ensure_image(ctx: &Context, h: &str, proxy: &ProxyCommands) -> FlowResult<()> {
    let container = ctx.check(&host(h), &proxy.container_exists(), "proxy container exists")?;
    if container == Some(true) {
        return Ok(());
    }
    let image = match proxy.configured_image() {
        Some(image) => image,
        None => match ctx.query_lenient(&host(h), &proxy.boot_image(), "proxy image")?.known() {
            Some(image) if !image.trim().is_empty() => image.trim().to_string(),
            _ => return Ok(()),
        },
    };
    image_delivery::require(ctx, h, &proxy_image(&image))
}

/// The proxy's image, for [`image_delivery`].
fn proxy_image(image: &str) -> image_delivery::Wanted<'_> {
    image_delivery::Wanted { image, what: "proxy image", build_hint: "for tug-proxy: `crates/tug-proxy/image/build`" }
}

/// `proxy reboot [--rolling]`: a new kamal-proxy container, host group by host group.
pub fn reboot(ctx: &Context, rolling: bool) -> FlowResult<()> {
    lock::with_lock(ctx, || {
        let all = ctx.selection.proxy_hosts().to_vec();
        let groups: Vec<Vec<String>> = if rolling { all.iter().map(|h| vec![h.clone()]).collect() } else { vec![all] };
        for group in groups {
            let list = group.join(",");
            hooks::run(ctx, "pre-proxy-reboot", false, &[("hosts", &list)])?;
            ctx.on_hosts(&group, |h| {
                let proxy = ProxyCommands::new(ctx.config, h);
                // `docker run` would pull an image of Docker Hub's `tug/` namespace that is not
                // on the host: it is sent from here first, before the old proxy stops.
                if let Some(image) = proxy.configured_image().filter(|i| image_delivery::in_unowned_namespace(i)) {
                    image_delivery::require(ctx, h, &proxy_image(&image))?;
                }
                audit::record(ctx, h, "Rebooted proxy", None)?;
                registry::login_on(ctx, h, None)?;
                ctx.execute_lenient(&host(h), &proxy.stop())?;
                ctx.execute(&host(h), &proxy.remove_container())?;
                ctx.execute(&host(h), &proxy.ensure_apps_config_directory())?;
                ctx.execute(&host(h), &proxy.run())?;
                Ok(())
            })?;
            hooks::run(ctx, "post-proxy-reboot", false, &[("hosts", &list)])?;
        }
        Ok(())
    })
}

/// `proxy start`.
pub fn start(ctx: &Context) -> FlowResult<()> {
    lock::with_lock(ctx, || {
        ctx.on_hosts(ctx.selection.proxy_hosts(), |h| {
            audit::record(ctx, h, "Started proxy", None)?;
            ctx.execute(&host(h), &ProxyCommands::new(ctx.config, h).start())?;
            Ok(())
        })?;
        Ok(())
    })
}

/// `proxy stop`.
pub fn stop(ctx: &Context) -> FlowResult<()> {
    lock::with_lock(ctx, || {
        ctx.on_hosts(ctx.selection.proxy_hosts(), |h| {
            audit::record(ctx, h, "Stopped proxy", None)?;
            ctx.execute_lenient(&host(h), &ProxyCommands::new(ctx.config, h).stop())?;
            Ok(())
        })?;
        Ok(())
    })
}

/// `proxy restart`.
pub fn restart(ctx: &Context) -> FlowResult<()> {
    lock::with_lock(ctx, || {
        stop(ctx)?;
        start(ctx)
    })
}

/// `proxy details`.
pub fn details(ctx: &Context) -> FlowResult<()> {
    ctx.on_hosts(ctx.selection.proxy_hosts(), |h| {
        let fact = ctx.query(&host(h), &ProxyCommands::new(ctx.config, h).info(), "proxy container")?;
        if let Some(t) = fact.known() {
            ctx.emit(Event::Output { target: h.to_string(), text: t.to_string() });
        }
        Ok(())
    })?;
    Ok(())
}

/// `proxy logs` (without `--follow`).
pub fn logs(ctx: &Context, options: &LogOptions) -> FlowResult<()> {
    ctx.on_hosts(ctx.selection.proxy_hosts(), |h| {
        let fact = ctx.query(&host(h), &ProxyCommands::new(ctx.config, h).logs(options), "proxy logs")?;
        if let Some(t) = fact.known() {
            ctx.emit(Event::Output { target: h.to_string(), text: t.to_string() });
        }
        Ok(())
    })?;
    Ok(())
}

/// `proxy logs --follow`: kamal-proxy's log on the primary host, followed with the terminal
/// handed over.
pub fn follow_logs(ctx: &Context, timestamps: bool, grep: Option<&str>) -> FlowResult<()> {
    let primary = ctx.selection.primary_host.clone().unwrap_or_default();
    let command = ProxyCommands::new(ctx.config, &primary).follow_logs(&primary, timestamps, grep, None);
    crate::flows::terminal::hand_over(ctx, &command)
}

/// `proxy remove [--force]`: only where no app is left, unless forced.
pub fn remove(ctx: &Context, force: bool) -> FlowResult<()> {
    lock::with_lock(ctx, || {
        let count = ServerCommands::new(ctx.config).app_directory_count();
        let counts = ctx.on_hosts(ctx.selection.proxy_hosts(), |h| ctx.query(&host(h), &count, "number of apps"))?;
        let others = counts
            .iter()
            .map(|c| c.decide(|t| t.trim().parse::<u64>().unwrap_or(0) > 0))
            .try_fold(false, |acc, o| o.map(|o| acc || o));
        let allowed = match others {
            Some(true) if force => {
                ctx.phase("Forcing, so removing the proxy, even though other apps are installed");
                Some(true)
            }
            Some(true) => {
                ctx.phase("Not removing the proxy, as other apps are installed, ignore this check with tug proxy remove --force");
                Some(false)
            }
            Some(false) => Some(true),
            None if force => Some(true),
            None => None,
        };
        ctx.when(None, "no other app is deployed on the proxy hosts (`ls .kamal/apps | wc -l` is 0)", allowed, || {
            stop(ctx)?;
            remove_container(ctx)?;
            remove_image(ctx)?;
            remove_proxy_directory(ctx)
        })?;
        Ok(())
    })
}

/// `proxy remove_container`.
pub fn remove_container(ctx: &Context) -> FlowResult<()> {
    lock::with_lock(ctx, || {
        ctx.on_hosts(ctx.selection.proxy_hosts(), |h| {
            audit::record(ctx, h, "Removed proxy container", None)?;
            ctx.execute(&host(h), &ProxyCommands::new(ctx.config, h).remove_container())?;
            Ok(())
        })?;
        Ok(())
    })
}

/// `proxy remove_image`.
pub fn remove_image(ctx: &Context) -> FlowResult<()> {
    lock::with_lock(ctx, || {
        ctx.on_hosts(ctx.selection.proxy_hosts(), |h| {
            audit::record(ctx, h, "Removed proxy image", None)?;
            ctx.execute(&host(h), &ProxyCommands::new(ctx.config, h).remove_image())?;
            Ok(())
        })?;
        Ok(())
    })
}

/// `proxy remove_proxy_directory`.
pub fn remove_proxy_directory(ctx: &Context) -> FlowResult<()> {
    lock::with_lock(ctx, || {
        ctx.on_hosts(ctx.selection.proxy_hosts(), |h| {
            ctx.execute_lenient(&host(h), &ProxyCommands::new(ctx.config, h).remove_proxy_directory())?;
            Ok(())
        })?;
        Ok(())
    })
}
