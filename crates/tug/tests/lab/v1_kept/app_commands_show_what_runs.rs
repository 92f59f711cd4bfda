//! Lab scenario: after a deploy, `app exec`, `app logs`, `app details`, `proxy details`,
//! `details` and `audit` show what the servers run and did.

use crate::session;
use crate::support::request;

#[test]
fn app_commands_show_what_runs() {
    let p = session::v1_serving("app_commands_show_what_runs");
    let (status, _) = request(&p.lab.servers[0], "POST", "/entries", "hello from the lab").expect("POST /entries");
    assert_eq!(status, 201);

    let exec = p.tug(&["app", "exec", "--reuse", "zen-miner version"]).ok();
    for ip in &p.lab.servers {
        assert!(exec.stdout.contains(&format!("[{ip}] v1")), "{}", exec.stdout);
    }
    let fresh = p.tug(&["app", "exec", "--primary", "zen-miner backup --if-exists"]).ok();
    assert!(fresh.stdout.contains("backup-"), "a backup in a fresh container on the volume: {}", fresh.stdout);
    assert_eq!(
        fresh
            .stdout
            .lines()
            .filter(|l| l.starts_with('['))
            .map(|l| l.split(']').next())
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        1,
        "--primary runs on one host: {}",
        fresh.stdout
    );

    let logs = p.tug(&["app", "logs", "--lines", "20"]).ok();
    assert!(logs.stdout.contains("POST /entries 201"), "{}", logs.stdout);
    for ip in &p.lab.servers {
        assert!(
            logs.stdout.contains(&format!("[{ip}]")) && logs.stdout.contains("zen-miner v1 listening"),
            "{}",
            logs.stdout
        );
    }
    let grep = p.tug(&["app", "logs", "--grep", "POST /entries"]).ok();
    assert!(grep.stdout.contains("POST /entries 201") && !grep.stdout.contains("GET /up"), "{}", grep.stdout);

    let details = p.tug(&["app", "details"]).ok();
    assert_eq!(details.stdout.matches("zen_miner-web-lab-v1").count(), 3, "{}", details.stdout);
    let proxy = p.tug(&["proxy", "details"]).ok();
    assert_eq!(proxy.stdout.matches("tug/tug-proxy:v0.9.201").count(), 3, "{}", proxy.stdout);
    let all = p.tug(&["details"]).ok();
    assert!(all.stdout.contains("kamal-proxy") && all.stdout.contains("zen_miner-web-lab-v1"), "{}", all.stdout);

    let audit = p.tug(&["audit"]).ok();
    for ip in &p.lab.servers {
        for want in ["[lab] [web] Booted app version v1", "Executed cmd 'zen-miner version' on app version v1"] {
            assert!(
                audit.stdout.lines().any(|l| l.starts_with(&format!("[{ip}]")) && l.contains(want)),
                "{ip}: `{want}` missing:\n{}",
                audit.stdout
            );
        }
    }
    p.v1_still_serving();
}
