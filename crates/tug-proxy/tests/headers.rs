mod common;
use common::*;
use tug_proxy::trusted::TrustedProxies;

fn with_headers(
    addr: std::net::SocketAddr,
    headers: &[(&str, &str)],
) -> http::Request<http_body_util::Full<bytes::Bytes>> {
    let mut b = http::Request::get(format!("http://{addr}/headers")).header("host", "app.test");
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Default::default()).unwrap()
}

fn header_of(text: &str, name: &str) -> Option<String> {
    text.lines().find_map(|l| l.strip_prefix(&format!("{name}: ")).map(str::to_string))
}

#[tokio::test]
async fn forward_headers_extend_incoming_values_when_tls_is_off() {
    let proxy = Proxy::start().await;
    let app = Backend::start("app").await;
    proxy.deploy("app", &app.target(), &[]).await;
    let req = with_headers(
        proxy.http(),
        &[("x-forwarded-for", "1.2.3.4"), ("x-forwarded-proto", "https"), ("x-forwarded-host", "orig.test")],
    );
    let body = request(&client(), proxy.http(), req).await.2;
    assert_eq!(header_of(&body, "x-forwarded-for").as_deref(), Some("1.2.3.4, 127.0.0.1"));
    assert_eq!(header_of(&body, "x-forwarded-proto").as_deref(), Some("https"));
    assert_eq!(header_of(&body, "x-forwarded-host").as_deref(), Some("orig.test"));
    assert!(header_of(&body, "x-request-id").is_some_and(|v| v.len() == 36));
    assert!(header_of(&body, "x-request-start").is_some_and(|v| v.starts_with("t=")));
    assert_eq!(header_of(&body, "x-kamal-target"), Some(app.target()));
    assert_eq!(header_of(&body, "host").as_deref(), Some("app.test"));
}

#[tokio::test]
async fn without_forward_headers_incoming_values_are_replaced() {
    let proxy = Proxy::start().await;
    let app = Backend::start("app").await;
    proxy.deploy("app", &app.target(), &["--forward-headers=false"]).await;
    let req = with_headers(
        proxy.http(),
        &[("x-forwarded-for", "1.2.3.4"), ("x-forwarded-proto", "https"), ("x-request-id", "keep-me")],
    );
    let body = request(&client(), proxy.http(), req).await.2;
    assert_eq!(header_of(&body, "x-forwarded-for").as_deref(), Some("127.0.0.1"));
    assert_eq!(header_of(&body, "x-forwarded-proto").as_deref(), Some("http"));
    assert_eq!(header_of(&body, "x-forwarded-host").as_deref(), Some("app.test"));
    assert_eq!(header_of(&body, "x-request-id").as_deref(), Some("keep-me"));
}

#[tokio::test]
async fn trusted_peer_sets_client_ip_from_cf_connecting_ip() {
    let trusted = TrustedProxies::parse_list("127.0.0.1/32,cloudflare").unwrap();
    let proxy = Proxy::start_with(trusted, false, None).await;
    let app = Backend::start("app").await;
    proxy.deploy("app", &app.target(), &["--forward-headers=false"]).await;
    let req = with_headers(
        proxy.http(),
        &[("cf-connecting-ip", "203.0.113.9"), ("x-forwarded-for", "203.0.113.9"), ("x-forwarded-proto", "https")],
    );
    let body = request(&client(), proxy.http(), req).await.2;
    assert_eq!(header_of(&body, "x-forwarded-for").as_deref(), Some("203.0.113.9"));
    assert_eq!(header_of(&body, "x-forwarded-proto").as_deref(), Some("https"));
    let log = proxy.log_lines().into_iter().find(|l| l.contains("/headers")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&log).unwrap();
    assert_eq!(v["remote_addr"], "203.0.113.9");
}

#[tokio::test]
async fn untrusted_peer_cannot_spoof_client_ip_even_with_forward_headers() {
    let trusted = TrustedProxies::parse_list("10.0.0.0/8").unwrap();
    let proxy = Proxy::start_with(trusted, false, None).await;
    let app = Backend::start("app").await;
    proxy.deploy("app", &app.target(), &["--forward-headers"]).await;
    let req = with_headers(proxy.http(), &[("cf-connecting-ip", "6.6.6.6"), ("x-forwarded-for", "6.6.6.6")]);
    let body = request(&client(), proxy.http(), req).await.2;
    assert_eq!(header_of(&body, "x-forwarded-for").as_deref(), Some("127.0.0.1"));
    assert_eq!(header_of(&body, "cf-connecting-ip"), None);
}

#[tokio::test]
async fn connections_from_outside_trusted_ranges_can_be_refused() {
    let trusted = TrustedProxies::parse_list("10.0.0.0/8").unwrap();
    let proxy = Proxy::start_with(trusted, true, None).await;
    let result = tokio::time::timeout(DEADLINE, client().request(with_headers(proxy.http(), &[]))).await.unwrap();
    assert!(result.is_err(), "the connection should have been closed");
}

#[tokio::test]
async fn access_log_line_has_kamal_proxy_fields() {
    let proxy = Proxy::start().await;
    let app = Backend::start("app").await;
    proxy
        .deploy("app", &app.target(), &["--log-request-header=user-agent", "--log-response-header=Content-Type"])
        .await;
    let req = http::Request::get(format!("http://{}/size?n=5", proxy.http()))
        .header("host", "app.test")
        .header("user-agent", "probe")
        .body(Default::default())
        .unwrap();
    request(&client(), proxy.http(), req).await;
    eventually("access log line", || async { proxy.log_lines().iter().any(|l| l.contains("\"/size\"")) }).await;
    let line = proxy.log_lines().into_iter().find(|l| l.contains("\"/size\"")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["msg"], "Request");
    assert_eq!(v["status"], 200);
    assert_eq!(v["service"], "app");
    assert_eq!(v["target"], app.target());
    assert_eq!(v["query"], "n=5");
    assert_eq!(v["resp_content_length"], 5);
    assert_eq!(v["method"], "GET");
    assert_eq!(v["scheme"], "http");
    assert_eq!(v["proto"], "HTTP/1.1");
    assert_eq!(v["remote_addr"], "127.0.0.1");
    assert_eq!(v["req_user_agent"], "probe");
    assert!(v["duration"].as_u64().is_some());
    for field in [
        "host",
        "port",
        "path",
        "request_id",
        "req_content_length",
        "req_content_type",
        "resp_content_type",
        "client_addr",
        "client_port",
        "user_agent",
        "resp_content_type",
    ] {
        assert!(v.get(field).is_some(), "missing {field}");
    }
}

#[tokio::test]
async fn the_request_id_the_target_gets_is_the_one_logged() {
    let proxy = Proxy::start().await;
    let app = Backend::start("app").await;
    proxy.deploy("app", &app.target(), &["--log-request-header=X-Request-Id,X-Request-Start"]).await;
    let (_, _, body) = get(&client(), proxy.http(), "app.test", "/headers").await;
    let sent_id = header_of(&body, "x-request-id").unwrap();
    let sent_start = header_of(&body, "x-request-start").unwrap();
    assert_eq!(sent_id.len(), 36);
    eventually("access log line", || async { proxy.log_lines().iter().any(|l| l.contains("\"/headers\"")) }).await;
    let line = proxy.log_lines().into_iter().find(|l| l.contains("\"/headers\"")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["request_id"], sent_id.as_str(), "{line}");
    assert_eq!(v["req_x_request_id"], sent_id.as_str(), "{line}");
    assert_eq!(v["req_x_request_start"], sent_start.as_str(), "{line}");
}
