//! Lab scenario: the example app's SQLite database, backed up and restored with `tug db` on a
//! fresh primary while the app keeps taking writes through the proxy.
//!
//! - The first `setup` (no database yet) takes no backup and does not fail; it makes Tug's helper
//!   image (`tug-db-local:<hash>`) on the primary from the tug binary (nothing is pulled).
//! - A `tug db backup` taken under continuous writes holds every row acknowledged before it began;
//!   `download` brings a verified, byte-identical copy here.
//! - A backup with flipped bytes is caught by `verify` and refused by `restore` (the app keeps
//!   serving, untouched).
//! - The runbook's restore procedure (docs/RUNBOOK.md, read from the file and run as written)
//!   brings back the backup: the app serves every row written before it and none written after;
//!   the restored file passes `integrity_check` on the server.
//! - Retention (`x-tug.db.keep: 3`) deletes exactly the oldest backups, files and manifests.
//! - With `x-tug.db.copy_to`, each backup reaches another server byte for byte and verifies there.
//! - `restore --before-deploy v2` after deploying v2 brings back the database as it was.
//! - A backup killed halfway leaves no complete-looking file; the next one works.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::session;
use crate::support::{Project, Run, get, repo_root, request};

/// Tug's helper images: made on the server from the tug binary, named after their content.
const TOOL_REPOSITORY: &str = "tug-db-local";
/// Where the copies go on the second server.
const COPY_DIR: &str = "/var/backups/zen_miner";

/// Rows acknowledged (201) by the app, with when.
struct Writer {
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Vec<(i64, Instant)>>>,
    thread: Option<JoinHandle<Vec<String>>>,
}

impl Writer {
    /// POSTs entries to `server` through its proxy in a loop (one connection per request).
    fn start(server: &str, tag: &str) -> Writer {
        let stop = Arc::new(AtomicBool::new(false));
        let acked = Arc::new(Mutex::new(Vec::new()));
        let (s, a, server, tag) = (stop.clone(), acked.clone(), server.to_string(), tag.to_string());
        let thread = std::thread::spawn(move || {
            let mut failures = Vec::new();
            let mut n = 0u64;
            while !s.load(Ordering::SeqCst) {
                n += 1;
                match request(&server, "POST", "/entries", &format!("{tag}-{n}")) {
                    Ok((201, body)) => match body.trim().parse::<i64>() {
                        Ok(id) => a.lock().expect("acked").push((id, Instant::now())),
                        Err(_) => failures.push(format!("201 without an id: {body:?}")),
                    },
                    Ok((status, body)) => failures.push(format!("HTTP {status}: {}", body.trim())),
                    Err(e) => failures.push(e),
                }
                std::thread::sleep(Duration::from_millis(3));
            }
            failures
        });
        Writer { stop, acked, thread: Some(thread) }
    }

    /// Stops; every acknowledged row, and asserts no write failed.
    fn finish(mut self) -> Vec<(i64, Instant)> {
        self.stop.store(true, Ordering::SeqCst);
        let failures = self.thread.take().expect("thread").join().expect("writer");
        assert!(failures.is_empty(), "{} writes failed: {:?}", failures.len(), &failures[..failures.len().min(5)]);
        self.acked.lock().expect("acked").clone()
    }
}

/// The ids the app serves (`GET /entries`, paged).
fn served_ids(server: &str) -> BTreeSet<i64> {
    let mut ids = BTreeSet::new();
    let mut after = 0;
    loop {
        let (status, body) = get(server, &format!("/entries?after={after}&limit=10000"))
            .unwrap_or_else(|e| panic!("{server}: GET /entries: {e}"));
        assert_eq!(status, 200, "{server}: GET /entries: {body}");
        let page: Vec<i64> = body.lines().map(|l| l.trim().parse().expect("id")).collect();
        let Some(&last) = page.last() else { return ids };
        ids.extend(page);
        after = last;
    }
}

/// The backup file a `tug db backup` run made (its name in the backup directory).
fn made_backup(run: &Run) -> String {
    let all = run.all();
    let line = all
        .lines()
        .find(|l| l.contains("backup /") && l.contains("integrity ok"))
        .unwrap_or_else(|| panic!("no backup line in:\n{all}"));
    let path =
        line.split_whitespace().find(|w| w.starts_with('/') && w.ends_with(".sqlite3.zst")).expect("backup path");
    path.rsplit('/').next().expect("name").to_string()
}

