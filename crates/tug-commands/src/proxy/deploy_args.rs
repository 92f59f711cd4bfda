//! The flags of `kamal-proxy deploy` and `kamal-proxy stop` for an app role or an accessory
//! (Kamal's `Configuration::Proxy#deploy_command_args` / `#stop_command_args`), in Kamal's
//! order, each `--flag="value"` escaped with [`crate::shell::escape_shell_value`].

use tug_config::Config;
use tug_config::proxy::Proxy;
use tug_config::yaml::{Node, Value};

use crate::args::{ArgValue, optionize_with_equals};
use crate::layout::{error_pages_container_directory, tls_container_directory};

/// Request headers kamal-proxy logs unless `proxy.logging.request_headers` says otherwise.
pub const DEFAULT_LOG_REQUEST_HEADERS: [&str; 3] = ["Cache-Control", "Last-Modified", "User-Agent"];

/// The container name of the proxy.
pub const PROXY_CONTAINER_NAME: &str = "kamal-proxy";

fn dig<'n>(raw: &'n Node, path: &[&str]) -> Option<&'n Node> {
    let mut node = raw;
    for key in path {
        node = node.get(key)?;
    }
    (!node.is_null()).then_some(node)
}

fn value_of(node: &Node) -> Vec<ArgValue> {
    match &node.value {
        Value::Bool(true) => vec![ArgValue::True],
        Value::Bool(false) => vec![ArgValue::False],
        Value::Null => Vec::new(),
        Value::Seq(items) => items.iter().flat_map(value_of).collect(),
        _ => vec![ArgValue::Text(node.to_ruby_s())],
    }
}

fn seconds(node: Option<&Node>) -> Option<String> {
    let node = node?;
    match node.value {
        Value::Null | Value::Bool(false) => None,
        _ => Some(format!("{}s", node.to_ruby_s())),
    }
}

fn push_texts(out: &mut Vec<(String, ArgValue)>, key: &str, values: impl IntoIterator<Item = String>) {
    out.extend(values.into_iter().map(|v| (key.to_string(), ArgValue::Text(v))));
}

fn push_node(out: &mut Vec<(String, ArgValue)>, key: &str, node: Option<&Node>) {
    if let Some(n) = node {
        out.extend(value_of(n).into_iter().map(|v| (key.to_string(), v)));
    }
}

/// A `buffering.requests`/`responses` flag: on unless set; an explicit `nil` drops it.
fn buffering(out: &mut Vec<(String, ArgValue)>, raw: &Node, flag: &str, key: &str) {
    match raw.get("buffering").filter(|b| b.as_map().is_some()).and_then(|b| b.entry(key)) {
        None => out.push((flag.to_string(), ArgValue::True)),
        Some((_, v)) => push_node(out, flag, Some(v)),
    }
}

/// `path_prefixes`, or `path_prefix` split on commas.
fn path_prefixes(raw: &Node) -> Vec<String> {
    if let Some(items) = raw.get("path_prefixes").and_then(Node::as_seq) {
        return items.iter().map(Node::to_ruby_s).collect();
    }
    match raw.get("path_prefix").filter(|p| !p.is_null()) {
        Some(p) => p.to_ruby_s().split(',').map(str::to_string).collect(),
        None => Vec::new(),
    }
}

/// `--target="<target>:<app_port>"` and every deploy option, as `kamal-proxy deploy` takes
/// them. `role_name` places custom TLS certificates (`None` for accessories); `version` names
/// the error pages directory.
pub fn deploy_args(
    config: &Config,
    proxy: &Proxy,
    role_name: Option<&str>,
    target: &str,
    version: &str,
) -> Vec<String> {
    let raw = &proxy.raw;
    let mut o: Vec<(String, ArgValue)> =
        vec![("target".into(), ArgValue::Text(format!("{target}:{}", proxy.app_port())))];
    push_texts(&mut o, "host", proxy.hosts());
    if proxy.ssl() {
        o.push(("tls".into(), ArgValue::True));
    }
    if proxy.custom_ssl_certificate() {
        let dir = match role_name {
            Some(r) => format!("{}/{r}", tls_container_directory(config)),
            None => tls_container_directory(config),
        };
        push_texts(&mut o, "tls-certificate-path", [format!("{dir}/cert.pem")]);
        push_texts(&mut o, "tls-private-key-path", [format!("{dir}/key.pem")]);
    }
    push_texts(&mut o, "deploy-timeout", [format!("{}s", config.deploy_timeout())]);
    push_texts(&mut o, "drain-timeout", [format!("{}s", config.drain_timeout())]);
    push_texts(&mut o, "health-check-interval", seconds(dig(raw, &["healthcheck", "interval"])));
    push_texts(&mut o, "health-check-timeout", seconds(dig(raw, &["healthcheck", "timeout"])));
    push_node(&mut o, "health-check-path", dig(raw, &["healthcheck", "path"]));
    push_texts(&mut o, "target-timeout", seconds(dig(raw, &["response_timeout"])));
    buffering(&mut o, raw, "buffer-requests", "requests");
    buffering(&mut o, raw, "buffer-responses", "responses");
    push_node(&mut o, "buffer-memory", dig(raw, &["buffering", "memory"]));
    push_node(&mut o, "max-request-body", dig(raw, &["buffering", "max_request_body"]));
    push_node(&mut o, "max-response-body", dig(raw, &["buffering", "max_response_body"]));
    push_texts(&mut o, "path-prefix", path_prefixes(raw));
    push_node(&mut o, "strip-path-prefix", dig(raw, &["strip_path_prefix"]));
    push_node(&mut o, "forward-headers", dig(raw, &["forward_headers"]));
    push_node(&mut o, "tls-redirect", dig(raw, &["ssl_redirect"]));
    match dig(raw, &["logging", "request_headers"]).filter(|n| !matches!(n.value, Value::Bool(false))) {
        Some(n) => push_node(&mut o, "log-request-header", Some(n)),
        None => push_texts(&mut o, "log-request-header", DEFAULT_LOG_REQUEST_HEADERS.map(str::to_string)),
    }
    push_node(&mut o, "log-response-header", dig(raw, &["logging", "response_headers"]));
    if config.root_key("error_pages_path").is_some_and(|p| !matches!(p.value, Value::Bool(false))) {
        push_texts(&mut o, "error-pages", [format!("{}/{version}", error_pages_container_directory(config))]);
    }
    optionize_with_equals(&o)
}

/// `[--drain-timeout="Ns"] [--message="…"]` for `kamal-proxy stop` (maintenance mode).
pub fn stop_args(drain_timeout: Option<i64>, message: Option<&str>) -> Vec<String> {
    let mut o: Vec<(String, ArgValue)> = Vec::new();
    if let Some(d) = drain_timeout {
        o.push(("drain-timeout".into(), ArgValue::Text(format!("{d}s"))));
    }
    if let Some(m) = message {
        o.push(("message".into(), ArgValue::Text(m.to_string())));
    }
    optionize_with_equals(&o)
}
