//! The batched access log: whole lines, in order, written after the flush interval, when a
//! batch passes its size, and on shutdown.

mod common;
use common::*;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tug_proxy::observe::access_log::Sink;
use tug_proxy::server::Server;
use tug_proxy::trusted::TrustedProxies;

/// A proxy whose access log goes to batches collected in memory.
async fn start(limit: usize, interval: Duration) -> (Proxy, Server, Arc<Mutex<Vec<Vec<u8>>>>) {
    let proxy = Proxy::unstarted(TrustedProxies::none(), false, None);
    let batches = Arc::new(Mutex::new(Vec::new()));
    let mut config = proxy.config();
    let sink = Arc::clone(&batches);
    config.access_log =
        Sink::Batched { out: Arc::new(move |b: &[u8]| sink.lock().unwrap().push(b.to_vec())), limit, interval };
    let server = Server::start(config).await.unwrap();
    (proxy, server, batches)
}

/// Every batch is whole lines; returns the request lines' paths in the order written.
fn paths(batches: &Mutex<Vec<Vec<u8>>>) -> Vec<String> {
    let batches = batches.lock().unwrap();
    let mut paths = Vec::new();
    for batch in batches.iter() {
        let text = std::str::from_utf8(batch).unwrap();
        assert!(text.ends_with('\n'), "a batch ends mid-line: {text:?}");
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
            if v["msg"] == "Request" {
                paths.push(v["path"].as_str().unwrap().to_string());
            }
        }
    }
    paths
}

fn expected(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("/r{i}")).collect()
}

async fn requests(proxy: &Proxy, server: &Server, n: usize) {
    let backend = Backend::start("app").await;
    proxy.deploy("app", &backend.target(), &[]).await;
    let c = client();
    for i in 0..n {
        assert_eq!(get(&c, server.http_addr(), "app.test", &format!("/r{i}")).await.0, 200);
    }
}

#[tokio::test]
async fn lines_wait_for_shutdown_when_neither_interval_nor_size_is_reached() {
    let (proxy, server, batches) = start(1 << 20, Duration::from_secs(3600)).await;
    requests(&proxy, &server, 20).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(paths(&batches).is_empty(), "written before the interval: {:?}", paths(&batches));
    server.shutdown().await;
    assert_eq!(paths(&batches), expected(20));
}

#[tokio::test]
async fn lines_are_written_after_the_interval() {
    let (proxy, server, batches) = start(1 << 20, Duration::from_millis(100)).await;
    requests(&proxy, &server, 5).await;
    let started = std::time::Instant::now();
    eventually("lines written by the timer", || async { paths(&batches).len() == 5 }).await;
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert_eq!(paths(&batches), expected(5));
    server.shutdown().await;
    assert_eq!(paths(&batches), expected(5));
}

#[tokio::test]
async fn a_batch_is_written_once_it_passes_the_size() {
    // A request line is a few hundred bytes: every second or third line fills a batch.
    let (proxy, server, batches) = start(600, Duration::from_secs(3600)).await;
    requests(&proxy, &server, 12).await;
    let written = paths(&batches);
    assert!(written.len() >= 8, "{written:?}");
    assert_eq!(written, expected(written.len()));
    assert!(batches.lock().unwrap().iter().all(|b| b.len() >= 600));
    server.shutdown().await;
    assert_eq!(paths(&batches), expected(12));
}
