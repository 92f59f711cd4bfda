mod common;
use common::*;

#[tokio::test]
async fn paused_requests_wait_until_resume() {
    let proxy = Proxy::start().await;
    let app = Backend::start("app").await;
    proxy.deploy("app", &app.target(), &[]).await;
    proxy.cli(&["pause", "app", "--max-pause=10s"]).await.unwrap();
    let addr = proxy.http();
    let waiting = tokio::spawn(async move { get(&client(), addr, "h", "/").await });
    // The health path still answers 200 while paused.
    assert_eq!(get(&client(), addr, "h", "/up").await.0, 200);
    assert!(!waiting.is_finished());
    proxy.cli(&["resume", "app"]).await.unwrap();
    assert_eq!(waiting.await.unwrap().2, "app");
}

#[tokio::test]
async fn pause_longer_than_max_pause_answers_504() {
    let proxy = Proxy::start().await;
    let app = Backend::start("app").await;
    proxy.deploy("app", &app.target(), &[]).await;
    proxy.cli(&["pause", "app", "--max-pause=100ms"]).await.unwrap();
    assert_eq!(get(&client(), proxy.http(), "h", "/").await.0, 504);
}

#[tokio::test]
async fn stopped_service_answers_503_with_message_and_list_shows_state() {
    let proxy = Proxy::start().await;
    let app = Backend::start("app").await;
    proxy.deploy("app", &app.target(), &[]).await;
    proxy.cli(&["stop", "app", "--message=Back <soon>"]).await.unwrap();
    let (status, headers, body) = get(&client(), proxy.http(), "h", "/").await;
    assert_eq!(status.as_u16(), 503);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert!(body.contains("Back &lt;soon&gt;"), "{body}");
    let list = proxy.cli(&["list"]).await.unwrap().services.unwrap();
    assert_eq!(list["app"].state, "stopped");
    assert_eq!(list["app"].host, "*");
    proxy.cli(&["resume", "app"]).await.unwrap();
    assert_eq!(get(&client(), proxy.http(), "h", "/").await.2, "app");
}

#[tokio::test]
async fn stop_releases_paused_requests_with_503() {
    let proxy = Proxy::start().await;
    let app = Backend::start("app").await;
    proxy.deploy("app", &app.target(), &[]).await;
    proxy.cli(&["pause", "app", "--max-pause=10s"]).await.unwrap();
    let addr = proxy.http();
    let waiting = tokio::spawn(async move { get(&client(), addr, "h", "/").await });
    tokio::task::yield_now().await;
    proxy.cli(&["stop", "app", "--message=down"]).await.unwrap();
    assert_eq!(waiting.await.unwrap().0.as_u16(), 503);
}

#[tokio::test]
async fn custom_error_pages_replace_builtin_ones() {
    let proxy = Proxy::start().await;
    let app = Backend::start("app").await;
    let pages = tempfile::tempdir().unwrap();
    std::fs::write(pages.path().join("503.html"), "<p>custom: {{ .Message }}</p>").unwrap();
    let flag = format!("--error-pages={}", pages.path().display());
    proxy.deploy("app", &app.target(), &[&flag]).await;
    proxy.cli(&["stop", "app", "--message=maintenance"]).await.unwrap();
    assert_eq!(get(&client(), proxy.http(), "h", "/").await.2, "<p>custom: maintenance</p>");
    let empty = tempfile::tempdir().unwrap();
    let flag = format!("--error-pages={}", empty.path().display());
    let t = format!("--target={}", app.target());
    assert_eq!(proxy.cli(&["deploy", "app", &t, &flag]).await.unwrap_err(), "unable to load error pages");
}
