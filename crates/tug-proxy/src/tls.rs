//! TLS: certificates chosen per SNI through [`CertificateSource`], so that static certificates
//! (here) and ACME ([`crate::acme`], which uses this module's vocabulary) plug in the same way;
//! the rustls server configuration for the HTTPS listener (HTTP/2 and HTTP/1.1 over ALPN).

use std::fmt::Debug;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

use rustls::crypto::ring::sign::any_supported_type;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::ProxyError;

/// ALPN protocol of TLS-ALPN-01 validation connections.
pub const ACME_TLS_ALPN: &[u8] = b"acme-tls/1";

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

/// Answers TLS-ALPN-01 validation handshakes with the pending challenge certificate.
#[derive(Debug)]
struct AcmeChallengeResolver {
    lookup: Arc<dyn CertificateLookup>,
}

impl ResolvesServerCert for AcmeChallengeResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.lookup.acme_challenge_certificate(hello.server_name()?)
    }
}

/// Client certificates the HTTPS listener requires (Cloudflare Authenticated Origin Pulls).
pub fn client_verifier(ca_path: &Path) -> Result<Arc<dyn rustls::server::danger::ClientCertVerifier>, String> {
    let mut roots = rustls::RootCertStore::empty();
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(ca_path)
        .and_then(|it| it.collect::<Result<_, _>>())
        .map_err(|e| format!("unable to load client CA {}: {e}", ca_path.display()))?;
    for cert in certs {
        roots.add(cert).map_err(|e| format!("unable to load client CA {}: {e}", ca_path.display()))?;
    }
    if roots.is_empty() {
        return Err(format!("unable to load client CA {}: no certificates", ca_path.display()));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| format!("unable to load client CA {}: {e}", ca_path.display()))
}

/// The TLS configurations of the HTTPS listener.
#[derive(Debug, Clone)]
pub struct TlsConfigs {
    /// Ordinary connections: per-SNI certificates, ALPN `h2` and `http/1.1`.
    pub main: Arc<rustls::ServerConfig>,
    /// TLS-ALPN-01 validation connections (ALPN `acme-tls/1` only, no client certificate).
    pub acme: Arc<rustls::ServerConfig>,
}

/// Builds both configurations; `client_verifier` makes ordinary connections require a client
/// certificate.
pub fn server_configs(
    lookup: Arc<dyn CertificateLookup>,
    client_verifier: Option<Arc<dyn rustls::server::danger::ClientCertVerifier>>,
) -> Result<TlsConfigs, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder =
        rustls::ServerConfig::builder_with_provider(Arc::clone(&provider)).with_safe_default_protocol_versions()?;
    let builder = match client_verifier {
        Some(v) => builder.with_client_cert_verifier(v),
        None => builder.with_no_client_auth(),
    };
    let mut main = builder.with_cert_resolver(Arc::new(SniResolver::new(Arc::clone(&lookup))));
    main.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let mut acme = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(AcmeChallengeResolver { lookup }));
    acme.alpn_protocols = vec![ACME_TLS_ALPN.to_vec()];
    Ok(TlsConfigs { main: Arc::new(main), acme: Arc::new(acme) })
}
