//! Full `--dry-run` plans of real configurations, snapshotted: the user's corrected config and
//! scenario fixtures (destination, local registry, accessories, boot limits). Fixed version,
//! clock, performer and hex; secrets files hold sentinel values that must never show.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use tug::world::{Environment, Inputs, SharedBuf};

const SENTINELS: [&str; 3] = ["sentinel-registry-pw-7731", "sentinel-master-key-5512", "sentinel-pg-pw-9043"];
const ZEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/zen-miner/config/deploy.yml");

struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new(config: &Path, destination: Option<&Path>) -> Project {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        for d in ["config", ".kamal/hooks", "conf"] {
            std::fs::create_dir_all(root.join(d)).expect("mkdir");
        }
        std::fs::copy(config, root.join("config/deploy.yml")).expect("copy config");
        if let Some(d) = destination {
            let name = d.file_name().and_then(|n| n.to_str()).expect("name");
            let dest = name.split('.').nth(1).expect("destination");
            std::fs::copy(d, root.join(format!("config/deploy.{dest}.yml"))).expect("copy destination");
            std::fs::write(root.join(format!(".kamal/secrets.{dest}")), secrets()).expect("secrets");
        }
        std::fs::write(root.join(".kamal/secrets"), secrets()).expect("secrets");
        std::fs::write(root.join("conf/pg.conf"), "max_wal_size = 1GB\n").expect("file");
        std::fs::write(root.join("conf/init.sql.erb"), "CREATE ROLE <%= ENV[\"POSTGRES_USER\"] %>;\n").expect("file");
        for hook in ["pre-deploy", "post-deploy", "pre-app-boot", "pre-proxy-reboot"] {
            let path = root.join(".kamal/hooks").join(hook);
            std::fs::write(&path, "#!/bin/sh\nexit 0\n").expect("hook");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        Project { dir }
    }

    fn fixture(name: &str) -> Project {
        Project::new(&tug_test::config_fixtures().join(name), None)
    }

    /// Runs `tug <line>` and returns (exit code, stdout, stderr).
    fn tug(&self, line: &str) -> (u8, String, String) {
        let mut argv = vec!["tug".to_string()];
        argv.extend(shell_words::split(line).expect("argv"));
        let out = SharedBuf::default();
        let err = SharedBuf::default();
        let env = Environment {
            root: self.dir.path().to_path_buf(),
            inputs: Inputs::fixed(),
            out: Box::new(out.clone()),
            err: Box::new(err.clone()),
            interactive: false,
        };
        let outcome = tug::cli::parse(&argv).and_then(|inv| tug::cli::run_in(&inv, env));
        let code = match &outcome {
            Ok(s) => s.code(),
            Err(e) => e.exit_status().code(),
        };
        let mut stderr = err.text();
        if let Err(e) = outcome {
            stderr.push_str(&tug::diagnostics::render(&e, tug::diagnostics::Style::PLAIN));
        }
        let root = self.dir.path().display().to_string();
        // The run's SSH config lives in a private directory with a random name.
        let ssh_config = tug::ssh_options::control_directory().join("ssh_config").display().to_string();
        let clean = |s: String| {
            let s = s.replace(&root, "[ROOT]").replace(&ssh_config, "[SSH_CONFIG]");
            regex_lite(&s)
        };
        (code, clean(out.text()), clean(stderr))
    }
}

/// Replaces the clone directory's hash (it depends on the temp dir) with `[HASH]`.
fn regex_lite(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("kamal-clones/") {
        let (head, tail) = rest.split_at(i + "kamal-clones/".len());
        out.push_str(head);
        let dash = tail.find('-').unwrap_or(0);
        out.push_str(&tail[..=dash]);
        out.push_str("[HASH]");
        rest = &tail[(dash + 1 + 13).min(tail.len())..];
    }
    out.push_str(rest);
    out
}

