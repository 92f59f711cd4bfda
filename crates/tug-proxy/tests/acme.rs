//! ACME against Debian's `pebble` (a real ACME server) on loopback. Pebble resolves every name
//! to 127.0.0.1 through `pebble-challtestsrv`'s mock DNS and validates challenges for real
//! against the proxy: its `httpPort`/`tlsPort` are the proxy's HTTP and HTTPS ports. Pebble's
//! directory is served with a certificate from a test CA made here, which the proxy trusts
//! through `AcmeSettings::extra_roots`. Built only with the `system-tools` feature (.ci/run turns
//! it on); without pebble installed they fail, saying so.
mod common;
use common::*;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use rustls_pki_types::{CertificateDer, ServerName};
use tug_proxy::tls::acme::{AcmeSettings, Challenge};

const HOST: &str = "acme.test";

fn require(program: &str) {
    match Command::new(program).arg("-h").stdout(Stdio::null()).stderr(Stdio::null()).status() {
        Ok(_) => {}
        Err(e) => panic!(
            "`{program}` is needed for the ACME tests and could not be run ({e}); install it with `apt-get install -y pebble` (.ci/run does)"
        ),
    }
}

fn free_port() -> u16 {
    // A port free for both TCP and UDP (the mock DNS listens on both).
    loop {
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = tcp.local_addr().unwrap().port();
        if std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

struct Children(Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A running pebble with its mock DNS.
struct Pebble {
    _children: Children,
    _dir: tempfile::TempDir,
    directory: String,
    management: SocketAddr,
    ca: CertificateDer<'static>,
}

impl Pebble {
    /// Starts pebble validating against `http_port` and `tls_port` on 127.0.0.1.
    async fn start(http_port: u16, tls_port: u16, ca: &TestCa) -> Self {
        require("pebble");
        require("pebble-challtestsrv");
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = ca.leaf(&["localhost", "127.0.0.1"]);
        std::fs::write(dir.path().join("cert.pem"), cert).unwrap();
        std::fs::write(dir.path().join("key.pem"), key).unwrap();
        let (listen, management, dns, dns_management) = (free_port(), free_port(), free_port(), free_port());
        let config = serde_json::json!({
            "pebble": {
                "listenAddress": format!("127.0.0.1:{listen}"),
                "managementListenAddress": format!("127.0.0.1:{management}"),
                "certificate": dir.path().join("cert.pem"),
                "privateKey": dir.path().join("key.pem"),
                "httpPort": http_port,
                "tlsPort": tls_port,
                "ocspResponderURL": "",
                "externalAccountBindingRequired": false
            }
        });
        std::fs::write(dir.path().join("pebble.json"), config.to_string()).unwrap();
        let log = |name: &str| std::fs::File::create(dir.path().join(name)).unwrap();
        let dns_server = Command::new("pebble-challtestsrv")
            .args(["-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-http01", "", "-https01", "", "-tlsalpn01", ""])
            .args(["-dns01", &format!("127.0.0.1:{dns}"), "-management", &format!("127.0.0.1:{dns_management}")])
            .stdout(log("challtestsrv.log"))
            .stderr(log("challtestsrv.err"))
            .spawn()
            .unwrap();
        let pebble = Command::new("pebble")
            .args([
                "-config",
                &dir.path().join("pebble.json").to_string_lossy(),
                "-dnsserver",
                &format!("127.0.0.1:{dns}"),
            ])
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .env("PEBBLE_AUTHZREUSE", "0")
            .stdout(log("pebble.log"))
            .stderr(log("pebble.err"))
            .spawn()
            .unwrap();
        let children = Children(vec![dns_server, pebble]);
        let management: SocketAddr = format!("127.0.0.1:{management}").parse().unwrap();
        for addr in [format!("127.0.0.1:{listen}"), management.to_string(), format!("127.0.0.1:{dns}")] {
            eventually(&format!("pebble listening on {addr}"), || {
                let addr = addr.clone();
                async move { tokio::net::TcpStream::connect(addr).await.is_ok() }
            })
            .await;
        }
        let ca_der = ca.der.clone();
        Self {
            _children: children,
            _dir: dir,
            directory: format!("https://localhost:{listen}/dir"),
            management,
            ca: ca_der,
        }
    }

    /// Pebble's issuing root (changes with every start).
    async fn root(&self) -> CertificateDer<'static> {
        let (status, body) =
            https_get(self.management, "localhost", std::slice::from_ref(&self.ca), "/roots/0", "localhost")
                .await
                .unwrap();
        assert_eq!(status, 200, "{body}");
        CertificateDer::from_pem_slice(body.as_bytes()).unwrap()
    }
}

use rustls_pki_types::pem::PemObject;

/// A test CA (for pebble's own HTTPS, and to sign leaves).
struct TestCa {
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    der: CertificateDer<'static>,
}

impl TestCa {
    fn new() -> Self {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.distinguished_name.push(rcgen::DnType::CommonName, "tug test CA");
        let cert = params.self_signed(&key).unwrap();
        let der = cert.der().clone();
        Self { issuer: rcgen::Issuer::new(params, key), der }
    }

    fn leaf(&self, names: &[&str]) -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }
}

async fn tls_client(
    addr: SocketAddr,
    sni: &str,
    roots: &[CertificateDer<'static>],
) -> std::io::Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
    let mut store = rustls::RootCertStore::empty();
    for r in roots {
        store.add(r.clone()).unwrap();
    }
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(store)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    connector.connect(ServerName::try_from(sni.to_string()).unwrap(), tcp).await
}

/// An HTTPS GET that trusts only `roots`; the error says why the handshake failed.
async fn https_get(
    addr: SocketAddr,
    sni: &str,
    roots: &[CertificateDer<'static>],
    path: &str,
    host: &str,
) -> Result<(u16, String), String> {
    let attempt = async {
        let stream = tls_client(addr, sni, roots).await.map_err(|e| e.to_string())?;
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        let req = http::Request::get(path).header("host", host).body(Full::new(Bytes::new())).unwrap();
        let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let body = resp.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
        Ok((status, String::from_utf8_lossy(&body).to_string()))
    };
    tokio::time::timeout(Duration::from_secs(90), attempt).await.map_err(|_| "timed out".to_string())?
}

fn cache_dir(root: &Path, directory: &str) -> PathBuf {
    tug_proxy::tls::acme::cache_dir(&root.to_string_lossy(), directory)
}

async fn acme_proxy(challenges: Vec<Challenge>, ca: &TestCa, dir: Option<tempfile::TempDir>) -> Proxy {
    let mut proxy = Proxy::unstarted(tug_proxy::trusted::TrustedProxies::none(), false, dir);
    proxy.acme = AcmeSettings { extra_roots: vec![ca.der.clone()], challenges, ..AcmeSettings::default() };
    proxy.boot().await;
    proxy
}

async fn deploy_acme(proxy: &Proxy, app: &Backend, pebble: &Pebble) -> PathBuf {
    let certs = proxy.dir.path().join("certs");
    let h = format!("--host={HOST}");
    let d = format!("--tls-acme-directory={}", pebble.directory);
    let c = format!("--tls-acme-cache-path={}", certs.display());
    proxy.deploy("app", &app.target(), &["--tls", &h, &d, &c]).await;
    cache_dir(&certs, &pebble.directory)
}

async fn issues_with(challenge: Challenge) {
    let ca = TestCa::new();
    let app = Backend::start("app").await;
    let proxy = acme_proxy(vec![challenge], &ca, None).await;
    let pebble = Pebble::start(proxy.http().port(), proxy.https().port(), &ca).await;
    let cache = deploy_acme(&proxy, &app, &pebble).await;
    let root = pebble.root().await;

    // The first handshake waits while the certificate is obtained.
    let (status, body) = https_get(proxy.https(), HOST, std::slice::from_ref(&root), "/", HOST)
        .await
        .expect("HTTPS with an ACME certificate");
    assert_eq!((status, body.as_str()), (200, "app"));
    assert!(cache.join(HOST).is_file(), "certificate cached in {}", cache.display());
    assert!(cache.join("acme_account+key").is_file());
    let text = std::fs::read_to_string(cache.join(HOST)).unwrap();
    assert!(text.starts_with("-----BEGIN PRIVATE KEY-----") && text.contains("-----BEGIN CERTIFICATE-----"), "{text}");
    let logs = proxy.log_lines().join("\n");
    assert!(!logs.contains("challenge failed"), "{logs}");

    // Other names are refused; plain HTTP still redirects.
    assert!(https_get(proxy.https(), "other.test", &[root], "/", "other.test").await.is_err());
    let (status, headers, _) = get(&client(), proxy.http(), HOST, "/x").await;
    assert_eq!((status.as_u16(), headers["location"].to_str().unwrap()), (301, "https://acme.test/x"));
    // Unknown challenge tokens get a 404, not a redirect.
    let (status, _, _) = get(&client(), proxy.http(), HOST, "/.well-known/acme-challenge/nope").await;
    assert_eq!(status.as_u16(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http01_certificate_is_obtained_on_demand() {
    issues_with(Challenge::Http01).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_alpn01_certificate_is_obtained_on_demand() {
    issues_with(Challenge::TlsAlpn01).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_certificate_survives_a_restart_without_the_ca() {
    let ca = TestCa::new();
    let app = Backend::start("app").await;
    let mut proxy = acme_proxy(vec![Challenge::TlsAlpn01, Challenge::Http01], &ca, None).await;
    let pebble = Pebble::start(proxy.http().port(), proxy.https().port(), &ca).await;
    deploy_acme(&proxy, &app, &pebble).await;
    let root = pebble.root().await;
    assert_eq!(https_get(proxy.https(), HOST, std::slice::from_ref(&root), "/", HOST).await.unwrap().0, 200);
    drop(pebble);
    proxy.restart().await;
    let (status, body) = https_get(proxy.https(), HOST, &[root], "/", HOST).await.expect("served from the cache");
    assert_eq!((status, body.as_str()), (200, "app"));
}

/// The inner `ECPrivateKey` of a PKCS#8 P-256 key: what Go's autocert writes as `EC PRIVATE KEY`.
fn sec1_of(pkcs8: &[u8]) -> Vec<u8> {
    fn tlv(input: &[u8]) -> (u8, &[u8], &[u8]) {
        let tag = input[0];
        let (len, start) = if input[1] < 0x80 {
            (input[1] as usize, 2)
        } else {
            let n = (input[1] & 0x7f) as usize;
            (input[2..2 + n].iter().fold(0usize, |a, b| (a << 8) | *b as usize), 2 + n)
        };
        (tag, &input[start..start + len], &input[start + len..])
    }
    let (_, info, _) = tlv(pkcs8);
    let (_, _, rest) = tlv(info); // version
    let (_, _, rest) = tlv(rest); // algorithm
    let (tag, key, _) = tlv(rest);
    assert_eq!(tag, 0x04);
    key.to_vec()
}

fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = text.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiring_kamal_proxy_cache_entry_is_served_then_renewed() {
    let ca = TestCa::new();
    let app = Backend::start("app").await;
    let dir = tempfile::tempdir().unwrap();
    let proxy_dir = tempfile::tempdir_in(dir.path()).unwrap();
    let proxy = acme_proxy(vec![Challenge::Http01], &ca, Some(proxy_dir)).await;
    let pebble = Pebble::start(proxy.http().port(), proxy.https().port(), &ca).await;

    // A certificate in autocert's layout and format (SEC1 key, then the chain) that expires in
    // two days: inside the 30-day renewal window.
    let cache = cache_dir(&proxy.dir.path().join("certs"), &pebble.directory);
    std::fs::create_dir_all(&cache).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec![HOST.to_string()]).unwrap();
    let now = std::time::SystemTime::now();
    params.not_before = (now - Duration::from_secs(86_400)).into();
    params.not_after = (now + Duration::from_secs(2 * 86_400)).into();
    let old = params.self_signed(&key).unwrap();
    let file = format!("{}{}", pem("EC PRIVATE KEY", &sec1_of(&key.serialize_der())), old.pem());
    std::fs::write(cache.join(HOST), file).unwrap();

    deploy_acme(&proxy, &app, &pebble).await;
    let (status, _) = https_get(proxy.https(), HOST, &[old.der().clone()], "/", HOST)
        .await
        .expect("the cached certificate is served");
    assert_eq!(status, 200);

    let root = pebble.root().await;
    eventually("the renewed certificate is served", || {
        let root = root.clone();
        let addr = proxy.https();
        async move { https_get(addr, HOST, &[root], "/", HOST).await.is_ok() }
    })
    .await;
    let text = std::fs::read_to_string(cache.join(HOST)).unwrap();
    assert!(text.starts_with("-----BEGIN PRIVATE KEY-----"), "cache file rewritten: {text}");
}
