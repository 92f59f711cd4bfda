//! ACME: per-host certificates for services deployed with `--tls` and no static certificate,
//! obtained on demand (at the first TLS handshake for an allowed host) with instant-acme,
//! answered by TLS-ALPN-01 on the HTTPS listener or HTTP-01 on the HTTP listener, kept in a
//! cache directory laid out like Go autocert's (so a `kamal-proxy-config` volume carries over),
//! and renewed in the background before they expire.
//!
//! Cache layout: `<acme_cache_path>/<sha256 hex of the directory URL>/` holds one file per host
//! (PEM private key, then the certificate chain) and `acme_account+key` (the account key).
//! Keys are written as PKCS#8 `PRIVATE KEY` blocks; SEC1 `EC PRIVATE KEY` blocks written by
//! kamal-proxy are read too.

use std::collections::HashMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use instant_acme::{
    Account, AuthorizationStatus, BodyWrapper, ChallengeType, Identifier, LetsEncrypt, NewOrder, OrderStatus,
    RetryPolicy,
};
use rustls::crypto::ring::sign::any_supported_type;
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::{PemObject, SectionKind};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::observe::log;
use crate::tls::source::{CertificateSource, Preparation};

/// Path prefix of HTTP-01 challenge requests.
pub const HTTP01_PREFIX: &str = "/.well-known/acme-challenge/";
/// Cache file of the account key (autocert's name).
pub const ACCOUNT_KEY_FILE: &str = "acme_account+key";

/// A challenge type, in the order they are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Challenge {
    /// TLS-ALPN-01 on the HTTPS listener.
    TlsAlpn01,
    /// HTTP-01 on the HTTP listener.
    Http01,
}

impl Challenge {
    fn acme_type(self) -> ChallengeType {
        match self {
            Self::TlsAlpn01 => ChallengeType::TlsAlpn01,
            Self::Http01 => ChallengeType::Http01,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::TlsAlpn01 => "tls-alpn-01",
            Self::Http01 => "http-01",
        }
    }
}

/// Server-wide ACME settings.
#[derive(Debug, Clone)]
pub struct AcmeSettings {
    /// Extra root certificates trusted for the ACME directory's HTTPS (a private or test CA),
    /// in addition to the system's.
    pub extra_roots: Vec<CertificateDer<'static>>,
    /// Challenge types, tried in order until one succeeds.
    pub challenges: Vec<Challenge>,
    /// Renew a certificate when it expires within this time.
    pub renew_before: Duration,
    /// After a failed issuance, wait this long before trying that host again.
    pub retry_after: Duration,
    /// Longest a handshake waits for a certificate being issued.
    pub handshake_wait: Duration,
    /// Longest one issuance may take.
    pub issue_timeout: Duration,
}

impl Default for AcmeSettings {
    fn default() -> Self {
        Self {
            extra_roots: Vec::new(),
            challenges: vec![Challenge::TlsAlpn01, Challenge::Http01],
            renew_before: Duration::from_secs(30 * 24 * 3600),
            retry_after: Duration::from_secs(60),
            handshake_wait: Duration::from_secs(60),
            issue_timeout: Duration::from_secs(90),
        }
    }
}

impl AcmeSettings {
    /// Reads extra roots from a PEM file.
    pub fn load_roots(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
        let roots: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .map_err(|e| format!("unable to read {}: {e}", path.display()))?
            .collect::<Result<_, _>>()
            .map_err(|e| format!("unable to read {}: {e}", path.display()))?;
        if roots.is_empty() {
            return Err(format!("no certificates in {}", path.display()));
        }
        Ok(roots)
    }
}

/// A cached certificate.
#[derive(Debug, Clone)]
struct Cached {
    key: Arc<CertifiedKey>,
    not_after: SystemTime,
}

/// State shared by every ACME service: pending challenges, accounts, the in-memory cache.
pub struct AcmeContext {
    settings: AcmeSettings,
    http_tokens: RwLock<HashMap<String, String>>,
    alpn_certs: RwLock<HashMap<String, Arc<CertifiedKey>>>,
    certs: RwLock<HashMap<PathBuf, Cached>>,
    host_locks: Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>,
    failures: Mutex<HashMap<PathBuf, Instant>>,
    renewing: Mutex<HashMap<PathBuf, Instant>>,
    accounts: tokio::sync::Mutex<HashMap<PathBuf, Account>>,
}

