//! The server: HTTP and HTTPS listeners, the control socket, Cloudflare-aware connection
//! filtering, and graceful shutdown; each request is handled in `request.rs`.

mod request;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::LazyConfigAcceptor;

use crate::client_ip::{PeerTrust, peer_trust};
use crate::forward::ConnInfo;
use crate::headers::request_id::RequestIds;
use crate::observe::access_log::{AccessLog, Sink};
use crate::observe::log;
use crate::observe::metrics::Metrics;
use crate::routing::health::health_client;
use crate::routing::router::Router;
use crate::tls::acme::{AcmeContext, AcmeSettings};
use crate::tls::server_config::{ACME_TLS_ALPN, TlsConfigs};
use crate::tls::source::CertificateLookup;
use crate::trusted::TrustedProxies;
use crate::upstream::UpstreamPool;

/// How long shutdown waits for open connections.
pub const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);
/// How long each step of a TLS handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What the server listens on and where it keeps state.
#[derive(Clone)]
pub struct ServerConfig {
    /// HTTP listener.
    pub http_addr: SocketAddr,
    /// HTTPS listener, if any.
    pub https_addr: Option<SocketAddr>,
    /// Control socket.
    pub socket_path: PathBuf,
    /// State file (none: nothing persisted).
    pub state_path: Option<PathBuf>,
    /// Trusted proxy ranges for client addresses.
    pub trusted: TrustedProxies,
    /// Close connections from outside the trusted ranges.
    pub refuse_untrusted: bool,
    /// Access log destination.
    pub access_log: Sink,
    /// ACME settings (trusted roots for the directory, challenge order, renewal window).
    pub acme: AcmeSettings,
    /// Require TLS clients to present a certificate signed by this CA (PEM).
    pub tls_client_ca: Option<PathBuf>,
    /// Serve Prometheus metrics here.
    pub metrics_addr: Option<SocketAddr>,
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("http_addr", &self.http_addr)
            .field("https_addr", &self.https_addr)
            .field("socket_path", &self.socket_path)
            .field("state_path", &self.state_path)
            .field("tls_client_ca", &self.tls_client_ca)
            .field("metrics_addr", &self.metrics_addr)
            .finish_non_exhaustive()
    }
}

struct Shared {
    router: Arc<Router>,
    trusted: TrustedProxies,
    refuse_untrusted: bool,
    sink: Sink,
    ids: RequestIds,
    metrics: Option<Arc<Metrics>>,
}

