//! The workers' upstream connections: kept alive and reused, and a connection the target closed
//! while it sat idle is not used for a request.
mod common;
use common::*;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A raw HTTP/1.1 backend answering `ok` to every request; it counts the connections that
/// carried a request other than `/up` and, with `close_after`, closes each connection that long
/// after its first answer (without saying so in a header, as an idle timeout does).
async fn raw_backend(close_after: Option<Duration>) -> (String, Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let used = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&used);
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { continue };
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let mut counted = false;
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                        match stream.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).to_string();
                    buf.drain(..end + 4);
                    if !head.starts_with("GET /up ") && !counted {
                        counted = true;
                        counter.fetch_add(1, Ordering::SeqCst);
                    }
                    if stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").await.is_err() {
                        return;
                    }
                    if let Some(delay) = close_after {
                        tokio::time::sleep(delay).await;
                        return;
                    }
                }
            });
        }
    });
    (addr.to_string(), used, task)
}

#[tokio::test]
async fn sequential_requests_reuse_one_upstream_connection() {
    let proxy = Proxy::start().await;
    let (target, used, task) = raw_backend(None).await;
    proxy.deploy("app", &target, &[]).await;
    let client = client();
    for _ in 0..10 {
        let (status, _, body) = get(&client, proxy.http(), "h", "/").await;
        assert_eq!((status.as_u16(), body.as_str()), (200, "ok"));
    }
    // One client connection is served by one worker, whose pool keeps the upstream connection.
    assert_eq!(used.load(Ordering::SeqCst), 1);
    task.abort();
}

#[tokio::test]
async fn connections_closed_by_the_target_while_idle_are_not_used() {
    let proxy = Proxy::start().await;
    let (target, used, task) = raw_backend(Some(Duration::from_millis(20))).await;
    proxy.deploy("app", &target, &[]).await;
    let client = client();
    for _ in 0..5 {
        let (status, _, body) = get(&client, proxy.http(), "h", "/").await;
        assert_eq!((status.as_u16(), body.as_str()), (200, "ok"));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(used.load(Ordering::SeqCst), 5);
    task.abort();
}
