//! Lab scenario: a server stops answering in the middle of a deploy of v2 over v1 (its container
//! is paused on this machine's Docker by the `pre-app-boot` hook, after the image was pulled
//! and the proxy checked everywhere). The deploy fails within the SSH keepalive bound with one
//! line naming the host and why; the servers that had switched to v2 are switched back to v1
//! before Tug exits; the deploy lock is released. Once the server answers again, the same
//! deploy succeeds everywhere.

use crate::session;
use crate::support::PausedServer;

#[test]
fn unreachable_host_mid_deploy() {
    let p = session::v1_serving("unreachable_host_mid_deploy");
    p.assert_serving("v1");

    let victim = p.lab.server_names[2].clone();
    let victim_ip = p.lab.servers[2].clone();
    let guard = PausedServer::hold(&victim);
    p.hook("pre-app-boot", &format!("#!/bin/sh\nexec docker pause {victim} >/dev/null\n"));
    let failed = p.tug(&["deploy", "--version", "v2", "-v"]).failed();
    assert!(guard.is_paused(), "the hook paused {victim}:\n{}", failed.all());
    assert!(
        failed.seconds < 120.0,
        "a host that stops answering fails the deploy within the keepalive bound, not after {:.0}s",
        failed.seconds
    );

    let errors = failed.error_lines();
    assert_eq!(errors.len(), 1, "one error line expected:\n{}", failed.all());
    let line = errors[0];
    assert!(!line.contains('\n'));
    assert!(
        line.contains(&victim_ip) && line.contains("unreachable over SSH"),
        "the line names the host and why: {line}"
    );
    for ip in &p.lab.servers[..2] {
        assert!(line.contains(&format!("{ip} to v1")), "{ip} is switched back to v1: {line}");
    }
    // While the victim is still paused: the others already serve v1 again (switched back by the
    // failed run itself), and the lock on the primary is gone.
    let serving = p.serving();
    assert_eq!(
        &serving[..2],
        &["v1".to_string(), "v1".to_string()],
        "the reachable servers are back on v1: {serving:?}"
    );
    let primary = &p.lab.server_names[0];
    let lock = p.ssh(primary, "test -e .kamal/lock-zen_miner-lab && echo held || echo free");
    assert_eq!(lock.trim(), "free", "the deploy lock is released");
    for name in &p.lab.server_names[..2] {
        let running = p.containers(name, false);
        assert!(
            running.contains(&"zen_miner-web-lab-v1".to_string())
                && !running.contains(&"zen_miner-web-lab-v2".to_string()),
            "{name} runs {running:?}"
        );
    }

    guard.unpause();
    drop(guard);
    p.assert_serving("v1");
    std::fs::remove_file(p.path().join(".kamal/hooks/pre-app-boot")).expect("remove hook");
    p.tug(&["deploy", "--version", "v2", "--skip-push"]).ok();
    p.assert_serving("v2");
}
