//! Kamal's validation rules, applied to the merged YAML tree.
//!
//! Like Kamal, the allowed keys and types of each section come from the example in that
//! section's reference page (`docs/<section>.yml`, the same text `tug docs` prints): a string
//! example means "any scalar", an integer means an integer, a hash a nested section, `...` a
//! hash checked by its own section. Unlike Kamal, which stops at the first problem and often
//! cannot say where it is, Tug walks everything and reports every problem with its location.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::docs;
use crate::error::ConfigError;
use crate::source::SourceFile;
use crate::suggest::did_you_mean;
use crate::yaml::{self, Node, Value};

/// The example tree of a reference page (`docs/<section>.yml`), parsed once.
pub fn example(section: &str) -> &'static Node {
    static EXAMPLES: OnceLock<HashMap<&'static str, Node>> = OnceLock::new();
    let all = EXAMPLES.get_or_init(|| {
        docs::SECTIONS
            .iter()
            .filter_map(|name| {
                let text = docs::section(name)?;
                let file = Arc::new(SourceFile::plain(format!("docs/{name}.yml"), text));
                let node = yaml::parse(&file).ok()?;
                Some((*name, node))
            })
            .collect()
    });
    static EMPTY: OnceLock<Node> = OnceLock::new();
    all.get(section).unwrap_or_else(|| {
        EMPTY.get_or_init(|| {
            let file = Arc::new(SourceFile::plain("<none>", ""));
            Node::synthetic(Value::Map(Vec::new()), &file)
        })
    })
}

/// An example sub-tree by path, e.g. `example_at("role", &["servers", "workers"])`.
pub fn example_at(section: &str, path: &[&str]) -> Option<&'static Node> {
    let mut node = example(section);
    for key in path {
        node = node.get(key)?;
    }
    Some(node)
}

/// Collects errors while walking; each error is built with Kamal's context prefix.
pub struct Checker {
    /// Everything found so far, in the order Kamal would meet it.
    pub errors: Vec<ConfigError>,
}

/// The Ruby types Kamal's validator names in "should be …".
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// Any scalar (Kamal's "stringish").
    Str,
    /// `Integer`.
    Int,
    /// `true`/`false`.
    Bool,
    /// `Array`.
    Array,
    /// `Hash`.
    Hash,
    /// `Symbol` (only for `hooks_output`).
    Symbol,
    /// `nil` (only for `servers`).
    Nil,
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Str => "a string",
            Kind::Int => "an integer",
            Kind::Bool => "a boolean",
            Kind::Array => "an array",
            Kind::Hash => "a hash",
            Kind::Symbol => "a symbol",
            Kind::Nil => "a nilclass",
        }
    }

    fn accepts(self, v: &Node) -> bool {
        match self {
            Kind::Str => v.is_stringish(),
            Kind::Int => matches!(v.value, Value::Int(_)),
            Kind::Bool => matches!(v.value, Value::Bool(_)),
            Kind::Array => matches!(v.value, Value::Seq(_)),
            Kind::Hash => matches!(v.value, Value::Map(_)),
            Kind::Symbol => matches!(v.value, Value::Symbol(_)),
            Kind::Nil => v.is_null(),
        }
    }

    /// The kind an example value stands for.
    pub fn of_example(v: &Node) -> Kind {
        match v.value {
            Value::Int(_) => Kind::Int,
            Value::Bool(_) => Kind::Bool,
            Value::Seq(_) => Kind::Array,
            Value::Map(_) => Kind::Hash,
            Value::Null => Kind::Nil,
            _ => Kind::Str,
        }
    }
}

/// Joins a context and a key the way Kamal's `with_context` does.
pub fn join(ctx: &str, key: &str) -> String {
    if ctx.is_empty() { key.to_string() } else { format!("{ctx}/{key}") }
}