/// A running server.
pub struct Server {
    router: Arc<Router>,
    http_addr: SocketAddr,
    https_addr: Option<SocketAddr>,
    metrics_addr: Option<SocketAddr>,
    socket_path: PathBuf,
    shutdown: watch::Sender<bool>,
    /// One per accept worker (and the metrics listener): fires when it has finished.
    listeners: Vec<tokio::sync::oneshot::Receiver<()>>,
    control: JoinHandle<()>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A listener could not bind.
    #[error("unable to listen on {what}: {source}")]
    Bind {
        /// Which listener.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
    /// TLS setup failed.
    #[error("unable to configure TLS: {0}")]
    Tls(#[from] rustls::Error),
    /// The client CA could not be loaded.
    #[error("{0}")]
    ClientCa(String),
    /// An accept worker (thread and runtime) could not be started.
    #[error("unable to start a worker: {0}")]
    Runtime(std::io::Error),
}

impl Server {
    /// Restores state, binds every listener and starts serving.
    pub async fn start(config: ServerConfig) -> Result<Self, StartError> {
        let client_verifier = match &config.tls_client_ca {
            Some(path) => Some(crate::tls::client_auth::client_verifier(path).map_err(StartError::ClientCa)?),
            None => None,
        };
        let router =
            Router::with_acme(config.state_path.clone(), health_client(), AcmeContext::new(config.acme.clone()));
        router.restore();
        let bind = |what: String| move |source| StartError::Bind { what, source };
        let workers = worker_count();
        let http = bind_group(config.http_addr, workers.max(1)).map_err(bind(format!("{}", config.http_addr)))?;
        let http_addr = http[0].local_addr().map_err(bind("http".into()))?;
        let https = match config.https_addr {
            Some(addr) => Some(bind_group(addr, workers.max(1)).map_err(bind(format!("{addr}")))?),
            None => None,
        };
        let https_addr = match &https {
            Some(l) => Some(l[0].local_addr().map_err(bind("https".into()))?),
            None => None,
        };
        let metrics_listener = match config.metrics_addr {
            Some(addr) => Some(TcpListener::bind(addr).await.map_err(bind(format!("{addr}")))?),
            None => None,
        };
        let metrics_addr = match &metrics_listener {
            Some(l) => Some(l.local_addr().map_err(bind("metrics".into()))?),
            None => None,
        };
        let control =
            crate::control::bind(&config.socket_path).map_err(bind(config.socket_path.display().to_string()))?;

        let shared = Arc::new(Shared {
            router: Arc::clone(&router),
            trusted: config.trusted.clone(),
            refuse_untrusted: config.refuse_untrusted,
            sink: config.access_log.clone(),
            ids: RequestIds::new(),
            metrics: metrics_listener.as_ref().map(|_| Metrics::new()),
        });
        let (shutdown, _) = watch::channel(false);
        let tls = match https {
            Some(_) => Some(crate::tls::server_config::server_configs(router.clone(), client_verifier)?),
            None => None,
        };
        let mut https = https.map(Vec::into_iter);
        let mut listeners = Vec::new();
        for (index, http) in http.into_iter().enumerate() {
            let https = https.as_mut().and_then(Iterator::next);
            let log = shared.sink.writer();
            let worker =
                Worker { http, https, tls: tls.clone(), shared: Arc::clone(&shared), log, stop: shutdown.subscribe() };
            if workers == 0 {
                let (done, finished) = tokio::sync::oneshot::channel();
                tokio::spawn(async move {
                    worker.run().await;
                    let _ = done.send(());
                });
                listeners.push(finished);
                continue;
            }
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(StartError::Runtime)?;
            listeners.push(worker.start(index, runtime).map_err(StartError::Runtime)?);
        }
        if let (Some(listener), Some(metrics)) = (metrics_listener, &shared.metrics) {
            let serving = tokio::spawn(crate::observe::metrics::serve(listener, Arc::clone(metrics)));
            let mut stop = shutdown.subscribe();
            let (done, finished) = tokio::sync::oneshot::channel();
            tokio::spawn(async move {
                let _ = stop.changed().await;
                serving.abort();
                let _ = done.send(());
            });
            listeners.push(finished);
            log::info(
                "Metrics enabled",
                &[("address", metrics_addr.map(|a| a.to_string()).unwrap_or_default().into())],
            );
        }
        let control = tokio::spawn(crate::control::serve(control, Arc::clone(&router)));
        log::info("Server started", &[("http", http_addr.to_string().into())]);
        Ok(Self {
            router,
            http_addr,
            https_addr,
            metrics_addr,
            socket_path: config.socket_path,
            shutdown,
            listeners,
            control,
        })
    }

    /// The bound HTTP address.
    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    /// The bound HTTPS address.
    pub fn https_addr(&self) -> Option<SocketAddr> {
        self.https_addr
    }

    /// The bound metrics address.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// The router.
    pub fn router(&self) -> &Arc<Router> {
        &self.router
    }

    /// Stops accepting, lets open connections finish (up to 10 s), and closes the socket.
    pub async fn shutdown(self) {
        self.control.abort();
        let _ = std::fs::remove_file(&self.socket_path);
        self.shutdown.send_replace(true);
        for finished in self.listeners {
            let _ = finished.await;
        }
        self.router.dispose_all();
        log::info("Server stopped", &[]);
    }
}

/// How many accept workers serve the HTTP and HTTPS listeners: one per available core.
/// `TUG_PROXY_WORKERS=N` sets the count; 0 serves one listener on the main runtime instead.
fn worker_count() -> usize {
    match std::env::var("TUG_PROXY_WORKERS").ok().and_then(|v| v.parse().ok()) {
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
    }
}

/// `count` listeners on one address. A plain bind comes first: it fails as before when the
/// address is taken (with `SO_REUSEPORT` alone a second proxy of the same user would silently
/// share the port) and picks the port for `:0`; then, for more than one worker, that many
/// `SO_REUSEPORT` listeners on the port, among which the kernel spreads new connections.
fn bind_group(addr: SocketAddr, count: usize) -> std::io::Result<Vec<std::net::TcpListener>> {
    let probe = std::net::TcpListener::bind(addr)?;
    if count <= 1 {
        probe.set_nonblocking(true)?;
        return Ok(vec![probe]);
    }
    let addr = probe.local_addr()?;
    drop(probe);
    (0..count)
        .map(|_| {
            let socket = socket2::Socket::new(
                socket2::Domain::for_address(addr),
                socket2::Type::STREAM,
                Some(socket2::Protocol::TCP),
            )?;
            socket.set_reuse_address(true)?;
            socket.set_reuse_port(true)?;
            socket.set_nonblocking(true)?;
            socket.bind(&addr.into())?;
            socket.listen(1024)?;
            Ok(socket.into())
        })
        .collect()
}

/// One accept worker: a thread with a single-threaded runtime serving its own HTTP (and HTTPS)
/// listener of the `SO_REUSEPORT` group, with its own pool of upstream connections. A request
/// and the upstream connection it uses stay on one thread: no work stealing, no cross-thread
/// wake-ups, no contended pool lock.
struct Worker {
    http: std::net::TcpListener,
    https: Option<std::net::TcpListener>,
    tls: Option<TlsConfigs>,
    shared: Arc<Shared>,
    /// The worker's access log (its own buffer when batched).
    log: AccessLog,
    stop: watch::Receiver<bool>,
}

impl Worker {
    /// Starts the thread; the receiver fires when its listeners have shut down.
    fn start(
        self,
        index: usize,
        runtime: tokio::runtime::Runtime,
    ) -> std::io::Result<tokio::sync::oneshot::Receiver<()>> {
        let (done, finished) = tokio::sync::oneshot::channel();
        std::thread::Builder::new().name(format!("tug-proxy-worker-{index}")).spawn(move || {
            let log = self.log.clone();
            runtime.block_on(self.run());
            // Connections still open after the shutdown timeout end here, logging as they go.
            drop(runtime);
            log.flush();
            let _ = done.send(());
        })?;
        Ok(finished)
    }

    async fn run(self) {
        let log = self.log.clone();
        let local = Arc::new(Local { shared: self.shared, client: UpstreamPool::new(), log: self.log });
        // Buffered access log lines are written at least this often.
        let flusher = log.flush_interval().map(|period| {
            let log = log.clone();
            tokio::spawn(async move {
                let mut every = tokio::time::interval(period);
                every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    every.tick().await;
                    log.flush();
                }
            })
        });
        let pool = Arc::clone(&local.client);
        // Idle upstream connections past their timeout are closed every half minute; the task
        // ends with the worker's runtime.
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(30));
            loop {
                every.tick().await;
                pool.sweep();
            }
        });
        let mut loops = Vec::new();
        let listeners = std::iter::once((self.http, None)).chain(self.https.map(|l| (l, self.tls)));
        for (listener, tls) in listeners {
            match TcpListener::from_std(listener) {
                Ok(listener) => {
                    loops.push(tokio::spawn(accept_loop(listener, tls, Arc::clone(&local), self.stop.clone())))
                }
                Err(e) => log::error("Unable to serve a listener", &[("error", e.to_string().into())]),
            }
        }
        for l in loops {
            let _ = l.await;
        }
        if let Some(flusher) = flusher {
            flusher.abort();
        }
        log.flush();
    }
}

