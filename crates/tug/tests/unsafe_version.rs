//! A version that is no Docker tag (a valid git tag such as `v1;touch${IFS}/tmp/x`) is refused
//! before anything runs: no command, no plan. So are such destinations.

use assert_cmd::Command;

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("config")).expect("mkdir");
    std::fs::write(
        dir.path().join("config/deploy.yml"),
        "service: zen_miner\nimage: u/zen_miner\nservers: [10.0.0.1]\nregistry: {username: u, password: [PW]}\nbuilder: {arch: amd64, context: .}\n",
    )
    .expect("write");
    // Plans evaluate the secrets: the registry password must exist for a plan to pass.
    std::fs::create_dir_all(dir.path().join(".kamal")).expect("mkdir");
    std::fs::write(dir.path().join(".kamal/secrets"), "PW=sentinel-pw\n").expect("write");
    dir
}

fn tug(dir: &tempfile::TempDir, env_version: Option<&str>, args: &[&str]) -> (Option<i32>, String, String) {
    let mut cmd = Command::cargo_bin("tug").expect("tug is built");
    cmd.current_dir(dir.path()).env("NO_COLOR", "1").env_remove("VERSION").args(args);
    if let Some(v) = env_version {
        cmd.env("VERSION", v);
    }
    let out = cmd.output().expect("run tug");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const BAD: &[&str] = &[
    "v1;touch${IFS}marker",
    "v1$(touch marker)",
    "v1`touch marker`",
    "v1 touch marker",
    "v1\ntouch marker",
    "..",
    "v1..2",
    "-v1",
];

#[test]
fn a_version_that_is_no_docker_tag_is_refused_before_anything_runs() {
    let dir = project();
    let long = "a".repeat(129);
    for v in BAD.iter().copied().chain([long.as_str()]) {
        // `--version=V` and `--` so that a leading `-` reaches the check, not clap's flag parsing.
        let flag = format!("--version={v}");
        for args in [
            vec![flag.as_str(), "deploy", "--dry-run", "--offline"],
            vec!["build", "push", "--dry-run", "--offline", flag.as_str()],
            vec!["rollback", "--dry-run", "--offline", "--", v],
            vec!["app", "remove_container", "--dry-run", "--offline", "--", v],
        ] {
            let (code, stdout, stderr) = tug(&dir, None, &args);
            assert_ne!(code, Some(0), "{args:?}: {stdout}{stderr}");
            assert!(stdout.is_empty(), "no plan is printed for {args:?}: {stdout}");
            assert!(stderr.contains("a version is a Docker tag: letters, digits"), "{args:?}: {stderr}");
            assert!(stderr.contains("VERSION"), "names the argument: {stderr}");
        }
        let (code, stdout, stderr) = tug(&dir, Some(v), &["deploy", "--dry-run", "--offline"]);
        assert_ne!(code, Some(0), "VERSION={v:?}: {stdout}{stderr}");
        assert!(stdout.is_empty(), "no plan for VERSION={v:?}: {stdout}");
        assert!(stderr.contains("from `VERSION` in the environment"), "{stderr}");
    }
    assert!(!dir.path().join("marker").exists(), "nothing ran");
}

#[test]
fn a_valid_version_is_accepted() {
    let dir = project();
    let (code, stdout, stderr) = tug(&dir, None, &["--version", "v1.2.3_rc-1", "deploy", "--dry-run", "--offline"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("u/zen_miner:v1.2.3_rc-1"), "{stdout}");
}

#[test]
fn a_destination_that_is_no_name_is_refused() {
    let dir = project();
    for d in ["a/b", "../x", "-x", "a;b", ""] {
        let flag = format!("--destination={d}");
        let (code, stdout, stderr) = tug(&dir, None, &[flag.as_str(), "config"]);
        assert_ne!(code, Some(0), "{d:?}: {stdout}{stderr}");
        assert!(stdout.is_empty(), "{stdout}");
        assert!(stderr.contains("a destination is letters, digits"), "{d:?}: {stderr}");
    }
}
