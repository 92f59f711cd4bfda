//! Test harness: tiny hyper backends that answer with their name, an in-process proxy on
//! 127.0.0.1:0 with a temp state dir, and a real HTTP client.
#![allow(dead_code)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use tug_proxy::control::{Command, Reply, call};
use tug_proxy::server::{Server, ServerConfig};
use tug_proxy::trusted::TrustedProxies;

/// Bounds every wait in tests.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// A backend answering with its name.
pub struct Backend {
    pub name: String,
    pub addr: SocketAddr,
    pub healthy: Arc<AtomicBool>,
    pub hits: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn reply(status: StatusCode, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r
}

fn query_param(req: &Request<Incoming>, key: &str) -> Option<String> {
    req.uri().query()?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| v.to_string())
    })
}

async fn backend_handle(
    name: String,
    healthy: Arc<AtomicBool>,
    hits: Arc<AtomicUsize>,
    mut req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_string();
    if path == "/up" {
        return Ok(if healthy.load(Ordering::SeqCst) {
            reply(StatusCode::OK, "up")
        } else {
            reply(StatusCode::SERVICE_UNAVAILABLE, "down")
        });
    }
    hits.fetch_add(1, Ordering::SeqCst);
    match path.as_str() {
        "/slow" => {
            let ms: u64 = query_param(&req, "ms").and_then(|v| v.parse().ok()).unwrap_or(100);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok(reply(StatusCode::OK, name))
        }
        "/headers" => {
            let mut text = String::new();
            for (k, v) in req.headers() {
                text.push_str(&format!("{}: {}\n", k, v.to_str().unwrap_or("")));
            }
            Ok(reply(StatusCode::OK, text))
        }
        "/size" => {
            let n: usize = query_param(&req, "n").and_then(|v| v.parse().ok()).unwrap_or(0);
            Ok(reply(StatusCode::OK, vec![b'x'; n]))
        }
        "/echo" => {
            let body = req.body_mut().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
            Ok(reply(StatusCode::OK, format!("{name}:{}", body.len())))
        }
        "/ws" => {
            let upgrade = hyper::upgrade::on(&mut req);
            tokio::spawn(async move {
                if let Ok(upgraded) = upgrade.await {
                    let mut io = TokioIo::new(upgraded);
                    let mut buf = [0u8; 1024];
                    loop {
                        match io.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                if io.write_all(&buf[..n]).await.is_err() {
                                    break;
                                }
                            }
                        }
                    }
                }
            });
            let mut r = reply(StatusCode::SWITCHING_PROTOCOLS, Bytes::new());
            r.headers_mut().insert("connection", "Upgrade".parse().unwrap());
            r.headers_mut().insert("upgrade", "websocket".parse().unwrap());
            Ok(r)
        }
        _ => Ok(reply(StatusCode::OK, name.to_string())),
    }
}

impl Backend {
    pub async fn start(name: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let healthy = Arc::new(AtomicBool::new(true));
        let hits = Arc::new(AtomicUsize::new(0));
        let (n, h, c) = (name.to_string(), healthy.clone(), hits.clone());
        let task = tokio::spawn(async move {
            // Connections live in this set, so aborting the backend closes them all.
            let mut connections = tokio::task::JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let (n, h, c) = (n.clone(), h.clone(), c.clone());
                while connections.try_join_next().is_some() {}
                connections.spawn(async move {
                    let svc = service_fn(move |req| backend_handle(n.clone(), h.clone(), c.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .with_upgrades()
                        .await;
                });
            }
        });
        Self { name: name.to_string(), addr, healthy, hits, task }
    }

    pub fn target(&self) -> String {
        self.addr.to_string()
    }
}

/// An in-process proxy.
pub struct Proxy {
    pub server: Option<Server>,
    pub dir: tempfile::TempDir,
    pub logs: Arc<Mutex<Vec<String>>>,
    pub trusted: TrustedProxies,
    pub refuse_untrusted: bool,
    pub acme: tug_proxy::tls::acme::AcmeSettings,
    pub tls_client_ca: Option<PathBuf>,
    pub metrics: bool,
}

impl Proxy {
    pub async fn start() -> Self {
        Self::start_with(TrustedProxies::none(), false, None).await
    }

    pub async fn start_with(trusted: TrustedProxies, refuse_untrusted: bool, dir: Option<tempfile::TempDir>) -> Self {
        let mut proxy = Self::unstarted(trusted, refuse_untrusted, dir);
        proxy.boot().await;
        proxy
    }