/// The `tug docs` page that documents a key path.
pub fn docs_section_for(ctx: &str) -> &'static str {
    let parts: Vec<&str> = ctx.split('/').collect();
    let last_named = |name: &str| parts.iter().rposition(|p| *p == name);
    if last_named("proxy").is_some() {
        return "proxy";
    }
    if last_named("env").is_some() {
        return "env";
    }
    if last_named("logging").is_some() {
        return "logging";
    }
    match parts.first().copied().unwrap_or("") {
        "servers" if parts.len() >= 2 => "role",
        "servers" => "servers",
        "accessories" if parts.len() >= 2 => "accessory",
        "aliases" => "alias",
        "registry" => "registry",
        "builder" => "builder",
        "ssh" => "ssh",
        "sshkit" => "sshkit",
        "boot" => "boot",
        "output" => "output",
        "x-tug" => "x-tug",
        _ => "configuration",
    }
}

impl Default for Checker {
    fn default() -> Self {
        Self::new()
    }
}

impl Checker {
    /// An empty checker.
    pub fn new() -> Self {
        Checker { errors: Vec::new() }
    }

    /// Records a problem. `kamal` is Kamal's message without the context prefix.
    pub fn error(&mut self, ctx: &str, node: Option<&Node>, kamal: &str, message: String) -> &mut ConfigError {
        let kamal_message = if ctx.is_empty() { kamal.to_string() } else { format!("{ctx}: {kamal}") };
        let mut e = ConfigError::new(message).kamal(kamal_message);
        if !ctx.is_empty() {
            e = e.at_key(ctx);
        }
        e = e.at(node.filter(|n| n.span.len > 0 || n.span.start > 0).map(first_line));
        self.errors.push(e);
        let last = self.errors.len() - 1;
        &mut self.errors[last]
    }

    /// Kamal's `validate_type!`: true when the value has one of the kinds.
    pub fn check_type(&mut self, ctx: &str, value: &Node, kinds: &[Kind]) -> bool {
        if kinds.iter().any(|k| k.accepts(value)) {
            return true;
        }
        self.type_error(ctx, value, kinds);
        false
    }

    /// Kamal's `type_error`.
    pub fn type_error(&mut self, ctx: &str, value: &Node, kinds: &[Kind]) {
        let mut descriptions: Vec<&str> = kinds.iter().map(|k| k.describe()).collect();
        descriptions.dedup();
        let expected = descriptions.join(" or ");
        let found = value.ruby_kind();
        let section = docs_section_for(ctx);
        let subject = if ctx.is_empty() { "the configuration".to_string() } else { format!("`{ctx}`") };
        let e =
            self.error(ctx, Some(value), &format!("should be {expected}"), format!("{subject} should be {expected}"));
        e.label = Some(format!("found {found}"));
        e.help = Some(format!("`tug docs {section}` shows the expected shape"));
    }

    fn unknown_keys(&mut self, ctx: &str, keys: &[&Node], example: &Node) {
        let names: Vec<String> = keys.iter().map(|k| k.to_ruby_s()).collect();
        let kamal = if names.len() == 1 {
            format!("unknown key: {}", names[0])
        } else {
            format!("unknown keys: {}", names.join(", "))
        };
        let known: Vec<&str> = example.as_map().unwrap_or(&[]).iter().filter_map(|(k, _)| k.key_str()).collect();
        let section = docs_section_for(ctx);
        for (key, name) in keys.iter().zip(&names) {
            let message = if ctx.is_empty() {
                format!("unknown key `{name}`")
            } else {
                format!("unknown key `{name}` in `{ctx}`")
            };
            let suggestion = did_you_mean(name, known.iter().copied());
            let e = self.error(ctx, Some(key), &kamal, message);
            e.label = Some(if ctx.is_empty() {
                "not a Kamal setting".to_string()
            } else {
                format!("not a `{}` setting", ctx.rsplit('/').next().unwrap_or(ctx))
            });
            e.help = Some(match suggestion {
                Some(s) => format!("did you mean `{s}`? `tug docs {section}` lists every setting"),
                None if ctx.is_empty() => format!(
                    "`tug docs {section}` lists every setting; keys of your own go under a root key starting with `x-`"
                ),
                None => format!("`tug docs {section}` lists every setting"),
            });
        }
    }

