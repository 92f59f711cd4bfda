//! `registry:` — where images are pushed and pulled, and the login (plain or a secret name).

use crate::validate::{self, Checker, join};
use crate::yaml::{Node, Value};

/// A credential: written in the file, or the name of a secret (`password: [SECRET_NAME]`).
#[derive(Debug, Clone, PartialEq)]
pub enum Credential {
    /// A value written in the file.
    Plain(String),
    /// A secret name, looked up in `.kamal/secrets`.
    Secret(String),
}

/// A registry section.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Registry {
    /// `server` (none means Docker Hub).
    pub server: Option<String>,
    /// `username`.
    pub username: Option<Credential>,
    /// `password`.
    pub password: Option<Credential>,
}

impl Registry {
    /// Reads a validated `registry:` node.
    pub fn from_node(node: Option<&Node>) -> Registry {
        let Some(node) = node else { return Registry::default() };
        let cred = |k: &str| {
            node.get(k).and_then(|v| match &v.value {
                Value::Seq(items) => items.first().map(|i| Credential::Secret(i.to_ruby_s())),
                Value::Null => None,
                _ => Some(Credential::Plain(v.to_ruby_s())),
            })
        };
        Registry {
            server: node.get("server").filter(|s| !s.is_null()).map(Node::to_ruby_s),
            username: cred("username"),
            password: cred("password"),
        }
    }

    /// A registry on `localhost:PORT`, reached from servers through an SSH tunnel. Kamal's
    /// test is the pattern `^localhost[:$]`, so a bare `localhost` does not count.
    pub fn is_local(&self) -> bool {
        is_local_server(self.server.as_deref())
    }

    /// The port of a local registry.
    pub fn local_port(&self) -> Option<u16> {
        if !self.is_local() {
            return None;
        }
        self.server.as_deref()?.rsplit(':').next()?.parse().ok()
    }
}

fn is_local_server(server: Option<&str>) -> bool {
    server.is_some_and(|s| s.starts_with("localhost:") || s.starts_with("localhost$"))
}

/// Kamal's registry validator: the example minus username/password, then those two as a
/// string or a one-item array (a secret name), required unless the registry is local.
pub fn check(c: &mut Checker, ctx: &str, node: &Node) {
    let Some(example) = validate::example_at("registry", &["registry"]) else { return };
    let strip = |n: &Node| {
        let mut n = n.clone();
        if let Value::Map(entries) = &mut n.value {
            entries.retain(|(k, _)| !matches!(k.key_str(), Some("username" | "password")));
        }
        n
    };
    c.against_example(ctx, &strip(node), &strip(example), false);
    let server = node.get("server").map(Node::to_ruby_s);
    if is_local_server(server.as_deref()) {
        return;
    }
    for key in ["username", "password"] {
        let here = join(ctx, key);
        let value = node.get(key);
        if !value.is_some_and(Node::is_present) {
            let e = c.error(&here, value.or(Some(node)), "is required", format!("`{here}` is required"));
            if value.is_none() {
                e.label = Some(format!("add `{key}:` here"));
            }
            e.help = Some(if key == "password" {
                "name the secret that holds it: `password: [KAMAL_REGISTRY_PASSWORD]`, set in `.kamal/secrets`".into()
            } else {
                "set your registry user name, e.g. `username: my-dockerhub-user`".into()
            });
        }
        let Some(value) = value else { continue };
        let ok = matches!(value.value, Value::Str(_))
            || value.as_seq().is_some_and(|s| s.len() == 1 && matches!(s[0].value, Value::Str(_)));
        if !ok {
            let e = c.error(
                &here,
                Some(value),
                "should be a string or an array with one string (for secret lookup)",
                format!("`{here}` should be a string or a one-item list naming a secret"),
            );
            e.label = Some(format!("found {}", value.ruby_kind()));
            e.help = Some(format!("e.g. `{key}: [KAMAL_REGISTRY_PASSWORD]`"));
        }
    }
}

impl Credential {
    /// The value: as written, or looked up in the secrets (Kamal's `lookup`).
    pub fn resolve(
        &self,
        secrets: &crate::secrets::Secrets,
    ) -> Result<crate::Sensitive<String>, crate::secrets::SecretsError> {
        match self {
            Credential::Plain(v) => Ok(crate::Sensitive::new(v.clone())),
            Credential::Secret(name) => secrets.get(name),
        }
    }
}
