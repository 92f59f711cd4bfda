//! The `tug` binary as users meet it: Kamal's spellings parse, the Kamal 1.x migrations say in
//! one line that Tug does not do them, unknown commands get a suggestion, and the help lists
//! every command.

use assert_cmd::Command;
use predicates::prelude::*;

/// `tug` in an empty temporary directory, with no colour.
fn tug(dir: &tempfile::TempDir) -> Command {
    let mut cmd = Command::cargo_bin("tug").expect("the tug binary is built");
    cmd.current_dir(dir.path()).env("NO_COLOR", "1").env_remove("COLUMNS").env_remove("VERBOSE");
    cmd
}

fn words(line: &str) -> Vec<String> {
    shell_words::split(line).expect("test argv")
}

/// Command lines from Kamal's docs and tests, with the command they reach.
const KAMAL_LINES: &[(&str, &str)] = &[
    ("setup", "setup"),
    ("setup -P --no-cache", "setup"),
    ("deploy", "deploy"),
    ("deploy -P", "deploy"),
    ("deploy --skip_push", "deploy"),
    ("deploy --no-cache", "deploy"),
    ("-H deploy", "deploy"),
    ("deploy --skip_hooks", "deploy"),
    ("deploy --verbose", "deploy"),
    ("deploy --lock-wait --lock-wait-interval 0 --lock-wait-timeout 60", "deploy"),
    ("-d staging deploy", "deploy"),
    ("deploy -c config/other.yml -d staging -q", "deploy"),
    ("deploy --version 7f3a2c1", "deploy"),
    ("redeploy --skip_push", "redeploy"),
    ("redeploy --no-cache", "redeploy"),
    ("rollback 123", "rollback"),
    ("rollback --verbose 123", "rollback"),
    ("remove -y", "remove"),
    ("upgrade --rolling -y", "upgrade"),
    ("details", "details"),
    ("-p details", "details"),
    ("audit", "audit"),
    ("doctor", "doctor"),
    ("-h 1.1.1.1 app details", "app details"),
    ("app details -h 1.1.1.1,1.1.1.2", "app details"),
    ("app boot", "app boot"),
    ("app boot -r web --version 999", "app boot"),
    ("app start", "app start"),
    ("app stop", "app stop"),
    ("app exec -i --reuse 'bin/rails console'", "app exec"),
    ("app exec --reuse 'ruby -v'", "app exec"),
    ("app exec --detach 'ruby -v'", "app exec"),
    ("app exec ruby ' -v'", "app exec"),
    ("app exec -e FOO:bar --raw 'bin/rails runner x'", "app exec"),
    ("app exec --reuse -p -r console bin/console -r workers", "app exec"),
    ("app containers", "app containers"),
    ("app stale_containers --stop", "app stale_containers"),
    ("app stale-containers -s", "app stale_containers"),
    ("app images", "app images"),
    ("app logs", "app logs"),
    ("app logs --follow --grep hey --grep-options '-C 2'", "app logs"),
    ("app logs -f --container-id ID123", "app logs"),
    ("app logs -s 42m -n 10 -g req-1 -T", "app logs"),
    ("app remove -r workers,web", "app remove"),
    ("app live", "app live"),
    ("app maintenance --message Hello --drain_timeout 10", "app maintenance"),
    ("app version", "app version"),
    ("app remove_container 1234567", "app remove_container"),
    ("app remove_containers", "app remove_containers"),
    ("app remove_images", "app remove_images"),
    ("app remove_app_directories", "app remove_app_directories"),
    ("accessory boot all", "accessory boot"),
    ("accessory boot redis --hosts 1.1.1.1,1.1.1.3", "accessory boot"),
    ("accessory boot redis -r web", "accessory boot"),
    ("accessory upload mysql", "accessory upload"),
    ("accessory directories mysql", "accessory directories"),
    ("accessory reboot all", "accessory reboot"),
    ("accessory start mysql", "accessory start"),
    ("accessory stop mysql", "accessory stop"),
    ("accessory restart mysql", "accessory restart"),
    ("accessory details all", "accessory details"),
    ("accessory exec mysql --reuse 'mysql -v'", "accessory exec"),
    ("accessory exec -i mysql 'mysql -u root'", "accessory exec"),
    ("accessory logs mysql --follow --grep hey --grep-options '-C 2'", "accessory logs"),
    ("accessory pull_image mysql", "accessory pull_image"),
    ("accessory remove all -y", "accessory remove"),
    ("accessory remove_container mysql", "accessory remove_container"),
    ("accessory remove_image mysql", "accessory remove_image"),
    ("accessory remove_service_directory mysql", "accessory remove_service_directory"),
    ("accessory upgrade --rolling -y all", "accessory upgrade"),
    ("build deliver", "build deliver"),
    ("build push", "build push"),
    ("build push --output registry", "build push"),
    ("build push --output=docker --no-cache --verbose", "build push"),
    ("build pull", "build pull"),
    ("build create", "build create"),
    ("build remove", "build remove"),
    ("build details", "build details"),
    ("build dev --output=local --no-cache", "build dev"),
    ("lock status", "lock status"),
    ("lock acquire -m msg", "lock acquire"),
    ("lock acquire --message 'Maintenance window'", "lock acquire"),
    ("lock release", "lock release"),
    ("proxy boot", "proxy boot"),
    ("proxy boot_config set --http-port 8080 --https-port 8443", "proxy boot_config"),
    ("proxy boot_config set --publish false", "proxy boot_config"),
    ("proxy boot_config set --docker_options label=foo=bar add_host=a:b --debug true", "proxy boot_config"),
    ("proxy boot_config set --publish-host-ip 127.0.0.1 --publish-host-ip ::1", "proxy boot_config"),
    ("proxy boot_config get", "proxy boot_config"),
    ("proxy boot_config reset", "proxy boot_config"),
    ("proxy reboot --rolling -y", "proxy reboot"),
    ("proxy upgrade -y", "proxy upgrade"),
    ("proxy start", "proxy start"),
    ("proxy stop", "proxy stop"),
    ("proxy restart", "proxy restart"),
    ("proxy details", "proxy details"),
    ("proxy logs --follow", "proxy logs"),
    ("proxy logs -s 2h -n 100 -g x -T", "proxy logs"),
    ("proxy remove --force", "proxy remove"),
    ("proxy remove_container", "proxy remove_container"),
    ("proxy remove_image", "proxy remove_image"),
    ("proxy remove_proxy_directory", "proxy remove_proxy_directory"),
    ("prune all", "prune all"),
    ("prune images", "prune images"),
    ("prune containers --retain 3", "prune containers"),
    ("registry setup", "registry setup"),
    ("registry setup --skip-local", "registry setup"),
    ("registry remove -R", "registry remove"),
    ("registry login -L", "registry login"),
    ("registry logout -R", "registry logout"),
    ("server exec date", "server exec"),
    ("server exec date -j", "server exec"),
    ("server exec --interactive 'bash'", "server exec"),
    ("server bootstrap", "server bootstrap"),
];

