//! Cloudflare in front: Authenticated Origin Pulls (`--tls-client-ca`: only clients with a
//! certificate from that CA get through) and an Origin CA certificate shared by several hosts
//! and services. Certificates are made with rcgen.
mod common;
use common::*;

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};

struct Ca {
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    der: CertificateDer<'static>,
    pem: String,
}

impl Ca {
    fn new(name: &str) -> Self {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.distinguished_name.push(rcgen::DnType::CommonName, name);
        let cert = params.self_signed(&key).unwrap();
        Self { der: cert.der().clone(), pem: cert.pem(), issuer: rcgen::Issuer::new(params, key) }
    }

    /// A leaf for `names` (server) or a client certificate (no names).
    fn leaf(&self, names: &[&str], client: bool) -> (CertificateDer<'static>, String, rcgen::KeyPair) {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params =
            rcgen::CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
        if client {
            params.distinguished_name.push(rcgen::DnType::CommonName, "origin-pull client");
            params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        }
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.der().clone(), cert.pem(), key)
    }
}

async fn get_over_tls(
    addr: std::net::SocketAddr,
    host: &str,
    root: &CertificateDer<'static>,
    client_cert: Option<(&CertificateDer<'static>, &rcgen::KeyPair)>,
) -> Result<(u16, String), String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root.clone()).unwrap();
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = match client_cert {
        Some((cert, key)) => builder
            .with_client_auth_cert(
                vec![cert.clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    let attempt = async {
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let tcp = tokio::net::TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        let stream =
            connector.connect(ServerName::try_from(host.to_string()).unwrap(), tcp).await.map_err(|e| e.to_string())?;
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        let req = http::Request::get("/").header("host", host).body(Full::new(Bytes::new())).unwrap();
        let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let body = resp.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
        Ok((status, String::from_utf8_lossy(&body).to_string()))
    };
    tokio::time::timeout(DEADLINE, attempt).await.map_err(|_| "timed out".to_string())?
}

fn write_pair(dir: &std::path::Path, name: &str, cert_pem: &str, key: &rcgen::KeyPair) -> (String, String) {
    let cert = dir.join(format!("{name}.pem"));
    let key_path = dir.join(format!("{name}.key"));
    std::fs::write(&cert, cert_pem).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    (format!("--tls-certificate-path={}", cert.display()), format!("--tls-private-key-path={}", key_path.display()))
}

#[tokio::test]
async fn authenticated_origin_pulls_require_a_client_certificate_from_the_ca() {
    let origin_ca = Ca::new("origin CA");
    let pull_ca = Ca::new("origin pull CA");
    let stranger_ca = Ca::new("someone else");
    let files = tempfile::tempdir().unwrap();
    std::fs::write(files.path().join("pull-ca.pem"), &pull_ca.pem).unwrap();

    let mut proxy = Proxy::unstarted(tug_proxy::trusted::TrustedProxies::none(), false, None);
    proxy.tls_client_ca = Some(files.path().join("pull-ca.pem"));
    proxy.boot().await;
    let app = Backend::start("app").await;
    let (_, server_pem, server_key) = origin_ca.leaf(&["app.test"], false);
    let (c, k) = write_pair(files.path(), "server", &server_pem, &server_key);
    proxy.deploy("app", &app.target(), &["--tls", "--host=app.test", &c, &k]).await;

    let (client_der, _, client_key) = pull_ca.leaf(&[], true);
    let ok = get_over_tls(proxy.https(), "app.test", &origin_ca.der, Some((&client_der, &client_key))).await;
    assert_eq!(ok, Ok((200, "app".to_string())));

    let without = get_over_tls(proxy.https(), "app.test", &origin_ca.der, None).await;
    assert!(without.is_err(), "no client certificate must be refused: {without:?}");

    let (other_der, _, other_key) = stranger_ca.leaf(&[], true);
    let wrong = get_over_tls(proxy.https(), "app.test", &origin_ca.der, Some((&other_der, &other_key))).await;
    assert!(wrong.is_err(), "a client certificate from another CA must be refused: {wrong:?}");

    // Plain HTTP is untouched (it redirects to HTTPS).
    let (status, _, _) = get(&client(), proxy.http(), "app.test", "/").await;
    assert_eq!(status.as_u16(), 301);
}

#[tokio::test]
async fn a_missing_client_ca_stops_the_server_from_starting() {
    let mut proxy = Proxy::unstarted(tug_proxy::trusted::TrustedProxies::none(), false, None);
    proxy.tls_client_ca = Some(proxy.dir.path().join("missing.pem"));
    let err = tug_proxy::server::Server::start(proxy.config()).await.err().expect("start must fail");
    assert!(err.to_string().contains("unable to load client CA"), "{err}");
}

#[tokio::test]
async fn one_origin_certificate_serves_several_hosts_and_services() {
    let origin_ca = Ca::new("origin CA");
    let files = tempfile::tempdir().unwrap();
    let (_, pem, key) = origin_ca.leaf(&["a.test", "b.test", "*.c.test"], false);
    let (c, k) = write_pair(files.path(), "origin", &pem, &key);
    let proxy = Proxy::start().await;
    let one = Backend::start("one").await;
    let two = Backend::start("two").await;
    proxy.deploy("one", &one.target(), &["--tls", "--host=a.test", "--host=b.test", &c, &k]).await;
    proxy.deploy("two", &two.target(), &["--tls", "--host=x.c.test", &c, &k]).await;
    for (host, body) in [("a.test", "one"), ("b.test", "one"), ("x.c.test", "two")] {
        let got = get_over_tls(proxy.https(), host, &origin_ca.der, None).await;
        assert_eq!(got, Ok((200, body.to_string())), "{host}");
    }
}
