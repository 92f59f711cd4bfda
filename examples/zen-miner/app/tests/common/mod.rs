//! Shared helpers: the real server on 127.0.0.1:0 with a temporary database, and a minimal
//! HTTP/1.1 client (one request per connection).

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use zen_miner::db::Db;
use zen_miner::http::{App, serve};

pub struct Server {
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
    pub db_path: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Starts the app on its own runtime (so tests can use blocking clients freely).
    pub fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let db_path = dir.path().join("production.sqlite3");
        let app = Arc::new(App {
            db: Db::open(&db_path).unwrap(),
            version: "test-version".to_string(),
            assets_path: dir.path().join("assets"),
        });
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            runtime.block_on(serve(
                listener,
                app,
                async move {
                    let _ = rx.await;
                },
                Duration::from_secs(5),
            ));
        });
        Server { addr, dir, db_path, stop: Some(tx), thread: Some(thread) }
    }

    pub fn request(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        request(self.addr, method, path, &[], body)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Sends one request and returns the status and body.
pub fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, body.to_string())
}

/// Every row's body by id, read straight from a database file.
pub fn rows(path: &Path) -> Vec<(i64, String)> {
    let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut stmt = conn.prepare("SELECT id, body FROM entries ORDER BY id").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
}
