//! Kamal's checks that span sections (`ensure_*` in `Kamal::Configuration`), run on the built
//! configuration in Kamal's order; like Kamal, the first that fails stops the rest.

use std::ops::ControlFlow::{self, Break, Continue};

use super::{Config, destination_files};
use crate::KAMAL_COMPAT_VERSION;
use crate::builder;
use crate::loader::LoadOptions;
use crate::proxy::{self, Proxy};
use crate::validate::Checker;
use crate::version;
use crate::yaml::{Node, Value};

/// One check: `Break` once it has reported a problem.
type Check = fn(&mut Checker, &Config, &LoadOptions) -> ControlFlow<()>;

/// The checks, in the order Kamal runs them.
const CHECKS: &[Check] = &[
    ensure_destination,
    ensure_required_keys,
    ensure_servers,
    ensure_kamal_version,
    ensure_retain_containers,
    ensure_service_name,
    super::names::ensure_safe_names,
    ensure_no_traefik_hooks,
    ensure_role_proxies,
    ensure_one_host_for_ssl,
    ensure_unique_ssl_hosts,
    ensure_remote_builder_ssh,
    ensure_one_proxy_run_per_host,
    ensure_hooks_output,
];

/// Runs [`CHECKS`] until one reports a problem.
pub(super) fn cross_checks(c: &mut Checker, config: &Config, opts: &LoadOptions) {
    for check in CHECKS {
        if check(c, config, opts).is_break() {
            return;
        }
    }
}

/// The configuration requires a destination and none was given (`require_destination`).
fn ensure_destination(c: &mut Checker, config: &Config, opts: &LoadOptions) -> ControlFlow<()> {
    let raw = &config.raw;
    if raw.get("require_destination").and_then(Node::as_bool) == Some(true) && opts.destination.is_none() {
        let e = c.error(
            "",
            raw.get("require_destination"),
            "You must specify a destination",
            "this configuration requires a destination".into(),
        );
        e.help = Some(
            "pass `-d DESTINATION` (e.g. `-d production`), which also reads `config/deploy.DESTINATION.yml`".into(),
        );
        return Break(());
    }
    Continue(())
}

/// `service`, `registry` and `image` are set.
fn ensure_required_keys(c: &mut Checker, config: &Config, _opts: &LoadOptions) -> ControlFlow<()> {
    let raw = &config.raw;
    for key in ["service", "registry"] {
        if !raw.get(key).is_some_and(Node::is_present) {
            let e = c.error(
                "",
                Some(raw),
                &format!("Missing required configuration for {key}"),
                format!("`{key}` is missing"),
            );
            e.label = Some(format!("add `{key}:` to this file"));
            e.help = Some(match key {
                "service" => "name the app: `service: my-app` (it prefixes every container name)".into(),
                _ => "say where images live, e.g.\n\n  registry:\n    username: my-user\n    password:\n      - KAMAL_REGISTRY_PASSWORD".into(),
            });
            return Break(());
        }
    }
    if config.image.trim().is_empty() {
        let e = c.error("", Some(raw), "Missing required configuration for image", "`image` is missing".into());
        e.label = Some("add `image:` to this file".into());
        e.help = Some("name the image, e.g. `image: my-user/my-app`".into());
        return Break(());
    }
    Continue(())
}

/// There are servers (or accessories), the primary role is defined and has hosts, and no role is empty unless `allow_empty_roles`.
fn ensure_servers(c: &mut Checker, config: &Config, opts: &LoadOptions) -> ControlFlow<()> {
    let raw = &config.raw;
    let servers = raw.get("servers").filter(|s| !s.is_null());
    if servers.is_none() {
        if !raw.get("accessories").is_some_and(Node::is_present) {
            let e = c.error(
                "",
                Some(raw),
                "No servers or accessories specified",
                "no `servers` (or `accessories`) are configured".into(),
            );
            e.label = Some("add `servers:` to this file".into());
            let destinations = destination_files(opts);
            e.help = Some(if opts.destination.is_none() && !destinations.is_empty() {
                format!("the servers may be in a destination file ({}): pass `-d DESTINATION`", destinations.join(", "))
            } else {
                "list the hosts to deploy to:\n\n  servers:\n    web:\n      - 10.0.0.1".into()
            });
            return Break(());
        }
    } else {
        let primary = config.primary_role_name();
        let Some(role) = config.primary_role() else {
            let e = c.error(
                "",
                raw.get("primary_role").or(servers),
                &format!("The primary_role {primary} isn't defined"),
                format!("the primary role `{primary}` is not defined under `servers`"),
            );
            e.help = Some(format!(
                "define `servers.{primary}`, or set `primary_role:` to one of: {}",
                config.roles.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ")
            ));
            return Break(());
        };
        if role.tagged_hosts.is_empty() {
            let e = c.error(
                "",
                servers.and_then(|s| s.get(&primary)).or(servers),
                &format!("No servers specified for the {primary} primary_role"),
                format!("the primary role `{primary}` has no hosts"),
            );
            e.help = Some("list at least one host for it".into());
            return Break(());
        }
        if raw.get("allow_empty_roles").and_then(Node::as_bool) != Some(true)
            && let Some(role) = config.roles.iter().find(|r| r.tagged_hosts.is_empty())
        {
            let e = c.error(
                "",
                servers.and_then(|s| s.get(&role.name)),
                &format!(
                    "No servers specified for the {} role. You can ignore this with allow_empty_roles: true",
                    role.name
                ),
                format!("the role `{}` has no hosts", role.name),
            );
            e.help = Some("list its hosts, or set `allow_empty_roles: true`".into());
            return Break(());
        }
    }
    Continue(())
}