    /// Kamal's `validate_against_example!`.
    pub fn against_example(&mut self, ctx: &str, value: &Node, example: &Node, allow_extensions: bool) {
        let kind = Kind::of_example(example);
        if !self.check_type(ctx, value, &[kind]) {
            return;
        }
        let (Some(entries), Some(_)) = (value.as_map(), example.as_map()) else {
            return;
        };
        let unknown: Vec<&Node> = entries
            .iter()
            .map(|(k, _)| k)
            .filter(|k| !k.key_str().is_some_and(|s| example.has_key(s)))
            .filter(|k| !(allow_extensions && is_extension(k)))
            .collect();
        if !unknown.is_empty() {
            self.unknown_keys(ctx, &unknown, example);
        }
        for (k, v) in entries {
            if is_extension(k) {
                continue;
            }
            let key = k.to_ruby_s();
            let Some(ex) = k.key_str().and_then(|s| example.get(s)) else {
                continue;
            };
            let here = join(ctx, &key);
            let root = ctx.is_empty();
            if ex.as_str() == Some("...") {
                let proxy_bool = key == "proxy" && matches!(v.value, Value::Bool(_));
                if !proxy_bool {
                    let kinds: &[Kind] =
                        if root && key == "servers" { &[Kind::Array, Kind::Hash] } else { &[Kind::Hash] };
                    self.check_type(&here, v, kinds);
                }
            } else if key == "ssl" {
                self.check_type(&here, v, &[Kind::Bool, Kind::Hash]);
            } else if key == "hooks_output" {
                self.hooks_output(&here, v);
            } else if key == "hosts" && !root {
                self.servers_list(&here, v);
            } else if let Some(items) = ex.as_seq() {
                let first = items.first().map_or(Kind::Str, Kind::of_example);
                match key.as_str() {
                    "arch" => self.array_of_or_type(&here, v, first),
                    "config" => self.ssh_config(&here, v),
                    "files" | "directories" => self.paths(&here, v),
                    _ => self.array_of(&here, v, first),
                }
            } else if ex.as_map().is_some() {
                match key.as_str() {
                    "options" | "args" => {
                        self.check_type(&here, v, &[Kind::Hash]);
                    }
                    "labels" => {
                        let first = ex.as_map().and_then(|m| m.first()).map_or(Kind::Str, |(_, v)| Kind::of_example(v));
                        self.hash_of(&here, v, first);
                    }
                    _ => self.against_example(&here, v, ex, false),
                }
            } else {
                self.check_type(&here, v, &[Kind::of_example(ex)]);
            }
        }
    }

    /// Kamal's `validate_array_of!`.
    pub fn array_of(&mut self, ctx: &str, v: &Node, kind: Kind) {
        if !self.check_type(ctx, v, &[Kind::Array]) {
            return;
        }
        for (i, item) in v.as_seq().unwrap_or(&[]).iter().enumerate() {
            self.check_type(&join(ctx, &i.to_string()), item, &[kind]);
        }
    }

    /// Kamal's `validate_hash_of!`.
    pub fn hash_of(&mut self, ctx: &str, v: &Node, kind: Kind) {
        if !self.check_type(ctx, v, &[Kind::Hash]) {
            return;
        }
        for (k, item) in v.as_map().unwrap_or(&[]) {
            self.check_type(&join(ctx, &k.to_ruby_s()), item, &[kind]);
        }
    }

    fn array_of_or_type(&mut self, ctx: &str, v: &Node, kind: Kind) {
        let ok = match v.as_seq() {
            Some(items) => items.iter().all(|i| kind.accepts(i)),
            None => kind.accepts(v),
        };
        if !ok {
            self.type_error(ctx, v, &[Kind::Array, kind]);
        }
    }