impl fmt::Debug for AcmeContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcmeContext").field("settings", &self.settings).finish_non_exhaustive()
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl AcmeContext {
    /// A context with these settings.
    pub fn new(settings: AcmeSettings) -> Arc<Self> {
        Arc::new(Self {
            settings,
            http_tokens: RwLock::new(HashMap::new()),
            alpn_certs: RwLock::new(HashMap::new()),
            certs: RwLock::new(HashMap::new()),
            host_locks: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
            renewing: Mutex::new(HashMap::new()),
            accounts: tokio::sync::Mutex::new(HashMap::new()),
        })
    }

    /// The settings.
    pub fn settings(&self) -> &AcmeSettings {
        &self.settings
    }

    /// The key authorization for a pending HTTP-01 token.
    pub fn http01_response(&self, token: &str) -> Option<String> {
        read(&self.http_tokens).get(token).cloned()
    }

    /// The TLS-ALPN-01 validation certificate for a host being validated.
    pub fn alpn_certificate(&self, host: &str) -> Option<Arc<CertifiedKey>> {
        read(&self.alpn_certs).get(&normalize_host(host)).cloned()
    }

    fn host_lock(&self, file: &Path) -> Arc<tokio::sync::Mutex<()>> {
        Arc::clone(lock(&self.host_locks).entry(file.to_path_buf()).or_default())
    }

    /// The cached certificate at `file`, from memory or (once) from disk.
    fn cached(&self, file: &Path) -> Option<Cached> {
        if let Some(c) = read(&self.certs).get(file) {
            return Some(c.clone());
        }
        let loaded = load_cached(file)?;
        write(&self.certs).insert(file.to_path_buf(), loaded.clone());
        Some(loaded)
    }

    fn recently_failed(&self, file: &Path) -> bool {
        lock(&self.failures).get(file).is_some_and(|at| at.elapsed() < self.settings.retry_after)
    }

    fn http_client(&self) -> Result<Box<dyn instant_acme::HttpClient>, String> {
        let mut roots = rustls::RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        for cert in native.certs {
            let _ = roots.add(cert);
        }
        for cert in &self.settings.extra_roots {
            roots.add(cert.clone()).map_err(|e| format!("bad ACME root certificate: {e}"))?;
        }
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .build();
        let client: hyper_util::client::legacy::Client<_, BodyWrapper<Bytes>> =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector);
        Ok(Box::new(client))
    }

    /// The account for a directory, loaded from (or created and saved in) its cache dir.
    async fn account(&self, directory: &str, cache_dir: &Path) -> Result<Account, String> {
        let mut accounts = self.accounts.lock().await;
        if let Some(a) = accounts.get(cache_dir) {
            return Ok(a.clone());
        }
        let key_path = cache_dir.join(ACCOUNT_KEY_FILE);
        let pkcs8 = match std::fs::read(&key_path) {
            Ok(pem) => {
                parse_account_key(&pem).ok_or_else(|| format!("invalid account key in {}", key_path.display()))?
            }
            Err(_) => {
                let (_, pkcs8) = instant_acme::Key::generate_pkcs8().map_err(|e| e.to_string())?;
                let pem = pem_block("PRIVATE KEY", pkcs8.secret_pkcs8_der());
                write_private(&key_path, pem.as_bytes())
                    .map_err(|e| format!("unable to write {}: {e}", key_path.display()))?;
                pkcs8
            }
        };
        let key = instant_acme::Key::from_pkcs8_der(pkcs8.clone_key()).map_err(|e| e.to_string())?;
        let (account, _) = Account::builder_with_http(self.http_client()?)
            .create_from_key((key, PrivateKeyDer::Pkcs8(pkcs8)), directory.to_string())
            .await
            .map_err(|e| format!("ACME account: {e}"))?;
        accounts.insert(cache_dir.to_path_buf(), account.clone());
        Ok(account)
    }
}

