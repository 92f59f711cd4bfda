//! The root of a loaded configuration, and Kamal's checks that span sections.

mod cross_checks;
pub mod names;

use std::path::PathBuf;
use std::sync::OnceLock;

use indexmap::IndexMap;

use self::cross_checks::cross_checks;
use crate::accessory::{self, Accessory};
use crate::boot::Boot;
use crate::builder::{self, Builder};
use crate::env::{self, Env};
use crate::error::{ConfigError, ConfigErrors};
use crate::loader::{self, LoadOptions};
use crate::logging::Logging;
use crate::proxy::{self, Proxy};
use crate::registry::{self, Registry};
use crate::role::{self, Role};
use crate::ssh::{Ssh, Sshkit};
use crate::validate::{self, Checker, Kind};
use crate::version;
use crate::x_tug::XTug;
use crate::yaml::{Node, Value};

/// Kamal's top-level commands: an alias may not take one of these names.
pub const BUILT_IN_COMMANDS: &[&str] = &[
    "accessory",
    "app",
    "audit",
    "build",
    "config",
    "deploy",
    "details",
    "docs",
    "help",
    "init",
    "lock",
    "proxy",
    "prune",
    "redeploy",
    "registry",
    "remove",
    "rollback",
    "secrets",
    "server",
    "setup",
    "upgrade",
    "version",
];

/// A validated configuration, with Kamal's defaults applied.
#[derive(Debug)]
pub struct Config {
    /// The merged file tree (what `tug config` falls back to for raw sections).
    pub raw: Node,
    /// `-d`.
    pub destination: Option<String>,
    /// The project directory.
    pub root: PathBuf,
    declared_version: Option<String>,
    version: OnceLock<Result<String, ConfigError>>,
    /// `service`.
    pub service: String,
    /// `image` (defaults to `service` with a local registry).
    pub image: String,
    /// Roles, sorted by name as Kamal sorts them.
    pub roles: Vec<Role>,
    /// `registry`.
    pub registry: Registry,
    /// `accessories`, in file order.
    pub accessories: Vec<Accessory>,
    /// `aliases`: name → command line.
    pub aliases: IndexMap<String, String>,
    /// `boot`.
    pub boot: Boot,
    /// `builder`.
    pub builder: Builder,
    /// The root `env`.
    pub env: Env,
    /// The root `env.tags`.
    pub env_tags: IndexMap<String, Env>,
    /// The root `logging`.
    pub logging: Logging,
    /// The root `proxy`.
    pub proxy: Proxy,
    /// `ssh`.
    pub ssh: Ssh,
    /// `sshkit`.
    pub sshkit: Sshkit,
    /// `x-tug`: Tug's own settings.
    pub x_tug: XTug,
}

impl Config {
    /// The primary role's name (`primary_role`, default `web`).
    pub fn primary_role_name(&self) -> String {
        str_key(&self.raw, "primary_role").unwrap_or_else(|| "web".into())
    }

    /// The primary role.
    pub fn primary_role(&self) -> Option<&Role> {
        let name = self.primary_role_name();
        self.roles.iter().find(|r| r.name == name)
    }

    /// The first host of the primary role: where the deploy lock lives.
    pub fn primary_host(&self) -> Option<String> {
        self.primary_role().and_then(|r| r.hosts().into_iter().next())
    }

    /// Every host of every role and accessory, first appearance first.
    pub fn all_hosts(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for h in self.roles.iter().flat_map(Role::hosts).chain(self.accessories.iter().flat_map(|a| a.hosts.clone())) {
            if !out.contains(&h) {
                out.push(h);
            }
        }
        out
    }

    /// `registry.server/image`.
    pub fn repository(&self) -> String {
        match &self.registry.server {
            Some(s) => format!("{s}/{}", self.image),
            None => self.image.clone(),
        }
    }

    /// The app version (`--version` > `$VERSION` > git), resolved on first use.
    pub fn version(&self) -> Result<&str, &ConfigError> {
        self.version
            .get_or_init(|| version::resolve(self.declared_version.as_deref(), &self.root, !self.builder.has_context()))
            .as_deref()
    }

    /// A root key's value (`None` when absent or `nil`).
    pub fn root_key(&self, key: &str) -> Option<&Node> {
        self.raw.get(key).filter(|n| !n.is_null())
    }

    /// `volumes`.
    pub fn volumes(&self) -> Vec<String> {
        self.root_key("volumes")
            .and_then(Node::as_seq)
            .map(|v| v.iter().map(Node::to_ruby_s).collect())
            .unwrap_or_default()
    }

