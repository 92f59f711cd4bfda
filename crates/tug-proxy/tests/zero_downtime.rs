//! Continuous requests from several clients while deploying back and forth between two real
//! backends: not one request may fail.
mod common;
use common::*;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploying_back_and_forth_under_load_fails_no_request() {
    let proxy = Proxy::start().await;
    let (blue, green) = (Backend::start("blue").await, Backend::start("green").await);
    proxy.deploy("app", &blue.target(), &["--drain-timeout=5s"]).await;

    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let addr = proxy.http();
    let mut clients = Vec::new();
    for i in 0..4 {
        let (stop, ok, failed) = (stop.clone(), ok.clone(), failed.clone());
        clients.push(tokio::spawn(async move {
            let c = client();
            let path = if i % 2 == 0 { "/" } else { "/slow?ms=20" };
            while !stop.load(Ordering::SeqCst) {
                let req = http::Request::get(format!("http://{addr}{path}"))
                    .header("host", "app.example")
                    .body(http_body_util::Full::new(bytes::Bytes::new()))
                    .unwrap();
                match tokio::time::timeout(DEADLINE, c.request(req)).await {
                    Ok(Ok(resp)) if resp.status() == 200 => {
                        let body = http_body_util::BodyExt::collect(resp.into_body()).await.map(|b| b.to_bytes());
                        match body {
                            Ok(b) if matches!(&b[..], b"blue" | b"green") => ok.fetch_add(1, Ordering::SeqCst),
                            _ => failed.fetch_add(1, Ordering::SeqCst),
                        };
                    }
                    _ => {
                        failed.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
        }));
    }

    let deploys = 24;
    for n in 0..deploys {
        let target = if n % 2 == 0 { green.target() } else { blue.target() };
        let before = ok.load(Ordering::SeqCst);
        proxy.deploy("app", &target, &["--drain-timeout=5s"]).await;
        // Let some traffic through on each target before switching again.
        eventually("requests between deploys", || {
            let ok = ok.clone();
            async move { ok.load(Ordering::SeqCst) >= before + 10 }
        })
        .await;
    }
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.await.unwrap();
    }
    let (ok, failed) = (ok.load(Ordering::SeqCst), failed.load(Ordering::SeqCst));
    println!("zero-downtime: {deploys} deploys, {ok} requests succeeded, {failed} failed");
    assert_eq!(failed, 0, "{failed} of {} requests failed", ok + failed);
    assert!(blue.hits.load(Ordering::SeqCst) > 0 && green.hits.load(Ordering::SeqCst) > 0);
}
