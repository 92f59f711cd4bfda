//! The rustls server configurations of the HTTPS listener: certificates per SNI with ALPN `h2`
//! and `http/1.1`, and a second one that answers TLS-ALPN-01 validation handshakes.

use std::sync::Arc;

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use crate::tls::source::CertificateLookup;

/// ALPN protocol of TLS-ALPN-01 validation connections.
pub const ACME_TLS_ALPN: &[u8] = b"acme-tls/1";

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
