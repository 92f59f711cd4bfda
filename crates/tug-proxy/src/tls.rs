//! TLS: certificates chosen per SNI through [`CertificateSource`], so that static certificates
//! (here) and ACME (later) plug in the same way; the rustls server configuration for the HTTPS
//! listener (HTTP/2 and HTTP/1.1 over ALPN).

use std::fmt::Debug;
use std::path::Path;
use std::sync::Arc;

use rustls::crypto::ring::sign::any_supported_type;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::ProxyError;

/// Gives the certificate for a server name. A service with TLS holds one; the router asks the
/// service that owns the SNI host's root path.
pub trait CertificateSource: Send + Sync + Debug {
    /// The certificate for `server_name`, if this source has one.
    fn certificate(&self, server_name: &str) -> Option<Arc<CertifiedKey>>;
}

/// Finds the certificate source for a server name (implemented by the router).
pub trait CertificateLookup: Send + Sync + Debug {
    /// The certificate for `server_name`; `None` (no SNI) means the default TLS host.
    fn certificate_for(&self, server_name: Option<&str>) -> Option<Arc<CertifiedKey>>;
}

/// One certificate chain and key from PEM files, served for every host of its service.
#[derive(Debug)]
pub struct StaticCertificate {
    key: Arc<CertifiedKey>,
}

impl StaticCertificate {
    /// Loads a PEM certificate chain and private key.
    pub fn load(cert_path: &Path, key_path: &Path) -> Result<Self, ProxyError> {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_path)
            .map_err(|_| ProxyError::UnableToLoadCertificate)?
            .collect::<Result<_, _>>()
            .map_err(|_| ProxyError::UnableToLoadCertificate)?;
        if certs.is_empty() {
            return Err(ProxyError::UnableToLoadCertificate);
        }
        let key = PrivateKeyDer::from_pem_file(key_path).map_err(|_| ProxyError::UnableToLoadCertificate)?;
        let signing_key = any_supported_type(&key).map_err(|_| ProxyError::UnableToLoadCertificate)?;
        let certified = CertifiedKey::new(certs, signing_key);
        if certified.keys_match().is_err() {
            return Err(ProxyError::UnableToLoadCertificate);
        }
        Ok(Self { key: Arc::new(certified) })
    }
}

impl CertificateSource for StaticCertificate {
    fn certificate(&self, _server_name: &str) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.key))
    }
}

/// Adapts a [`CertificateLookup`] to rustls.
#[derive(Debug)]
pub struct SniResolver {
    lookup: Arc<dyn CertificateLookup>,
}

impl SniResolver {
    /// Wraps a lookup.
    pub fn new(lookup: Arc<dyn CertificateLookup>) -> Self {
        Self { lookup }
    }
}

impl ResolvesServerCert for SniResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.lookup.certificate_for(hello.server_name())
    }
}

/// The HTTPS server configuration: ring provider, per-SNI certificates, ALPN `h2` and `http/1.1`.
pub fn server_config(lookup: Arc<dyn CertificateLookup>) -> Result<Arc<rustls::ServerConfig>, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(SniResolver::new(lookup)));
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
