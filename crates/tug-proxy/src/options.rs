//! The options a `deploy` carries, in kamal-proxy's shapes and JSON field names (these structs
//! are also what the state file stores). Durations are integer nanoseconds, as Go encodes them.

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Default `--deploy-timeout`.
pub const DEFAULT_DEPLOY_TIMEOUT: Duration = Duration::from_secs(30);
/// Default `--drain-timeout`.
pub const DEFAULT_DRAIN_TIMEOUT: Duration = Duration::from_secs(30);
/// Default `--max-pause`.
pub const DEFAULT_PAUSE_TIMEOUT: Duration = Duration::from_secs(30);
/// Default `--writer-affinity-timeout`.
pub const DEFAULT_WRITER_AFFINITY_TIMEOUT: Duration = Duration::from_secs(1);
/// Default `--health-check-path`.
pub const DEFAULT_HEALTH_CHECK_PATH: &str = "/up";
/// Default `--health-check-interval`.
pub const DEFAULT_HEALTH_CHECK_INTERVAL: Duration = Duration::from_secs(1);
/// Default `--health-check-timeout`.
pub const DEFAULT_HEALTH_CHECK_TIMEOUT: Duration = Duration::from_secs(5);
/// Default `--target-timeout`.
pub const DEFAULT_TARGET_TIMEOUT: Duration = Duration::from_secs(30);
/// Default `--buffer-memory` (1 MiB).
pub const DEFAULT_MAX_MEMORY_BUFFER_SIZE: i64 = 1 << 20;

/// Serde helpers for Go's `time.Duration` (an integer count of nanoseconds).
pub mod nanos {
    use super::*;

    /// Writes a duration as integer nanoseconds.
    pub fn serialize<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(u64::try_from(value.as_nanos()).unwrap_or(u64::MAX))
    }

    /// Reads integer (or float) nanoseconds; negative values read as zero.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        let value = f64::deserialize(deserializer)?;
        if value.is_finite() && value > 0.0 { Ok(Duration::from_nanos(value as u64)) } else { Ok(Duration::ZERO) }
    }
}

fn null_as_empty<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(deserializer)?.unwrap_or_default())
}

/// Health check settings of a target (`--health-check-*`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HealthCheckConfig {
    /// Path requested on the target.
    pub path: String,
    /// Port to check; 0 means the target's own port.
    pub port: u16,
    /// Time between checks.
    #[serde(with = "nanos")]
    pub interval: Duration,
    /// Time each check may take.
    #[serde(with = "nanos")]
    pub timeout: Duration,
    /// `Host` header to send, if not empty.
    pub host: String,
}

impl Default for HealthCheckConfig {
    fn default() -> Self {
        Self {
            path: DEFAULT_HEALTH_CHECK_PATH.to_string(),
            port: 0,
            interval: DEFAULT_HEALTH_CHECK_INTERVAL,
            timeout: DEFAULT_HEALTH_CHECK_TIMEOUT,
            host: String::new(),
        }
    }
}

/// Options of a service as a whole (routing, TLS, error pages, readers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceOptions {
    /// Hosts served; `[""]` is the catch-all.
    #[serde(deserialize_with = "null_as_empty")]
    pub hosts: Vec<String>,
    /// Path prefixes served, normalised to `/x` form.
    #[serde(deserialize_with = "null_as_empty")]
    pub path_prefixes: Vec<String>,
    /// Serve over TLS.
    pub tls_enabled: bool,
    /// Static certificate (PEM).
    pub tls_certificate_path: String,
    /// Static private key (PEM).
    pub tls_private_key_path: String,
    /// On-demand TLS policy URL (newer kamal-proxy; kept for the state file).
    pub tls_on_demand_url: String,
    /// Redirect HTTP to HTTPS when TLS is on.
    pub tls_redirect: bool,
    /// Redirect every other host to this one.
    pub canonical_host: String,
    /// ACME directory URL (empty: Let's Encrypt production).
    pub acme_directory: String,
    /// ACME cache directory.
    pub acme_cache_path: String,
    /// Directory of custom `<status>.html` pages.
    pub error_page_path: String,
    /// Strip the matched path prefix before forwarding.
    pub strip_prefix: bool,
    /// How long writes pin a client to the writers.
    #[serde(with = "nanos")]
    pub writer_affinity_timeout: Duration,
    /// Let read targets take WebSocket upgrades.
    pub read_targets_accept_websockets: bool,
    /// Paths left out of metrics (newer kamal-proxy).
    #[serde(deserialize_with = "null_as_empty")]
    pub exclude_metrics_paths: Vec<String>,
    /// Header that carries the client IP (newer kamal-proxy).
    pub client_ip_header: String,
}

