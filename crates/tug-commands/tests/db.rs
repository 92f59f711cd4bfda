//! Golden strings of `tug db` (Tug only): `tug-db` in a container of its image, and the ssh
//! byte pipes that carry backups off the host.

use tug_commands::Command;
use tug_commands::db::{Backup, TugDb, into_file, receive, ssh_pipe};

fn tool() -> TugDb<'static> {
    TugDb { image: "tug/tug-db:1", volumes: vec!["app_storage:/rails/storage", "logs:/logs:ro"] }
}

const RUN: &str = r#"docker run --rm --pull never --network none --volume "app_storage:/rails/storage" --volume "logs:/logs:ro" "tug/tug-db:1" tug-db"#;

#[test]
fn tool_commands_quote_every_value() {
    let t = tool();
    assert_eq!(t.find(&["/rails/storage", "/logs"]).to_shell(), format!(r#"{RUN} "find" "/rails/storage" "/logs""#));
    assert_eq!(
        t.list("/rails/storage/backups", false).to_shell(),
        format!(r#"{RUN} "list" "--dir" "/rails/storage/backups""#)
    );
    assert_eq!(
        t.list("/rails/storage/backups", true).to_shell(),
        format!(r#"{RUN} "list" "--dir" "/rails/storage/backups" "--json""#)
    );
    assert_eq!(t.verify("/b/x $(id).zst").to_shell(), format!(r#"{RUN} "verify" "/b/x \$(id).zst""#));
    assert_eq!(
        t.restore("/b/a.zst", "/rails/storage/production.sqlite3", "/b").to_shell(),
        format!(r#"{RUN} "restore" "/b/a.zst" "--to" "/rails/storage/production.sqlite3" "--safety-dir" "/b""#)
    );
    assert_eq!(t.send("/b/a.zst").to_shell(), format!(r#"{RUN} "send" "/b/a.zst""#));
    assert_eq!(t.cat("/b/a.zst.json").to_shell(), format!(r#"{RUN} "cat" "/b/a.zst.json""#));
}

#[test]
fn backup_arguments() {
    let b = Backup {
        path: "/rails/storage/production.sqlite3",
        dir: "/rails/storage/backups",
        keep: 5,
        reason: "pre-deploy",
        version: Some("abc123"),
        if_exists: true,
    };
    assert_eq!(
        tool().backup(&b).to_shell(),
        format!(
            r#"{RUN} "backup" "/rails/storage/production.sqlite3" "--dir" "/rails/storage/backups" "--keep" "5" "--reason" "pre-deploy" "--version" "abc123" "--if-exists""#
        )
    );
    let manual = Backup { reason: "manual", version: Some(""), if_exists: false, ..b };
    assert_eq!(
        tool().backup(&manual).to_shell(),
        format!(
            r#"{RUN} "backup" "/rails/storage/production.sqlite3" "--dir" "/rails/storage/backups" "--keep" "5" "--reason" "manual""#
        )
    );
}

#[test]
fn receive_mounts_the_copy_directory() {
    assert_eq!(
        receive("tug/tug-db:1", "/var/backups/zen", 10).to_shell(),
        r#"docker run --rm -i --pull never --network none --volume "/var/backups/zen:/var/backups/zen" "tug/tug-db:1" tug-db "receive" "--dir" "/var/backups/zen" "--keep" "10""#
    );
}

#[test]
fn ssh_pipes_quote_only_what_needs_it() {
    let args: Vec<String> =
        ["-F", "/tmp/tug ssh/ssh_config", "-o", "BatchMode=yes", "-p", "22", "-l", "root"].map(String::from).to_vec();
    let remote = Command::new(["docker", "load"]);
    let pipe = ssh_pipe(&args, "10.0.0.1", &remote);
    assert_eq!(
        pipe.to_shell(),
        "ssh -F '/tmp/tug ssh/ssh_config' -o BatchMode=yes -p 22 -l root '10.0.0.1' -- 'docker load'"
    );
    assert_eq!(
        into_file(ssh_pipe(&args, "h", &Command::new(["echo", "it's"])), "/tmp/a b").to_shell(),
        r#"ssh -F '/tmp/tug ssh/ssh_config' -o BatchMode=yes -p 22 -l root 'h' -- 'echo it'\''s' > '/tmp/a b'"#
    );
}