/// The complete backups `tug db list` shows, newest first.
fn listed(p: &Project) -> Vec<String> {
    let run = p.tug(&["db", "list"]).ok();
    run.stdout
        .lines()
        .filter(|l| !l.contains("incomplete"))
        .flat_map(|l| l.split_whitespace())
        .filter(|w| w.starts_with("production-") && w.ends_with(".sqlite3.zst"))
        .map(String::from)
        .collect()
}

/// `tug -d lab ARGS` started in the background (same environment as `Project::tug`).
fn spawn_tug(p: &Project, args: &[&str]) -> std::process::Child {
    let mut cmd = p.command(env!("CARGO_BIN_EXE_tug"));
    cmd.arg("-d").arg("lab").args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.spawn().expect("start tug")
}

/// The commands of the runbook's restore procedure (the first `sh` block under its heading).
fn runbook_restore_procedure() -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join("docs/RUNBOOK.md")).expect("docs/RUNBOOK.md");
    let section =
        text.split("### Restore procedure").nth(1).expect("docs/RUNBOOK.md has a `### Restore procedure` section");
    let block = section
        .split("```sh")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a ```sh block in the restore procedure");
    block.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
}

fn local_sha256(path: &std::path::Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().expect("sha256sum");
    String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap_or_default().to_string()
}

#[test]
fn sqlite_backups_under_writes() {
    let p = session::empty_servers("sqlite_backups_under_writes");
    let s1 = p.lab.server_names[0].clone();
    let ip1 = p.lab.servers[0].clone();
    // A fresh database host: no data from earlier scenarios (volumes outlive `remove`), no tool image.
    for name in &p.lab.server_names {
        p.ssh(name, &format!("docker volume rm -f zen_miner_storage >/dev/null; docker images -q {TOOL_REPOSITORY} | xargs -r docker image rm -f >/dev/null 2>&1; rm -rf {COPY_DIR}"));
    }
    p.edit("config/deploy.lab.yml", "retain_containers: 3\n", "retain_containers: 3\n\nx-tug:\n  db:\n    keep: 3\n");

    // The first setup: nothing to back up yet, and it does not fail; the tool image is made there.
    let setup = p.tug(&["setup", "--version", "v1"]).ok();
    p.assert_serving("v1");
    let out = setup.all();
    assert!(out.contains(&format!("Make the tug-db image {TOOL_REPOSITORY}:")), "{out}");
    assert!(out.contains(&format!(" on {ip1} from this tug")), "{out}");
    assert!(!out.contains("docker pull"), "nothing is pulled:\n{out}");
    assert!(out.contains("No SQLite database in the app's volumes yet; no backup needed"), "{out}");
    let tool_image =
        p.ssh(&s1, &format!("docker images {TOOL_REPOSITORY} --format '{{{{.Repository}}}}:{{{{.Tag}}}}'"));
    let tool_image = tool_image.trim().to_string();
    assert!(
        tool_image.starts_with(&format!("{TOOL_REPOSITORY}:")) && !tool_image.contains('\n'),
        "one helper image on {s1}: {tool_image:?}"
    );
    let volume = p.ssh(&s1, "docker volume inspect zen_miner_storage --format '{{.Mountpoint}}'").trim().to_string();
    let db_file = format!("{volume}/production.sqlite3");
    let backups = format!("{volume}/backups");

    // A backup while the app keeps taking writes.
    let writer = Writer::start(&ip1, "first");
    std::thread::sleep(Duration::from_secs(2));
    let began = Instant::now();
    let b1_run = p.tug(&["db", "backup"]).ok();
    let ended = Instant::now();
    std::thread::sleep(Duration::from_secs(1));
    let acked = writer.finish();
    let b1 = made_backup(&b1_run);
    let before_b1: BTreeSet<i64> = acked.iter().filter(|(_, t)| *t < began).map(|(id, _)| *id).collect();
    let after_b1: BTreeSet<i64> = acked.iter().filter(|(_, t)| *t > ended).map(|(id, _)| *id).collect();
    let during = acked.len() - before_b1.len() - after_b1.len();
    eprintln!(
        "backup under writes: {:.1}s for `tug db backup`; {} rows before, {during} during, {} after",
        b1_run.seconds,
        before_b1.len(),
        after_b1.len()
    );
    assert!(
        before_b1.len() > 50 && !after_b1.is_empty(),
        "the writer kept writing: {} before, {} after",
        before_b1.len(),
        after_b1.len()
    );
    assert!(p.tug(&["db", "verify", &b1]).ok().all().contains("integrity ok"));

    // Download: verified here, the same bytes as on the server.
    let dl = p.tug(&["db", "download", &b1, "--to", "downloaded"]).ok();
    assert!(dl.all().contains("verified (sha256"), "{}", dl.all());
    let local = p.path().join("downloaded").join(&b1);
    let server_sha = p.ssh(&s1, &format!("sha256sum {backups}/{b1}"));
    assert_eq!(
        local_sha256(&local),
        server_sha.split_whitespace().next().unwrap_or_default(),
        "the download is the server's file"
    );
    let report = tug_db::verify(&local).expect("the downloaded backup verifies here");
    let rows = report.tables.get("entries").copied().unwrap_or_default();
    assert!(
        rows >= before_b1.len() as i64,
        "the backup holds {rows} entries, {} were acknowledged before it began",
        before_b1.len()
    );

    // A corrupted backup: caught by verify, refused by restore, the app untouched.
    let b2 = made_backup(&p.tug(&["db", "backup"]).ok());
    let size: u64 = p.ssh(&s1, &format!("stat -c %s {backups}/{b2}")).trim().parse().expect("size");
    p.ssh(
        &s1,
        &format!(
            "printf '\\377\\000\\377\\000' | dd of={backups}/{b2} bs=1 seek={} conv=notrunc status=none",
            size / 2
        ),
    );
    let verify = p.tug(&["db", "verify", &b2]).failed();
    assert_eq!(verify.error_lines().len(), 1, "{}", verify.all());
    assert!(verify.error_lines()[0].contains("SHA-256"), "{}", verify.all());
    let served_before = served_ids(&ip1);
    let refused = p.tug(&["db", "restore", &b2]).failed();
    assert_eq!(refused.error_lines().len(), 1, "{}", refused.all());
    assert!(
        refused.error_lines()[0].contains("SHA-256") && !refused.all().contains("Stop the app"),
        "{}",
        refused.all()
    );
    p.assert_serving("v1");
    assert_eq!(served_ids(&ip1), served_before, "a refused restore changes nothing");

    // The runbook's restore procedure, as written, with FILE = the backup taken under writes.
    let procedure = runbook_restore_procedure();
    assert!(procedure.iter().any(|c| c == "tug db restore FILE"), "the runbook restores: {procedure:?}");
    for line in &procedure {
        let words = shell_words::split(
            line.strip_prefix("tug ").unwrap_or_else(|| panic!("runbook line is not a tug command: {line}")),
        )
        .expect("words");
        let args: Vec<String> = words.into_iter().map(|w| if w == "FILE" { b1.clone() } else { w }).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = p.tug(&args).ok();
        if args[..2] == ["db", "restore"] {
            assert!(run.all().contains("rows per table: before → after"), "{}", run.all());
        }
    }
    assert!(p.path().join("backups").join(&b1).exists(), "the runbook's download is here");
    let served = served_ids(&ip1);
    assert!(
        before_b1.is_subset(&served),
        "rows written before the backup are served again ({} missing)",
        before_b1.difference(&served).count()
    );
    assert!(
        served.is_disjoint(&after_b1),
        "rows written after the backup are gone ({} still served)",
        served.intersection(&after_b1).count()
    );
    assert_eq!(served.len() as i64, rows, "the app serves what the backup holds");
    assert_eq!(p.ssh(&s1, &format!("sqlite3 {db_file} 'PRAGMA integrity_check'")).trim(), "ok");
    p.assert_serving("v1");

    // Retention: keep 3, the oldest go (backup file and manifest).
    for round in 0..2 {
        let was = listed(&p);
        let new = made_backup(&p.tug(&["db", "backup"]).ok());
        let now = listed(&p);
        let mut expected = vec![new.clone()];
        expected.extend(was.iter().take(2).cloned());
        assert_eq!(now, expected, "round {round}: keep 3 keeps the newest");
        let files = p.ssh(&s1, &format!("ls -A {backups}"));
        for gone in was.iter().skip(2) {
            assert!(!files.contains(gone.as_str()), "round {round}: {gone} was deleted with its manifest: {files}");
        }
        let complete: Vec<&str> = files.lines().filter(|f| !f.starts_with('.')).collect();
        assert_eq!(complete.len(), 6, "3 backups and their manifests: {complete:?}");
    }

    // Copies to another server (x-tug.db.copy_to), through this machine, verified there.
    let (s2, ip2) = (p.lab.server_names[1].clone(), p.lab.servers[1].clone());
    p.edit(
        "config/deploy.lab.yml",
        "    keep: 3\n",
        &format!("    keep: 3\n    copy_to:\n      - {ip2}\n    copy_dir: {COPY_DIR}\n"),
    );
    let copied_run = p.tug(&["db", "backup"]).ok();
    let copied = made_backup(&copied_run);
    assert!(
        copied_run.all().contains(&format!("received {COPY_DIR}/{copied} and verified it here")),
        "{}",
        copied_run.all()
    );
    let sha = |server: &str, path: &str| {
        p.ssh(server, &format!("sha256sum {path}")).split_whitespace().next().unwrap_or_default().to_string()
    };
    assert_eq!(
        sha(&s2, &format!("{COPY_DIR}/{copied}")),
        sha(&s1, &format!("{backups}/{copied}")),
        "the copy on {s2} is the same bytes"
    );
    let verified = p.ssh(
        &s2,
        &format!(
            "docker run --rm --pull never --network none -v {COPY_DIR}:{COPY_DIR} \
             $(docker images {TOOL_REPOSITORY} --format '{{{{.Repository}}}}:{{{{.Tag}}}}' | head -n 1) \
             tug-db verify {COPY_DIR}/{copied}"
        ),
    );
    assert!(verified.contains("integrity ok"), "{verified}");

    // Restore the backup taken before a deploy.
    let before_deploy = served_ids(&ip1);
    p.push_image("v2", &format!("FROM {}\n", p.image("v1")));
    p.tug(&["deploy", "--version", "v2", "--skip-push"]).ok();
    p.assert_serving("v2");
    assert!(p.tug(&["db", "list"]).ok().stdout.contains("pre-deploy  v2"), "the deploy took a backup");
    for n in 0..20 {
        assert_eq!(request(&ip1, "POST", "/entries", &format!("after-deploy-{n}")).expect("post").0, 201);
    }
    assert_eq!(served_ids(&ip1).len(), before_deploy.len() + 20);
    p.tug(&["db", "restore", "--before-deploy", "v2"]).ok();
    assert_eq!(served_ids(&ip1), before_deploy, "the database is as it was before v2 was deployed");
    p.assert_serving("v2");
    let copies = p.ssh(&s2, &format!("ls -A {COPY_DIR}"));
    assert!(copies.contains("-v2.sqlite3.zst.json"), "the backup before deploying v2 was copied to {s2} too: {copies}");

    // A backup killed halfway: a database big enough to take a while, the tool killed once its
    // partial file exists.
    p.ssh(&s1, &format!("sqlite3 {db_file} \"PRAGMA busy_timeout=10000; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 40000) INSERT INTO entries(body) SELECT hex(randomblob(2500)) FROM n;\""));
    let complete_before = listed(&p);
    let mut child = spawn_tug(&p, &["db", "backup"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "no partial backup file appeared");
        if p.ssh(&s1, &format!("ls -A {backups}")).lines().any(|f| f.starts_with('.') && f.ends_with(".partial")) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    p.ssh(&s1, &format!("docker ps -q --filter ancestor={tool_image} | xargs -r docker kill >/dev/null"));
    let status = child.wait().expect("tug");
    assert!(!status.success(), "the killed backup fails");
    let files = p.ssh(&s1, &format!("ls -A {backups}"));
    let visible: BTreeSet<&str> = files.lines().filter(|f| !f.starts_with('.')).collect();
    let expected: BTreeSet<String> = complete_before.iter().flat_map(|b| [b.clone(), format!("{b}.json")]).collect();
    assert_eq!(visible, expected.iter().map(String::as_str).collect(), "nothing complete-looking was left: {files}");
    assert_eq!(listed(&p), complete_before);
    let list = p.tug(&["db", "list"]).ok();
    assert!(list.stdout.contains("incomplete (left by a failed or interrupted backup)"), "{}", list.stdout);
    let after_kill = p.tug(&["db", "backup"]).ok();
    eprintln!("backup of the grown database: {:.1}s", after_kill.seconds);
    assert!(p.tug(&["db", "verify", &made_backup(&after_kill)]).ok().all().contains("integrity ok"));
}
