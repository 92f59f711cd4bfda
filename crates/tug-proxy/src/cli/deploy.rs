//! `deploy <service> --target …`: kamal-proxy 0.9.2's flags and defaults, its client-side
//! checks and messages, then one blocking call that returns when the new targets serve and the
//! old ones have drained.

use std::time::Duration;

use super::{Outcome, go_bool, go_duration, go_int, send};
use crate::control::Command;
use crate::options::{DeploymentOptions, HealthCheckConfig, ServiceOptions, TargetOptions};
use crate::routing::router::DeployArgs;

/// Arguments of `deploy`.
#[derive(Debug, Clone, clap::Args)]
pub struct DeployCmd {
    /// Service name.
    pub service: Option<String>,
    /// Extra positional arguments (refused, as cobra's ExactArgs(1) does).
    #[arg(hide = true)]
    pub extra: Vec<String>,
    /// Target host(s) to deploy
    #[arg(long = "target", value_delimiter = ',')]
    pub target: Vec<String>,
    /// Read-only target host(s) to deploy
    #[arg(long = "read-target", value_delimiter = ',')]
    pub read_target: Vec<String>,
    /// Host(s) to serve this target on (empty for wildcard)
    #[arg(long = "host", value_delimiter = ',')]
    pub host: Vec<String>,
    /// Deploy the service below the specified path(s)
    #[arg(long = "path-prefix", value_delimiter = ',')]
    pub path_prefix: Vec<String>,
    /// With --path-prefix, strip prefix from request before forwarding
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool)]
    pub strip_path_prefix: Option<bool>,
    /// Configure TLS for this target (requires a non-empty host)
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool)]
    pub tls: Option<bool>,
    /// Use Let's Encrypt staging environment for certificate provisioning
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool)]
    pub tls_staging: Option<bool>,
    /// Configure custom TLS certificate path (PEM format)
    #[arg(long)]
    pub tls_certificate_path: Option<String>,
    /// Configure custom TLS private key path (PEM format)
    #[arg(long)]
    pub tls_private_key_path: Option<String>,
    /// Location to store ACME assets
    #[arg(long)]
    pub tls_acme_cache_path: Option<String>,
    /// ACME directory URL (tug-proxy; default: env ACME_DIRECTORY, else Let's Encrypt)
    #[arg(long)]
    pub tls_acme_directory: Option<String>,
    /// Redirect HTTP traffic to HTTPS
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool)]
    pub tls_redirect: Option<bool>,
    /// Redirect all requests to this host (e.g., force root or www)
    #[arg(long, default_value = "")]
    pub canonical_host: String,
    /// Maximum time to wait for the new target to become healthy
    #[arg(long, value_parser = go_duration, default_value = "30s")]
    pub deploy_timeout: Duration,
    /// Maximum time to allow existing connections to drain before removing old target
    #[arg(long, value_parser = go_duration, default_value = "30s")]
    pub drain_timeout: Duration,
    /// Skip health checks and force deployment
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool)]
    pub force: Option<bool>,
    /// Interval between health checks
    #[arg(long, value_parser = go_duration, default_value = "1s")]
    pub health_check_interval: Duration,
    /// Time each health check must complete in
    #[arg(long, value_parser = go_duration, default_value = "5s")]
    pub health_check_timeout: Duration,
    /// Path to check for health
    #[arg(long, default_value = "/up")]
    pub health_check_path: String,
    /// Port to check for health (default matches target port)
    #[arg(long, value_parser = super::go_port, default_value = "0")]
    pub health_check_port: u16,
    /// Host header to send with health check requests
    #[arg(long, default_value = "")]
    pub health_check_host: String,
    /// Time after a write before read requests will be routed to readers
    #[arg(long, value_parser = go_duration, default_value = "1s")]
    pub writer_affinity_timeout: Duration,
    /// Route WebSocket traffic to read targets, when available
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool)]
    pub read_target_websockets: Option<bool>,
    /// Maximum time to wait for the target server to respond when serving requests
    #[arg(long, value_parser = go_duration, default_value = "30s")]
    pub target_timeout: Duration,
    /// Buffer requests before forwarding to target
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool)]
    pub buffer_requests: Option<bool>,
    /// Buffer responses before forwarding to client
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool)]
    pub buffer_responses: Option<bool>,
    /// Max size of memory buffer
    #[arg(long, value_parser = go_int, default_value = "1048576")]
    pub buffer_memory: i64,
    /// Max size of request body when buffering (default of 0 means unlimited)
    #[arg(long, value_parser = go_int)]
    pub max_request_body: Option<i64>,
    /// Max size of response body when buffering (default of 0 means unlimited)
    #[arg(long, value_parser = go_int)]
    pub max_response_body: Option<i64>,
    /// Path to custom error pages
    #[arg(long, default_value = "")]
    pub error_pages: String,
    /// Additional request header to log (may be specified multiple times)
    #[arg(long = "log-request-header", value_delimiter = ',')]
    pub log_request_header: Vec<String>,
    /// Additional response header to log (may be specified multiple times)
    #[arg(long = "log-response-header", value_delimiter = ',')]
    pub log_response_header: Vec<String>,
    /// Forward X-Forwarded headers to target (default false if TLS enabled; otherwise true)
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool)]
    pub forward_headers: Option<bool>,
    /// Scope cookie paths to match path prefix
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool)]
    pub scope_cookie_paths: Option<bool>,
}

/// Let's Encrypt's staging directory, for `--tls-staging`.
pub const ACME_STAGING_DIRECTORY: &str = "https://acme-staging-v02.api.letsencrypt.org/directory";