/// What a worker's requests share: the server's state and the worker's upstream pool.
struct Local {
    shared: Arc<Shared>,
    client: Arc<UpstreamPool>,
    log: AccessLog,
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsConfigs>,
    local: Arc<Local>,
    mut stop: watch::Receiver<bool>,
) {
    let shared = &local.shared;
    // Every connection holds a receiver: `true` asks it to finish its current request and
    // close; the sender's `closed` tells when the last one has gone.
    let (stopping, connections) = watch::channel(false);
    let local_port = listener.local_addr().map_or(0, |a| a.port());
    // Plain HTTP is HTTP/1 only, as in kamal-proxy (Go's server does not speak h2c), so no
    // version sniffing; TLS negotiates HTTP/2 or HTTP/1.1 through ALPN.
    let http1 = hyper::server::conn::http1::Builder::new();
    // One wait for the stop, kept across accepts (a new one per accept cost ~1k instructions
    // per connection).
    let stopped = stop.changed();
    tokio::pin!(stopped);
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = &mut stopped => break,
        };
        let Ok((stream, peer)) = accepted else { continue };
        let trust = peer_trust(&shared.trusted, peer.ip());
        if shared.refuse_untrusted && trust == PeerTrust::Untrusted {
            log::debug("Refused connection from outside the trusted ranges", &[("peer", peer.to_string().into())]);
            drop(stream);
            continue;
        }
        let _ = stream.set_nodelay(true);
        let conn_info = ConnInfo::new(peer, tls.is_some(), local_port, trust);
        let local = Arc::clone(&local);
        let service = service_fn(move |req| request::handle(Arc::clone(&local), conn_info.clone(), req));
        let stop = connections.clone();
        match &tls {
            None => {
                let conn = http1.serve_connection(TokioIo::new(stream), service).with_upgrades();
                tokio::spawn(serve_until_stopped(conn, stop, |c| c.graceful_shutdown()));
            }
            Some(configs) => {
                let configs = configs.clone();
                let router = Arc::clone(&shared.router);
                tokio::spawn(async move {
                    let Some(tls_stream) = tls_handshake(stream, &configs, router.as_ref()).await else {
                        log::debug("TLS handshake failed", &[("peer", peer.to_string().into())]);
                        return;
                    };
                    let builder = auto::Builder::new(TokioExecutor::new());
                    let conn = builder.serve_connection_with_upgrades(TokioIo::new(tls_stream), service);
                    serve_until_stopped(conn, stop, |c| c.graceful_shutdown()).await;
                });
            }
        }
    }
    drop(listener);
    drop(connections);
    stopping.send_replace(true);
    let _ = tokio::time::timeout(SHUTDOWN_TIMEOUT, stopping.closed()).await;
}

