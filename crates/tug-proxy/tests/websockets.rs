mod common;
use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn open(addr: std::net::SocketAddr) -> tokio::net::TcpStream {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").await.unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        tokio::time::timeout(DEADLINE, s.read_exact(&mut byte)).await.unwrap().unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_string();
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    s
}

#[tokio::test]
async fn websocket_upgrade_is_spliced_both_ways() {
    let proxy = Proxy::start().await;
    let app = Backend::start("app").await;
    proxy
        .deploy(
            "app",
            &app.target(),
            &["--buffer-requests", "--buffer-responses", "--max-request-body=10", "--max-response-body=10"],
        )
        .await;
    let mut s = open(proxy.http()).await;
    let message = b"hello through the proxy, longer than the buffer limits";
    s.write_all(message).await.unwrap();
    let mut back = vec![0u8; message.len()];
    tokio::time::timeout(DEADLINE, s.read_exact(&mut back)).await.unwrap().unwrap();
    assert_eq!(&back, message);
}

#[tokio::test]
async fn deploy_closes_websockets_of_the_old_target_at_once() {
    let proxy = Proxy::start().await;
    let (old, new) = (Backend::start("old").await, Backend::start("new").await);
    proxy.deploy("app", &old.target(), &[]).await;
    let mut s = open(proxy.http()).await;
    proxy.deploy("app", &new.target(), &["--drain-timeout=30s"]).await;
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(DEADLINE, s.read(&mut buf)).await.unwrap().unwrap_or(0);
    assert_eq!(n, 0, "the tunnel should be closed");
}
