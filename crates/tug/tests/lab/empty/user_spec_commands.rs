//! Lab scenario: every command of the user's spec (`../shared/seed`, "User Experience" and
//! "Testing Strategy"), in the order a new user meets them, against the lab's servers — with
//! the spec's own aliases (`console`, `shell`, `logs`, `dbc`, `backup`) from the example's
//! config/deploy.yml. It starts on two servers and scales out to three the way the spec says:
//! add the server to the config and run `setup`.

use crate::session;
use crate::support::{Run, request};

fn served_by(server: &str) -> String {
    match request(server, "GET", "/version", "") {
        Ok((200, body)) => body.trim().to_string(),
        other => format!("{other:?}"),
    }
}

fn assert_line(run: &Run, want: &str) {
    assert!(run.all().contains(want), "`tug {}` should show `{want}`:\n{}", run.args, run.all());
}

#[test]
fn user_spec_commands() {
    let p = session::empty_servers("user_spec_commands");
    let (s1, s2, s3) = (p.lab.servers[0].clone(), p.lab.servers[1].clone(), p.lab.servers[2].clone());
    // Two servers to begin with; the third comes with "Scaling".
    p.edit("config/deploy.lab.yml", &format!("      - {s3}\n"), "");
    p.git_init();

    // Testing Strategy: validate, dry-run, registry, SSH.
    let config = p.tug(&["config"]).ok();
    for want in [":service_with_version: zen_miner-", &format!(":primary_host: {s1}"), &format!("- {s2}")] {
        assert_line(&config, want);
    }
    assert!(!config.all().contains(&s3), "{s3} is not in the config yet:\n{}", config.stdout);

    let dry = p.tug(&["deploy", "--dry-run", "--version", "v1"]).ok();
    for want in [
        format!("[{s1}]"),
        format!("[{s2}]"),
        "docker run --detach --restart unless-stopped --name zen_miner-web-lab-v1".to_string(),
    ] {
        assert_line(&dry, &want);
    }
    assert!(!dry.all().contains(&p.lab.registry_password), "the dry run never shows the registry password");
    for name in &p.lab.server_names[..2] {
        assert!(p.containers(name, true).is_empty(), "--dry-run changed nothing on {name}");
    }

    let login = p.tug(&["registry", "login"]).ok();
    assert!(!login.all().contains(&p.lab.registry_password), "{}", login.all());
    let wrong = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(wrong.path(), "not-the-password\n").expect("write");
    let refused = p
        .tug_with(&["registry", "login"], &[("TUG_LAB_REGISTRY_PASSWORD_FILE", wrong.path().to_str().unwrap())])
        .failed();
    let errors = refused.error_lines();
    assert!(
        !errors.is_empty() && errors.iter().any(|l| l.contains(&p.lab.registry)),
        "one error line naming the registry:\n{}",
        refused.all()
    );

    let ssh = p.tug(&["server", "exec", "docker ps"]).ok();
    for ip in [&s1, &s2] {
        assert!(
            ssh.stdout.lines().any(|l| l.starts_with(&format!("[{ip}]")) && l.contains("CONTAINER ID")),
            "`docker ps` on {ip}:\n{}",
            ssh.stdout
        );
    }

    // First-time setup, then regular deployments.
    p.tug(&["setup", "--version", "v1"]).ok();
    assert_eq!([served_by(&s1), served_by(&s2)], ["v1", "v1"]);
    let (status, id) = request(&s1, "POST", "/entries", "mined on v1").expect("POST");
    assert_eq!(status, 201);
    let entry = format!("/entries/{}", id.trim());

    p.tug(&["deploy", "--version", "v2"]).ok();
    assert_eq!([served_by(&s1), served_by(&s2)], ["v2", "v2"]);
    let (_, kept) = request(&s1, "GET", &entry, "").expect("GET the entry");
    assert!(kept.contains("mined on v1"), "the volume kept the data across the deploy: {kept}");

    // `bin/kamal logs` follows the app's log until interrupted.
    let logs = p.follow_logs(3, || {
        request(&s1, "GET", "/version", "").expect("GET while following");
    });
    assert!(logs.contains("GET /version 200"), "the followed log shows a request made meanwhile:\n{logs}");

    // `console` and `dbc` open the app's SQL shell on the primary; `shell` a shell in its container.
    let (status, console) = p.on_terminal("console", "SELECT body FROM entries;\n.quit");
    assert_eq!(status, Some(0), "{console}");
    assert!(console.contains("mined on v1"), "the console reads the database:\n{console}");
    let (status, dbc) = p.on_terminal("dbc", ".tables\n.quit");
    assert_eq!(status, Some(0), "{dbc}");
    assert!(dbc.contains("entries"), "dbconsole lists the tables:\n{dbc}");
    let (status, shell) = p.on_terminal("shell", "echo \"in $(hostname) as $(id -u) answer $((6 * 7))\"\nexit");
    assert_eq!(status, Some(0), "{shell}");
    assert!(shell.contains("as 1000 answer 42"), "a shell in the app container, as the app user:\n{shell}");

    // `backup` (the safe equivalent of the spec's `cp`): a verified backup on the primary.
    let backup = p.tug(&["backup"]).ok();
    let list = p.tug(&["db", "list"]).ok();
    assert!(
        list.all().contains(".sqlite3"),
        "`db list` shows the backup just taken:\n{}\n{}",
        backup.all(),
        list.all()
    );

    // Debugging.
    let details = p.tug(&["app", "details"]).ok();
    assert_eq!(details.stdout.matches("zen_miner-web-lab-v2").count(), 2, "{}", details.stdout);
    let inspect = p.ssh(&p.lab.server_names[0], "docker inspect -f '{{.HostConfig.ReadonlyRootfs}} {{.Config.User}} {{.HostConfig.Memory}}' zen_miner-web-lab-v2");
    assert_eq!(
        inspect.trim(),
        "true 1000:1000 536870912",
        "the app runs read-only, as UID 1000, within the spec's 512m"
    );
    // The spec types these as `bin/kamal …`: the example's wrapper runs Tug.
    let wrapper = p.path().join("bin/kamal");
    std::fs::create_dir_all(wrapper.parent().unwrap()).expect("bin/");
    std::fs::copy(crate::support::repo_root().join("examples/zen-miner/bin/kamal"), &wrapper).expect("copy bin/kamal");
    let mut cmd = p.command(&wrapper);
    cmd.args(["-d", "lab", "app", "details"]).env("TUG", env!("CARGO_BIN_EXE_tug"));
    let (status, stdout, stderr) =
        crate::support::run_bounded(cmd, std::time::Duration::from_secs(60)).expect("bin/kamal");
    assert_eq!(status, Some(0), "bin/kamal -d lab app details: {stderr}");
    assert_eq!(stdout.matches("zen_miner-web-lab-v2").count(), 2, "bin/kamal runs tug: {stdout}");
    let proxy = p.tug(&["proxy", "details"]).ok();
    assert_eq!(proxy.stdout.matches("tug/tug-proxy:v0.9.201").count(), 2, "{}", proxy.stdout);

    // Rollback: without a version Tug lists what each host can roll back to; then the spec's
    // "Rollback Testing" form with --version.
    let choices = p.tug(&["rollback"]).ok();
    assert!(choices.all().contains("v1"), "rollback without a version lists v1:\n{}", choices.all());
    assert_eq!([served_by(&s1), served_by(&s2)], ["v2", "v2"], "listing changed nothing");
    p.tug(&["rollback", "--version", "v1"]).ok();
    assert_eq!([served_by(&s1), served_by(&s2)], ["v1", "v1"]);

    // Scaling: add the server's address to the config and run `setup`.
    p.edit("config/deploy.lab.yml", &format!("      - {s2}\n"), &format!("      - {s2}\n      - {s3}\n"));
    p.tug(&["setup", "--version", "v1"]).ok();
    p.assert_serving("v1");
}