    fn ssh_config(&mut self, ctx: &str, v: &Node) {
        match v.value {
            Value::Seq(_) => self.array_of(ctx, v, Kind::Str),
            Value::Bool(_) | Value::Str(_) => {}
            _ => self.type_error(ctx, v, &[Kind::Bool, Kind::Bool, Kind::Str, Kind::Array]),
        }
    }

    fn paths(&mut self, ctx: &str, v: &Node) {
        if !self.check_type(ctx, v, &[Kind::Array]) {
            return;
        }
        for (i, item) in v.as_seq().unwrap_or(&[]).iter().enumerate() {
            let here = join(ctx, &i.to_string());
            if !self.check_type(&here, item, &[Kind::Str, Kind::Hash]) {
                continue;
            }
            if item.as_map().is_some() {
                for key in ["local", "remote", "mode", "owner", "options"] {
                    if let Some(val) = item.get(key) {
                        self.check_type(&join(&here, key), val, &[Kind::Str]);
                    }
                }
            }
        }
    }

    fn hooks_output(&mut self, ctx: &str, v: &Node) {
        if let Some(entries) = v.as_map() {
            for (hook, level) in entries {
                self.check_type(&join(ctx, &hook.to_ruby_s()), level, &[Kind::Str, Kind::Symbol]);
            }
        } else {
            self.check_type(ctx, v, &[Kind::Str, Kind::Symbol]);
        }
    }

    /// Kamal's `validate_servers!`: a list of `host` or `{host: tag(s)}`.
    pub fn servers_list(&mut self, ctx: &str, v: &Node) {
        if v.as_map().is_some() {
            self.hosts_given_as_map(ctx, v);
            return;
        }
        if !self.check_type(ctx, v, &[Kind::Array]) {
            return;
        }
        for (i, server) in v.as_seq().unwrap_or(&[]).iter().enumerate() {
            let here = join(ctx, &i.to_string());
            if !self.check_type(&here, server, &[Kind::Str, Kind::Hash]) {
                continue;
            }
            let Some(entries) = server.as_map() else { continue };
            if entries.len() != 1 {
                let e = self.error(
                    &here,
                    Some(server),
                    "multiple hosts found",
                    format!("`{here}` names {} hosts in one entry", entries.len()),
                );
                e.label = Some("one `host: tag` pair per list entry".into());
                e.help = Some("write each tagged host as its own list item: `- 10.0.0.1: [tag1, tag2]`".into());
                continue;
            }
            let (host, tags) = &entries[0];
            let host_ctx = join(&here, &host.to_ruby_s());
            if self.check_type(&host_ctx, tags, &[Kind::Str, Kind::Array]) && tags.as_seq().is_some() {
                self.array_of(&host_ctx, tags, Kind::Str);
            }
        }
    }

    /// `hosts:` written as a hash (often with per-host settings such as `labels`), which Kamal
    /// rejects as "should be an array": say why and show the shape that works.
    fn hosts_given_as_map(&mut self, ctx: &str, v: &Node) {
        let entries = v.as_map().unwrap_or(&[]);
        let has_settings = entries.iter().any(|(_, val)| val.as_map().is_some());
        let first_host = entries.first().map_or("10.0.0.1".to_string(), |(k, _)| k.to_ruby_s());
        let e =
            self.error(ctx, Some(v), "should be an array", format!("`{ctx}` should be a list of hosts, not a hash"));
        e.label = Some("found a hash".into());
        e.help = Some(if has_settings {
            format!(
                "Kamal has no per-host settings such as `labels`; give the host a tag instead and put per-host environment under `env.tags`:\n\n  hosts:\n    - {first_host}: [primary]\n\n  env:\n    tags:\n      primary:\n        ROLE: primary"
            )
        } else {
            format!("list the hosts: `hosts: [{first_host}]`")
        });
    }

