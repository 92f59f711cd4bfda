//! Aliases from the user's `config/deploy.yml` dispatch like Kamal's, end to end.

use assert_cmd::Command;

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("config")).expect("mkdir");
    std::fs::write(
        dir.path().join("config/deploy.yml"),
        "service: zen_miner\nimage: u/zen_miner\nservers: [10.0.0.1]\nregistry: {username: u, password: [PW]}\nbuilder: {arch: amd64}\naliases:\n  console: app exec --interactive --reuse \"bin/rails console\"\n  logs: app logs -f\n  whoami: version\n",
    )
    .expect("write");
    dir
}

fn tug(dir: &tempfile::TempDir, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::cargo_bin("tug")
        .expect("tug is built")
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env("VERSION", "v1")
        .args(args)
        .output()
        .expect("run tug");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn an_alias_runs_its_command() {
    let dir = project();
    let (code, stdout, _) = tug(&dir, &["whoami"]);
    assert_eq!(code, Some(0));
    assert!(stdout.starts_with("tug "), "{stdout}");
}

#[test]
fn the_users_aliases_reach_their_kamal_commands() {
    let dir = project();
    let (code, stdout, stderr) = tug(&dir, &["console", "--dry-run", "--offline"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("Plan for `tug app exec`"), "{stdout}");
    assert!(stdout.contains("ssh -t root@10.0.0.1 -p 22 'docker exec -i"), "{stdout}");
    assert!(stdout.contains("bin/rails console"), "{stdout}");
    let (code, stdout, stderr) = tug(&dir, &["logs", "--dry-run", "--offline"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("Plan for `tug app logs`") && stdout.contains("--follow"), "{stdout}");
}

#[test]
fn an_invalid_config_is_reported_when_looking_up_an_alias() {
    let dir = project();
    std::fs::write(dir.path().join("config/deploy.yml"), "service: s\nservers:\n  - a\n  cmd: x\n").expect("write");
    let (code, _, stderr) = tug(&dir, &["console"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("config/deploy.yml:4:3"), "{stderr}");
}

#[test]
fn an_unknown_word_is_not_an_alias() {
    let dir = project();
    let (code, _, stderr) = tug(&dir, &["consol"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("console"), "a suggestion: {stderr}");
}