/// Lower-cased, without a trailing dot.
fn normalize_host(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// The directory URL used when none is set: Let's Encrypt production.
pub fn directory_url(configured: &str) -> String {
    if configured.is_empty() { LetsEncrypt::Production.url().to_string() } else { configured.to_string() }
}

/// `<cache_path>/<sha256 hex of the configured directory>` (the configured string, so the
/// default directory hashes the empty string, as in kamal-proxy).
pub fn cache_dir(cache_path: &str, configured_directory: &str) -> PathBuf {
    let digest = ring::digest::digest(&ring::digest::SHA256, configured_directory.as_bytes());
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    Path::new(cache_path).join(hex)
}

/// Certificates for one service's hosts from an ACME directory.
pub struct AcmeCertificates {
    context: Arc<AcmeContext>,
    hosts: Vec<String>,
    directory: String,
    cache_dir: PathBuf,
}

impl fmt::Debug for AcmeCertificates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcmeCertificates")
            .field("hosts", &self.hosts)
            .field("directory", &self.directory)
            .field("cache_dir", &self.cache_dir)
            .finish_non_exhaustive()
    }
}

impl AcmeCertificates {
    /// Certificates for `hosts` from `directory` (empty: Let's Encrypt production), cached
    /// under `cache_path`.
    pub fn new(context: Arc<AcmeContext>, hosts: &[String], directory: &str, cache_path: &str) -> Self {
        Self {
            context,
            hosts: hosts.iter().map(|h| normalize_host(h)).filter(|h| !h.is_empty()).collect(),
            directory: directory_url(directory),
            cache_dir: if cache_path.is_empty() {
                cache_dir(&crate::config::certificate_path().to_string_lossy(), directory)
            } else {
                cache_dir(cache_path, directory)
            },
        }
    }

    /// The shared context (for HTTP-01 answers).
    pub fn context(&self) -> &Arc<AcmeContext> {
        &self.context
    }

    /// The cache directory.
    pub fn cache_dir(&self) -> &Path {
        &self.cache_dir
    }

    fn allowed(&self, host: &str) -> Option<String> {
        let host = normalize_host(host);
        self.hosts.contains(&host).then_some(host)
    }

    fn usable(&self, cached: &Cached) -> bool {
        cached.not_after > SystemTime::now()
    }

    /// Starts a background issuance for `host` unless one is running; the handle finishes
    /// when the host has a certificate or the attempt failed.
    fn spawn_issue(&self, host: String, renewal: bool) -> Option<tokio::task::JoinHandle<()>> {
        let handle = tokio::runtime::Handle::try_current().ok()?;
        let context = Arc::clone(&self.context);
        let directory = self.directory.clone();
        let cache_dir = self.cache_dir.clone();
        Some(handle.spawn(async move {
            let file = cache_dir.join(&host);
            let guard = context.host_lock(&file);
            let _held = guard.lock().await;
            let now = SystemTime::now();
            if let Some(c) = context.cached(&file) {
                let fresh = c.not_after > now + context.settings.renew_before;
                if fresh || (!renewal && c.not_after > now) {
                    return;
                }
            }
            if context.recently_failed(&file) {
                return;
            }
            log::info(
                if renewal { "ACME: renewing certificate" } else { "ACME: requesting certificate" },
                &[("host", host.as_str().into()), ("directory", directory.as_str().into())],
            );
            let attempt =
                tokio::time::timeout(context.settings.issue_timeout, issue(&context, &directory, &cache_dir, &host));
            let result = attempt.await.unwrap_or_else(|_| Err("timed out".into()));
            match result {
                Ok(cached) => {
                    log::info("ACME: certificate obtained", &[("host", host.as_str().into())]);
                    lock(&context.failures).remove(&file);
                    write(&context.certs).insert(file, cached);
                }
                Err(e) => {
                    log::error(
                        "ACME: unable to obtain certificate",
                        &[("host", host.as_str().into()), ("error", e.into())],
                    );
                    lock(&context.failures).insert(file, Instant::now());
                }
            }
        }))
    }

    fn maybe_renew(&self, host: &str, cached: &Cached) {
        let due = cached.not_after < SystemTime::now() + self.context.settings.renew_before;
        if !due {
            return;
        }
        let file = self.cache_dir.join(host);
        {
            let mut renewing = lock(&self.context.renewing);
            if renewing.get(&file).is_some_and(|at| at.elapsed() < self.context.settings.retry_after) {
                return;
            }
            renewing.insert(file, Instant::now());
        }
        let _ = self.spawn_issue(host.to_string(), true);
    }
}