    /// `retain_containers`, default 5.
    pub fn retain_containers(&self) -> i64 {
        self.root_key("retain_containers").and_then(Node::as_int).unwrap_or(5)
    }

    /// `readiness_delay`, default 7 seconds.
    pub fn readiness_delay(&self) -> i64 {
        self.root_key("readiness_delay").and_then(Node::as_int).unwrap_or(7)
    }

    /// `deploy_timeout`, default 30 seconds.
    pub fn deploy_timeout(&self) -> i64 {
        self.root_key("deploy_timeout").and_then(Node::as_int).unwrap_or(30)
    }

    /// `drain_timeout`, default 30 seconds.
    pub fn drain_timeout(&self) -> i64 {
        self.root_key("drain_timeout").and_then(Node::as_int).unwrap_or(30)
    }

    /// `error_pages_path`: the app's directory of `4xx.html`/`5xx.html` pages for kamal-proxy.
    pub fn error_pages_path(&self) -> Option<String> {
        self.root_key("error_pages_path").map(Node::to_ruby_s)
    }

    /// `hooks_path`, default `.kamal/hooks`.
    pub fn hooks_path(&self) -> String {
        str_key(&self.raw, "hooks_path").unwrap_or_else(|| ".kamal/hooks".into())
    }

    /// `secrets_path`, default `.kamal/secrets`.
    pub fn secrets_path(&self) -> String {
        str_key(&self.raw, "secrets_path").unwrap_or_else(|| ".kamal/secrets".into())
    }
}

/// Destination files beside the config file (`deploy.*.yml`), for hints.
fn destination_files(opts: &LoadOptions) -> Vec<String> {
    let path = opts.root.join(&opts.config_file);
    let (Some(dir), Some(stem)) = (path.parent(), path.file_stem().and_then(|s| s.to_str())) else {
        return Vec::new();
    };
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n.starts_with(&format!("{stem}.")) && n.ends_with(".yml") && n.matches('.').count() == 2)
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

fn str_key(node: &Node, key: &str) -> Option<String> {
    node.get(key).filter(|n| !n.is_null()).map(Node::to_ruby_s)
}

/// Loads and validates the configuration: every problem found is returned, in the order Kamal
/// would meet them (Kamal itself stops at the first).
pub fn load(opts: &LoadOptions) -> Result<Config, ConfigErrors> {
    let (raw, read_errors) = loader::load_raw(opts);
    let mut c = Checker::new();
    c.errors = read_errors;
    let Some(raw) = raw else { return Err(ConfigErrors(c.errors)) };
    let read_ok = c.errors.is_empty();
    check_sections(&mut c, &raw);
    if !read_ok {
        return Err(ConfigErrors(c.errors));
    }
    let config = build(raw, opts);
    if c.errors.is_empty() {
        cross_checks(&mut c, &config, opts);
    }
    if c.errors.is_empty() { Ok(config) } else { Err(ConfigErrors(c.errors)) }
}

fn empty_map(raw: &Node) -> Node {
    Node::synthetic(Value::Map(Vec::new()), &raw.file)
}

