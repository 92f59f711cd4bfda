//! Lab scenario: from a clean install of the `tug` binary alone (copied out of the build tree,
//! no repository checkout next to it, no tug-db image on any server or this machine), `tug db
//! backup` works: Tug makes its helper image on the database's server from its own executable
//! (`tug-db-local:<hash>`), never pulls one, and the backup it takes exists and verifies. A
//! second backup reuses the image; the servers keep serving v1.
//!
//! Starts from "v1 serving" and leaves it so.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::session;
use crate::support::{Project, Run, run_bounded};

/// `tug -d lab ARGS` with the copied binary, in the project's copy (outside the repository).
fn installed(p: &Project, tug: &Path, args: &[&str]) -> Run {
    let mut cmd = p.command(tug);
    cmd.arg("-d").arg("lab").args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    let shown = args.join(" ");
    let started = Instant::now();
    let out = run_bounded(cmd, Duration::from_secs(300)).unwrap_or_else(|e| panic!("`tug {shown}`: {e}"));
    let run =
        Run { args: shown, status: out.0, stdout: out.1, stderr: out.2, seconds: started.elapsed().as_secs_f64() };
    eprintln!("(installed) tug -d lab {} -> {:?} in {:.1}s", run.args, run.status, run.seconds);
    run
}

/// The tug-db images on a server (Tug's own, and any a registry could have supplied).
fn tool_images(p: &Project, server: &str) -> Vec<String> {
    p.ssh(server, "docker images --format '{{.Repository}}:{{.Tag}}'")
        .lines()
        .map(str::trim)
        .filter(|i| i.starts_with("tug-db-local:") || i.contains("tug-db"))
        .map(String::from)
        .collect()
}

/// The backup file `tug-db backup` reports (`backup /path/name.sqlite3.zst (…`).
fn backup_file(run: &Run) -> String {
    run.all()
        .lines()
        .find_map(|l| {
            l.split_once("backup /").map(|(_, rest)| format!("/{}", rest.split_whitespace().next().unwrap_or("")))
        })
        .filter(|f| f.ends_with(".zst"))
        .unwrap_or_else(|| panic!("no backup file named:\n{}", run.all()))
}

#[test]
fn db_backup_from_installed_binary() {
    let p = session::v1_serving("db_backup_from_installed_binary");
    let install = tempfile::Builder::new().prefix("tug-installed-").tempdir().expect("temp dir");
    let tug = install.path().join("tug");
    std::fs::copy(env!("CARGO_BIN_EXE_tug"), &tug).expect("copy the tug binary");
    assert!(!p.path().starts_with(crate::support::repo_root()), "the project is outside the repository");
    for name in &p.lab.server_names {
        p.ssh(name, "docker images --format '{{.Repository}}:{{.Tag}}' | grep -E '^(tug-db-local:|tug/tug-db:)' | xargs -r docker rmi -f");
        assert!(tool_images(&p, name).is_empty(), "{name} still has a tug-db image");
    }

    let first = installed(&p, &tug, &["db", "backup"]).ok();
    let out = first.all();
    assert!(out.contains("Make the tug-db image tug-db-local:"), "the image is made on the server:\n{out}");
    assert!(!out.contains("docker pull") && !out.contains("docker save"), "nothing pulled or sent:\n{out}");
    let file = backup_file(&first);
    let primary = &p.lab.server_names[0];
    let images = tool_images(&p, primary);
    assert_eq!(images.len(), 1, "one helper image on {primary}: {images:?}");
    assert!(images[0].starts_with("tug-db-local:"), "{images:?}");

    let verified = installed(&p, &tug, &["db", "verify", &file]).ok();
    assert!(verified.all().contains("integrity ok"), "{}", verified.all());
    let listed = installed(&p, &tug, &["db", "list"]).ok();
    let name = file.rsplit('/').next().unwrap_or(&file);
    assert!(listed.all().contains(name), "{name} listed:\n{}", listed.all());

    let second = installed(&p, &tug, &["db", "backup"]).ok();
    assert!(!second.all().contains("Make the tug-db image"), "the image is reused:\n{}", second.all());
    assert_eq!(tool_images(&p, primary), images, "no second image");
    p.v1_still_serving();
}