impl CertificateSource for AcmeCertificates {
    fn certificate(&self, server_name: &str) -> Option<Arc<CertifiedKey>> {
        let host = self.allowed(server_name)?;
        let cached = self.context.cached(&self.cache_dir.join(&host))?;
        if !self.usable(&cached) {
            return None;
        }
        self.maybe_renew(&host, &cached);
        Some(cached.key)
    }

    fn prepare(&self, server_name: &str) -> Option<Preparation> {
        let host = self.allowed(server_name)?;
        if self.context.cached(&self.cache_dir.join(&host)).is_some_and(|c| self.usable(&c)) {
            return None;
        }
        let task = self.spawn_issue(host, false)?;
        let wait = self.context.settings.handshake_wait;
        Some(Box::pin(async move {
            let _ = tokio::time::timeout(wait, task).await;
        }))
    }
}

/// Removes a pending challenge answer when dropped.
struct ChallengeCleanup<'a> {
    context: &'a AcmeContext,
    token: Option<String>,
    alpn_host: Option<String>,
}

impl Drop for ChallengeCleanup<'_> {
    fn drop(&mut self) {
        if let Some(t) = &self.token {
            write(&self.context.http_tokens).remove(t);
        }
        if let Some(h) = &self.alpn_host {
            write(&self.context.alpn_certs).remove(h);
        }
    }
}

async fn issue(context: &AcmeContext, directory: &str, cache_dir: &Path, host: &str) -> Result<Cached, String> {
    std::fs::create_dir_all(cache_dir).map_err(|e| format!("unable to create {}: {e}", cache_dir.display()))?;
    set_mode(cache_dir, 0o700);
    let account = context.account(directory, cache_dir).await?;
    let mut errors = Vec::new();
    for challenge in &context.settings.challenges {
        match issue_with(context, &account, host, *challenge).await {
            Ok(cached_pem) => {
                let cached = parse_cached(cached_pem.as_bytes()).ok_or("the CA returned an unusable certificate")?;
                let file = cache_dir.join(host);
                write_private(&file, cached_pem.as_bytes())
                    .map_err(|e| format!("unable to write {}: {e}", file.display()))?;
                return Ok(cached);
            }
            Err(e) => {
                log::warn(
                    "ACME: challenge failed",
                    &[("host", host.into()), ("challenge", challenge.name().into()), ("error", e.as_str().into())],
                );
                errors.push(format!("{}: {e}", challenge.name()));
            }
        }
    }
    Err(errors.join("; "))
}

/// One order for `host` answered with `challenge`; returns the cache file text.
async fn issue_with(
    context: &AcmeContext,
    account: &Account,
    host: &str,
    challenge: Challenge,
) -> Result<String, String> {
    let identifiers = [Identifier::Dns(host.to_string())];
    let mut order = account.new_order(&NewOrder::new(&identifiers)).await.map_err(|e| e.to_string())?;
    let mut cleanup = ChallengeCleanup { context, token: None, alpn_host: None };
    {
        let mut authorizations = order.authorizations();
        while let Some(authz) = authorizations.next().await {
            let mut authz = authz.map_err(|e| e.to_string())?;
            match authz.status {
                AuthorizationStatus::Pending => {}
                AuthorizationStatus::Valid => continue,
                other => return Err(format!("authorization is {other:?}")),
            }
            let mut handle = authz
                .challenge(challenge.acme_type())
                .ok_or_else(|| format!("the CA does not offer {}", challenge.name()))?;
            let key_authorization = handle.key_authorization();
            match challenge {
                Challenge::Http01 => {
                    write(&context.http_tokens).insert(handle.token.clone(), key_authorization.as_str().to_string());
                    cleanup.token = Some(handle.token.clone());
                }
                Challenge::TlsAlpn01 => {
                    let cert = alpn_certificate(host, key_authorization.digest().as_ref())?;
                    write(&context.alpn_certs).insert(host.to_string(), cert);
                    cleanup.alpn_host = Some(host.to_string());
                }
            }
            handle.set_ready().await.map_err(|e| e.to_string())?;
        }
    }
    let retry =
        RetryPolicy::new().initial_delay(Duration::from_millis(100)).backoff(1.5).timeout(Duration::from_secs(60));
    let status = order.poll_ready(&retry).await.map_err(|e| e.to_string())?;
    drop(cleanup);
    if status != OrderStatus::Ready {
        return Err(format!("order is {status:?}"));
    }
    let key = rcgen::KeyPair::generate().map_err(|e| e.to_string())?;
    let mut params = rcgen::CertificateParams::new(vec![host.to_string()]).map_err(|e| e.to_string())?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    let csr = params.serialize_request(&key).map_err(|e| e.to_string())?;
    order.finalize_csr(csr.der()).await.map_err(|e| e.to_string())?;
    let chain = order.poll_certificate(&retry).await.map_err(|e| e.to_string())?;
    Ok(format!("{}{}", key.serialize_pem(), chain))
}

