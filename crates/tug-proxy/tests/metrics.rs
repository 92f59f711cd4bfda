//! Prometheus metrics on the metrics port: kamal-proxy's names and labels.
mod common;
use common::*;

async fn scrape(proxy: &Proxy) -> String {
    let addr = proxy.server.as_ref().unwrap().metrics_addr().expect("metrics enabled");
    let (status, headers, body) = get(&client(), addr, "metrics", "/anything").await;
    assert_eq!(status.as_u16(), 200);
    assert!(headers["content-type"].to_str().unwrap().contains("openmetrics-text"));
    body
}

#[tokio::test]
async fn requests_durations_and_in_flight_are_counted_per_service() {
    let mut proxy = Proxy::unstarted(tug_proxy::trusted::TrustedProxies::none(), false, None);
    proxy.metrics = true;
    proxy.boot().await;
    let app = Backend::start("app").await;
    proxy.deploy("app", &app.target(), &["--host=app.test"]).await;
    let c = client();
    for _ in 0..2 {
        assert_eq!(get(&c, proxy.http(), "app.test", "/").await.0.as_u16(), 200);
    }
    let post = http::Request::post(format!("http://{}/echo", proxy.http()))
        .header("host", "app.test")
        .body(http_body_util::Full::new(bytes::Bytes::from_static(b"hi")))
        .unwrap();
    assert_eq!(request(&c, proxy.http(), post).await.0.as_u16(), 200);
    let odd = http::Request::builder()
        .method("PROPFIND")
        .uri(format!("http://{}/", proxy.http()))
        .header("host", "app.test")
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap();
    request(&c, proxy.http(), odd).await;
    assert_eq!(get(&c, proxy.http(), "nowhere.test", "/").await.0.as_u16(), 404);

    // A slow request shows as in flight while it runs.
    let slow = {
        let c = c.clone();
        let addr = proxy.http();
        tokio::spawn(async move { get(&c, addr, "app.test", "/slow?ms=1500").await })
    };
    eventually("one request in flight", || async {
        scrape(&proxy).await.contains("kamal_proxy_http_in_flight_requests{service=\"app\"} 1")
    })
    .await;
    assert_eq!(slow.await.unwrap().0.as_u16(), 200);

    let text = scrape(&proxy).await;
    assert!(
        text.contains("kamal_proxy_http_requests_total{service=\"app\",method=\"GET\",status=\"200\"} 3"),
        "{text}"
    );
    assert!(
        text.contains("kamal_proxy_http_requests_total{service=\"app\",method=\"POST\",status=\"200\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("kamal_proxy_http_requests_total{service=\"app\",method=\"OTHER\",status=\"200\"} 1"),
        "{text}"
    );
    assert!(text.contains("kamal_proxy_http_requests_total{service=\"\",method=\"GET\",status=\"404\"} 1"), "{text}");
    assert!(
        text.contains(
            "kamal_proxy_http_request_duration_seconds_count{service=\"app\",method=\"GET\",status=\"200\"} 3"
        ),
        "{text}"
    );
    assert!(text.contains("kamal_proxy_http_request_duration_seconds_bucket{le=\"10.0\",service=\"app\",method=\"GET\",status=\"200\"} 3"), "{text}");
    assert!(text.contains("kamal_proxy_http_in_flight_requests{service=\"app\"} 0"), "{text}");
}

#[tokio::test]
async fn no_metrics_listener_without_a_port() {
    let proxy = Proxy::start().await;
    assert!(proxy.server.as_ref().unwrap().metrics_addr().is_none());
}
