//! A static certificate: one chain and key loaded from PEM files.

use std::path::Path;
use std::sync::Arc;

use rustls::crypto::ring::sign::any_supported_type;
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::ProxyError;
use crate::tls::source::CertificateSource;

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
