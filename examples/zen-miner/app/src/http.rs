//! Routes and the server loop.
//!
//! | route | answer |
//! |---|---|
//! | `GET /` | version and row count |
//! | `GET /version` | the version, plain |
//! | `GET /up` | 200 when the database answers, 503 otherwise (Kamal's health check) |
//! | `POST /entries` | stores the body (UTF-8 text), 201 with the new id |
//! | `GET /entries/<id>` | the stored body (`x-created-at` header: when) |
//! | `GET /entries?after=<id>&limit=<n>` | ids after `<id>`, ascending, one per line |
//! | `GET /assets/<file>` | a file from the assets directory |

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue, LOCATION};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::db::{Db, DbError};
use crate::log_line;

/// The largest body `POST /entries` accepts.
pub const MAX_BODY: usize = 64 * 1024;
/// Default and largest page of `GET /entries`.
const DEFAULT_LIMIT: u32 = 1000;
const MAX_LIMIT: u32 = 10_000;

/// What the handlers share.
pub struct App {
    pub db: Db,
    pub version: String,
    pub assets_path: PathBuf,
}

type Reply = Response<Full<Bytes>>;

/// Serves HTTP/1.1 on `listener` until `shutdown` completes, then stops accepting, lets
/// in-flight requests finish (at most `grace`), and returns.
pub async fn serve(listener: TcpListener, app: Arc<App>, shutdown: impl Future<Output = ()>, grace: Duration) {
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let app = Arc::clone(&app);
                    let service = hyper::service::service_fn(move |req| handle(Arc::clone(&app), peer, req));
                    let conn = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                    let conn = graceful.watch(conn);
                    tokio::spawn(async move {
                        if let Err(err) = conn.await {
                            log_line(&format!("connection from {peer} failed: {err}"));
                        }
                    });
                }
                Err(err) => {
                    // Out of file descriptors and the like: say so, back off, keep serving.
                    log_line(&format!("accept failed: {err}"));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    let open = graceful.count();
    log_line(&format!("shutting down: waiting for {open} open connection(s), at most {}s", grace.as_secs()));
    if tokio::time::timeout(grace, graceful.shutdown()).await.is_err() {
        log_line("shutdown: gave up waiting for open connections");
    }
}

async fn handle(app: Arc<App>, peer: SocketAddr, req: Request<Incoming>) -> Result<Reply, Infallible> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let forwarded = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()).map(printable);
    let response = route(&app, req).await;
    // X-Forwarded-For is only ever logged: nothing in the app trusts it.
    log_line(&format!(
        "{method} {} {} {:.1}ms peer={peer} forwarded_for={}",
        printable(&path),
        response.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0,
        forwarded.as_deref().unwrap_or("-"),
    ));
    Ok(response)
}

async fn route(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let method = req.method().clone();
    let read = method == Method::GET || method == Method::HEAD;
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    match path.as_str() {
        "/" if read => home(app).await,
        "/version" if read => text(StatusCode::OK, format!("{}\n", app.version)),
        "/up" if read => match blocking(app, |db| db.health()).await {
            Ok(()) => text(StatusCode::OK, "ok\n"),
            Err(err) => text(StatusCode::SERVICE_UNAVAILABLE, format!("database unavailable: {err}\n")),
        },
        "/entries" if method == Method::POST => create(app, req).await,
        "/entries" if read => list(app, &query).await,
        "/" | "/version" | "/up" | "/entries" => method_not_allowed(),
        _ => {
            if let Some(id) = path.strip_prefix("/entries/") {
                if read { show(app, id).await } else { method_not_allowed() }
            } else if let Some(name) = path.strip_prefix("/assets/") {
                if read { asset(app, name).await } else { method_not_allowed() }
            } else {
                text(StatusCode::NOT_FOUND, "not found\n")
            }
        }
    }
}

async fn home(app: &Arc<App>) -> Reply {
    match blocking(app, |db| db.count()).await {
        Ok(count) => text(StatusCode::OK, format!("Zen Miner {}\nentries: {count}\n", app.version)),
        Err(err) => unavailable(&err),
    }
}