fn secrets() -> String {
    format!(
        "KAMAL_REGISTRY_PASSWORD={}\nRAILS_MASTER_KEY={}\nPOSTGRES_PASSWORD={}\nAPI_TOKEN={}\n",
        SENTINELS[0], SENTINELS[1], SENTINELS[2], SENTINELS[1]
    )
}

fn assert_no_secret(text: &str) {
    for s in SENTINELS {
        assert!(!text.contains(s), "secret `{s}` leaked:\n{text}");
    }
}

fn plan(project: &Project, line: &str) -> String {
    let (code, out, err) = project.tug(line);
    assert_no_secret(&out);
    assert_no_secret(&err);
    let (jcode, json, jerr) = project.tug(&format!("{line} --json"));
    assert_no_secret(&json);
    assert_no_secret(&jerr);
    assert_eq!(code, jcode, "{line}: text and JSON runs end alike");
    for l in json.lines() {
        serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
    }
    format!("exit: {code}\n{out}{err}")
}

fn zen() -> Project {
    Project::new(Path::new(ZEN), None)
}

macro_rules! plan_snapshot {
    ($name:ident, $project:expr, $line:expr) => {
        #[test]
        fn $name() {
            let project = $project;
            insta::assert_snapshot!(plan(&project, $line));
        }
    };
}

plan_snapshot!(zen_deploy, zen(), "deploy --dry-run --offline --version 999");
// Without a pre-deploy hook to run (`-H`), the lock comes first and the pull runs alongside
// the proxy boot and the stale container check.
plan_snapshot!(zen_deploy_without_hooks, zen(), "deploy -P -H --skip-backup --dry-run --offline --version 999");
plan_snapshot!(zen_setup, zen(), "setup --dry-run --offline --version 999");
plan_snapshot!(zen_redeploy, zen(), "redeploy --dry-run --offline --version 999 -P");
plan_snapshot!(zen_rollback, zen(), "rollback 998 --dry-run --offline --version 999");
plan_snapshot!(zen_remove, zen(), "remove -y --dry-run --offline --version 999");
plan_snapshot!(zen_prune_all, zen(), "prune all --dry-run --offline --version 999");
plan_snapshot!(zen_app_boot, zen(), "app boot --dry-run --offline --version 999");
plan_snapshot!(zen_proxy_reboot, zen(), "proxy reboot -y --dry-run --offline --version 999");
plan_snapshot!(zen_lock_acquire, zen(), "lock acquire -m x --dry-run --offline --version 999");
plan_snapshot!(zen_build_push, zen(), "build push --dry-run --offline --version 999");
plan_snapshot!(
    accessories_boot_all,
    Project::fixture("accessories.yml"),
    "accessory boot all --dry-run --offline --version 999"
);
plan_snapshot!(accessories_setup, Project::fixture("accessories.yml"), "setup -P --dry-run --offline --version 999");
plan_snapshot!(
    boot_limits_deploy,
    Project::fixture("boot_strategy.yml"),
    "deploy -P --dry-run --offline --version 999"
);
plan_snapshot!(
    local_registry_deploy,
    Project::fixture("local_registry.yml"),
    "deploy --dry-run --offline --version 999"
);
plan_snapshot!(
    destination_deploy,
    Project::new(
        &tug_test::config_fixtures().join("dest_overlay.yml"),
        Some(&tug_test::config_fixtures().join("dest_overlay.alpha.yml"))
    ),
    "deploy -P -d alpha --dry-run --offline --version 999"
);

fn zen_db() -> Project {
    let p = zen();
    let config = std::fs::read_to_string(ZEN).expect("zen")
        + "\nx-tug:\n  db:\n    path: /rails/storage/production.sqlite3\n    backups: /rails/storage/backups\n    keep: 5\n    image: registry.example/tug-db:7\n";
    std::fs::write(p.dir.path().join("config/deploy.yml"), config).expect("write");
    p
}

