//! Lab scenario: after five deploys, the servers keep the running container and the newest
//! `retain_containers` (3 in the lab destination) stopped ones, and only their images.

mod lab_support;

use lab_support::Project;

#[test]
#[ignore = "lab scenario: needs the lab (tests/lab/up, as root); .ci/run runs it with --include-ignored"]
fn prune_keeps_retained_containers() {
    let lab = lab_support::lab("prune_keeps_retained_containers");
    let p = Project::new(lab);
    p.tug(&["setup", "--version", "v1"]).ok();
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