async fn create(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) if err.is::<http_body_util::LengthLimitError>() => {
            return text(StatusCode::PAYLOAD_TOO_LARGE, format!("body larger than {MAX_BODY} bytes\n"));
        }
        Err(err) => return text(StatusCode::BAD_REQUEST, format!("could not read body: {err}\n")),
    };
    let Ok(body) = String::from_utf8(body.to_vec()) else {
        return text(StatusCode::BAD_REQUEST, "body must be UTF-8 text\n");
    };
    match blocking(app, move |db| db.insert(&body)).await {
        Ok(id) => {
            let mut reply = text(StatusCode::CREATED, format!("{id}\n"));
            if let Ok(location) = HeaderValue::from_str(&format!("/entries/{id}")) {
                reply.headers_mut().insert(LOCATION, location);
            }
            reply
        }
        Err(err) => unavailable(&err),
    }
}

async fn show(app: &Arc<App>, id: &str) -> Reply {
    let Ok(id) = id.parse::<i64>() else {
        return text(StatusCode::NOT_FOUND, "not found\n");
    };
    match blocking(app, move |db| db.get(id)).await {
        Ok(Some(entry)) => {
            let mut reply = text(StatusCode::OK, entry.body);
            if let Ok(at) = HeaderValue::from_str(&entry.created_at) {
                reply.headers_mut().insert("x-created-at", at);
            }
            reply
        }
        Ok(None) => text(StatusCode::NOT_FOUND, "not found\n"),
        Err(err) => unavailable(&err),
    }
}

async fn list(app: &Arc<App>, query: &str) -> Reply {
    let mut after = 0i64;
    let mut limit = DEFAULT_LIMIT;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "after" => match value.parse() {
                Ok(v) => after = v,
                Err(_) => return text(StatusCode::BAD_REQUEST, "after must be an integer id\n"),
            },
            "limit" => match value.parse::<u32>() {
                Ok(v) if (1..=MAX_LIMIT).contains(&v) => limit = v,
                _ => return text(StatusCode::BAD_REQUEST, format!("limit must be from 1 to {MAX_LIMIT}\n")),
            },
            _ => {}
        }
    }
    match blocking(app, move |db| db.ids_after(after, limit)).await {
        Ok(ids) => text(StatusCode::OK, ids.iter().map(|id| format!("{id}\n")).collect::<String>()),
        Err(err) => unavailable(&err),
    }
}

async fn asset(app: &Arc<App>, name: &str) -> Reply {
    let safe = !name.is_empty()
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !safe {
        return text(StatusCode::NOT_FOUND, "not found\n");
    }
    let path = app.assets_path.join(name);
    match tokio::fs::read(&path).await {
        Ok(bytes) => {
            let kind = match path.extension().and_then(|e| e.to_str()) {
                Some("css") => "text/css; charset=utf-8",
                Some("js") => "text/javascript; charset=utf-8",
                Some("txt") => "text/plain; charset=utf-8",
                _ => "application/octet-stream",
            };
            let mut reply = Response::new(Full::new(Bytes::from(bytes)));
            reply.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(kind));
            reply
        }
        Err(_) => text(StatusCode::NOT_FOUND, "not found\n"),
    }
}

/// Runs a database call on the blocking pool.
async fn blocking<T: Send + 'static>(
    app: &Arc<App>,
    f: impl FnOnce(&Db) -> Result<T, DbError> + Send + 'static,
) -> Result<T, DbError> {
    let app = Arc::clone(app);
    match tokio::task::spawn_blocking(move || f(&app.db)).await {
        Ok(result) => result,
        Err(_) => Err(DbError::Poisoned),
    }
}

fn unavailable(err: &DbError) -> Reply {
    log_line(&format!("database error: {err}"));
    text(StatusCode::SERVICE_UNAVAILABLE, format!("database unavailable: {err}\n"))
}

fn method_not_allowed() -> Reply {
    text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n")
}

fn text(status: StatusCode, body: impl Into<Bytes>) -> Reply {
    let mut reply = Response::new(Full::new(body.into()));
    *reply.status_mut() = status;
    reply.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    reply
}

/// A value as it may appear in a log line: no control characters, bounded length.
fn printable(value: &str) -> String {
    value.chars().map(|c| if c.is_control() { '?' } else { c }).take(200).collect()
}