plan_snapshot!(zen_db_backup, zen(), "db backup --dry-run --offline --version 999");
plan_snapshot!(zen_db_backup_configured, zen_db(), "db backup --dry-run --offline --version 999");
plan_snapshot!(zen_db_list, zen_db(), "db list --dry-run --offline --version 999");
plan_snapshot!(
    zen_db_verify,
    zen_db(),
    "db verify production-20260101T000000Z-998.sqlite3.zst --dry-run --offline --version 999"
);
plan_snapshot!(
    zen_db_restore,
    zen_db(),
    "db restore production-20260101T000000Z-998.sqlite3.zst --dry-run --offline --version 999"
);
plan_snapshot!(zen_db_restore_before_deploy, zen(), "db restore --before-deploy 998 --dry-run --offline --version 999");
plan_snapshot!(
    zen_db_download,
    zen_db(),
    "db download production-20260101T000000Z-998.sqlite3.zst --to backups --dry-run --offline --version 999"
);
plan_snapshot!(zen_deploy_skip_backup, zen_db(), "deploy --skip-backup --dry-run --offline --version 999");

#[test]
fn db_settings_are_checked() {
    let p = zen();
    let config =
        std::fs::read_to_string(ZEN).expect("zen") + "\nx-tug:\n  db:\n    path: /elsewhere/production.sqlite3\n";
    std::fs::write(p.dir.path().join("config/deploy.yml"), config).expect("write");
    let (code, _, err) = p.tug("db backup --dry-run --offline");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not inside any of the app's volumes"), "{err}");
    let (code, _, err) = zen().tug("db restore --dry-run --offline");
    assert_eq!(code, 2, "{err}");
}

#[test]
fn unknown_hosts_are_refused_like_kamal() {
    let (code, _, err) = zen().tug("deploy --dry-run --offline --version 999 -h 9.9.9.9,8.8.*");
    assert_eq!(code, 2);
    assert!(err.contains("No --hosts match for 9.9.9.9,8.8.*"), "{err}");
    let (code, _, err) = zen().tug("deploy --dry-run --offline -r db");
    assert_eq!(code, 2);
    assert!(err.contains("No --roles match for db"), "{err}");
}

#[test]
fn offline_without_dry_run_is_refused() {
    let (code, _, err) = zen().tug("deploy --offline --version 999");
    assert_eq!(code, 2);
    assert!(err.contains("--offline forbids contacting them"), "{err}");
}

#[test]
fn unreachable_host_is_one_clear_line() {
    let p = zen();
    std::fs::write(
        p.dir.path().join("config/deploy.yml"),
        std::fs::read_to_string(ZEN)
            .expect("zen")
            .replace("123.45.67.89", "127.0.0.1")
            .replace("registry:", "ssh:\n  port: 1\nregistry:"),
    )
    .expect("write");
    let (code, _, err) = p.tug("app details --version 999");
    assert_eq!(code, 1, "{err}");
    let last = err.lines().rfind(|l| l.starts_with("error:")).unwrap_or_default().to_string();
    assert!(last.contains("127.0.0.1"), "{err}");
    assert_eq!(err.lines().filter(|l| l.starts_with("error:")).count(), 1, "{err}");
}

#[test]
fn build_setup_commands_plan_kamals_builder_steps() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/zen-miner");
    for (args, expect) in [
        (vec!["build", "create"], "docker buildx create --name kamal-local-docker-container --driver=docker-container"),
        (vec!["build", "remove"], "docker buildx rm kamal-local-docker-container"),
        (vec!["build", "details"], "docker context ls && docker buildx ls"),
        (vec!["build", "dev"], "--output=type=docker"),
    ] {
        let out = assert_cmd::Command::cargo_bin("tug")
            .expect("tug")
            .current_dir(&example)
            .env("VERSION", "v1")
            .env("NO_COLOR", "1")
            .args(&args)
            .args(["--dry-run", "--offline"])
            .output()
            .expect("run");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(text.contains(expect), "{args:?}:\n{text}");
    }
    let dev = assert_cmd::Command::cargo_bin("tug")
        .expect("tug")
        .current_dir(&example)
        .env("VERSION", "v1")
        .args(["build", "dev", "--dry-run", "--offline"])
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&dev.stdout).contains(":v1-dirty"));
}