/// `minimum_version` is not newer than the Kamal release Tug follows.
fn ensure_kamal_version(c: &mut Checker, config: &Config, _opts: &LoadOptions) -> ControlFlow<()> {
    let raw = &config.raw;
    if let Some(min) = raw.get("minimum_version").filter(|m| !m.is_null()) {
        let min_s = min.to_ruby_s();
        if version::gem_version_gt(&min_s, KAMAL_COMPAT_VERSION) {
            let e = c.error(
                "",
                Some(min),
                &format!("Current version is {KAMAL_COMPAT_VERSION}, minimum required is {min_s}"),
                format!("this configuration needs Kamal {min_s}; Tug follows Kamal {KAMAL_COMPAT_VERSION}"),
            );
            e.help = Some("lower `minimum_version`, or use a Tug release that follows a newer Kamal".into());
            return Break(());
        }
    }
    Continue(())
}

/// `retain_containers` keeps at least one container (for rollbacks).
fn ensure_retain_containers(c: &mut Checker, config: &Config, _opts: &LoadOptions) -> ControlFlow<()> {
    let raw = &config.raw;
    if config.retain_containers() < 1 {
        c.error(
            "",
            raw.get("retain_containers"),
            "Must retain at least 1 container",
            "`retain_containers` must be at least 1".into(),
        )
        .help = Some("Kamal needs the previous container for rollbacks; the default is 5".into());
        return Break(());
    }
    Continue(())
}

/// The service name is letters, digits, `-` and `_`.
fn ensure_service_name(c: &mut Checker, config: &Config, _opts: &LoadOptions) -> ControlFlow<()> {
    let raw = &config.raw;
    // Kamal matches the service with a regexp, which a number (`service: 4242`) cannot take.
    let service_is_text = raw.get("service").is_some_and(|s| matches!(s.value, Value::Str(_) | Value::Symbol(_)));
    let service_ok = service_is_text
        && !config.service.is_empty()
        && config.service.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !service_ok {
        c.error(
            "",
            raw.get("service"),
            "Service name can only include alphanumeric characters, hyphens, and underscores",
            format!("invalid service name `{}`", config.service),
        )
        .help = Some("use letters, digits, `-` and `_` (it becomes part of container names)".into());
        return Break(());
    }
    Continue(())
}

/// No Kamal 1 `(pre|post)-traefik-reboot` hooks are left.
fn ensure_no_traefik_hooks(c: &mut Checker, config: &Config, _opts: &LoadOptions) -> ControlFlow<()> {
    let hooks_dir = config.root.join(config.hooks_path());
    let traefik: Vec<&str> =
        ["pre-traefik-reboot", "post-traefik-reboot"].into_iter().filter(|h| hooks_dir.join(h).exists()).collect();
    if !traefik.is_empty() {
        c.error(
            "",
            None,
            &format!("Found {}, these should be renamed to (pre|post)-proxy-reboot", traefik.join(", ")),
            format!("found Kamal 1 hooks in `{}`: {}", config.hooks_path(), traefik.join(", ")),
        )
        .help = Some("rename them to `pre-proxy-reboot` / `post-proxy-reboot`".into());
        return Break(());
    }
    Continue(())
}

/// Each role's proxy settings, merged over the root ones, are valid too.
fn ensure_role_proxies(c: &mut Checker, config: &Config, _opts: &LoadOptions) -> ControlFlow<()> {
    // A role's proxy settings are merged over the root ones; the result must be valid too
    // (e.g. root `host:` with a role's `hosts:`).
    for role in &config.roles {
        if let Some(p) = &role.proxy {
            let before = c.errors.len();
            proxy::check(c, "proxy", &p.raw);
            if c.errors.len() > before {
                return Break(());
            }
        }
    }
    Continue(())
}

