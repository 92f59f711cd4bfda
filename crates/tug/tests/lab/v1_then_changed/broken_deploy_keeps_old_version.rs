//! Lab scenario: a version whose `/up` never answers is deployed. When it fails everywhere,
//! every server keeps serving the old version; when it fails on one server only, the servers
//! that had already switched are switched back. Either way the deploy exits non-zero with one
//! line naming the host and the reason (with the container's last log lines), the lock is
//! released, and once the cause is fixed the same deploy succeeds.

use crate::session;

#[test]
fn broken_deploy_keeps_old_version() {
    let p = session::v1_serving("broken_deploy_keeps_old_version");
    p.assert_serving("v1");

    // v3: the database directory does not exist anywhere, so the app never becomes healthy.
    let v1 = p.image("v1");
    p.push_image("v3", &format!("FROM {v1}\nENV DATABASE_PATH=/rails/missing/production.sqlite3\n"));
    let broken = p.tug(&["deploy", "--version", "v3", "--skip-push"]).failed();
    let errors = broken.error_lines();
    assert_eq!(errors.len(), 1, "one error line expected:\n{}", broken.all());
    let line = errors[0];
    assert!(line.contains("Failed to boot web on 172.31.250."), "{line}");
    assert!(
        line.contains("last log lines:") && line.contains("/rails/missing"),
        "the container's last log lines are in the error: {line}"
    );
    p.assert_serving("v1");
    let lock = p.tug(&["lock", "status"]).ok();
    assert!(lock.all().contains("There is no deploy lock"), "the lock is released: {}", lock.all());

    // v4: works only where the directory exists, i.e. on the first two servers.
    p.push_image("v4", &format!("FROM {v1}\nENV DATABASE_PATH=/rails/storage/v4/production.sqlite3\n"));
    let data = "/var/lib/docker/volumes/zen_miner_storage/_data/v4";
    let (good, bad) = p.lab.server_names.split_at(2);
    for name in &p.lab.server_names {
        // The volume outlives `remove`: start from servers where v4 cannot run.
        p.ssh(name, &format!("rm -rf {data}"));
    }
    for name in good {
        p.ssh(name, &format!("mkdir -p {data} && chown 1000:1000 {data}"));
    }
    let partial = p.tug(&["deploy", "--version", "v4", "--skip-push"]).failed();
    let errors = partial.error_lines();
    assert_eq!(errors.len(), 1, "one error line expected:\n{}", partial.all());
    let line = errors[0];
    let bad_ip = &p.lab.servers[2];
    assert!(line.contains(&format!("Failed to boot web on {bad_ip}")), "the failing host is named: {line}");
    for ip in &p.lab.servers[..2] {
        assert!(line.contains(&format!("{ip} to v1")), "{ip} is switched back to v1: {line}");
    }
    p.assert_serving("v1");
    for name in good {
        let all = p.containers(name, true);
        assert!(
            all.contains(&"zen_miner-web-lab-v4".to_string()),
            "{name}: the failed version's container stays (stopped): {all:?}"
        );
    }
    let audit = p.tug(&["audit"]).ok();
    assert!(
        audit.stdout.contains("Switching back to app version v1 after the failed deploy of v4"),
        "{}",
        audit.stdout
    );

    // The cause fixed, the same deploy succeeds everywhere.
    for name in bad {
        p.ssh(name, &format!("mkdir -p {data} && chown 1000:1000 {data}"));
    }
    p.tug(&["deploy", "--version", "v4", "--skip-push"]).ok();
    p.assert_serving("v4");
}