#[test]
fn proxy_boot_config_writes_kamals_legacy_files() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/zen-miner");
    let run = |args: &[&str]| {
        let out = assert_cmd::Command::cargo_bin("tug")
            .expect("tug")
            .current_dir(&example)
            .env("VERSION", "v1")
            .env("NO_COLOR", "1")
            .args(args)
            .args(["--dry-run", "--offline"])
            .output()
            .expect("run");
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    };
    let set = run(&["proxy", "boot_config", "set", "--http-port", "8080"]);
    assert!(
        set.contains(
            "upload .kamal/proxy/options (mode 0644): \"--publish 8080:80 --publish 443:443 --log-opt max-size=10m\""
        ),
        "{set}"
    );
    assert!(set.contains("rm .kamal/proxy/image_version") && set.contains("deprecated"), "{set}");
    let reset = run(&["proxy", "boot_config", "reset"]);
    assert!(reset.contains("rm .kamal/proxy/options") && reset.contains("rm .kamal/proxy/run_command"), "{reset}");
}

/// The zen config with Cloudflare's Full mode stated in front of `proxy.ssl: false`.
fn zen_full_mode_without_tls() -> Project {
    let p = zen();
    let config = std::fs::read_to_string(ZEN).expect("zen") + "\nx-tug:\n  cloudflare:\n    ssl_mode: full\n";
    std::fs::write(p.dir.path().join("config/deploy.yml"), config).expect("write");
    p
}

#[test]
fn an_advice_error_stops_deploy_setup_and_redeploy_and_their_plans() {
    let p = zen_full_mode_without_tls();
    for line in [
        "deploy --dry-run --offline --version 999",
        "setup --dry-run --offline --version 999",
        "redeploy --dry-run --offline --version 999",
        "deploy -q --dry-run --offline --version 999",
        // A real run stops before contacting any server (the host does not exist).
        "deploy --version 999",
        "setup -q --version 999",
        "redeploy --version 999",
    ] {
        let (code, out, err) = p.tug(line);
        assert_eq!(code, 2, "{line}: {out}{err}");
        assert!(err.contains("error 525"), "{line}: the error is shown: {err}");
        assert!(!out.contains("docker ") && !err.contains("docker "), "{line}: nothing planned or run: {out}{err}");
        if line.contains("--dry-run") && !line.contains("-q") {
            assert!(
                out.contains("== Stop: error: [cloudflare]") && out.contains("error 525"),
                "{line}: the plan shows it: {out}"
            );
        }
    }
    let (code, json, _) = p.tug("deploy --dry-run --offline --version 999 --json");
    assert_eq!(code, 2);
    assert!(json.lines().any(|l| l.contains("error 525")), "{json}");
    // Rollback and other commands are not deploys: the advice does not stop them.
    let (code, _, err) = p.tug("app boot --dry-run --offline --version 999");
    assert_eq!(code, 0, "{err}");
}

#[test]
fn config_exits_2_on_an_advice_error_even_when_quiet() {
    let p = zen_full_mode_without_tls();
    for line in ["config --version 999", "config -q --version 999"] {
        let (code, out, err) = p.tug(line);
        assert_eq!(code, 2, "{line}: {err}");
        assert!(err.contains("error: [cloudflare]") && err.contains("error 525"), "{line}: {err}");
        assert!(out.contains(":service_with_version:"), "{line}: the data is still printed: {out}");
    }
    let (code, out, _) = p.tug("config --json --version 999");
    assert_eq!(code, 2);
    let lines: Vec<serde_json::Value> =
        out.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    assert_eq!(lines.len(), 2, "one error event, then the config on one line: {out}");
    assert_eq!(lines[0]["event"], "error");
    assert!(lines[1]["roles"].is_array(), "{out}");
    // Without the contradiction `config` succeeds and `-q` hides the warnings.
    let (code, _, err) = zen().tug("config -q --version 999");
    assert_eq!((code, err.as_str()), (0, ""));
}

