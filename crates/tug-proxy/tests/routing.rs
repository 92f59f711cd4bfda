mod common;
use common::*;

#[tokio::test]
async fn empty_router_returns_404() {
    let proxy = Proxy::start().await;
    let (status, headers, body) = get(&client(), proxy.http(), "example.com", "/").await;
    assert_eq!(status, 404);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert!(body.contains("404"));
}

#[tokio::test]
async fn deployed_service_answers_and_removed_service_returns_404() {
    let proxy = Proxy::start().await;
    let a = Backend::start("first").await;
    proxy.deploy("app", &a.target(), &[]).await;
    let c = client();
    assert_eq!(get(&c, proxy.http(), "anything.example", "/").await.2, "first");
    proxy.cli(&["remove", "app"]).await.unwrap();
    assert_eq!(get(&c, proxy.http(), "anything.example", "/").await.0, 404);
    assert_eq!(proxy.cli(&["remove", "app"]).await.unwrap_err(), "service not found");
}

#[tokio::test]
async fn routes_by_host_with_port_and_wildcard_one_label() {
    let proxy = Proxy::start().await;
    let (a, b, d) = (Backend::start("a").await, Backend::start("b").await, Backend::start("default").await);
    proxy.deploy("a", &a.target(), &["--host=a.example.com"]).await;
    proxy.deploy("b", &b.target(), &["--host=*.example.com"]).await;
    let c = client();
    assert_eq!(get(&c, proxy.http(), "a.example.com", "/").await.2, "a");
    assert_eq!(get(&c, proxy.http(), "a.example.com:8080", "/").await.2, "a");
    assert_eq!(get(&c, proxy.http(), "x.example.com", "/").await.2, "b");
    assert_eq!(get(&c, proxy.http(), "x.y.example.com", "/").await.0, 404);
    proxy.deploy("default", &d.target(), &[]).await;
    assert_eq!(get(&c, proxy.http(), "x.y.example.com", "/").await.2, "default");
    assert_eq!(get(&c, proxy.http(), "other.test", "/").await.2, "default");
}

#[tokio::test]
async fn host_conflict_is_refused_and_old_service_keeps_serving() {
    let proxy = Proxy::start().await;
    let (a, b) = (Backend::start("a").await, Backend::start("b").await);
    proxy.deploy("a", &a.target(), &["--host=example.com"]).await;
    let t = format!("--target={}", b.target());
    let err = proxy.cli(&["deploy", "b", &t, "--host=example.com", "--health-check-interval=50ms"]).await.unwrap_err();
    assert_eq!(err, "host settings conflict with another service");
    assert_eq!(get(&client(), proxy.http(), "example.com", "/").await.2, "a");
}

#[tokio::test]
async fn path_prefixes_match_on_slash_boundaries_and_strip() {
    let proxy = Proxy::start().await;
    let (root, api) = (Backend::start("root").await, Backend::start("api").await);
    proxy.deploy("root", &root.target(), &[]).await;
    proxy.deploy("api", &api.target(), &["--path-prefix=/api"]).await;
    let c = client();
    assert_eq!(get(&c, proxy.http(), "h", "/api").await.2, "api");
    assert_eq!(get(&c, proxy.http(), "h", "/api/x").await.2, "api");
    assert_eq!(get(&c, proxy.http(), "h", "/apiary").await.2, "root");
    let (_, _, headers) = get(&c, proxy.http(), "h", "/api/headers?p=a;b;c&p2=%x").await;
    assert!(headers.contains("x-kamal-target"), "{headers}");
    assert_eq!(api.hits.load(std::sync::atomic::Ordering::SeqCst), 3);
}

#[tokio::test]
async fn strip_prefix_sends_remaining_path_and_verbatim_query() {
    let proxy = Proxy::start().await;
    let api = Backend::start("api").await;
    proxy.deploy("api", &api.target(), &["--path-prefix=/app"]).await;
    let c = client();
    // `/app/size?n=3` reaches the backend as `/size?n=3`.
    assert_eq!(get(&c, proxy.http(), "h", "/app/size?n=3").await.2, "xxx");
    let nostrip = Backend::start("nostrip").await;
    proxy.deploy("keep", &nostrip.target(), &["--path-prefix=/keep", "--strip-path-prefix=false"]).await;
    // Without stripping, `/keep` reaches the backend as `/keep` (default handler: name).
    assert_eq!(get(&c, proxy.http(), "h", "/keep").await.2, "nostrip");
}
