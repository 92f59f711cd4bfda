//! Errors a command to the server can end in. Their texts are kamal-proxy's, since scripts and
//! Kamal's output show them.

use std::time::Duration;

/// Why a control command failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyError {
    /// No service by that name.
    #[error("service not found")]
    ServiceNotFound,
    /// The new targets did not all pass a health check in time.
    #[error("target failed to become healthy within configured timeout ({})", crate::duration::format(*.0))]
    TargetFailedToBecomeHealthy(Duration),
    /// A (host, path prefix) pair belongs to another service.
    #[error("host settings conflict with another service")]
    HostInUse,
    /// `rollout set` before `rollout deploy`.
    #[error("rollout target not set")]
    RolloutTargetNotSet,
    /// The `--error-pages` directory could not be read.
    #[error("unable to load error pages")]
    UnableToLoadErrorPages,
    /// The static certificate or key could not be loaded.
    #[error("unable to load certificate")]
    UnableToLoadCertificate,
    /// ACME cannot issue wildcard certificates with HTTP-01/TLS-ALPN-01.
    #[error("automatic TLS does not support wildcards")]
    AutomaticTlsDoesNotSupportWildcards,
    /// A target is not `host[:port]`.
    #[error("{0} :invalid host pattern")]
    InvalidHostPattern(String),
    /// An option failed validation; the text says which.
    #[error("{0}")]
    Invalid(String),
    /// Anything else (I/O, protocol), with its description.
    #[error("{0}")]
    Other(String),
}
