mod common;
use common::*;

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls_pki_types::{CertificateDer, ServerName};

struct Certs {
    dir: tempfile::TempDir,
    der: CertificateDer<'static>,
}

fn certs(host: &str) -> Certs {
    let ck = rcgen::generate_simple_self_signed(vec![host.to_string()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cert.pem"), ck.cert.pem()).unwrap();
    std::fs::write(dir.path().join("key.pem"), ck.signing_key.serialize_pem()).unwrap();
    Certs { dir, der: ck.cert.der().clone() }
}

async fn tls_connect(
    addr: std::net::SocketAddr,
    host: &str,
    der: &CertificateDer<'static>,
    alpn: &[&[u8]],
) -> std::io::Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(der.clone()).unwrap();
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    connector.connect(ServerName::try_from(host.to_string()).unwrap(), tcp).await
}

async fn deploy_tls(proxy: &Proxy, app: &Backend, certs: &Certs, host: &str) {
    let c = format!("--tls-certificate-path={}", certs.dir.path().join("cert.pem").display());
    let k = format!("--tls-private-key-path={}", certs.dir.path().join("key.pem").display());
    let h = format!("--host={host}");
    proxy.deploy("app", &app.target(), &["--tls", &h, &c, &k]).await;
}

#[tokio::test]
async fn static_certificate_serves_http1_and_h2_by_alpn() {
    let proxy = Proxy::start().await;
    let app = Backend::start("app").await;
    let certs = certs("app.test");
    deploy_tls(&proxy, &app, &certs, "app.test").await;

    let stream = tls_connect(proxy.https(), "app.test", &certs.der, &[b"http/1.1"]).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(conn);
    let req = http::Request::get("/headers").header("host", "app.test").body(Full::new(Bytes::new())).unwrap();
    let resp = sender.send_request(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    let body = String::from_utf8(resp.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    assert!(body.contains("x-forwarded-proto: https"), "{body}");

    let stream = tls_connect(proxy.https(), "app.test", &certs.der, &[b"h2"]).await.unwrap();
    assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream)).await.unwrap();
    tokio::spawn(conn);
    let req = http::Request::get("https://app.test/").body(Full::new(Bytes::new())).unwrap();
    let resp = sender.send_request(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.into_body().collect().await.unwrap().to_bytes(), "app");
}

#[tokio::test]
async fn http_is_redirected_to_https_without_port_unless_disabled() {
    let proxy = Proxy::start().await;
    let app = Backend::start("app").await;
    let certs = certs("app.test");
    deploy_tls(&proxy, &app, &certs, "app.test").await;
    let (status, headers, _) = get(&client(), proxy.http(), "app.test:8080", "/a/b?c=d").await;
    assert_eq!(status.as_u16(), 301);
    assert_eq!(headers["location"], "https://app.test/a/b?c=d");
    assert_eq!(headers["connection"], "close");
}

#[tokio::test]
async fn unknown_sni_fails_the_handshake() {
    let proxy = Proxy::start().await;
    let app = Backend::start("app").await;
    let certs = certs("app.test");
    deploy_tls(&proxy, &app, &certs, "app.test").await;
    assert!(tls_connect(proxy.https(), "other.test", &certs.der, &[]).await.is_err());
}

#[tokio::test]
async fn tls_settings_are_validated() {
    let proxy = Proxy::start().await;
    let app = Backend::start("app").await;
    let t = format!("--target={}", app.target());
    assert_eq!(proxy.cli(&["deploy", "a", &t, "--tls"]).await.unwrap_err(), "host must be set when using TLS");
    assert_eq!(
        proxy.cli(&["deploy", "a", &t, "--tls", "--host=a.test", "--path-prefix=/api"]).await.unwrap_err(),
        "TLS settings must be specified on the root path service"
    );
    assert_eq!(
        proxy
            .cli(&[
                "deploy",
                "a",
                &t,
                "--tls",
                "--host=a.test",
                "--tls-certificate-path=/nope",
                "--tls-private-key-path=/nope"
            ])
            .await
            .unwrap_err(),
        "unable to load certificate"
    );
    assert_eq!(
        proxy.cli(&["deploy", "a", &t, "--tls", "--host=*.a.test"]).await.unwrap_err(),
        "automatic TLS does not support wildcards"
    );
}