/// Serves `conn` to its end; once `stop` turns true, lets it finish what it is doing and close.
async fn serve_until_stopped<C: Future>(conn: C, mut stop: watch::Receiver<bool>, graceful: impl FnOnce(Pin<&mut C>)) {
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        biased;
        _ = conn.as_mut() => return,
        _ = stop.wait_for(|stopping| *stopping) => {}
    }
    graceful(conn.as_mut());
    let _ = conn.await;
}

/// Reads the ClientHello, answers TLS-ALPN-01 validation with its own configuration, lets an
/// on-demand certificate be obtained, then completes the handshake.
async fn tls_handshake(
    stream: tokio::net::TcpStream,
    configs: &TlsConfigs,
    lookup: &dyn CertificateLookup,
) -> Option<tokio_rustls::server::TlsStream<tokio::net::TcpStream>> {
    let acceptor = LazyConfigAcceptor::new(rustls::server::Acceptor::default(), stream);
    let start = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor).await.ok()?.ok()?;
    let hello = start.client_hello();
    let acme_validation = hello.alpn().is_some_and(|mut protocols| protocols.any(|p| p == ACME_TLS_ALPN));
    let server_name = hello.server_name().map(str::to_string);
    if acme_validation {
        let mut stream =
            tokio::time::timeout(HANDSHAKE_TIMEOUT, start.into_stream(Arc::clone(&configs.acme))).await.ok()?.ok()?;
        let _ = tokio::io::AsyncWriteExt::shutdown(&mut stream).await;
        return None;
    }
    if let Some(preparation) = server_name.as_deref().and_then(|name| lookup.prepare(name)) {
        preparation.await;
    }
    tokio::time::timeout(HANDSHAKE_TIMEOUT, start.into_stream(Arc::clone(&configs.main))).await.ok()?.ok()
}
