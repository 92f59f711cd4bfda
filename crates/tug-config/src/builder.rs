//! `builder:` — how the image is built (arches, local/remote/cloud/pack, cache, context).

use crate::validate::{self, Checker};
use crate::yaml::{Node, Value};

/// A builder section (raw; the commands layer reads the rest of its keys).
#[derive(Debug, Clone)]
pub struct Builder {
    /// The validated `builder:` hash (empty when absent).
    pub raw: Node,
}

impl Builder {
    /// `arch` as a list.
    pub fn arches(&self) -> Vec<String> {
        match self.raw.get("arch").map(|a| &a.value) {
            Some(Value::Seq(items)) => items.iter().map(Node::to_ruby_s).collect(),
            Some(Value::Null) | None => {
                if self.driver() == "docker" {
                    vec![]
                } else {
                    vec!["amd64".into(), "arm64".into()]
                }
            }
            Some(_) => self.raw.get("arch").map(|a| vec![a.to_ruby_s()]).unwrap_or_default(),
        }
    }

    /// `remote`, an SSH (or TCP) docker context for remote builds.
    pub fn remote(&self) -> Option<String> {
        self.raw.get("remote").filter(|r| !r.is_null()).map(Node::to_ruby_s)
    }

    /// `driver`, default `docker-container`.
    pub fn driver(&self) -> String {
        self.raw.get("driver").map_or("docker-container".into(), Node::to_ruby_s)
    }

    /// `context` set: build the working tree instead of a clean git clone.
    pub fn has_context(&self) -> bool {
        self.raw.get("context").is_some_and(|c| !c.is_null())
    }

    /// Arches built remotely, given the deploying machine's arch (Kamal's `remote_arches`).
    pub fn remote_arches(&self, local_arch: &str) -> Vec<String> {
        if self.remote().is_none() {
            return Vec::new();
        }
        let local_disabled = self.raw.get("local").and_then(Node::as_bool) == Some(false);
        self.arches().into_iter().filter(|a| local_disabled || a != local_arch).collect()
    }
}

/// The deploying machine's arch in Docker's words.
pub fn local_docker_arch() -> &'static str {
    match std::env::consts::ARCH {
        "aarch64" | "arm64" => "arm64",
        _ => "amd64",
    }
}

/// Kamal's builder validator.
pub fn check(c: &mut Checker, ctx: &str, node: &Node) {
    let Some(example) = validate::example_at("builder", &["builder"]) else { return };
    let before = c.errors.len();
    c.against_example(ctx, node, example, false);
    if c.errors.len() > before {
        return;
    }
    if let Some(kind) = node.get("cache").and_then(|c| c.get("type")).filter(|t| t.is_present()) {
        let t = kind.to_ruby_s();
        if t != "gha" && t != "registry" {
            c.error(ctx, Some(kind), &format!("Invalid cache type: {t}"), format!("`{t}` is not a cache type")).help =
                Some("use `type: gha` or `type: registry`".into());
        }
    }
    if !node.get("arch").is_some_and(Node::is_present) {
        let e =
            c.error(ctx, node.get("arch").or(Some(node)), "Builder arch not set", "`builder.arch` is not set".into());
        e.help = Some("set the servers' CPU architecture, e.g.\n\n  builder:\n    arch: amd64".into());
    }
    let multi_arch = node.get("arch").and_then(Node::as_seq).is_some_and(|a| a.len() > 1);
    if node.get("pack").is_some_and(|p| !p.is_null() && p.as_bool() != Some(false)) && multi_arch {
        c.error(
            ctx,
            node.get("arch"),
            "buildpacks only support building for one arch",
            "buildpacks build for one arch only".into(),
        )
        .help = Some("list a single `arch`".into());
    }
    if node.get("local").and_then(Node::as_bool) == Some(false) && !node.get("remote").is_some_and(Node::is_present) {
        c.error(
            ctx,
            node.get("local"),
            "Cannot disable local builds, no remote is set",
            "`local: false` needs a `remote` builder".into(),
        )
        .help = Some("set `remote: ssh://user@build-host`, or remove `local: false`".into());
    }
}