#[test]
fn aliases_and_hooks_that_copy_a_live_sqlite_file_get_the_sqlite_advice() {
    let p = zen();
    let config = std::fs::read_to_string(ZEN).expect("zen").replace(
        "aliases:\n",
        "aliases:\n  backup: db backup\n  snapshot: app exec --reuse \"cp /rails/storage/production.sqlite3 /rails/storage/copy.sqlite3\"\n",
    );
    std::fs::write(p.dir.path().join("config/deploy.yml"), config).expect("write");
    std::fs::write(
        p.dir.path().join(".kamal/hooks/pre-deploy"),
        "#!/bin/sh\n# cp is fine in a comment: x.sqlite3\nscp $KAMAL_HOSTS:/srv/storage/production.sqlite3 backups/\n",
    )
    .expect("hook");
    let (code, _, err) = p.tug("config --version 999");
    assert_eq!(code, 0, "a warning: {err}");
    assert!(err.contains("warning: [sqlite] the alias `snapshot` copies a live SQLite file"), "{err}");
    assert!(err.contains("the hook `.kamal/hooks/pre-deploy` copies a live SQLite file"), "{err}");
    assert!(!err.contains("alias `backup`"), "`db backup` is the safe way: {err}");
    let (code, out, _) = p.tug("deploy --dry-run --offline --version 999");
    assert_eq!(code, 0);
    assert!(out.contains("the alias `snapshot` copies a live SQLite file"), "{out}");
    assert!(out.contains("the hook `.kamal/hooks/pre-deploy`"), "{out}");
}

#[test]
fn the_origin_key_is_uploaded_readable_by_the_proxy_user_only() {
    let p = zen();
    let config = std::fs::read_to_string(ZEN).expect("zen").replace(
        "  ssl: false  # Cloudflare handles SSL\n",
        "  ssl:\n    certificate_pem: CLOUDFLARE_ORIGIN_CERT\n    private_key_pem: CLOUDFLARE_ORIGIN_KEY\n",
    );
    std::fs::write(p.dir.path().join("config/deploy.yml"), config).expect("write");
    let secrets = secrets() + &format!("CLOUDFLARE_ORIGIN_CERT=cert\nCLOUDFLARE_ORIGIN_KEY={}\n", SENTINELS[2]);
    std::fs::write(p.dir.path().join(".kamal/secrets"), secrets).expect("secrets");
    let out = plan(&p, "deploy --dry-run --offline --version 999");
    assert!(out.starts_with("exit: 0"), "{out}");
    let key = ".kamal/proxy/apps-config/zen_miner/tls/web/key.pem";
    assert!(out.contains(&format!("upload {key} (mode 0600)")), "{out}");
    assert!(out.contains("tls/web/cert.pem (mode 0644)"), "the certificate is public: {out}");
    assert!(
        out.contains(&format!(
            "chown \"$(stat -c %u:%g /proc/$(docker inspect --format '{{{{.State.Pid}}}}' kamal-proxy))\" {key}"
        )),
        "{out}"
    );
}

