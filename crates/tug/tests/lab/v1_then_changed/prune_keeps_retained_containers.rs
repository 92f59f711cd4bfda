//! Lab scenario: after five deploys, the servers keep the running container and the newest
//! `retain_containers` (3 in the lab destination) stopped ones, and only their images.

use crate::session;

#[test]
fn prune_keeps_retained_containers() {
    let p = session::v1_serving("prune_keeps_retained_containers");
    for v in ["v2", "v3", "v4", "v5"] {
        p.tug(&["deploy", "--version", v]).ok();
    }
    p.tug(&["prune", "all"]).ok();
    p.assert_serving("v5");
    for name in &p.lab.server_names {
        let all = p.containers(name, true);
        let app: Vec<&String> = all.iter().filter(|c| c.starts_with("zen_miner-web-lab-")).collect();
        assert_eq!(
            app,
            ["zen_miner-web-lab-v2", "zen_miner-web-lab-v3", "zen_miner-web-lab-v4", "zen_miner-web-lab-v5"],
            "{name}: {all:?}"
        );
        let images = p.ssh(name, "docker image ls --filter label=service=zen_miner --format '{{.Tag}}'");
        let mut tags: Vec<&str> = images.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        tags.sort();
        assert_eq!(tags, ["latest-lab", "v2", "v3", "v4", "v5"], "{name}: images kept");
    }
    // Rolling back to a retained version still works.
    p.tug(&["rollback", "v3"]).ok();
    p.assert_serving("v3");
}
