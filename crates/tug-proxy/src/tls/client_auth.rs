//! Client certificates the HTTPS listener can require (Cloudflare Authenticated Origin Pulls).

use std::path::Path;
use std::sync::Arc;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

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
