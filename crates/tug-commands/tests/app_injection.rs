//! Hostile config values never escape their argument.
//!
//! Each property writes a `config/deploy.yml` holding a hostile value (quotes, `$`, backticks,
//! `;`, `&&`, `|`, newlines, `$(…)`), builds a command, and runs it with `sh` in a temp
//! directory where `docker` and `grep` are stub scripts that record their argv. The value must
//! arrive as one argument, transformed only as Kamal's quoting transforms it (Ruby's `dump`
//! inside double quotes: a newline arrives as the two characters `\n`, `#{` as `\#{`), and no
//! injected `touch pwned` may run.
//!
//! Values Kamal passes to the shell raw, and which Tug therefore passes raw too (quoting them
//! would change the commands Kamal's users rely on), are not fed hostile text here:
//! - `cmd` and the words of `app exec`: a shell command line by design (`bin/jobs --queue a`);
//! - `volumes` and `asset_path`: shell words (`$PWD/data:/data` must expand);
//! - the keys of `env`, `labels`, `options` and `logging.options` (only values are quoted);
//! - hosts in `--hostname`, `ssh … user@host`, role names, and the version (container names
//!   `<service>-<role>-<version>`): names, which the flows must check before use (a docker tag
//!   or container name can only hold `[A-Za-z0-9_.-]`);
//! - `ssh.config`, `ssh.keys` and `ssh.proxy_command` (local paths and a local command line);
//! - `logs --since/--lines/--grep-options/--container-id` (the operator's own command line).
//!
//! `${…}` is left for the remote shell to expand by Kamal's `escape_shell_value`, so values
//! containing it are excluded (it expands parameters only: `$(` and backticks inside are still
//! escaped).

mod kamal_fixture;

use std::path::Path;
use std::process::Command as Process;

use kamal_fixture::{Fixture, Yaml, app};
use proptest::prelude::*;
use tug_commands::Command;
use tug_commands::app::{AppCommands, ExecOptions, LogOptions};
use tug_commands::auditor::Auditor;
use tug_commands::tags::Tags;

const FRAGMENTS: &[&str] = &[
    "a",
    "Z",
    "0",
    " ",
    "\"",
    "'",
    "\\",
    "$",
    "`",
    ";",
    "&&",
    "|",
    "\n",
    "\t",
    "#",
    "{",
    "}",
    "*",
    "?",
    "~",
    ">",
    "(",
    ")",
    "!",
    "=",
    ":",
    "/",
    "-",
    "$(touch pwned)",
    "`touch pwned`",
    "; touch pwned;",
    "&& touch pwned",
    "| touch pwned",
    "\ntouch pwned\n",
    "'$(touch pwned)'",
    "\"; touch pwned; \"",
    "$HOME",
    "é",
];

fn hostile() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 1..8)
        .prop_map(|parts| parts.concat())
        .prop_filter("blank values become bare keys", |v| !v.trim().is_empty())
        .prop_filter("${…} is expanded by design", |v| !v.contains("${"))
}

/// A YAML double-quoted scalar.
fn yq(v: &str) -> String {
    let mut out = String::from("\"");
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// What arrives after the remote shell reads Kamal's quoting of `v` (an independent model of
/// Ruby's `String#dump` inside double quotes).
fn arrives_as(v: &str) -> String {
    let chars: Vec<char> = v.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '#' if matches!(chars.get(i + 1), Some('{' | '$' | '@')) => out.push_str("\\#"),
            c => out.push(c),
        }
    }
    out
}

/// The argv of every stubbed `docker`/`grep` call, and whether an injection ran.
struct Run {
    calls: Vec<Vec<String>>,
    pwned: bool,
}

fn run(command: &Command) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).expect("bin");
    let logs = dir.path().join("argv");
    std::fs::create_dir(&logs).expect("argv dir");
    for tool in ["docker", "grep"] {
        // One file per call: `docker` and `grep` run at once in a pipeline.
        let script = format!(
            "#!/bin/sh\nf='{logs}/'$$\nprintf '%s\\000' {tool} > \"$f\"\nfor a in \"$@\"; do printf '%s\\000' \"$a\" >> \"$f\"; done\n",
            logs = logs.display()
        );
        write_executable(&bin.join(tool), &script);
    }
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let _ = Process::new("sh")
        .arg("-c")
        .arg(command.to_shell())
        .current_dir(dir.path())
        .env("PATH", path)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("sh runs");
    let mut calls: Vec<Vec<String>> = Vec::new();
    for entry in std::fs::read_dir(&logs).expect("argv dir").flatten() {
        let raw = std::fs::read(entry.path()).unwrap_or_default();
        let text = String::from_utf8_lossy(&raw).into_owned();
        let mut args: Vec<String> = text.split('\0').map(str::to_string).collect();
        args.pop(); // after the last NUL
        calls.push(args);
    }
    Run { calls, pwned: dir.path().join("pwned").exists() || Path::new("pwned").exists() }
}

#[cfg(unix)]
fn write_executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).expect("write stub");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod stub");
}

fn web(f: &Fixture) -> AppCommands<'_> {
    AppCommands::new(&f.config, f.config.roles.iter().find(|r| r.name == "web").expect("web role"), "1.1.1.1", "999")
}

fn docker_run_args(f: &Fixture) -> Run {
    run(&web(f).run(Some("1.1.1.1-0123456789ab")))
}

/// `flag` followed by `value` appears in the one docker call.
fn has_pair(run: &Run, flag: &str, value: &str) -> bool {
    run.calls.iter().any(|c| c.windows(2).any(|w| w[0] == flag && w[1] == value))
}