/// Automatic SSL runs on one server per role unless custom certificates are given.
fn ensure_one_host_for_ssl(c: &mut Checker, config: &Config, _opts: &LoadOptions) -> ControlFlow<()> {
    for role in &config.roles {
        if let Some(p) = &role.proxy
            && p.ssl()
            && role.tagged_hosts.len() > 1
            && !p.custom_ssl_certificate()
        {
            let n = role.tagged_hosts.len();
            let e = c.error(
                "",
                p.raw.get("ssl"),
                &format!("SSL is only supported on a single server unless you provide custom certificates, found {n} servers for role {}", role.name),
                format!("automatic SSL works on one server, but role `{}` has {n}", role.name),
            );
            e.help = Some("give every server the same certificate (`ssl: {certificate_pem: CERT_SECRET, private_key_pem: KEY_SECRET}`, e.g. a Cloudflare Origin CA certificate), or end TLS in front (Cloudflare) with `ssl: false`".into());
            return Break(());
        }
    }
    Continue(())
}

/// Roles with SSL do not share a host name.
fn ensure_unique_ssl_hosts(c: &mut Checker, config: &Config, _opts: &LoadOptions) -> ControlFlow<()> {
    let mut seen: Vec<String> = Vec::new();
    let mut dups: Vec<String> = Vec::new();
    let mut dup_at: Option<&Node> = None;
    for role in config.roles.iter().filter(|r| r.ssl()) {
        for h in role.proxy.as_ref().map(Proxy::hosts).unwrap_or_default() {
            if seen.contains(&h) && !dups.contains(&h) {
                dups.push(h.clone());
                dup_at = dup_at.or_else(|| role.proxy.as_ref().and_then(|p| p.raw.get("hosts").or(p.raw.get("host"))));
            }
            seen.push(h);
        }
    }
    if !dups.is_empty() {
        c.error(
            "",
            dup_at,
            &format!("Different roles can't share the same host for SSL: {}", dups.join(", ")),
            format!("roles share the SSL host {}", dups.join(", ")),
        )
        .help = Some("give each SSL role its own host name".into());
        return Break(());
    }
    Continue(())
}

/// A local registry with a remote builder reaches the builder over SSH.
fn ensure_remote_builder_ssh(c: &mut Checker, config: &Config, _opts: &LoadOptions) -> ControlFlow<()> {
    if config.registry.is_local()
        && let Some(remote) = config.builder.remote()
        && !config.builder.remote_arches(builder::local_docker_arch()).is_empty()
        && !remote.starts_with("ssh://")
    {
        c.error(
            "",
            config.builder.raw.get("remote"),
            "Local registry with remote builder requires an SSH URL (e.g., ssh://user@host)",
            "a local registry needs the remote builder to be reached over SSH".into(),
        )
        .help = Some("write the builder as `remote: ssh://user@host`".into());
        return Break(());
    }
    Continue(())
}

/// Everything on a host asks for the same `proxy.run`.
fn ensure_one_proxy_run_per_host(c: &mut Checker, config: &Config, _opts: &LoadOptions) -> ControlFlow<()> {
    for host in config.all_hosts() {
        let mut runs: Vec<(serde_json::Value, &Node)> = Vec::new();
        for role in config.roles.iter().filter(|r| r.tagged_hosts.contains_key(&host)) {
            if let Some(run) = role.proxy.as_ref().and_then(Proxy::run) {
                runs.push((run.to_json(), run));
            }
        }
        for acc in config.accessories.iter().filter(|a| a.hosts.contains(&host)) {
            if let Some(run) = acc.proxy_run() {
                runs.push((run.to_json(), run));
            }
        }
        runs.dedup_by(|a, b| a.0 == b.0);
        if runs.len() > 1 {
            c.error(
                "",
                runs.get(1).map(|r| r.1),
                &format!("Conflicting proxy run configurations for host {host}"),
                format!("roles and accessories on {host} ask for different `proxy.run` settings"),
            )
            .help = Some("one proxy runs per host: make `proxy.run` identical for everything on it".into());
            return Break(());
        }
    }
    Continue(())
}

/// `hooks_output` is `quiet` or `verbose` (for all hooks or per hook).
fn ensure_hooks_output(c: &mut Checker, config: &Config, _opts: &LoadOptions) -> ControlFlow<()> {
    let raw = &config.raw;
    if let Some(h) = raw.get("hooks_output").filter(|h| !h.is_null()) {
        let check_level = |c: &mut Checker, level: &Node, hook: Option<&str>| {
            let l = level.to_ruby_s();
            if l != "quiet" && l != "verbose" {
                let for_hook = hook.map(|h| format!(" for hook '{h}'")).unwrap_or_default();
                c.error(
                    "",
                    Some(level),
                    &format!("Invalid hooks_output '{l}'{for_hook}, must be one of: quiet, verbose"),
                    format!("invalid hooks_output `{l}`{for_hook}"),
                )
                .help = Some("use `quiet` or `verbose`".into());
            }
        };
        match h.as_map() {
            Some(entries) => {
                for (hook, level) in entries {
                    check_level(c, level, Some(&hook.to_ruby_s()));
                }
            }
            None => check_level(c, h, None),
        }
    }
    Continue(())
}
