//! The floor under tug-proxy's per-request cost: a bare hyper HTTP/1.1 server on one
//! current-thread tokio runtime, answering every request with a fixed 42-byte body (no routing,
//! no upstream, no log). `bench/callgrind` drives it like tug-proxy: it serves on the port given
//! by `run --http-port P` and treats any other command (the `deploy`) as done.
//!
//!   cargo build --release -p tug-proxy --example hyper_floor
//!   crates/tug-proxy/bench/callgrind target/release/examples/hyper_floor off keepalive

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response, body::Incoming, header};

/// The allocator tug-proxy uses, so that the two compare like for like.
#[global_allocator]
static ALLOCATOR: tug_proxy::allocator::Allocator = tug_proxy::allocator::Allocator;

const BODY: &[u8] = b"Hello from the backend, a small response.\n";

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) != Some("run") {
        return Ok(());
    }
    let port: u16 = args
        .windows(2)
        .find(|w| w[0] == "--http-port")
        .and_then(|w| w[1].parse().ok())
        .ok_or_else(|| std::io::Error::other("usage: hyper_floor run --http-port PORT"))?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        loop {
            let (stream, _) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|_req: Request<Incoming>| async {
                    let mut response = Response::new(Full::new(Bytes::from_static(BODY)));
                    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/plain"));
                    Ok::<_, Infallible>(response)
                });
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
            });
        }
    })
}
