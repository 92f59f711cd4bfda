//! Lab scenario: `remove -y` takes the app, its proxy, images and files off every server.

use crate::session;
use crate::support::get;

#[test]
fn remove_leaves_servers_clean() {
    let p = session::v1_serving("remove_leaves_servers_clean");
    p.tug(&["deploy", "--version", "v2"]).ok();
    p.assert_serving("v2");

    p.tug(&["remove", "-y"]).ok();
    for (name, ip) in p.lab.server_names.iter().zip(&p.lab.servers) {
        assert!(p.containers(name, true).is_empty(), "{name} still has containers");
        let images = p.ssh(name, "docker image ls --format '{{.Repository}}:{{.Tag}}'");
        assert!(!images.contains("zen_miner") && !images.contains("tug-proxy"), "{name} still has images: {images}");
        let files = p.ssh(name, "ls -A .kamal/apps .kamal/proxy 2>&1; ls -A .kamal");
        assert!(
            !files.contains("zen_miner-lab\n") && files.contains("No such file"),
            "{name}: app and proxy directories are gone: {files}"
        );
        assert!(!p.ssh(name, "ls -A .kamal").contains("lock-"), "{name}: no lock left");
        assert!(get(ip, "/version").is_err(), "{name}: nothing answers on port 80 any more");
    }
}
