//! The workers' upstream connections: kept alive and reused, and a connection the target closed
//! while it sat idle is not used for a request.
mod common;
use common::*;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Reads up to the end of a request head (what follows stays in `buf`); `None` at the end of
/// the connection.
async fn read_head(stream: &mut tokio::net::TcpStream, buf: &mut Vec<u8>) -> Option<String> {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            buf.drain(..end + 4);
            return Some(head);
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

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
                loop {
                    let Some(head) = read_head(&mut stream, &mut buf).await else { return };
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

/// A raw HTTP/1.1 backend whose answer depends on the path, for the framings a pooled
/// connection must get right: it counts connections and answers on each until it closes it.
async fn framing_backend() -> (String, Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&connections);
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { continue };
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 65536];
                loop {
                    let Some(head) = read_head(&mut stream, &mut buf).await else { return };
                    let length: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap())
                        })
                        .unwrap_or(0);
                    while buf.len() < length {
                        match stream.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    buf.drain(..length);
                    let path = head.split(' ').nth(1).unwrap_or("/").to_string();
                    let head_request = head.starts_with("HEAD ");
                    let reply: Vec<u8> = match path.as_str() {
                        "/chunked" => {
                            // Two chunks with a pause between: the first must reach the client first.
                            let first = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n";
                            if stream.write_all(first).await.is_err() {
                                return;
                            }
                            tokio::time::sleep(Duration::from_millis(300)).await;
                            b"6\r\nsecond\r\n0\r\n\r\n".to_vec()
                        }
                        "/until-close" => {
                            // No length: the body runs to the end of the connection.
                            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it").await;
                            return;
                        }
                        "/cut" => {
                            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part").await;
                            return;
                        }
                        "/refuse" => {
                            // Refuses at once, without reading the body, and reads nothing more
                            // for a while (the proxy must stop writing and pass the answer on).
                            let _ = stream
                                .write_all(b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 4\r\n\r\nbig!")
                                .await;
                            tokio::time::sleep(Duration::from_millis(1500)).await;
                            return;
                        }
                        "/empty" => b"HTTP/1.1 204 No Content\r\n\r\n".to_vec(),
                        "/not-modified" => b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n".to_vec(),
                        "/upload" => {
                            format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{length}", length.to_string().len())
                                .into_bytes()
                        }
                        _ if head_request => b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n".to_vec(),
                        _ => b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".to_vec(),
                    };
                    if stream.write_all(&reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (addr.to_string(), connections, task)
}

async fn hello(client: &TestClient, proxy: &Proxy) {
    let (status, _, body) = get(client, proxy.http(), "h", "/").await;
    assert_eq!((status.as_u16(), body.as_str()), (200, "hello"));
}

#[tokio::test]
async fn bodiless_responses_leave_the_connection_reusable() {
    let proxy = Proxy::start().await;
    let (target, connections, task) = framing_backend().await;
    proxy.deploy("app", &target, &[]).await;
    let client = client();
    hello(&client, &proxy).await;
    let before = connections.load(Ordering::SeqCst);
    for _ in 0..3 {
        let req = http::Request::head(format!("http://{}/", proxy.http()))
            .header("host", "h")
            .body(Default::default())
            .unwrap();
        let (status, headers, body) = request(&client, proxy.http(), req).await;
        assert_eq!((status.as_u16(), body.as_str(), headers["content-length"].to_str().unwrap()), (200, "", "5"));
        assert_eq!(get(&client, proxy.http(), "h", "/empty").await.0, 204);
        let (status, _, body) = get(&client, proxy.http(), "h", "/not-modified").await;
        assert_eq!((status.as_u16(), body.as_str()), (304, ""));
        hello(&client, &proxy).await;
    }
    assert_eq!(connections.load(Ordering::SeqCst), before, "every answer came on the pooled connection");
    task.abort();
}

#[tokio::test]
async fn chunked_responses_stream_through_unbuffered() {
    let proxy = Proxy::start().await;
    let (target, _, task) = framing_backend().await;
    proxy.deploy("app", &target, &[]).await;
    let client = client();
    for _ in 0..2 {
        let req = http::Request::get(format!("http://{}/chunked", proxy.http()))
            .header("host", "h")
            .body(Default::default())
            .unwrap();
        let started = std::time::Instant::now();
        let response = client.request(req).await.unwrap();
        let mut body = response.into_body();
        let first = http_body_util::BodyExt::frame(&mut body).await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(&first[..], b"first");
        assert!(
            started.elapsed() < Duration::from_millis(250),
            "the first chunk waited for the second: {:?}",
            started.elapsed()
        );
        let rest = http_body_util::BodyExt::collect(body).await.unwrap().to_bytes();
        assert_eq!(&rest[..], b"second");
        hello(&client, &proxy).await;
    }
    task.abort();
}

#[tokio::test]
async fn bodies_to_the_end_of_the_connection_and_cut_bodies() {
    let proxy = Proxy::start().await;
    let (target, connections, task) = framing_backend().await;
    proxy.deploy("app", &target, &[]).await;
    let client = client();
    for _ in 0..2 {
        let (status, _, body) = get(&client, proxy.http(), "h", "/until-close").await;
        assert_eq!((status.as_u16(), body.as_str()), (200, "all of it"));
        hello(&client, &proxy).await;
    }
    // A body the target cuts short is not passed off as whole; the next request gets a new
    // connection and a whole answer.
    let req = http::Request::get(format!("http://{}/cut", proxy.http()))
        .header("host", "h")
        .body(Default::default())
        .unwrap();
    // (The head may or may not reach the client before the connection is closed.)
    let whole = match tokio::time::timeout(DEADLINE, client.request(req)).await.unwrap() {
        Err(_) => None,
        Ok(response) => {
            tokio::time::timeout(DEADLINE, http_body_util::BodyExt::collect(response.into_body())).await.unwrap().ok()
        }
    };
    assert!(whole.is_none(), "a cut body arrived as complete");
    let before = connections.load(Ordering::SeqCst);
    hello(&client, &proxy).await;
    assert_eq!(connections.load(Ordering::SeqCst), before + 1);
    task.abort();
}

#[tokio::test]
async fn large_uploads_stream_through_unbuffered_and_buffered() {
    let proxy = Proxy::start().await;
    let (target, _, task) = framing_backend().await;
    let client = client();
    for buffered in [false, true] {
        let extra: &[&str] = if buffered { &["--buffer-requests", "--buffer-responses"] } else { &[] };
        proxy.deploy("app", &target, extra).await;
        for size in [0usize, 1, 70_000, 3 << 20] {
            let req = http::Request::post(format!("http://{}/upload", proxy.http()))
                .header("host", "h")
                .body(http_body_util::Full::new(bytes::Bytes::from(vec![b'x'; size])))
                .unwrap();
            let (status, _, body) = request(&client, proxy.http(), req).await;
            assert_eq!((status.as_u16(), body), (200, size.to_string()), "buffered {buffered}");
            hello(&client, &proxy).await;
        }
    }
    task.abort();
}

/// Writes `head` and `body` on a new connection to the proxy (in a task: the proxy may answer
/// before it has read them) and returns the answer's head and whatever body came with it.
async fn raw_exchange(proxy: &Proxy, head: String, body: Vec<u8>) -> String {
    let stream = tokio::net::TcpStream::connect(proxy.http()).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let sender = tokio::spawn(async move {
        let _ = writer.write_all(head.as_bytes()).await;
        let _ = writer.write_all(&body).await;
        writer
    });
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    // Up to the end of the head and the body its Content-Length announces.
    let complete = |answer: &[u8]| {
        let text = String::from_utf8_lossy(answer);
        let Some((head, body)) = text.split_once("\r\n\r\n") else { return false };
        let length = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap())
            })
            .unwrap_or(0);
        body.len() >= length
    };
    let read = async {
        while !complete(&answer) {
            match reader.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&chunk[..n]),
            }
        }
    };
    tokio::time::timeout(DEADLINE, read).await.unwrap();
    sender.abort();
    String::from_utf8_lossy(&answer).to_string()
}