    /// A proxy not yet booted, so that a test can set ACME, client CA or metrics first.
    pub fn unstarted(trusted: TrustedProxies, refuse_untrusted: bool, dir: Option<tempfile::TempDir>) -> Self {
        let dir = dir.unwrap_or_else(|| tempfile::tempdir().unwrap());
        let logs = Arc::new(Mutex::new(Vec::new()));
        Self {
            server: None,
            dir,
            logs,
            trusted,
            refuse_untrusted,
            acme: Default::default(),
            tls_client_ca: None,
            metrics: false,
        }
    }

    pub fn config(&self) -> ServerConfig {
        let logs = self.logs.clone();
        ServerConfig {
            http_addr: "127.0.0.1:0".parse().unwrap(),
            https_addr: Some("127.0.0.1:0".parse().unwrap()),
            socket_path: self.dir.path().join("kamal-proxy.sock"),
            state_path: Some(self.state_path()),
            trusted: self.trusted.clone(),
            refuse_untrusted: self.refuse_untrusted,
            access_log: tug_proxy::observe::access_log::Sink::lines(move |line| logs.lock().unwrap().push(line)),
            acme: self.acme.clone(),
            tls_client_ca: self.tls_client_ca.clone(),
            metrics_addr: self.metrics.then(|| "127.0.0.1:0".parse().unwrap()),
        }
    }

    pub async fn boot(&mut self) {
        self.server = Some(Server::start(self.config()).await.unwrap());
    }

    /// Shuts down and starts again on new ports with the same state dir.
    pub async fn restart(&mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
        self.boot().await;
    }

    pub fn state_path(&self) -> PathBuf {
        self.dir.path().join("kamal-proxy.state")
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("kamal-proxy.sock")
    }

    pub fn http(&self) -> SocketAddr {
        self.server.as_ref().unwrap().http_addr()
    }

    pub fn https(&self) -> SocketAddr {
        self.server.as_ref().unwrap().https_addr().unwrap()
    }

    /// Runs a kamal-proxy command line (without the program name) against this proxy.
    pub async fn cli(&self, args: &[&str]) -> Result<Reply, String> {
        let mut argv = vec!["kamal-proxy".to_string()];
        argv.extend(args.iter().map(|s| s.to_string()));
        let cli = tug_proxy::cli::parse(argv.into_iter().map(Into::into)).map_err(|o| o.stderr)?;
        let command = match cli.command {
            tug_proxy::cli::Commands::Deploy(d) => Command::Deploy(Box::new(tug_proxy::cli::deploy::build(*d)?)),
            tug_proxy::cli::Commands::Remove(a) => Command::Remove { service: a.service },
            tug_proxy::cli::Commands::Resume(a) => Command::Resume { service: a.service },
            tug_proxy::cli::Commands::Pause(a) => {
                Command::Pause { service: a.service, drain_timeout: a.drain_timeout, pause_timeout: a.max_pause }
            }
            tug_proxy::cli::Commands::Stop(a) => {
                Command::Stop { service: a.service, drain_timeout: a.drain_timeout, message: a.message }
            }
            tug_proxy::cli::Commands::List(_) => Command::List,
            _ => return Err("unsupported in harness".into()),
        };
        call(&self.socket(), &command).await.map_err(|e| e.to_string())
    }

    pub async fn deploy(&self, service: &str, target: &str, extra: &[&str]) {
        let t = format!("--target={target}");
        let mut args = vec!["deploy", service, t.as_str(), "--health-check-interval=50ms"];
        args.extend_from_slice(extra);
        self.cli(&args).await.unwrap();
    }

    pub fn log_lines(&self) -> Vec<String> {
        self.logs.lock().unwrap().clone()
    }
}

pub type TestClient = Client<HttpConnector, Full<Bytes>>;

pub fn client() -> TestClient {
    Client::builder(TokioExecutor::new()).build(HttpConnector::new())
}

/// A GET with a Host header; returns status, headers and body text.
pub async fn get(
    client: &TestClient,
    addr: SocketAddr,
    host: &str,
    path: &str,
) -> (StatusCode, http::HeaderMap, String) {
    request(
        client,
        addr,
        Request::get(format!("http://{addr}{path}")).header("host", host).body(Full::new(Bytes::new())).unwrap(),
    )
    .await
}

pub async fn request(
    client: &TestClient,
    _addr: SocketAddr,
    req: Request<Full<Bytes>>,
) -> (StatusCode, http::HeaderMap, String) {
    let resp =
        tokio::time::timeout(DEADLINE, client.request(req)).await.expect("request timed out").expect("request failed");
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = tokio::time::timeout(DEADLINE, resp.into_body().collect())
        .await
        .expect("body timed out")
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    (status, headers, String::from_utf8_lossy(&body).to_string())
}

/// Polls `check` until it is true or the deadline passes.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        if check().await {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
