mod common;
use common::*;

#[tokio::test]
async fn in_flight_request_completes_during_deploy() {
    let proxy = Proxy::start().await;
    let (old, new) = (Backend::start("old").await, Backend::start("new").await);
    proxy.deploy("app", &old.target(), &[]).await;
    let addr = proxy.http();
    let slow = tokio::spawn(async move { get(&client(), addr, "h", "/slow?ms=400").await });
    eventually("slow request reached the old target", || async {
        old.hits.load(std::sync::atomic::Ordering::SeqCst) == 1
    })
    .await;
    proxy.deploy("app", &new.target(), &["--drain-timeout=5s"]).await;
    let (status, _, body) = slow.await.unwrap();
    assert_eq!((status.as_u16(), body.as_str()), (200, "old"));
    assert_eq!(get(&client(), addr, "h", "/").await.2, "new");
}

#[tokio::test]
async fn request_outliving_drain_timeout_is_cancelled_with_504() {
    let proxy = Proxy::start().await;
    let (old, new) = (Backend::start("old").await, Backend::start("new").await);
    proxy.deploy("app", &old.target(), &[]).await;
    let addr = proxy.http();
    let slow = tokio::spawn(async move { get(&client(), addr, "h", "/slow?ms=5000").await });
    eventually("slow request reached the old target", || async {
        old.hits.load(std::sync::atomic::Ordering::SeqCst) == 1
    })
    .await;
    proxy.deploy("app", &new.target(), &["--drain-timeout=100ms"]).await;
    let (status, _, _) = slow.await.unwrap();
    assert_eq!(status.as_u16(), 504);
}

#[tokio::test]
async fn target_timeout_answers_504() {
    let proxy = Proxy::start().await;
    let app = Backend::start("app").await;
    proxy.deploy("app", &app.target(), &["--target-timeout=100ms"]).await;
    let (status, _, body) = get(&client(), proxy.http(), "h", "/slow?ms=2000").await;
    assert_eq!(status.as_u16(), 504);
    assert!(body.contains("504"));
}

#[tokio::test]
async fn unreachable_target_answers_502() {
    let proxy = Proxy::start().await;
    let app = Backend::start("app").await;
    let target = app.target();
    proxy.deploy("app", &target, &[]).await;
    drop(app);
    let (status, _, _) = get(&client(), proxy.http(), "h", "/").await;
    assert_eq!(status.as_u16(), 502);
}
