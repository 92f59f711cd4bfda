//! Where certificates come from: the trait a service's certificates answer through, the router's
//! lookup by server name, and the work a handshake may wait for (an ACME issuance).

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use rustls::sign::CertifiedKey;

/// A future the TLS acceptor awaits before the handshake (an ACME issuance).
pub type Preparation = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Gives the certificate for a server name. A service with TLS holds one; the router asks the
/// service that owns the SNI host's root path.
pub trait CertificateSource: Send + Sync + Debug {
    /// The certificate for `server_name`, if this source has one.
    fn certificate(&self, server_name: &str) -> Option<Arc<CertifiedKey>>;

    /// Work to await before the handshake so that [`certificate`](Self::certificate) can answer
    /// (an ACME issuance); `None` when there is nothing to wait for.
    fn prepare(&self, _server_name: &str) -> Option<Preparation> {
        None
    }
}

/// Finds the certificate source for a server name (implemented by the router).
pub trait CertificateLookup: Send + Sync + Debug {
    /// The certificate for `server_name`; `None` (no SNI) means the default TLS host.
    fn certificate_for(&self, server_name: Option<&str>) -> Option<Arc<CertifiedKey>>;

    /// Work to await before the handshake for `server_name` (see [`CertificateSource::prepare`]).
    fn prepare(&self, _server_name: &str) -> Option<Preparation> {
        None
    }

    /// The TLS-ALPN-01 validation certificate for `server_name`, if one is pending.
    fn acme_challenge_certificate(&self, _server_name: &str) -> Option<Arc<CertifiedKey>> {
        None
    }
}