/// A self-signed certificate for `host` with the acmeIdentifier extension (RFC 8737).
fn alpn_certificate(host: &str, digest: &[u8]) -> Result<Arc<CertifiedKey>, String> {
    let key = rcgen::KeyPair::generate().map_err(|e| e.to_string())?;
    let mut params = rcgen::CertificateParams::new(vec![host.to_string()]).map_err(|e| e.to_string())?;
    params.custom_extensions = vec![rcgen::CustomExtension::new_acme_identifier(digest)];
    let cert = params.self_signed(&key).map_err(|e| e.to_string())?;
    let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let signer = any_supported_type(&der).map_err(|e| e.to_string())?;
    Ok(Arc::new(CertifiedKey::new(vec![cert.der().clone()], signer)))
}

fn pem_block(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in text.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The account key from a PEM file: PKCS#8, or SEC1 P-256 (autocert's format).
fn parse_account_key(pem: &[u8]) -> Option<PrivatePkcs8KeyDer<'static>> {
    match PrivateKeyDer::from_pem_slice(pem).ok()? {
        PrivateKeyDer::Pkcs8(k) => Some(k),
        PrivateKeyDer::Sec1(k) => {
            Some(PrivatePkcs8KeyDer::from(crate::tls::der::p256_sec1_to_pkcs8(k.secret_sec1_der())))
        }
        _ => None,
    }
}

/// A cache file: the private key, then the chain (leaf first).
fn parse_cached(pem: &[u8]) -> Option<Cached> {
    let mut key = None;
    let mut chain = Vec::new();
    for item in <(SectionKind, Vec<u8>) as PemObject>::pem_slice_iter(pem) {
        let (kind, der) = item.ok()?;
        match kind {
            SectionKind::Certificate => chain.push(CertificateDer::from(der)),
            SectionKind::PrivateKey => key = Some(PrivateKeyDer::Pkcs8(der.into())),
            SectionKind::EcPrivateKey => key = Some(PrivateKeyDer::Sec1(der.into())),
            SectionKind::RsaPrivateKey => key = Some(PrivateKeyDer::Pkcs1(der.into())),
            _ => {}
        }
    }
    let not_after = crate::tls::der::not_after(chain.first()?)?;
    let signer = any_supported_type(&key?).ok()?;
    let certified = CertifiedKey::new(chain, signer);
    certified.keys_match().ok()?;
    Some(Cached { key: Arc::new(certified), not_after })
}

fn load_cached(file: &Path) -> Option<Cached> {
    parse_cached(&std::fs::read(file).ok()?)
}

/// Writes a file readable only by its owner, atomically (temp file and rename).
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(data)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    set_mode(path, 0o600);
    Ok(())
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_dir_hashes_the_configured_directory() {
        let dir = cache_dir("/c", "");
        assert_eq!(dir, Path::new("/c/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    }

    #[test]
    fn reads_sec1_and_pkcs8_cache_files() {
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec!["a.test".to_string()]).unwrap();
        let cert = params.self_signed(&key).unwrap();
        let pkcs8 = format!("{}{}", key.serialize_pem(), cert.pem());
        assert!(parse_cached(pkcs8.as_bytes()).is_some());
        assert!(parse_cached(cert.pem().as_bytes()).is_none());
        assert!(parse_account_key(key.serialize_pem().as_bytes()).is_some());
    }

    #[test]
    fn alpn_certificate_carries_the_digest() {
        let cert = alpn_certificate("a.test", &[7u8; 32]).unwrap();
        let der = cert.cert[0].as_ref();
        let oid = [0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x1f];
        assert!(der.windows(oid.len()).any(|w| w == oid));
    }
}
