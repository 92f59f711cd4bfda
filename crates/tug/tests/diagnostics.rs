//! Snapshots of what the user sees: every configuration diagnostic (one per invalid fixture),
//! and `tug config` for the example app. Rendered without colour at a fixed width.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

const VERSION: &str = "0123456789abcdef0123456789abcdef01234567";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tug(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::cargo_bin("tug")
        .expect("tug is built")
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("VERSION", VERSION)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("running tug");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every rejected fixture gets a located, explained diagnostic: a snapshot each, and checks
/// that each error names a file position and gives a `help:` line.
#[test]
fn every_config_diagnostic() {
    let fixtures = repo_root().join("crates/tug-config/tests/fixtures");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures.join("cases.json")).expect("cases.json")).expect("json");
    let mut seen = 0;
    for case in manifest["cases"].as_array().expect("cases") {
        if case["tug_accepts"].as_bool() != Some(false) {
            continue;
        }
        let name = case["name"].as_str().expect("name");
        let mut args = vec!["config", "-c", case["config"].as_str().expect("config")];
        if let Some(d) = case["destination"].as_str() {
            args.extend(["-d", d]);
        }
        let mut cmd_env: Vec<(String, String)> = Vec::new();
        if let Some(env) = case["env"].as_object() {
            for (k, v) in env {
                cmd_env.push((k.clone(), v.as_str().unwrap_or_default().to_string()));
            }
        }
        let (code, stdout, stderr) = {
            let mut c = Command::cargo_bin("tug").expect("tug is built");
            c.current_dir(&fixtures)
                .env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .env("VERSION", VERSION)
                .env("NO_COLOR", "1")
                .args(&args);
            for (k, v) in &cmd_env {
                c.env(k, v);
            }
            let out = c.output().expect("running tug");
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        };
        assert_eq!(code, Some(2), "{name}: expected a config error\nstdout: {stdout}\nstderr: {stderr}");
        assert!(stdout.is_empty(), "{name}: nothing on stdout for an error");
        assert!(stderr.contains("help:"), "{name}: every diagnostic says how to fix it:\n{stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        insta::assert_snapshot!(format!("diagnostic_{name}"), stderr);
        seen += 1;
    }
    assert!(seen >= 60, "expected the invalid fixtures, saw {seen}");
}

/// The user's own file: both problems are found in one run, each at its line.
#[test]
fn user_spec_as_written_points_at_both_problems() {
    let fixtures = repo_root().join("crates/tug-config/tests/fixtures");
    let (code, _, stderr) = tug(&fixtures, &["config", "-c", "invalid/user_spec_as_written.yml"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("`servers/web` mixes a host list with role settings"), "{stderr}");
    assert!(stderr.contains("user_spec_as_written.yml:14:5"), "{stderr}");
    assert!(stderr.contains("`servers/web/hosts` should be a list of hosts"), "{stderr}");
    assert!(stderr.contains("user_spec_as_written.yml:15:7"), "{stderr}");
    assert!(stderr.contains("2 problems in the configuration"), "{stderr}");
}

#[test]
fn example_app_config() {
    let example = repo_root().join("examples/zen-miner");
    let (code, stdout, stderr) = tug(&example, &["config"]);
    assert_eq!(code, Some(0), "{stderr}");
    insta::assert_snapshot!("zen_miner_config_yaml", stdout);
    let (code, stdout, _) = tug(&example, &["config", "--json"]);
    assert_eq!(code, Some(0));
    let v: Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(v["hosts"], serde_json::json!(["123.45.67.89"]));
    assert_eq!(v["repository"], "docker.io/your-dockerhub-username/zen_miner");
    assert_eq!(v["volume_args"], serde_json::json!(["--volume", "zen_miner_storage:/rails/storage"]));
}

#[test]
fn docs_prints_the_reference_from_the_validation_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, stdout, _) = tug(dir.path(), &["docs", "proxy"]);
    assert_eq!(code, Some(0));
    assert_eq!(stdout.trim_end(), tug_config::docs::section("proxy").expect("proxy page").trim_end());
    let (code, stdout, _) = tug(dir.path(), &["docs"]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("service:"));
    let (code, stdout, _) = tug(dir.path(), &["docs", "proxies"]);
    assert_eq!((code, stdout.trim()), (Some(0), "No documentation found for proxies"));
}

#[test]
fn init_writes_a_config_that_loads_and_skips_existing_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, stdout, _) = tug(dir.path(), &["init"]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("Created configuration file in config/deploy.yml"));
    assert!(stdout.contains("Created sample hooks in .kamal/hooks"));
    assert!(dir.path().join(".kamal/hooks/pre-deploy.sample").exists());
    let (code, _, stderr) = tug(dir.path(), &["config", "--json"]);
    assert_eq!(code, Some(0), "the generated deploy.yml is valid: {stderr}");
    let (_, stdout, _) = tug(dir.path(), &["init"]);
    assert!(stdout.contains("Config file already exists in config/deploy.yml"));
    assert!(!stdout.contains("sample hooks"));
}

#[test]
fn secrets_commands() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, stdout, _) = tug(dir.path(), &["secrets", "extract", "TOKEN", r#"{"vault/TOKEN": "s3cret"}"#]);
    assert_eq!((code, stdout.trim()), (Some(0), "s3cret"));
    let (code, _, stderr) = tug(dir.path(), &["secrets", "fetch", "-a", "nosuchvault", "X"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("Unknown secrets adapter: nosuchvault"), "{stderr}");
    std::fs::create_dir_all(dir.path().join("config")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join(".kamal")).expect("mkdir");
    std::fs::write(
        dir.path().join("config/deploy.yml"),
        "service: s\nimage: u/s\nservers: [h]\nregistry: {username: u, password: [PW]}\nbuilder: {arch: amd64}\n",
    )
    .expect("write");
    std::fs::write(dir.path().join(".kamal/secrets"), "PW=$(echo from-command)\nOTHER=${PW}-2\n").expect("write");
    let (code, stdout, stderr) = tug(dir.path(), &["secrets", "print"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, "PW=from-command\nOTHER=from-command-2\n");
}
