//! `proxy.run`: how the kamal-proxy container itself is booted when the config says so
//! (Kamal's `Proxy::Run`), and the publish/logging arguments shared with the legacy
//! `proxy boot_config set`.

use std::net::{Ipv4Addr, Ipv6Addr};

use tug_config::Config;
use tug_config::yaml::{Node, Value};

use crate::args::optionize;
use crate::layout;
use crate::setting_args::{option_pairs, string_list};

/// The kamal-proxy version Kamal requires at least (and runs by default).
pub const MINIMUM_VERSION: &str = "v0.9.2";
/// The host port published for HTTP by default.
pub const DEFAULT_HTTP_PORT: u16 = 80;
/// The host port published for HTTPS by default.
pub const DEFAULT_HTTPS_PORT: u16 = 443;
/// The proxy container's default `--log-opt max-size`.
pub const DEFAULT_LOG_MAX_SIZE: &str = "10m";
/// The default proxy image (without version).
pub const DEFAULT_IMAGE: &str = "basecamp/kamal-proxy";
/// The proxy container's name.
pub const CONTAINER_NAME: &str = "kamal-proxy";

/// A `proxy.run` section.
#[derive(Debug, Clone)]
pub struct ProxyRun {
    raw: Node,
}

impl ProxyRun {
    /// Wraps a validated `run:` hash.
    pub fn new(raw: Node) -> ProxyRun {
        ProxyRun { raw }
    }

    /// The run config that applies on `host`: the first `proxy.run` of the roles, then the
    /// accessories, placed there (the loader checks they are all the same).
    pub fn for_host(config: &Config, host: &str) -> Option<ProxyRun> {
        let from_roles = config
            .roles
            .iter()
            .filter(|r| r.tagged_hosts.contains_key(host))
            .filter_map(|r| r.proxy.as_ref().and_then(|p| p.run()).cloned());
        let from_accessories = config
            .accessories
            .iter()
            .filter(|a| a.hosts.iter().any(|h| h == host))
            .filter_map(|a| a.proxy_run().cloned());
        from_roles.chain(from_accessories).next().map(ProxyRun::new)
    }

    fn get(&self, key: &str) -> Option<&Node> {
        self.raw.get(key)
    }

    fn text(&self, key: &str) -> Option<String> {
        self.get(key).filter(|n| !n.is_null()).map(Node::to_ruby_s)
    }

    /// `debug`.
    pub fn debug(&self) -> bool {
        self.get("debug").and_then(Node::as_bool).unwrap_or(false)
    }

    /// `publish`, default true.
    pub fn publish(&self) -> bool {
        self.get("publish").and_then(Node::as_bool).unwrap_or(true)
    }

    /// `http_port`, default 80.
    pub fn http_port(&self) -> String {
        self.text("http_port").unwrap_or_else(|| DEFAULT_HTTP_PORT.to_string())
    }

    /// `https_port`, default 443.
    pub fn https_port(&self) -> String {
        self.text("https_port").unwrap_or_else(|| DEFAULT_HTTPS_PORT.to_string())
    }

    /// `bind_ips`.
    pub fn bind_ips(&self) -> Option<Vec<String>> {
        self.get("bind_ips").filter(|n| !n.is_null()).map(|n| string_list(Some(n)))
    }

    /// `log_max_size`, default `10m`.
    pub fn log_max_size(&self) -> String {
        self.text("log_max_size").unwrap_or_else(|| DEFAULT_LOG_MAX_SIZE.into())
    }

    /// `metrics_port`.
    pub fn metrics_port(&self) -> Option<String> {
        self.get("metrics_port").filter(|n| n.is_present()).map(Node::to_ruby_s)
    }

    /// `[registry/]repository:version`.
    pub fn image(&self) -> String {
        let repository = self.text("repository").unwrap_or_else(|| DEFAULT_IMAGE.into());
        let version = self.text("version").unwrap_or_else(|| MINIMUM_VERSION.into());
        match self.text("registry") {
            Some(registry) => format!("{registry}/{repository}:{version}"),
            None => format!("{repository}:{version}"),
        }
    }

    /// `kamal-proxy run [--debug] [--metrics-port "N"]`, as one word (Kamal joins it).
    pub fn run_command(&self) -> String {
        run_command(self.debug(), self.metrics_port().as_deref())
    }

    /// The `docker run` options after the config volume: the apps-config volume, publish,
    /// logging, `--expose` for metrics and `options`.
    pub fn docker_options_args(&self) -> Vec<String> {
        let mut out = vec![format!(
            "--volume $PWD/{}:{}",
            layout::proxy_apps_directory(),
            layout::PROXY_APPS_CONTAINER_DIRECTORY
        )];
        if self.publish() {
            out.push(publish_args(&self.http_port(), &self.https_port(), self.bind_ips().as_deref()));
        }
        if let Some(l) = logging_args(&self.log_max_size()) {
            out.push(l);
        }
        if let Some(port) = self.metrics_port() {
            out.push(format!("--expose={port}"));
        }
        out.extend(optionize(&option_pairs(self.get("options").filter(|o| matches!(o.value, Value::Map(_))))));
        out
    }
}

/// `kamal-proxy run` with its options.
pub fn run_command(debug: bool, metrics_port: Option<&str>) -> String {
    let mut words = vec!["kamal-proxy".to_string(), "run".to_string()];
    if debug {
        words.push("--debug".into());
    }
    if let Some(port) = metrics_port {
        words.push("--metrics-port".into());
        words.push(crate::shell::escape_shell_value(port));
    }
    words.join(" ")
}

/// `--publish [ip:]http:80 --publish [ip:]https:443` for each bind IP (IPv6 bracketed), as
/// one word.
pub fn publish_args(http_port: &str, https_port: &str, bind_ips: Option<&[String]>) -> String {
    let ips: Vec<Option<String>> = match bind_ips {
        Some(ips) if !ips.is_empty() => ips.iter().map(|ip| Some(format_bind_ip(ip))).collect(),
        _ => vec![None],
    };
    ips.iter()
        .map(|ip| {
            let prefix = ip.as_ref().map(|ip| format!("{ip}:")).unwrap_or_default();
            format!(
                "--publish {prefix}{http_port}:{DEFAULT_HTTP_PORT} --publish {prefix}{https_port}:{DEFAULT_HTTPS_PORT}"
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `--log-opt max-size=<size>`, unless the size is blank.
pub fn logging_args(max_size: &str) -> Option<String> {
    (!max_size.trim().is_empty()).then(|| format!("--log-opt max-size={max_size}"))
}

/// Whether `ip` is an IPv4 or IPv6 address (Kamal refuses anything else in `bind_ips`).
pub fn valid_bind_ip(ip: &str) -> bool {
    ip.parse::<Ipv4Addr>().is_ok() || ip.parse::<Ipv6Addr>().is_ok()
}

fn format_bind_ip(ip: &str) -> String {
    if ip.parse::<Ipv6Addr>().is_ok() { format!("[{ip}]") } else { ip.to_string() }
}
