//! `accessories:` — long-running services (databases, caches) booted beside the app.

use crate::env::{self};
use crate::proxy;
use crate::registry;
use crate::role::Role;
use crate::validate::{self, Checker, join};
use crate::yaml::{Node, Value};

/// One accessory.
#[derive(Debug, Clone)]
pub struct Accessory {
    /// The name under `accessories:`.
    pub name: String,
    /// The validated settings.
    pub raw: Node,
    /// The hosts it runs on (from `host`, `hosts`, `role(s)` or `tag(s)`).
    pub hosts: Vec<String>,
}

impl Accessory {
    /// `service`, default `<service>-<name>`.
    pub fn service_name(&self, service: &str) -> String {
        self.raw.get("service").filter(|s| !s.is_null()).map_or(format!("{service}-{}", self.name), Node::to_ruby_s)
    }

    /// Whether it is routed through kamal-proxy.
    pub fn running_proxy(&self) -> bool {
        self.raw.get("proxy").is_some_and(Node::is_present)
    }

    /// Its own `registry:`, when set (its image is then pulled from that server).
    pub fn registry(&self) -> Option<registry::Registry> {
        self.raw.get("registry").filter(|r| r.is_present()).map(|r| registry::Registry::from_node(Some(r)))
    }

    /// Its `proxy.run` section, when proxied with one.
    pub fn proxy_run(&self) -> Option<&Node> {
        self.raw.get("proxy").filter(|p| p.is_present())?.get("run").filter(|r| r.is_present())
    }
}

const PLACEMENT_KEYS: [&str; 6] = ["host", "hosts", "role", "roles", "tag", "tags"];

/// Resolves the hosts of an accessory the way Kamal does, quirks included (a `tag` matches
/// a host whose tag string *contains* it, and only in roles written as plain host lists).
pub fn hosts(raw: &Node, roles: &[Role], servers: Option<&Node>) -> Vec<String> {
    let role_hosts = |name: &str| roles.iter().find(|r| r.name == name).map(Role::hosts);
    if let Some(h) = raw.get("host") {
        return vec![h.to_ruby_s()];
    }
    if let Some(h) = raw.get("hosts") {
        return h.as_seq().map(|s| s.iter().map(Node::to_ruby_s).collect()).unwrap_or_default();
    }
    if let Some(r) = raw.get("role") {
        return role_hosts(&r.to_ruby_s()).unwrap_or_default();
    }
    if let Some(rs) = raw.get("roles") {
        return rs
            .as_seq()
            .unwrap_or(&[])
            .iter()
            .flat_map(|r| role_hosts(&r.to_ruby_s()).unwrap_or_default())
            .collect();
    }
    let tags: Vec<String> = if let Some(t) = raw.get("tag") {
        vec![t.to_ruby_s()]
    } else if let Some(ts) = raw.get("tags") {
        ts.as_seq().unwrap_or(&[]).iter().map(Node::to_ruby_s).collect()
    } else {
        return Vec::new();
    };
    let Some(entries) = servers.and_then(Node::as_map) else { return Vec::new() };
    let mut out = Vec::new();
    for tag in &tags {
        for (_, role) in entries {
            for host in role.as_seq().unwrap_or(&[]) {
                if let Some([(name, host_tags)]) = host.as_map() {
                    let matches = match &host_tags.value {
                        Value::Seq(items) => items.iter().any(|t| t.to_ruby_s() == *tag),
                        Value::Str(s) => s.contains(tag.as_str()),
                        _ => false,
                    };
                    if matches {
                        out.push(name.to_ruby_s());
                    }
                }
            }
        }
    }
    out
}

/// Kamal's accessory validator, plus its env, proxy and registry.
pub fn check(c: &mut Checker, name: &str, raw: &Node, role_names: &[String]) {
    let ctx = format!("accessories/{name}");
    let Some(example) = validate::example_at("accessory", &["accessories", "mysql"]) else { return };
    let before = c.errors.len();
    c.against_example(&ctx, raw, example, false);
    if raw.as_map().is_none() {
        return;
    }
    let placements: Vec<&str> = PLACEMENT_KEYS.iter().copied().filter(|k| raw.has_key(k)).collect();
    if placements.len() != 1 {
        let e = c.error(
            &ctx,
            Some(raw),
            "specify one of `host`, `hosts`, `role`, `roles`, `tag` or `tags`",
            if placements.is_empty() {
                format!("`{ctx}` does not say where it runs")
            } else {
                format!("`{ctx}` sets {} placements ({})", placements.len(), placements.join(", "))
            },
        );
        e.help = Some("give exactly one of `host`, `hosts`, `role`, `roles`, `tag` or `tags`".into());
    }
    c.labels(&ctx, raw.get("labels"));
    c.docker_options(&ctx, raw.get("options"));
    if c.errors.len() > before {
        return;
    }
    if let Some(roles) = raw.get("roles").and_then(Node::as_seq) {
        let missing: Vec<String> = roles.iter().map(Node::to_ruby_s).filter(|r| !role_names.contains(r)).collect();
        if !missing.is_empty() {
            let e = c.error(
                "",
                raw.get("roles"),
                &format!("{ctx}: unknown roles {}", missing.join(", ")),
                format!("`{ctx}` names unknown roles: {}", missing.join(", ")),
            );
            e.help = Some(format!("roles defined under `servers:`: {}", role_names.join(", ")));
        }
    } else if let Some(role) = raw.get("role") {
        let r = role.to_ruby_s();
        if !role_names.contains(&r) {
            let e = c.error(
                "",
                Some(role),
                &format!("{ctx}: unknown role {r}"),
                format!("`{ctx}` names an unknown role `{r}`"),
            );
            e.help = Some(format!("roles defined under `servers:`: {}", role_names.join(", ")));
        }
    }
    if let Some(env) = raw.get("env").filter(|e| e.as_map().is_some()) {
        env::check(c, &join(&ctx, "env"), env);
    }
    if let Some(p) = raw.get("proxy").filter(|p| p.is_present()) {
        proxy::check(c, &join(&ctx, "proxy"), p);
    }
    if let Some(r) = raw.get("registry").filter(|r| r.is_present()) {
        registry::check(c, &join(&ctx, "registry"), r);
    }
}
