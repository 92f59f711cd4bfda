mod common;
use common::*;

fn post(addr: std::net::SocketAddr, path: &str, size: usize) -> http::Request<http_body_util::Full<bytes::Bytes>> {
    http::Request::post(format!("http://{addr}{path}"))
        .header("host", "h")
        .body(http_body_util::Full::new(bytes::Bytes::from(vec![b'a'; size])))
        .unwrap()
}

#[tokio::test]
async fn request_over_max_request_body_answers_413() {
    let proxy = Proxy::start().await;
    let app = Backend::start("app").await;
    proxy.deploy("app", &app.target(), &["--buffer-requests", "--max-request-body=1000"]).await;
    let c = client();
    let (status, _, body) = request(&c, proxy.http(), post(proxy.http(), "/echo", 1001)).await;
    assert_eq!(status.as_u16(), 413);
    assert!(body.contains("413"));
    assert_eq!(request(&c, proxy.http(), post(proxy.http(), "/echo", 1000)).await.2, "app:1000");
}

#[tokio::test]
async fn response_over_max_response_body_answers_500() {
    let proxy = Proxy::start().await;
    let app = Backend::start("app").await;
    proxy.deploy("app", &app.target(), &["--buffer-responses", "--max-response-body=1000"]).await;
    let c = client();
    assert_eq!(get(&c, proxy.http(), "h", "/size?n=1001").await.0.as_u16(), 500);
    assert_eq!(get(&c, proxy.http(), "h", "/size?n=1000").await.2.len(), 1000);
}

#[tokio::test]
async fn bodies_larger_than_buffer_memory_spill_to_disk_intact() {
    let proxy = Proxy::start().await;
    let app = Backend::start("app").await;
    proxy.deploy("app", &app.target(), &["--buffer-requests", "--buffer-responses", "--buffer-memory=1024"]).await;
    let c = client();
    assert_eq!(request(&c, proxy.http(), post(proxy.http(), "/echo", 300_000)).await.2, "app:300000");
    let (_, headers, body) = get(&c, proxy.http(), "h", "/size?n=300000").await;
    assert_eq!(body.len(), 300_000);
    assert_eq!(headers["content-length"], "300000");
}

#[tokio::test]
async fn limits_apply_only_when_buffering() {
    let proxy = Proxy::start().await;
    let app = Backend::start("app").await;
    proxy.deploy("app", &app.target(), &[]).await;
    let c = client();
    assert_eq!(request(&c, proxy.http(), post(proxy.http(), "/echo", 2_000_000)).await.2, "app:2000000");
}