/// Command lines of the commands that work without servers (`config`, `docs`, `init`,
/// `secrets`), with the command they reach. Their behaviour is tested with them; here only
/// that Kamal's spellings get past the argument parser.
const LOCAL_LINES: &[(&str, &str)] = &[
    ("config -d world", "config"),
    ("config --json", "config"),
    ("docs", "docs"),
    ("docs accessory", "docs"),
    ("init", "init"),
    ("init --bundle", "init"),
    ("secrets fetch foo bar baz --account myaccount --adapter test", "secrets fetch"),
    ("secrets fetch -a 1password --from Vault/Item --inline KEY", "secrets fetch"),
    ("secrets extract foo '{\"foo\":\"oof\"}'", "secrets extract"),
    ("secrets print", "secrets print"),
];

#[test]
fn local_command_lines_get_past_the_parser() {
    for (line, _) in LOCAL_LINES {
        let dir = tempfile::tempdir().expect("temp dir");
        tug(&dir).args(words(line)).env("PATH", "").assert().stderr(
            predicate::str::contains("For more information, try '--help'")
                .not()
                .and(predicate::str::contains("unknown command").not()),
        );
    }
}

/// Commands whose flows are wired: without a configuration they stop at loading it.
fn wired(command: &str) -> bool {
    !matches!(command, "upgrade" | "proxy upgrade" | "accessory upgrade")
}

#[test]
fn kamal_command_lines_parse_and_run_or_say_what_tug_does_not_do() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (line, command) in KAMAL_LINES {
        if wired(command) {
            tug(&dir)
                .args(words(line))
                .assert()
                .code(2)
                .stdout("")
                .stderr(predicate::str::contains("configuration file not found"));
            continue;
        }
        // The Kamal 1.x → 2.0 migrations are not Tug's job: one line saying so, exit 1.
        tug(&dir).args(words(line)).assert().code(1).stdout("").stderr(
            predicate::str::contains(format!("`tug {command}")).and(predicate::str::contains("migration from 1.x")),
        );
    }
}

