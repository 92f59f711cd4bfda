//! `env:` — clear variables, secret names (`NAME` or `NAME:SECRET`), and host tags.

use indexmap::IndexMap;

use crate::validate::{Checker, Kind, join};
use crate::yaml::Node;

const SPECIAL_KEYS: [&str; 3] = ["clear", "secret", "tags"];

/// An environment: clear values and the names of secret ones.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Env {
    /// `--env K="v"` values, in file order.
    pub clear: IndexMap<String, String>,
    /// Secret entries as written: `NAME` or `NAME:SECRET_NAME`.
    pub secret: Vec<String>,
}

impl Env {
    /// Reads either form (`{K: v}` or `{clear:, secret:, tags:}`) of a validated node.
    pub fn from_node(node: Option<&Node>) -> Env {
        let Some(node) = node.filter(|n| n.as_map().is_some()) else {
            return Env::default();
        };
        let complex = SPECIAL_KEYS.iter().any(|k| node.has_key(k));
        let clear_node = if complex { node.get("clear") } else { Some(node) };
        let clear = clear_node
            .and_then(Node::as_map)
            .map(|m| m.iter().map(|(k, v)| (k.to_ruby_s(), v.to_ruby_s())).collect())
            .unwrap_or_default();
        let secret = if complex {
            node.get("secret")
                .and_then(Node::as_seq)
                .map(|s| s.iter().map(Node::to_ruby_s).collect())
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        Env { clear, secret }
    }

    /// Kamal's `Env#merge`: clear values of `other` win; secret names are unioned.
    pub fn merge(&self, other: &Env) -> Env {
        let mut clear = self.clear.clone();
        for (k, v) in &other.clear {
            clear.insert(k.clone(), v.clone());
        }
        let mut secret = self.secret.clone();
        for s in &other.secret {
            if !secret.contains(s) {
                secret.push(s.clone());
            }
        }
        Env { clear, secret }
    }

    /// `(env var name, secret name)` pairs: `DB_PASSWORD:MAIN_DB_PASSWORD` maps one to the other.
    pub fn secret_pairs(&self) -> Vec<(String, String)> {
        self.secret
            .iter()
            .map(|s| match s.split_once(':') {
                Some((name, secret)) => (name.to_string(), secret.to_string()),
                None => (s.clone(), s.clone()),
            })
            .collect()
    }
}

/// The tagged environments of the root `env.tags`, by tag name.
pub fn tags(root_env: Option<&Node>) -> IndexMap<String, Env> {
    root_env
        .and_then(|e| e.get("tags"))
        .and_then(Node::as_map)
        .map(|m| m.iter().map(|(k, v)| (k.to_ruby_s(), Env::from_node(Some(v)))).collect())
        .unwrap_or_default()
}

/// Kamal's env validator: simple form is a hash of scalars; the complex form allows only
/// `clear`, `secret` and (in the root env only) `tags`.
pub fn check(c: &mut Checker, ctx: &str, node: &Node) {
    let Some(entries) = node.as_map() else {
        c.check_type(ctx, node, &[Kind::Hash]);
        return;
    };
    let complex = entries.iter().any(|(k, _)| k.key_str().is_some_and(|s| SPECIAL_KEYS.contains(&s)));
    if !complex {
        c.hash_of(ctx, node, Kind::Str);
        return;
    }
    let unknown: Vec<&Node> =
        entries.iter().map(|(k, _)| k).filter(|k| !k.key_str().is_some_and(|s| SPECIAL_KEYS.contains(&s))).collect();
    if !unknown.is_empty() {
        let names: Vec<String> = unknown.iter().map(|k| k.to_ruby_s()).collect();
        let kamal = if names.len() == 1 {
            format!("unknown key: {}", names[0])
        } else {
            format!("unknown keys: {}", names.join(", "))
        };
        for (k, name) in unknown.iter().zip(&names) {
            let e = c.error(ctx, Some(k), &kamal, format!("unknown key `{name}` in `{ctx}`"));
            e.label = Some("`clear`, `secret` and `tags` are the only keys here".into());
            e.help = Some(format!(
                "once `{ctx}` uses `clear:`/`secret:`, every plain variable goes under `clear:` (`tug docs env`)"
            ));
        }
    }
    if let Some(clear) = node.get("clear") {
        c.hash_of(&join(ctx, "clear"), clear, Kind::Str);
    }
    if let Some(secret) = node.get("secret") {
        c.array_of(&join(ctx, "secret"), secret, Kind::Str);
    }
    if let Some((key, tags)) = node.entry("tags") {
        if ctx != "env" {
            let e = c.error(
                ctx,
                Some(key),
                "tags are only allowed in the root env",
                format!("`tags` in `{ctx}`: tags are only allowed in the root env"),
            );
            e.help = Some("move the tag's variables to the root `env.tags`".into());
            return;
        }
        let here = join(ctx, "tags");
        if !c.check_type(&here, tags, &[Kind::Hash]) {
            return;
        }
        for (tag, value) in tags.as_map().unwrap_or(&[]) {
            let tag_ctx = join(&here, &tag.to_ruby_s());
            if c.check_type(&tag_ctx, value, &[Kind::Hash]) {
                check(c, &tag_ctx, value);
            }
        }
    }
}
