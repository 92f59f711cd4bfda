//! The routes, against the real server on 127.0.0.1:0 with a temporary database.

mod common;

use common::{Server, request};

#[test]
fn writes_then_reads() {
    let server = Server::start();
    let (status, body) = server.request("POST", "/entries", "first dig");
    assert_eq!(status, 201);
    let id: i64 = body.trim().parse().unwrap();
    assert_eq!(server.request("POST", "/entries", "second dig").0, 201);

    assert_eq!(server.request("GET", &format!("/entries/{id}"), ""), (200, "first dig".to_string()));
    assert_eq!(server.request("GET", "/entries/999", "").0, 404);
    assert_eq!(server.request("GET", "/entries/abc", "").0, 404);
    assert_eq!(server.request("GET", "/entries?after=0", ""), (200, format!("{id}\n{}\n", id + 1)));
    assert_eq!(server.request("GET", &format!("/entries?after={id}"), ""), (200, format!("{}\n", id + 1)));
    assert_eq!(server.request("GET", "/entries?after=0&limit=1", ""), (200, format!("{id}\n")));
    assert_eq!(server.request("GET", "/entries?after=x", "").0, 400);

    let (status, home) = server.request("GET", "/", "");
    assert_eq!(status, 200);
    assert!(home.contains("test-version"), "{home}");
    assert!(home.contains("entries: 2"), "{home}");
    assert_eq!(server.request("GET", "/version", ""), (200, "test-version\n".to_string()));
}

#[test]
fn rejects_what_it_cannot_store() {
    let server = Server::start();
    let big = "x".repeat(zen_miner::http::MAX_BODY + 1);
    assert_eq!(server.request("POST", "/entries", &big).0, 413);
    assert_eq!(server.request("DELETE", "/entries/1", "").0, 405);
    assert_eq!(server.request("POST", "/up", "").0, 405);
    assert_eq!(server.request("GET", "/nope", "").0, 404);
    assert_eq!(server.request("GET", "/assets/../production.sqlite3", "").0, 404);
    // X-Forwarded-For is logged, never trusted: the request behaves the same.
    let (status, _) = request(server.addr, "POST", "/entries", &[("X-Forwarded-For", "203.0.113.9\r")], "x");
    assert!(status == 201 || status == 400, "{status}");
    assert_eq!(request(server.addr, "GET", "/up", &[("X-Forwarded-For", "203.0.113.9")], "").0, 200);
}

#[test]
fn serves_assets() {
    let server = Server::start();
    std::fs::create_dir_all(server.dir.path().join("assets")).unwrap();
    std::fs::write(server.dir.path().join("assets/app.css"), "body{}").unwrap();
    assert_eq!(server.request("GET", "/assets/app.css", ""), (200, "body{}".to_string()));
    assert_eq!(server.request("GET", "/assets/.hidden", "").0, 404);
}

#[test]
fn up_is_503_when_the_database_directory_is_gone() {
    let server = Server::start();
    assert_eq!(server.request("GET", "/up", ""), (200, "ok\n".to_string()));
    std::fs::remove_dir_all(server.dir.path()).unwrap();
    let (status, body) = server.request("GET", "/up", "");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("database unavailable"), "{body}");
}

#[test]
fn up_is_503_when_the_file_is_overwritten_with_garbage() {
    let server = Server::start();
    assert_eq!(server.request("GET", "/up", "").0, 200);
    // Everything checkpointed into the main file (so no page is served from the WAL), then
    // the same inode overwritten: the fresh probe connection must fail to read it.
    let conn = rusqlite::Connection::open(&server.db_path).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
    drop(conn);
    std::fs::write(&server.db_path, "this is not a database, only a text file long enough to have a header".repeat(20))
        .unwrap();
    let (status, body) = server.request("GET", "/up", "");
    assert_eq!(status, 503, "{body}");
}

#[test]
fn up_is_503_when_the_file_is_swapped_under_the_app() {
    let server = Server::start();
    assert_eq!(server.request("POST", "/entries", "kept in the old file").0, 201);
    // A valid database moved into place (a restore done without restarting the app): the
    // app would keep writing to the unlinked old file, so it must say it is unhealthy.
    let other = server.dir.path().join("other.sqlite3");
    zen_miner::db::Db::open(&other).unwrap().close().unwrap();
    std::fs::rename(&other, &server.db_path).unwrap();
    let (status, body) = server.request("GET", "/up", "");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("replaced"), "{body}");
}

#[test]
fn up_stays_200_while_another_connection_holds_the_write_lock() {
    // WAL mode: a writer never blocks readers, so a long write elsewhere (a migration, a
    // backup) does not take the app out of the proxy's rotation.
    let server = Server::start();
    let locker = rusqlite::Connection::open(&server.db_path).unwrap();
    locker.execute_batch("BEGIN IMMEDIATE; INSERT INTO entries (body) VALUES ('uncommitted');").unwrap();
    assert_eq!(server.request("GET", "/up", "").0, 200);
    assert!(server.request("GET", "/", "").1.contains("entries: 0"));
    locker.execute_batch("COMMIT").unwrap();
    assert!(server.request("GET", "/", "").1.contains("entries: 1"));
}

#[test]
fn concurrent_writers_lose_no_rows() {
    let server = Server::start();
    let (writers, each) = (8, 40);
    let addr = server.addr;
    let handles: Vec<_> = (0..writers)
        .map(|w| {
            std::thread::spawn(move || {
                (0..each)
                    .map(|i| {
                        let (status, body) = request(addr, "POST", "/entries", &[], &format!("writer {w} row {i}"));
                        assert_eq!(status, 201, "{body}");
                        body.trim().parse::<i64>().unwrap()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut ids: Vec<i64> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), writers * each);
    let stored = common::rows(&server.db_path);
    assert_eq!(stored.len(), writers * each);
    for w in 0..writers {
        for i in 0..each {
            assert!(stored.iter().any(|(_, b)| *b == format!("writer {w} row {i}")));
        }
    }
    assert!(server.request("GET", "/", "").1.contains(&format!("entries: {}", writers * each)));
}
