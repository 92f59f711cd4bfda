//! The legacy per-host boot files of kamal-proxy (`.kamal/proxy/{options,image,
//! image_version,run_command}`) and what `proxy boot_config set` writes into them (Kamal
//! deprecates the command in favour of `proxy.run`, but servers set up with it still boot
//! from these files).

use thiserror::Error;

use crate::layout;
use crate::proxy::run::{self, DEFAULT_HTTP_PORT, DEFAULT_HTTPS_PORT, DEFAULT_LOG_MAX_SIZE};

/// `.kamal/proxy/options`.
pub fn options_file() -> String {
    format!("{}/options", layout::proxy_directory())
}

/// `.kamal/proxy/image`.
pub fn image_file() -> String {
    format!("{}/image", layout::proxy_directory())
}

/// `.kamal/proxy/image_version`.
pub fn image_version_file() -> String {
    format!("{}/image_version", layout::proxy_directory())
}

/// `.kamal/proxy/run_command`.
pub fn run_command_file() -> String {
    format!("{}/run_command", layout::proxy_directory())
}

/// The boot options used when `.kamal/proxy/options` is absent.
pub fn default_boot_options() -> Vec<String> {
    let mut out = vec![run::publish_args(&DEFAULT_HTTP_PORT.to_string(), &DEFAULT_HTTPS_PORT.to_string(), None)];
    out.extend(run::logging_args(DEFAULT_LOG_MAX_SIZE));
    out
}

/// The options of `proxy boot_config set`, with Kamal's defaults from [`BootConfigSet::default`].
#[derive(Debug, Clone)]
pub struct BootConfigSet {
    /// `--publish` (default true).
    pub publish: bool,
    /// `--publish-host-ip`, repeatable.
    pub publish_host_ips: Vec<String>,
    /// `--http-port` (80).
    pub http_port: String,
    /// `--https-port` (443).
    pub https_port: String,
    /// `--log-max-size` (`10m`; blank for none).
    pub log_max_size: String,
    /// `--registry`.
    pub registry: Option<String>,
    /// `--repository`.
    pub repository: Option<String>,
    /// `--image-version`.
    pub image_version: Option<String>,
    /// `--metrics-port`.
    pub metrics_port: Option<String>,
    /// `--debug`.
    pub debug: bool,
    /// `--docker-options`, each written as `--<option>`.
    pub docker_options: Vec<String>,
}

impl Default for BootConfigSet {
    fn default() -> Self {
        BootConfigSet {
            publish: true,
            publish_host_ips: Vec::new(),
            http_port: DEFAULT_HTTP_PORT.to_string(),
            https_port: DEFAULT_HTTPS_PORT.to_string(),
            log_max_size: DEFAULT_LOG_MAX_SIZE.to_string(),
            registry: None,
            repository: None,
            image_version: None,
            metrics_port: None,
            debug: false,
            docker_options: Vec::new(),
        }
    }
}

/// A `--publish-host-ip` that is not an IP address.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("Invalid publish IP address: {0}")]
pub struct InvalidBindIp(pub String);

/// What to do with each boot file: upload this content, or remove the file (`None`: the
/// setting equals the default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootFiles {
    /// Content of `.kamal/proxy/options`.
    pub options: Option<String>,
    /// Content of `.kamal/proxy/image`.
    pub image: Option<String>,
    /// Content of `.kamal/proxy/image_version`.
    pub image_version: Option<String>,
    /// Content of `.kamal/proxy/run_command`.
    pub run_command: Option<String>,
}

impl BootConfigSet {
    /// The file contents `proxy boot_config set` uploads (or removes, as `None`).
    pub fn files(&self) -> Result<BootFiles, InvalidBindIp> {
        if let Some(bad) = self.publish_host_ips.iter().find(|ip| !run::valid_bind_ip(ip)) {
            return Err(InvalidBindIp(bad.clone()));
        }
        let mut options = Vec::new();
        if self.publish {
            let ips = (!self.publish_host_ips.is_empty()).then_some(self.publish_host_ips.as_slice());
            options.push(run::publish_args(&self.http_port, &self.https_port, ips));
        }
        options.extend(run::logging_args(&self.log_max_size));
        if let Some(p) = &self.metrics_port {
            options.push(format!("--expose={p}"));
        }
        options.extend(self.docker_options.iter().map(|o| format!("--{o}")));
        let image = [
            self.registry.clone().filter(|r| !r.trim().is_empty()),
            Some(self.repository.clone().filter(|r| !r.trim().is_empty()).unwrap_or_else(|| "basecamp".into())),
            Some("kamal-proxy".to_string()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("/");
        let run_command = (self.debug || self.metrics_port.is_some())
            .then(|| run::run_command(self.debug, self.metrics_port.as_deref()));
        Ok(BootFiles {
            options: (options != default_boot_options()).then(|| options.join(" ")),
            image: (image != run::DEFAULT_IMAGE).then_some(image),
            image_version: self.image_version.clone(),
            run_command,
        })
    }
}