#[test]
fn every_subcommand_is_covered_by_the_table() {
    // Each `tug GROUP --help` lists its visible subcommands; each must appear in the table.
    let dir = tempfile::tempdir().expect("temp dir");
    for group in ["accessory", "app", "build", "lock", "proxy", "prune", "registry", "secrets", "server"] {
        let out = tug(&dir).args([group, "--help"]).output().expect("runs");
        assert!(out.status.success(), "{group} --help");
        let help = String::from_utf8(out.stdout).expect("utf-8");
        let listed = help
            .split("Commands:\n")
            .nth(1)
            .expect("a command list")
            .lines()
            .take_while(|l| l.starts_with("  "))
            .filter(|l| !l.starts_with("   "))
            .filter_map(|l| l.split_whitespace().next())
            .filter(|name| *name != "help");
        for name in listed {
            let path = format!("{group} {name}");
            assert!(
                KAMAL_LINES.iter().any(|(_, command)| *command == path)
                    || LOCAL_LINES.iter().any(|(_, command)| *command == path),
                "`{path}` has no line in the table"
            );
        }
    }
}

#[test]
fn lowercase_h_is_hosts_not_help() {
    let dir = tempfile::tempdir().expect("temp dir");
    tug(&dir)
        .args(["-h", "1.1.1.1", "app", "details"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("configuration file not found"));
    // Without a value, `-h` is an incomplete --hosts, not a request for help.
    tug(&dir)
        .args(["app", "details", "-h"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("--hosts <HOSTS>"));
}

#[test]
fn help_is_long_or_a_command() {
    let dir = tempfile::tempdir().expect("temp dir");
    for args in [vec!["--help"], vec!["help"], vec![]] {
        tug(&dir).args(&args).assert().success().stdout(predicate::str::contains("Usage: tug [OPTIONS] <COMMAND>"));
    }
    tug(&dir).args(["help", "app"]).assert().success().stdout(predicate::str::contains("stale_containers"));
    tug(&dir)
        .args(["app", "exec", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--interactive").and(predicate::str::contains("--hosts")));
}

#[test]
fn help_lists_every_top_level_command() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = tug(&dir).arg("help").output().expect("runs");
    let help = String::from_utf8(out.stdout).expect("utf-8");
    for command in [
        "setup",
        "deploy",
        "redeploy",
        "rollback",
        "details",
        "audit",
        "config",
        "docs",
        "init",
        "remove",
        "upgrade",
        "version",
        "completions",
        "doctor",
        "accessory",
        "app",
        "build",
        "lock",
        "proxy",
        "prune",
        "registry",
        "secrets",
        "server",
        "help",
    ] {
        assert!(
            help.lines().any(|l| l.trim_start().starts_with(&format!("{command} "))),
            "`{command}` missing from:\n{help}"
        );
    }
}

#[test]
fn help_snapshot() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = tug(&dir).arg("--help").output().expect("runs");
    assert!(out.status.success());
    insta::assert_snapshot!("tug_help", String::from_utf8(out.stdout).expect("utf-8"));
}

#[test]
fn hidden_commands_stay_out_of_the_help() {
    let dir = tempfile::tempdir().expect("temp dir");
    tug(&dir).args(["app", "--help"]).assert().success().stdout(predicate::str::contains("remove_container").not());
}

#[test]
fn version_prints_tugs_version() {
    let dir = tempfile::tempdir().expect("temp dir");
    tug(&dir)
        .arg("version")
        .assert()
        .success()
        .stderr("")
        .stdout(format!("tug {} (Kamal 2.12.0 compatible)\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn version_option_needs_an_app_version() {
    let dir = tempfile::tempdir().expect("temp dir");
    tug(&dir).arg("--version").assert().code(2).stdout("").stderr(predicate::str::contains("--version <VERSION>"));
}

#[test]
fn unknown_command_suggests_and_exits_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    tug(&dir)
        .arg("deplyo")
        .assert()
        .code(2)
        .stdout("")
        .stderr("error: unknown command `deplyo`\nhelp: did you mean `deploy`? `tug help` lists the commands\n");
    tug(&dir)
        .args(["-d", "staging", "frobnicate", "--x"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("error: unknown command `frobnicate`\nhelp: "));
}

#[test]
fn invalid_arguments_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    for line in [
        "lock acquire",
        "prune containers --retain 0",
        "app exec",
        "app exec --detach --reuse 'ruby -v'",
        "server exec date --raw --interactive",
        "accessory boot",
        "proxy boot_config bogus",
        "secrets fetch foo",
        "app frob",
        "deploy --lock-wait-timeout soon",
    ] {
        tug(&dir).args(words(line)).assert().code(2).stdout("");
    }
}

#[test]
fn completions_are_printed_for_bash_zsh_and_fish() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (shell, marker) in [("bash", "complete -F"), ("zsh", "#compdef tug"), ("fish", "complete -c tug")] {
        let out = tug(&dir).args(["completions", shell]).output().expect("runs");
        assert!(out.status.success(), "{shell}: {}", String::from_utf8_lossy(&out.stderr));
        let script = String::from_utf8(out.stdout).expect("utf-8");
        assert!(script.contains(marker), "{shell}: {script}");
        for word in ["deploy", "rollback", "stale_containers", "dry-run", "skip-backup"] {
            assert!(script.contains(word), "{shell} completes `{word}`");
        }
    }
    tug(&dir).args(["completions", "tcsh"]).assert().code(2).stderr(predicate::str::contains("bash, zsh, fish"));
    let help = tug(&dir).arg("help").output().expect("runs");
    let help = String::from_utf8_lossy(&help.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(help.contains("`tug completions bash|zsh|fish`"), "{help}");
}

#[test]
fn with_json_errors_are_json_events_on_stdout() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (line, code, says) in [
        ("config --json", 2, "configuration file not found"),
        ("--json deploy --dry-run --offline", 2, "configuration file not found"),
        ("deplyo --json", 2, "unknown command `deplyo`"),
        ("doctor --json --offline", 2, "configuration file not found"),
        ("deploy --json --no-such-flag", 2, "--no-such-flag"),
    ] {
        let out = tug(&dir).args(words(line)).output().expect("runs");
        assert_eq!(out.status.code(), Some(code), "{line}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{line}: nothing as text");
        let stdout = String::from_utf8(out.stdout).expect("utf-8");
        let events: Vec<serde_json::Value> =
            stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{line}: {e}: {l}"))).collect();
        assert!(!events.is_empty(), "{line}: an event");
        for e in &events {
            assert_eq!(e["event"], "error", "{line}: {e}");
            assert_eq!(e["exit_status"], code, "{line}: {e}");
        }
        assert!(events.iter().any(|e| e["message"].as_str().is_some_and(|m| m.contains(says))), "{line}: {stdout}");
    }
    // Help is not an error, with or without --json.
    tug(&dir).args(["--json", "--help"]).assert().success().stdout(predicate::str::contains("Usage: tug"));
}

#[test]
fn config_json_is_one_line_as_the_help_says() {
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/zen-miner");
    let mut cmd = Command::cargo_bin("tug").expect("tug");
    let out = cmd.current_dir(&example).args(["config", "--json", "--version", "999"]).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(v["version"], "999");
    let help = tug(&tempfile::tempdir().expect("temp dir")).args(["config", "--help"]).output().expect("runs");
    assert!(String::from_utf8_lossy(&help.stdout).contains("one JSON event per line"));
}

#[test]
fn docs_proxy_tells_the_default_proxy_and_where_client_ip_filtering_is_set() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = tug(&dir).args(["docs", "proxy"]).output().expect("runs");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.contains("`basecamp/kamal-proxy`"), "{text}");
    assert!(!text.contains("by default Tug runs its own proxy image"), "{text}");
    assert!(text.contains("not an `x-tug` setting") && text.contains("TRUSTED_PROXIES=cloudflare"), "{text}");
    assert_eq!(
        tug_commands_default_proxy(),
        "basecamp/kamal-proxy",
        "what the page says is what the proxy run command uses"
    );
}

fn tug_commands_default_proxy() -> &'static str {
    tug_commands::proxy::run::DEFAULT_IMAGE
}

#[test]
fn init_names_the_origin_certificate_as_the_docs_do() {
    let dir = tempfile::tempdir().expect("temp dir");
    tug(&dir).arg("init").assert().success();
    let deploy = std::fs::read_to_string(dir.path().join("config/deploy.yml")).expect("deploy.yml");
    let secrets = std::fs::read_to_string(dir.path().join(".kamal/secrets")).expect("secrets");
    let docs = tug(&dir).args(["docs", "proxy"]).output().expect("runs");
    for (what, text) in
        [("deploy.yml", deploy), ("secrets", secrets), ("docs", String::from_utf8_lossy(&docs.stdout).into())]
    {
        assert!(text.contains("CLOUDFLARE_ORIGIN_CERT"), "{what}: {text}");
        assert!(!text.contains("CLOUDFLARE_ORIGIN_CERTIFICATE"), "{what}: {text}");
    }
}