fn load(yaml: Yaml) -> Fixture {
    yaml.load()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn env_values_stay_one_argument(v in hostile()) {
        let f = load(app().set("env", &format!("{{clear: {{SECRET_SAUCE: {}}}, secret: [RAILS_MASTER_KEY]}}", yq(&v))));
        let r = docker_run_args(&f);
        prop_assert!(!r.pwned);
        prop_assert_eq!(r.calls.len(), 1);
        prop_assert!(has_pair(&r, "--env", &format!("SECRET_SAUCE={}", arrives_as(&v))), "{:?}", r.calls);
    }

    #[test]
    fn label_values_stay_one_argument(v in hostile()) {
        let f = load(app().set("labels", &format!("{{team: {}}}", yq(&v))));
        let r = docker_run_args(&f);
        prop_assert!(!r.pwned);
        prop_assert!(has_pair(&r, "--label", &format!("team={}", arrives_as(&v))), "{:?}", r.calls);
    }

    #[test]
    fn option_values_stay_one_argument(v in hostile()) {
        let f = load(app().set("servers", &format!("{{web: {{hosts: [1.1.1.1], options: {{mount: {}}}}}}}", yq(&v))));
        let r = docker_run_args(&f);
        prop_assert!(!r.pwned);
        prop_assert!(has_pair(&r, "--mount", &arrives_as(&v)), "{:?}", r.calls);
    }

    #[test]
    fn logging_option_values_stay_one_argument(v in hostile()) {
        let f = load(app().set("logging", &format!("{{driver: {}, options: {{tag: {}}}}}", yq(&v), yq(&v))));
        let r = docker_run_args(&f);
        prop_assert!(!r.pwned);
        prop_assert!(has_pair(&r, "--log-driver", &arrives_as(&v)), "{:?}", r.calls);
        prop_assert!(has_pair(&r, "--log-opt", &format!("tag={}", arrives_as(&v))), "{:?}", r.calls);
    }

    #[test]
    fn host_in_kamal_host_stays_one_argument(v in hostile()) {
        let f = load(app());
        let role = f.config.roles.iter().find(|r| r.name == "web").expect("web role");
        let r = run(&AppCommands::new(&f.config, role, &v, "999").run(None));
        prop_assert!(!r.pwned);
        prop_assert!(has_pair(&r, "--env", &format!("KAMAL_HOST={}", arrives_as(&v))), "{:?}", r.calls);
    }

    #[test]
    fn proxy_settings_stay_one_argument(v in hostile()) {
        let proxy = format!(
            "{{host: {h}, path_prefixes: [{v}], healthcheck: {{path: {v}}}, logging: {{request_headers: [{v}], response_headers: [{v}]}}}}",
            h = yq(&v.replace(',', "")), v = yq(&v)
        );
        let f = load(app().set("proxy", &proxy));
        let r = run(&web(&f).deploy("172.1.0.2"));
        prop_assert!(!r.pwned);
        let args = r.calls.first().cloned().unwrap_or_default();
        let a = arrives_as(&v);
        for flag in ["--path-prefix", "--health-check-path", "--log-request-header", "--log-response-header"] {
            prop_assert!(args.contains(&format!("{flag}={a}")), "{} missing in {:?}", flag, args);
        }
        prop_assert!(args.contains(&format!("--host={}", arrives_as(&v.replace(',', "")))), "{:?}", args);
        prop_assert!(args.contains(&"--deploy-timeout=30s".to_string()));
    }

    #[test]
    fn maintenance_message_stays_one_argument(v in hostile()) {
        let f = load(app());
        let r = run(&web(&f).maintenance(Some(10), Some(&v)));
        prop_assert!(!r.pwned);
        let expected = format!("--message={}", arrives_as(&v));
        prop_assert!(r.calls.first().is_some_and(|c| c.contains(&expected)), "{:?}", r.calls);
    }

    #[test]
    fn exec_env_stays_one_argument(v in hostile()) {
        let f = load(app());
        let opts = ExecOptions { env: vec![("FOO".into(), v.clone())], random_hex: "a1b2c3".into(), ..ExecOptions::default() };
        let r = run(&web(&f).execute_in_existing_container(&["true"], &opts));
        prop_assert!(!r.pwned);
        prop_assert!(has_pair(&r, "--env", &format!("FOO={}", arrives_as(&v))), "{:?}", r.calls);
    }

    #[test]
    fn grep_pattern_stays_one_argument(v in hostile()) {
        let f = load(app());
        let opts = LogOptions { grep: Some(v.clone()), ..LogOptions::default() };
        let r = run(&web(&f).logs(Some("C137"), &opts));
        prop_assert!(!r.pwned);
        // Single-quoted: the pattern arrives exactly as given.
        prop_assert!(r.calls.iter().any(|c| c.first().map(String::as_str) == Some("grep") && c.get(1) == Some(&v)), "{:?}", r.calls);
    }

    #[test]
    fn audit_lines_run_nothing(v in hostile()) {
        let f = load(app());
        let tags = Tags::from_config(&f.config, Some("999"), "2024-05-01T12:00:00Z", &v);
        let r = run(&Auditor::new(&f.config, tags).record(&v, &[("detail", &v)]));
        prop_assert!(!r.pwned);
    }
}

#[test]
fn the_harness_sees_an_injection() {
    // The stubs and canary work: a raw `cmd` (which Kamal passes unquoted) does run.
    let f = app().set("servers", "{web: {hosts: [1.1.1.1], cmd: \"bin/web; touch pwned\"}}").load();
    let r = run(&web(&f).run(None));
    assert!(r.pwned, "a raw cmd is a shell command line, as in Kamal");
    assert_eq!(r.calls.len(), 1);
}