    /// Kamal's `validate_labels!`.
    pub fn labels(&mut self, ctx: &str, labels: Option<&Node>) {
        let Some(entries) = labels.and_then(Node::as_map) else { return };
        for (k, _) in entries {
            let name = k.to_ruby_s();
            if matches!(name.as_str(), "destination" | "role" | "service") {
                let here = join(&join(ctx, "labels"), &name);
                let e = self.error(
                    &here,
                    Some(k),
                    "invalid label. destination, role, and service are reserved labels",
                    format!("the label `{name}` is reserved"),
                );
                e.label = Some("Kamal sets this label itself".into());
                e.help = Some(
                    "choose another label name; `destination`, `role` and `service` identify Kamal's containers".into(),
                );
            }
        }
    }

    /// Kamal's `validate_docker_options!` (the `restart` policy).
    pub fn docker_options(&mut self, ctx: &str, options: Option<&Node>) {
        let Some((_, policy)) =
            options.and_then(Node::as_map).and_then(|m| m.iter().find(|(k, _)| k.to_ruby_s() == "restart"))
        else {
            return;
        };
        let here = join(ctx, "options/restart");
        let Some(text) = policy.as_str() else {
            let e = self.error(
                &here,
                Some(policy),
                "should be a string. Use \"no\" to disable restarts",
                format!("`{here}` should be a string"),
            );
            e.help = Some("quote it: `restart: \"no\"` (YAML reads a bare no as false)".into());
            return;
        };
        if !valid_restart_policy(text) {
            let e = self.error(
                &here,
                Some(policy),
                "should be no, always, unless-stopped, on-failure, or on-failure:N",
                format!("`{text}` is not a Docker restart policy"),
            );
            e.help = Some("use `no`, `always`, `unless-stopped`, `on-failure` or `on-failure:N`".into());
        }
    }
}

/// Points at the first line of a value: a whole multi-line hash makes an unreadable label.
pub(crate) fn first_line(node: &Node) -> crate::error::Location {
    let mut loc = node.location();
    let text = &node.file.rendered;
    let start = loc.span.start.min(text.len());
    let end = (start + loc.span.len).min(text.len());
    if let Some(nl) = text[start..end].find('\n') {
        loc.span.len = text[start..start + nl].trim_end().len().max(1);
    }
    loc
}

fn valid_restart_policy(p: &str) -> bool {
    match p {
        "no" | "always" | "unless-stopped" | "on-failure" => true,
        _ => p.strip_prefix("on-failure:").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())),
    }
}

fn is_extension(key: &Node) -> bool {
    key.to_ruby_s().starts_with("x-")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(text: &str) -> Node {
        yaml::parse(&Arc::new(SourceFile::plain("t.yml", text))).unwrap()
    }

    #[test]
    fn unknown_keys_and_types() {
        let ex = node("proxy:\n  host: a\n  app_port: 3000\n  healthcheck:\n    path: /up\n");
        let user = node("host: x\napp_port: '80'\nhelthcheck: {}\n");
        let mut c = Checker::new();
        c.against_example("proxy", &user, ex.get("proxy").unwrap(), false);
        let msgs: Vec<_> = c.errors.iter().map(|e| e.kamal_message.as_str()).collect();
        assert_eq!(msgs, ["proxy: unknown key: helthcheck", "proxy/app_port: should be an integer"]);
        assert_eq!(
            c.errors[0].help.as_deref(),
            Some("did you mean `healthcheck`? `tug docs proxy` lists every setting")
        );
        assert_eq!(c.errors[0].position().as_deref(), Some("t.yml:3:1"));
    }

    #[test]
    fn restart_policies() {
        assert!(valid_restart_policy("on-failure:3"));
        assert!(!valid_restart_policy("on-failure:"));
        assert!(!valid_restart_policy("sometimes"));
    }

    #[test]
    fn server_lists() {
        let mut c = Checker::new();
        c.servers_list("servers", &node("- a\n- b: [x, y]\n- {c: x, d: y}\n"));
        assert_eq!(c.errors.len(), 1);
        assert_eq!(c.errors[0].kamal_message, "servers/2: multiple hosts found");
    }
}
