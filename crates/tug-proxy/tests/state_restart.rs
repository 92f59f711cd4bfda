mod common;
use common::*;

#[tokio::test]
async fn routes_and_pause_state_survive_a_restart() {
    let mut proxy = Proxy::start().await;
    let (a, b) = (Backend::start("a").await, Backend::start("b").await);
    proxy.deploy("a", &a.target(), &["--host=a.test", "--buffer-requests", "--log-request-header=Cache-Control"]).await;
    proxy.deploy("b", &b.target(), &["--host=b.test"]).await;
    proxy.cli(&["stop", "b", "--message=later"]).await.unwrap();
    proxy.restart().await;
    let c = client();
    assert_eq!(get(&c, proxy.http(), "a.test", "/").await.2, "a");
    assert_eq!(get(&c, proxy.http(), "b.test", "/").await.0.as_u16(), 503);
    proxy.cli(&["resume", "b"]).await.unwrap();
    assert_eq!(get(&c, proxy.http(), "b.test", "/").await.2, "b");
}

#[tokio::test]
async fn state_file_uses_kamal_proxy_field_names_and_nanoseconds() {
    let proxy = Proxy::start().await;
    let a = Backend::start("a").await;
    proxy
        .deploy(
            "app-web",
            &a.target(),
            &["--host=example.com", "--buffer-requests", "--buffer-responses", "--log-request-header=Cache-Control"],
        )
        .await;
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(proxy.state_path()).unwrap()).unwrap();
    let s = &v[0];
    assert_eq!(s["name"], "app-web");
    assert_eq!(s["active_targets"][0], a.target());
    assert_eq!(s["options"]["hosts"][0], "example.com");
    assert_eq!(s["options"]["path_prefixes"][0], "/");
    assert_eq!(s["options"]["writer_affinity_timeout"], 1_000_000_000u64);
    assert_eq!(s["options"]["strip_prefix"], true);
    assert_eq!(s["target_options"]["health_check_config"]["path"], "/up");
    assert_eq!(s["target_options"]["health_check_config"]["timeout"], 5_000_000_000u64);
    assert_eq!(s["target_options"]["response_timeout"], 30_000_000_000u64);
    assert_eq!(s["target_options"]["buffer_requests"], true);
    assert_eq!(s["target_options"]["max_memory_buffer_size"], 1_048_576);
    assert_eq!(s["target_options"]["log_request_headers"][0], "Cache-Control");
    assert_eq!(s["target_options"]["forward_headers"], true);
    assert_eq!(s["pause_controller"]["state"], 0);
}

#[tokio::test]
async fn legacy_state_format_is_restored() {
    let dir = tempfile::tempdir().unwrap();
    let a = Backend::start("legacy").await;
    let legacy = format!(
        r#"[{{"name":"old","active_target":"{}","hosts":["legacy.test"],"path_prefixes":["/"],"options":{{"tls_enabled":false}},"target_options":{{"health_check_config":{{"path":"/up","interval":1000000000,"timeout":5000000000}},"response_timeout":30000000000}}}}]"#,
        a.target()
    );
    std::fs::write(dir.path().join("kamal-proxy.state"), legacy).unwrap();
    let proxy = Proxy::start_with(tug_proxy::trusted::TrustedProxies::none(), false, Some(dir)).await;
    assert_eq!(get(&client(), proxy.http(), "legacy.test", "/").await.2, "legacy");
}

#[tokio::test]
async fn undecodable_state_starts_empty() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kamal-proxy.state"), "{not json").unwrap();
    let proxy = Proxy::start_with(tug_proxy::trusted::TrustedProxies::none(), false, Some(dir)).await;
    assert_eq!(get(&client(), proxy.http(), "x", "/").await.0.as_u16(), 404);
}