/// The ACME directory a deploy asks for: `--tls-staging` (Let's Encrypt staging), else
/// `--tls-acme-directory`, else `KAMAL_PROXY_ACME_DIRECTORY`/`ACME_DIRECTORY`, else empty (Let's
/// Encrypt production; the cache directory is the hash of this string, as in kamal-proxy).
pub fn acme_directory(staging: bool, flag: Option<&str>) -> Result<String, String> {
    match (staging, flag) {
        (true, Some(_)) => Err("--tls-staging and --tls-acme-directory cannot be used together".into()),
        (true, None) => Ok(ACME_STAGING_DIRECTORY.into()),
        (false, Some(url)) => Ok(url.to_string()),
        (false, None) => Ok(crate::config::env("ACME_DIRECTORY").unwrap_or_default()),
    }
}

/// Go's `http.CanonicalHeaderKey`: `cache-control` → `Cache-Control`.
pub fn canonical_header_key(name: &str) -> String {
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)) {
        return name.to_string();
    }
    let mut upper = true;
    name.chars()
        .map(|c| {
            let out = if upper { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() };
            upper = c == '-';
            out
        })
        .collect()
}

/// Validates like kamal-proxy's `preRun` and builds what the server receives.
pub fn build(cmd: DeployCmd) -> Result<DeployArgs, String> {
    let service = match (cmd.service.clone(), cmd.extra.len()) {
        (Some(s), 0) => s,
        (None, _) => return Err("accepts 1 arg(s), received 0".into()),
        (Some(_), n) => return Err(format!("accepts 1 arg(s), received {}", n + 1)),
    };
    if cmd.target.is_empty() {
        return Err("required flag(s) \"target\" not set".into());
    }
    match (&cmd.tls_certificate_path, &cmd.tls_private_key_path) {
        (Some(_), None) => {
            return Err("if any flags in the group [tls-certificate-path tls-private-key-path] are set they must all be set; missing [tls-private-key-path]".into());
        }
        (None, Some(_)) => {
            return Err("if any flags in the group [tls-certificate-path tls-private-key-path] are set they must all be set; missing [tls-certificate-path]".into());
        }
        _ => {}
    }
    if cmd.max_request_body.is_some() && cmd.buffer_requests.is_none() {
        return Err("max-request-body can only be set when request buffering is enabled".into());
    }
    if cmd.max_response_body.is_some() && cmd.buffer_responses.is_none() {
        return Err("max-response-body can only be set when response buffering is enabled".into());
    }
    let tls_enabled = cmd.tls.unwrap_or(false);
    let mut service_options = ServiceOptions {
        hosts: cmd.host.clone(),
        path_prefixes: cmd.path_prefix.clone(),
        tls_enabled,
        tls_certificate_path: cmd.tls_certificate_path.clone().unwrap_or_default(),
        tls_private_key_path: cmd.tls_private_key_path.clone().unwrap_or_default(),
        tls_redirect: cmd.tls_redirect.unwrap_or(true),
        canonical_host: cmd.canonical_host.clone(),
        acme_directory: acme_directory(cmd.tls_staging.unwrap_or(false), cmd.tls_acme_directory.as_deref())?,
        acme_cache_path: cmd
            .tls_acme_cache_path
            .clone()
            .unwrap_or_else(|| crate::config::certificate_path().display().to_string()),
        error_page_path: cmd.error_pages.clone(),
        strip_prefix: cmd.strip_path_prefix.unwrap_or(true),
        writer_affinity_timeout: cmd.writer_affinity_timeout,
        read_targets_accept_websockets: cmd.read_target_websockets.unwrap_or(false),
        ..ServiceOptions::default()
    };
    service_options.normalize();
    crate::routing::router::validate(&service_options).map_err(|e| e.to_string())?;
    let target_options = TargetOptions {
        health_check_config: HealthCheckConfig {
            path: cmd.health_check_path.clone(),
            port: cmd.health_check_port,
            interval: cmd.health_check_interval,
            timeout: cmd.health_check_timeout,
            host: cmd.health_check_host.clone(),
        },
        response_timeout: cmd.target_timeout,
        buffer_requests: cmd.buffer_requests.unwrap_or(false),
        buffer_responses: cmd.buffer_responses.unwrap_or(false),
        max_memory_buffer_size: cmd.buffer_memory,
        max_request_body_size: cmd.max_request_body.unwrap_or(0),
        max_response_body_size: cmd.max_response_body.unwrap_or(0),
        log_request_headers: cmd.log_request_header.iter().map(|h| canonical_header_key(h)).collect(),
        log_response_headers: cmd.log_response_header.iter().map(|h| canonical_header_key(h)).collect(),
        forward_headers: cmd.forward_headers.unwrap_or(!tls_enabled),
        scope_cookie_paths: cmd.scope_cookie_paths.unwrap_or(false),
    };
    Ok(DeployArgs {
        service,
        target_urls: cmd.target.clone(),
        reader_urls: cmd.read_target.clone(),
        deployment_options: DeploymentOptions {
            deploy_timeout: cmd.deploy_timeout,
            drain_timeout: cmd.drain_timeout,
            force: cmd.force.unwrap_or(false),
        },
        service_options,
        target_options,
    })
}

/// Runs `deploy`.
pub async fn run(cmd: DeployCmd) -> Outcome {
    let args = match build(cmd) {
        Ok(a) => a,
        Err(e) => return Outcome::error(e),
    };
    match send(Command::Deploy(Box::new(args))).await {
        Ok(_) => Outcome::ok(String::new()),
        Err(e) => Outcome::error(e),
    }
}