impl Default for ServiceOptions {
    fn default() -> Self {
        Self {
            hosts: Vec::new(),
            path_prefixes: Vec::new(),
            tls_enabled: false,
            tls_certificate_path: String::new(),
            tls_private_key_path: String::new(),
            tls_on_demand_url: String::new(),
            tls_redirect: true,
            canonical_host: String::new(),
            acme_directory: String::new(),
            acme_cache_path: String::new(),
            error_page_path: String::new(),
            strip_prefix: true,
            writer_affinity_timeout: DEFAULT_WRITER_AFFINITY_TIMEOUT,
            read_targets_accept_websockets: false,
            exclude_metrics_paths: Vec::new(),
            client_ip_header: String::new(),
        }
    }
}

impl ServiceOptions {
    /// Normalises hosts (empty list → `[""]`) and path prefixes (`"/" + trim(p, "/")`, default `/`).
    pub fn normalize(&mut self) {
        if self.hosts.is_empty() {
            self.hosts = vec![String::new()];
        }
        self.path_prefixes = normalize_path_prefixes(&self.path_prefixes);
    }

    /// Whether this service serves the root path `/`.
    pub fn serves_root_path(&self) -> bool {
        self.path_prefixes.iter().any(|p| p == "/")
    }
}

/// Normalises path prefixes as kamal-proxy does: each becomes `"/" + trim(p, "/")`; none means `/`.
pub fn normalize_path_prefixes(prefixes: &[String]) -> Vec<String> {
    if prefixes.is_empty() {
        return vec!["/".to_string()];
    }
    prefixes.iter().map(|p| format!("/{}", p.trim_matches('/'))).collect()
}

/// Options for each target of a service (timeouts, buffering, headers, health checks).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TargetOptions {
    /// Health check settings.
    pub health_check_config: HealthCheckConfig,
    /// Time to wait for the target's response headers.
    #[serde(with = "nanos")]
    pub response_timeout: Duration,
    /// Buffer request bodies before forwarding.
    pub buffer_requests: bool,
    /// Buffer responses before sending them.
    pub buffer_responses: bool,
    /// In-memory part of each buffer; beyond it, a temp file.
    pub max_memory_buffer_size: i64,
    /// Request body limit when buffering (0: none).
    pub max_request_body_size: i64,
    /// Response body limit when buffering (0: none).
    pub max_response_body_size: i64,
    /// Extra request headers to log.
    #[serde(deserialize_with = "null_as_empty", serialize_with = "empty_as_null")]
    pub log_request_headers: Vec<String>,
    /// Extra response headers to log.
    #[serde(deserialize_with = "null_as_empty", serialize_with = "empty_as_null")]
    pub log_response_headers: Vec<String>,
    /// Trust and extend incoming `X-Forwarded-*`.
    pub forward_headers: bool,
    /// Rewrite `Set-Cookie` paths under the prefix.
    pub scope_cookie_paths: bool,
}

fn empty_as_null<S: Serializer>(value: &[String], serializer: S) -> Result<S::Ok, S::Error> {
    if value.is_empty() { serializer.serialize_none() } else { value.serialize(serializer) }
}

impl Default for TargetOptions {
    fn default() -> Self {
        Self {
            health_check_config: HealthCheckConfig::default(),
            response_timeout: DEFAULT_TARGET_TIMEOUT,
            buffer_requests: false,
            buffer_responses: false,
            max_memory_buffer_size: DEFAULT_MAX_MEMORY_BUFFER_SIZE,
            max_request_body_size: 0,
            max_response_body_size: 0,
            log_request_headers: Vec::new(),
            log_response_headers: Vec::new(),
            forward_headers: false,
            scope_cookie_paths: false,
        }
    }
}

impl TargetOptions {
    /// Whether a request is a health check of this service (GET/HEAD on the health path).
    pub fn is_health_check_request(&self, method: &http::Method, path: &str) -> bool {
        (method == http::Method::GET || method == http::Method::HEAD) && path == self.health_check_config.path
    }
}

/// How a deploy waits (not persisted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeploymentOptions {
    /// Time for every new target to become healthy.
    #[serde(with = "nanos")]
    pub deploy_timeout: Duration,
    /// Time for in-flight requests on the old targets.
    #[serde(with = "nanos")]
    pub drain_timeout: Duration,
    /// Skip the health wait.
    pub force: bool,
}

impl Default for DeploymentOptions {
    fn default() -> Self {
        Self { deploy_timeout: DEFAULT_DEPLOY_TIMEOUT, drain_timeout: DEFAULT_DRAIN_TIMEOUT, force: false }
    }
}
