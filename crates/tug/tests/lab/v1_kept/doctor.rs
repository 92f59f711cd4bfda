//! Lab scenario: `tug doctor` (the spec's "Deployment Testing Checklist" as one command) on the
//! lab reports every check for every server and passes; with one server down it fails exactly
//! that server's SSH check, says how to fix it, and exits 1. `--json` gives the same report.

use crate::session;
use crate::support::{PausedServer, Run};

/// The report lines about `check` (and `server`, when given).
fn lines<'a>(run: &'a Run, check: &str, server: Option<&str>) -> Vec<&'a str> {
    run.stdout
        .lines()
        .filter(|l| l.split_whitespace().nth(1) == Some(check))
        .filter(|l| server.is_none_or(|s| l.contains(&format!("[{s}]"))))
        .collect()
}

#[test]
fn doctor() {
    let p = session::v1_serving("doctor");

    let healthy = p.tug(&["doctor"]).ok();
    for check in ["config", "cloudflare", "sqlite", "registry", "dns", "tls"] {
        assert!(!lines(&healthy, check, None).is_empty(), "no `{check}` line:\n{}", healthy.stdout);
    }
    for server in &p.lab.servers {
        for check in ["ssh", "docker", "ports", "disk", "clock"] {
            let found = lines(&healthy, check, Some(server));
            assert_eq!(found.len(), 1, "one `{check}` line for {server}:\n{}", healthy.stdout);
            assert!(!found[0].starts_with("FAIL"), "{}", found[0]);
        }
        let ports = lines(&healthy, "ports", Some(server));
        assert!(
            ports[0].starts_with("PASS") && ports[0].contains("kamal-proxy"),
            "after setup the proxy holds 80/443: {}",
            ports[0]
        );
    }
    assert!(lines(&healthy, "registry", None)[0].starts_with("PASS"), "{}", healthy.stdout);
    assert!(!healthy.stdout.lines().any(|l| l.starts_with("FAIL")), "{}", healthy.stdout);

    let json = p.tug(&["doctor", "--json"]).ok();
    let checks: Vec<serde_json::Value> = json.stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let ssh_checks = checks.iter().filter(|c| c.to_string().contains("\"ssh\"")).count();
    assert!(ssh_checks >= p.lab.servers.len(), "--json reports every check:\n{}", json.stdout);

    // One server down: its SSH check fails (and what depends on it is not checked); the others pass.
    let down = p.lab.server_names[2].clone();
    let down_ip = p.lab.servers[2].clone();
    let paused = PausedServer::hold(&down);
    paused.pause();
    let broken = p.tug(&["doctor"]).failed();
    assert_eq!(broken.status, Some(1), "{}", broken.all());
    let ssh = lines(&broken, "ssh", Some(&down_ip));
    assert!(
        ssh.len() == 1 && ssh[0].starts_with("FAIL") && ssh[0].contains("fix:"),
        "{down_ip}'s ssh check fails with a fix:\n{}",
        broken.stdout
    );
    for check in ["docker", "ports", "disk", "clock"] {
        assert!(
            lines(&broken, check, Some(&down_ip)).iter().all(|l| l.starts_with("SKIP")),
            "{check} on {down_ip} is not checked:\n{}",
            broken.stdout
        );
    }
    for server in &p.lab.servers[..2] {
        assert!(lines(&broken, "ssh", Some(server))[0].starts_with("PASS"), "{}", broken.stdout);
    }
    assert_eq!(
        broken.stdout.lines().filter(|l| l.starts_with("FAIL")).count(),
        1,
        "only the down server's ssh check fails:\n{}",
        broken.stdout
    );
    assert!(
        broken.seconds < 60.0,
        "a server that does not answer is given up on in bounded time ({:.1}s)",
        broken.seconds
    );
    paused.unpause();
    drop(paused);
    p.v1_still_serving();
}
