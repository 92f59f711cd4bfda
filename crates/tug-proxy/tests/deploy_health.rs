mod common;
use common::*;
use std::sync::atomic::Ordering;

#[tokio::test]
async fn unhealthy_target_fails_deploy_with_kamal_proxy_message_and_old_target_keeps_serving() {
    let proxy = Proxy::start().await;
    let (good, bad) = (Backend::start("good").await, Backend::start("bad").await);
    proxy.deploy("app", &good.target(), &[]).await;
    let state_before = std::fs::read_to_string(proxy.state_path()).unwrap();
    bad.healthy.store(false, Ordering::SeqCst);
    let t = format!("--target={}", bad.target());
    let err =
        proxy.cli(&["deploy", "app", &t, "--deploy-timeout=300ms", "--health-check-interval=50ms"]).await.unwrap_err();
    assert_eq!(err, "target failed to become healthy within configured timeout (300ms)");
    assert_eq!(get(&client(), proxy.http(), "h", "/").await.2, "good");
    assert_eq!(std::fs::read_to_string(proxy.state_path()).unwrap(), state_before);
}

#[tokio::test]
async fn deploy_waits_until_target_becomes_healthy() {
    let proxy = Proxy::start().await;
    let slow = Backend::start("slow-boot").await;
    slow.healthy.store(false, Ordering::SeqCst);
    let flag = slow.healthy.clone();
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        flag.store(true, Ordering::SeqCst);
    });
    proxy.deploy("app", &slow.target(), &["--deploy-timeout=10s"]).await;
    assert_eq!(get(&client(), proxy.http(), "h", "/").await.2, "slow-boot");
}

#[tokio::test]
async fn health_check_path_and_port_are_honoured() {
    let proxy = Proxy::start().await;
    let app = Backend::start("app").await;
    let health = Backend::start("health").await;
    // The app's own /nothing-here answers 200 (default handler) so a custom path passes…
    proxy.deploy("a", &app.target(), &["--health-check-path=/anything"]).await;
    // …and a health port elsewhere is checked instead of the target's port.
    health.healthy.store(true, Ordering::SeqCst);
    app.healthy.store(false, Ordering::SeqCst);
    let port = format!("--health-check-port={}", health.addr.port());
    proxy.deploy("b", &app.target(), &["--host=b.test", &port]).await;
    assert_eq!(get(&client(), proxy.http(), "b.test", "/").await.2, "app");
}

#[tokio::test]
async fn invalid_target_is_refused() {
    let proxy = Proxy::start().await;
    let err = proxy.cli(&["deploy", "app", "--target=http://x:80"]).await.unwrap_err();
    assert_eq!(err, "http://x:80 :invalid host pattern");
}

#[tokio::test]
async fn several_targets_are_balanced_round_robin() {
    let proxy = Proxy::start().await;
    let (a, b) = (Backend::start("a").await, Backend::start("b").await);
    let targets = format!("{},{}", a.target(), b.target());
    proxy.deploy("app", &targets, &[]).await;
    let c = client();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..4 {
        seen.insert(get(&c, proxy.http(), "h", "/").await.2);
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), vec!["a", "b"]);
}

#[tokio::test]
async fn read_targets_take_reads_and_writes_set_affinity_cookie() {
    let proxy = Proxy::start().await;
    let (w, r) = (Backend::start("writer").await, Backend::start("reader").await);
    let rt = format!("--read-target={}", r.target());
    proxy.deploy("app", &w.target(), &[&rt]).await;
    let c = client();
    assert_eq!(get(&c, proxy.http(), "h", "/").await.2, "reader");
    let req =
        http::Request::post(format!("http://{}/", proxy.http())).header("host", "h").body(Default::default()).unwrap();
    let (status, headers, body) = request(&c, proxy.http(), req).await;
    assert_eq!((status.as_u16(), body.as_str()), (200, "writer"));
    let cookie = headers["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("kamal-writer="), "{cookie}");
    let value = cookie.split(';').next().unwrap().to_string();
    let req = http::Request::get(format!("http://{}/", proxy.http()))
        .header("host", "h")
        .header("cookie", value)
        .body(Default::default())
        .unwrap();
    assert_eq!(request(&c, proxy.http(), req).await.2, "writer");
}
