//! `servers:` and its roles: hosts, host tags, and each role's own settings.

use indexmap::IndexMap;

use crate::env::{self, Env};
use crate::logging::Logging;
use crate::proxy::{self, Proxy};
use crate::validate::{self, Checker, Kind, join};
use crate::yaml::{Node, Value};

/// One role (`web`, `workers`, …).
#[derive(Debug, Clone)]
pub struct Role {
    /// The role name.
    pub name: String,
    /// Hosts with their tags, in file order.
    pub tagged_hosts: IndexMap<String, Vec<String>>,
    /// The role's own settings (empty when the role is a bare host list).
    pub settings: Option<Node>,
    /// Whether this is the primary role.
    pub primary: bool,
    /// The role's own `env` (root env and host tags are merged per host by [`Role::env`]).
    pub specialized_env: Env,
    /// Root logging with the role's deep-merged over it.
    pub logging: Logging,
    /// Role proxy merged over the root proxy, when the role runs behind the proxy.
    pub proxy: Option<Proxy>,
}

impl Role {
    /// The hosts.
    pub fn hosts(&self) -> Vec<String> {
        self.tagged_hosts.keys().cloned().collect()
    }

    /// `cmd`.
    pub fn cmd(&self) -> Option<String> {
        self.setting("cmd").map(Node::to_ruby_s)
    }

    /// A key of the role's own settings.
    pub fn setting(&self, key: &str) -> Option<&Node> {
        self.settings.as_ref()?.get(key).filter(|n| !n.is_null())
    }

    /// Whether kamal-proxy routes to this role.
    pub fn running_proxy(&self) -> bool {
        self.proxy.is_some()
    }

    /// Runs behind the proxy with TLS on.
    pub fn ssl(&self) -> bool {
        self.proxy.as_ref().is_some_and(Proxy::ssl)
    }

    /// The effective env of one host: root env, then the role's, then each of the host's tags.
    pub fn env(&self, root: &Env, tags: &IndexMap<String, Env>, host: &str) -> Env {
        let mut env = root.merge(&self.specialized_env);
        for tag in self.tagged_hosts.get(host).into_iter().flatten() {
            if let Some(tag_env) = tags.get(tag) {
                env = env.merge(tag_env);
            }
        }
        env
    }
}

/// Role names: `web` for a plain host list, else the keys sorted (Kamal sorts them).
pub fn role_names(servers: Option<&Node>) -> Vec<String> {
    match servers.map(|s| &s.value) {
        Some(Value::Seq(_)) => vec!["web".into()],
        Some(Value::Map(entries)) => {
            let mut names: Vec<String> = entries.iter().map(|(k, _)| k.to_ruby_s()).collect();
            names.sort();
            names.dedup();
            names
        }
        _ => Vec::new(),
    }
}

/// The host entries of a role, as written.
fn host_entries<'a>(servers: &'a Node, name: &str) -> Vec<&'a Node> {
    match &servers.value {
        Value::Seq(items) => items.iter().collect(),
        Value::Map(_) => match servers.get(name).map(|r| &r.value) {
            Some(Value::Seq(items)) => items.iter().collect(),
            Some(Value::Map(_)) => servers
                .get(name)
                .and_then(|r| r.get("hosts"))
                .and_then(Node::as_seq)
                .map(|s| s.iter().collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// Kamal's `tagged_hosts`: `host` or `{host: tag}` or `{host: [tags]}`.
pub fn tagged_hosts(servers: &Node, name: &str) -> IndexMap<String, Vec<String>> {
    let mut out = IndexMap::new();
    for entry in host_entries(servers, name) {
        match &entry.value {
            Value::Map(pairs) => {
                if let Some((host, tags)) = pairs.first() {
                    let tags = match &tags.value {
                        Value::Seq(items) => items.iter().map(Node::to_ruby_s).collect(),
                        Value::Null => Vec::new(),
                        _ => vec![tags.to_ruby_s()],
                    };
                    out.insert(host.to_ruby_s(), tags);
                }
            }
            Value::Str(host) => {
                out.insert(host.clone(), Vec::new());
            }
            _ => {}
        }
    }
    out
}

/// Builds every role. `root_proxy` is the root `proxy:` section.
pub fn build(servers: Option<&Node>, primary_role: &str, root_logging: &Logging, root_proxy: &Proxy) -> Vec<Role> {
    let Some(servers) = servers else { return Vec::new() };
    role_names(Some(servers))
        .into_iter()
        .map(|name| {
            let settings = servers.get(&name).filter(|r| r.as_map().is_some()).cloned();
            let primary = name == primary_role;
            let proxy_setting = settings.as_ref().and_then(|s| s.get("proxy"));
            let running = match proxy_setting.map(|p| &p.value) {
                Some(Value::Bool(false)) => false,
                None | Some(Value::Null) => primary,
                Some(_) => true,
            };
            let proxy = running.then(|| {
                let own =
                    Proxy::new(proxy_setting.cloned().unwrap_or_else(|| Node::synthetic(Value::Null, &servers.file)));
                own.merged_over(root_proxy)
            });
            let logging = root_logging.merge(&Logging::from_node(settings.as_ref().and_then(|s| s.get("logging"))));
            Role {
                tagged_hosts: tagged_hosts(servers, &name),
                specialized_env: Env::from_node(settings.as_ref().and_then(|s| s.get("env"))),
                settings,
                primary,
                logging,
                proxy,
                name,
            }
        })
        .collect()
}

/// Kamal's servers and role validators, with each role's env, logging and proxy.
pub fn check(c: &mut Checker, servers: Option<&Node>, primary_role: &str) {
    let Some(servers) = servers else { return };
    if !c.check_type("servers", servers, &[Kind::Array, Kind::Hash, Kind::Nil]) {
        return;
    }
    if servers.as_seq().is_some() {
        c.servers_list("servers", servers);
        return;
    }
    let role_example = validate::example_at("role", &["servers", "workers"]);
    let logging_example = validate::example_at("logging", &["logging"]);
    for name in role_names(Some(servers)) {
        let ctx = format!("servers/{name}");
        let Some(role) = servers.get(&name) else { continue };
        if !c.check_type(&ctx, role, &[Kind::Array, Kind::Hash]) {
            continue;
        }
        if role.as_seq().is_some() {
            c.servers_list(&ctx, role);
            continue;
        }
        if let Some(example) = role_example {
            c.against_example(&ctx, role, example, false);
        }
        c.labels(&ctx, role.get("labels"));
        c.docker_options(&ctx, role.get("options"));
        if let Some(env) = role.get("env").filter(|e| e.as_map().is_some()) {
            env::check(c, &join(&ctx, "env"), env);
        }
        if let (Some(logging), Some(example)) = (role.get("logging").filter(|l| l.as_map().is_some()), logging_example)
        {
            c.against_example(&join(&ctx, "logging"), logging, example, false);
        }
        let proxy_node = role.get("proxy");
        let running = match proxy_node.map(|p| &p.value) {
            Some(Value::Bool(false)) => false,
            None | Some(Value::Null) => name == primary_role,
            Some(_) => true,
        };
        if running && let Some(p) = proxy_node.filter(|p| p.as_map().is_some()) {
            proxy::check(c, &join(&ctx, "proxy"), p);
        }
    }
}