#[tokio::test]
async fn uploads_of_unknown_length_go_chunked_to_the_target() {
    let proxy = Proxy::start().await;
    let backend = Backend::start("app").await;
    proxy.deploy("app", &backend.target(), &[]).await;
    let mut body = Vec::new();
    for piece in ["hello", " ", "chunked world"] {
        body.extend_from_slice(format!("{:x}\r\n{piece}\r\n", piece.len()).as_bytes());
    }
    body.extend_from_slice(b"0\r\n\r\n");
    let head = "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_string();
    let answer = raw_exchange(&proxy, head, body).await;
    assert!(answer.starts_with("HTTP/1.1 200") && answer.ends_with("\r\n\r\napp:19"), "{answer}");
    let head = "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n".to_string();
    let answer = raw_exchange(&proxy, head, b"3\r\nabc\r\n0\r\n\r\n".to_vec()).await;
    assert!(answer.ends_with("\r\n\r\napp:3"), "{answer}");
}

#[tokio::test]
async fn a_target_refusing_an_upload_early_is_answered_before_the_upload_ends() {
    let proxy = Proxy::start().await;
    let (target, _, task) = framing_backend().await;
    proxy.deploy("app", &target, &[]).await;
    let size = 8 << 20;
    let head = format!("POST /refuse HTTP/1.1\r\nHost: h\r\nContent-Length: {size}\r\n\r\n");
    let started = std::time::Instant::now();
    let answer = raw_exchange(&proxy, head, vec![b'x'; size]).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_millis(1400),
        "the answer waited for the target to close: {:?}",
        started.elapsed()
    );
    let client = client();
    hello(&client, &proxy).await;
    task.abort();
}
