//! Lab scenario: a team sets up three servers with version v1, ships v2 while users keep
//! hitting every server (not one request fails), then rolls back to v1.

use std::time::Duration;

use crate::session;
use crate::support::Load;

#[test]
fn first_deploy_then_update_under_load_then_rollback() {
    let p = session::empty_servers("first_deploy_then_update_under_load_then_rollback");

    let setup = p.tug(&["setup", "--version", "v1"]).ok();
    p.assert_serving("v1");
    assert!(setup.all().contains("Finished all in"), "{}", setup.all());
    for name in &p.lab.server_names {
        let proxy_image = p.ssh(name, "docker inspect kamal-proxy --format '{{.Config.Image}}'");
        assert_eq!(
            proxy_image.trim(),
            "tug/tug-proxy:v0.9.201",
            "{name}: the proxy runs Tug's image, delivered over SSH"
        );
    }

    let load = Load::start(&p.lab.servers, Duration::from_secs(180));
    std::thread::sleep(Duration::from_millis(500));
    p.tug(&["deploy", "--version", "v2"]).ok();
    std::thread::sleep(Duration::from_millis(500));
    let report = load.finish();
    assert!(
        report.failures.is_empty(),
        "{} of {} requests failed during the deploy: {:?}",
        report.failures.len(),
        report.ok + report.failures.len(),
        &report.failures[..report.failures.len().min(10)]
    );
    assert!(
        report.versions.contains_key("v1") && report.versions.contains_key("v2"),
        "the load saw {:?}",
        report.versions
    );
    eprintln!("load during deploy: {} requests, versions {:?}", report.ok, report.versions);
    p.assert_serving("v2");
    for name in &p.lab.server_names {
        let all = p.containers(name, true);
        assert!(
            all.contains(&"zen_miner-web-lab-v1".to_string()),
            "{name}: the stopped v1 container stays for rollbacks: {all:?}"
        );
    }

    let candidates = p.tug(&["rollback"]).ok();
    assert!(candidates.stdout.contains("web: v1 (running v2)"), "{}", candidates.stdout);

    let load = Load::start(&p.lab.servers, Duration::from_secs(180));
    p.tug(&["rollback", "v1"]).ok();
    let report = load.finish();
    assert!(
        report.failures.is_empty(),
        "requests failed during the rollback: {:?}",
        &report.failures[..report.failures.len().min(10)]
    );
    p.assert_serving("v1");
}
