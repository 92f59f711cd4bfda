//! `proxy:` — how kamal-proxy routes to the app (root, per role, per accessory), and `proxy.run`
//! (how the proxy container itself is booted).

use crate::loader::deep_merge;
use crate::validate::{self, Checker};
use crate::yaml::{Node, Value};

/// A proxy section. The raw node is kept: the commands layer turns it into
/// `kamal-proxy deploy` flags in Kamal's order.
#[derive(Debug, Clone)]
pub struct Proxy {
    /// The validated section (after role-over-root merging for roles).
    pub raw: Node,
}

impl Proxy {
    /// Wraps a validated node (`nil` or `true` mean an empty section).
    pub fn new(raw: Node) -> Proxy {
        let raw = match raw.value {
            Value::Map(_) => raw,
            _ => Node::synthetic(Value::Map(Vec::new()), &raw.file),
        };
        Proxy { raw }
    }

    /// Kamal's `Proxy#merge`: the role's own settings win over the root `proxy:`.
    pub fn merged_over(&self, root: &Proxy) -> Proxy {
        Proxy::new(deep_merge(root.raw.clone(), self.raw.clone()))
    }

    /// `hosts`, or `host` split on commas.
    pub fn hosts(&self) -> Vec<String> {
        if let Some(hosts) = self.raw.get("hosts").and_then(Node::as_seq) {
            return hosts.iter().map(Node::to_ruby_s).collect();
        }
        match self.raw.get("host").filter(|h| !h.is_null()) {
            Some(h) => h.to_ruby_s().split(',').map(str::to_string).collect(),
            None => Vec::new(),
        }
    }

    /// `ssl` is true or a hash (a hash counts as on, as Ruby truthiness makes it).
    pub fn ssl(&self) -> bool {
        match self.raw.get("ssl").map(|n| &n.value) {
            None | Some(Value::Null) | Some(Value::Bool(false)) => false,
            Some(_) => true,
        }
    }

    /// Both `ssl.certificate_pem` and `ssl.private_key_pem` are set.
    pub fn custom_ssl_certificate(&self) -> bool {
        let Some(ssl) = self.raw.get("ssl").filter(|s| s.as_map().is_some()) else {
            return false;
        };
        ssl.get("certificate_pem").is_some_and(Node::is_present)
            && ssl.get("private_key_pem").is_some_and(Node::is_present)
    }

    /// `ssl.certificate_pem`: the name of the secret holding the custom certificate.
    pub fn certificate_pem(&self) -> Option<String> {
        self.ssl_key("certificate_pem")
    }

    /// `ssl.private_key_pem`: the name of the secret holding the custom certificate's key.
    pub fn private_key_pem(&self) -> Option<String> {
        self.ssl_key("private_key_pem")
    }

    fn ssl_key(&self, key: &str) -> Option<String> {
        self.raw.get("ssl").and_then(|s| s.get(key)).map(Node::to_ruby_s)
    }

    /// `app_port`, default 80.
    pub fn app_port(&self) -> String {
        self.raw.get("app_port").map_or("80".into(), Node::to_ruby_s)
    }

    /// `proxy.run`, when present (its JSON form compares run configs across roles).
    pub fn run(&self) -> Option<&Node> {
        self.raw.get("run").filter(|r| r.is_present())
    }
}

/// Kamal's proxy validator.
pub fn check(c: &mut Checker, ctx: &str, node: &Node) {
    if node.is_null() {
        return;
    }
    let Some(example) = validate::example_at("proxy", &["proxy"]) else { return };
    let before = c.errors.len();
    c.against_example(ctx, node, example, false);
    if c.errors.len() > before || node.as_map().is_none() {
        return;
    }
    let proxy = Proxy::new(node.clone());
    let blank = |k: &str| !node.get(k).is_some_and(Node::is_present);
    if blank("host") && blank("hosts") && proxy.ssl() {
        let ssl = node.get("ssl");
        let e = c.error(
            ctx,
            ssl,
            "Must set a host to enable automatic SSL",
            "`ssl` needs a `host` to request a certificate for".into(),
        );
        e.help = Some("add `host: app.example.com` (Let's Encrypt needs a name), or set `ssl: false` when TLS ends elsewhere (e.g. Cloudflare)".into());
    }
    if node.has_key("host") && node.has_key("hosts") {
        let e = c.error(
            ctx,
            node.get("hosts"),
            "Specify one of 'host' or 'hosts', not both",
            format!("`{ctx}` sets both `host` and `hosts`"),
        );
        e.help = Some("keep `hosts:` (a list) and remove `host:`".into());
    }
    if let Some(ssl) = node.get("ssl").filter(|s| s.as_map().is_some()) {
        let cert = ssl.get("certificate_pem").is_some_and(Node::is_present);
        let key = ssl.get("private_key_pem").is_some_and(Node::is_present);
        if cert && !key {
            c.error(
                ctx,
                Some(ssl),
                "Missing private_key_pem setting (required when certificate_pem is present)",
                "`ssl.certificate_pem` is set but `ssl.private_key_pem` is not".into(),
            )
            .help = Some("name the secret holding the key: `private_key_pem: ORIGIN_KEY_PEM`".into());
        }
        if key && !cert {
            c.error(
                ctx,
                Some(ssl),
                "Missing certificate_pem setting (required when private_key_pem is present)",
                "`ssl.private_key_pem` is set but `ssl.certificate_pem` is not".into(),
            )
            .help = Some("name the secret holding the certificate: `certificate_pem: ORIGIN_CERT_PEM`".into());
        }
    }
    if let Some(run) = node.get("run").filter(|r| r.as_map().is_some())
        && run.get("publish").and_then(Node::as_bool) == Some(false)
    {
        let set = |k: &str| run.get(k).is_some_and(Node::is_present);
        if set("bind_ips") || set("http_port") || set("https_port") {
            let e = c.error(
                ctx,
                Some(run),
                "Cannot set http_port, https_port or bind_ips when publish is false",
                "`run.publish: false` cannot be combined with ports or bind IPs".into(),
            );
            e.help = Some("remove `http_port`, `https_port` and `bind_ips`, or publish the ports".into());
        }
    }
}