fn build(raw: Node, opts: &LoadOptions) -> Config {
    let registry = Registry::from_node(raw.get("registry"));
    let service = str_key(&raw, "service").unwrap_or_default();
    let image = str_key(&raw, "image")
        .filter(|i| !i.trim().is_empty())
        .or_else(|| registry.is_local().then(|| service.clone()))
        .unwrap_or_default();
    let primary = str_key(&raw, "primary_role").unwrap_or_else(|| "web".into());
    let logging = Logging::from_node(raw.get("logging"));
    let proxy = Proxy::new(raw.get("proxy").cloned().unwrap_or_else(|| empty_map(&raw)));
    let roles = role::build(raw.get("servers").filter(|s| !s.is_null()), &primary, &logging, &proxy);
    let accessories = raw
        .get("accessories")
        .and_then(Node::as_map)
        .map(|m| {
            m.iter()
                .filter(|(_, v)| v.as_map().is_some())
                .map(|(k, v)| Accessory {
                    name: k.to_ruby_s(),
                    hosts: accessory::hosts(v, &roles, raw.get("servers")),
                    raw: v.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    let aliases = raw
        .get("aliases")
        .and_then(Node::as_map)
        .map(|m| m.iter().map(|(k, v)| (k.to_ruby_s(), v.to_ruby_s())).collect())
        .unwrap_or_default();
    let x_tug = XTug::read(&raw, &service);
    let section = |k: &str| raw.get(k).filter(|n| n.as_map().is_some()).cloned().unwrap_or_else(|| empty_map(&raw));
    Config {
        destination: opts.destination.clone(),
        root: opts.root.clone(),
        declared_version: opts.version.clone(),
        version: OnceLock::new(),
        service,
        image,
        registry,
        accessories,
        aliases,
        boot: Boot::from_node(raw.get("boot")),
        builder: Builder { raw: section("builder") },
        env: Env::from_node(raw.get("env")),
        env_tags: env::tags(raw.get("env")),
        logging,
        proxy,
        ssh: Ssh { raw: section("ssh") },
        sshkit: Sshkit { raw: section("sshkit") },
        x_tug,
        roles,
        raw,
    }
}

/// The per-section validators, in the order Kamal's constructor runs them.
fn check_sections(c: &mut Checker, raw: &Node) {
    c.against_example("", raw, validate::example("configuration"), true);
    let primary = str_key(raw, "primary_role").unwrap_or_else(|| "web".into());
    let servers = raw.get("servers").filter(|s| !s.is_null());
    if section_ok(c, "servers") {
        role::check(c, servers, &primary);
    }
    check_section(c, raw, "registry", |c, node| registry::check(c, "registry", node));
    let role_names = role::role_names(servers);
    for (name, acc) in raw.get("accessories").and_then(Node::as_map).unwrap_or(&[]) {
        accessory::check(c, &name.to_ruby_s(), acc, &role_names);
    }
    for (name, command) in raw.get("aliases").and_then(Node::as_map).unwrap_or(&[]) {
        check_alias(c, name, command);
    }
    check_section(c, raw, "boot", |c, node| check_by_example(c, "boot", node));
    check_section(c, raw, "builder", |c, node| builder::check(c, "builder", node));
    if let Some(env) = raw.get("env").filter(|e| e.as_map().is_some())
        && section_ok(c, "env")
    {
        env::check(c, "env", env);
    }
    check_section(c, raw, "logging", |c, node| check_by_example(c, "logging", node));
    if raw.get("output").is_some_and(Node::is_present) {
        check_section(c, raw, "output", |c, node| check_by_example(c, "output", node));
    }
    check_section(c, raw, "proxy", |c, node| proxy::check(c, "proxy", node));
    check_section(c, raw, "ssh", |c, node| check_by_example(c, "ssh", node));
    check_section(c, raw, "sshkit", |c, node| check_by_example(c, "sshkit", node));
    crate::x_tug::check(c, raw);
}

/// The root check already reported a wrong type for this section: do not pile on.
fn section_ok(c: &Checker, key: &str) -> bool {
    !c.errors.iter().any(|e| e.key_path.as_deref() == Some(key))
}

/// Runs a section's checks on its hash (an empty one when absent, as Kamal does with `|| {}`).
/// Problems in an absent section point at the file, with a label saying where to add it.
fn check_section(c: &mut Checker, raw: &Node, key: &str, check: impl FnOnce(&mut Checker, &Node)) {
    if !section_ok(c, key) {
        return;
    }
    let empty = empty_map(raw);
    let node = raw.get(key).filter(|n| !n.is_null()).unwrap_or(&empty);
    let before = c.errors.len();
    check(c, node);
    for e in c.errors[before..].iter_mut().filter(|e| e.location.is_none()) {
        e.location = Some(validate::first_line(raw));
        e.label = Some(format!("add `{key}:` to this file"));
    }
}

/// A section whose rules are all in its reference example.
fn check_by_example(c: &mut Checker, key: &str, node: &Node) {
    if let Some(example) = validate::example_at(key, &[key]) {
        c.against_example(key, node, example, false);
    }
}

fn check_alias(c: &mut Checker, name: &Node, command: &Node) {
    let n = name.to_ruby_s();
    let ctx = format!("aliases/{n}");
    c.check_type(&ctx, command, &[Kind::Str]);
    let valid =
        !n.is_empty() && n.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if !valid {
        let e = c.error(
            &ctx,
            Some(name),
            &format!(
                "Invalid alias name: '{n}'. Must only contain lowercase letters, alphanumeric, hyphens and underscores."
            ),
            format!("invalid alias name `{n}`"),
        );
        e.help = Some("alias names use lowercase letters, digits, `-` and `_`".into());
    }
    if BUILT_IN_COMMANDS.contains(&n.as_str()) {
        let e = c.error(
            &ctx,
            Some(name),
            &format!("Alias '{n}' conflicts with a built-in command."),
            format!("the alias `{n}` would hide the built-in `{n}` command"),
        );
        e.help = Some(format!("rename the alias, e.g. `my-{n}`"));
    }
}