/// Runs the `tug` binary in `dir` with `PATH` limited to `bin` and git's directory.
fn tug_bin(dir: &Path, bin: &Path, args: &[&str]) -> (i32, String, String) {
    let git = std::process::Command::new("sh").args(["-c", "command -v git"]).output().expect("sh");
    let git_dir =
        Path::new(String::from_utf8_lossy(&git.stdout).trim()).parent().expect("git's directory").to_path_buf();
    let out = assert_cmd::Command::cargo_bin("tug")
        .expect("tug")
        .current_dir(dir)
        .env("PATH", format!("{}:{}:/usr/bin:/bin", bin.display(), git_dir.display()))
        .env("NO_COLOR", "1")
        .env("TMPDIR", dir.join("tmp"))
        .args(args)
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn an_online_plan_of_a_git_clone_build_shows_the_clone_without_asking_it() {
    let p = zen();
    let root = p.dir.path();
    std::fs::create_dir_all(root.join("tmp")).expect("tmp");
    std::fs::write(root.join(".gitignore"), "tmp/\n").expect("gitignore");
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .current_dir(root)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .output()
            .expect("git");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "first"]);
    let head = git(&["rev-parse", "HEAD"]);
    // A docker that answers every local question, so the plan needs no daemon.
    let bin = root.join("tmp/bin");
    std::fs::create_dir_all(&bin).expect("bin");
    std::fs::write(bin.join("docker"), "#!/bin/sh\nexit 0\n").expect("docker");
    std::fs::set_permissions(bin.join("docker"), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let (code, out, err) = tug_bin(root, &bin, &["build", "push", "--dry-run"]);
    assert_eq!(code, 0, "the first plan of a clone build succeeds:\n{out}{err}");
    assert!(out.contains(&format!("clone {} --recurse-submodules", root.display())), "the clone is shown: {out}");
    assert!(out.contains("status --porcelain"), "the check of the clone is shown: {out}");
    assert!(out.contains(&format!(":{head}")), "the build after the clone is shown: {out}");
    assert!(!root.join("tmp/kamal-clones").exists(), "a plan makes no clone");
    assert_no_secret(&out);
    assert_no_secret(&err);
}

#[test]
fn plans_report_missing_empty_and_failing_secrets_without_showing_values() {
    let with_secrets = |text: &str| {
        let p = zen();
        std::fs::write(p.dir.path().join(".kamal/secrets"), text).expect("secrets");
        p
    };
    let others = format!("RAILS_MASTER_KEY={}\n", SENTINELS[1]);
    let cases: [(&str, String, u8, u8, &str); 4] = [
        // (what, secrets file, exit online, exit offline, what the error says)
        ("empty", format!("{others}KAMAL_REGISTRY_PASSWORD=\n"), 2, 2, "secret `KAMAL_REGISTRY_PASSWORD` is empty"),
        ("missing", others.clone(), 2, 2, "Secret 'KAMAL_REGISTRY_PASSWORD' not found in .kamal/secrets"),
        ("failing", format!("{others}KAMAL_REGISTRY_PASSWORD=$(exit 3)\n"), 2, 0, "command `exit 3` failed"),
        ("empty output", format!("{others}KAMAL_REGISTRY_PASSWORD=$(printf '')\n"), 2, 0, "is empty"),
    ];
    for (what, text, online, offline, says) in &cases {
        let p = with_secrets(text);
        for (line, expected) in [
            ("registry login --skip-remote --dry-run --version 999", online),
            ("deploy --dry-run --offline --version 999", offline),
        ] {
            let (code, out, err) = p.tug(line);
            assert_eq!(code, *expected, "{what}: {line}:\n{out}{err}");
            assert_no_secret(&out);
            assert_no_secret(&err);
            if *expected == 2 {
                assert!(err.contains(says), "{what}: {line}: {err}");
            }
            let (jcode, json, jerr) = p.tug(&format!("{line} --json"));
            assert_eq!(jcode, *expected, "{what}: {line} --json");
            assert_no_secret(&json);
            assert_no_secret(&jerr);
        }
    }
    // Offline, a value made by a command is not run, and the plan says so.
    let p = with_secrets(&format!("{others}KAMAL_REGISTRY_PASSWORD=$(exit 3)\n"));
    let (_, out, _) = p.tug("deploy --dry-run --offline --version 999");
    assert!(out.contains("secret `KAMAL_REGISTRY_PASSWORD` is made by `$(…)`") && out.contains("not checked"), "{out}");
    // Online, a good value is read as the run would read it, and shown redacted.
    let p = with_secrets(&format!("{others}KAMAL_REGISTRY_PASSWORD=$(printf {})\n", SENTINELS[0]));
    let plan = plan(&p, "registry login --skip-remote --dry-run --version 999");
    assert!(plan.starts_with("exit: 0") && plan.contains("-p [REDACTED]"), "{plan}");
}
