//! Golden strings of delivering Tug's own images to a host (Tug only), and the waits that
//! builders mark on the commands a deploy waits for.

mod kamal_fixture;

use indexmap::IndexMap;
use tug_commands::Wait;
use tug_commands::app::AppCommands;
use tug_commands::builder::{BuildInputs, BuilderCommands, probe};
use tug_commands::image_delivery::{image_id, load, pull, save};

#[test]
fn inspect_pull_save_load() {
    assert_eq!(image_id("tug/tug-db:1").to_shell(), r#"docker image inspect "tug/tug-db:1" --format '{{.Id}}'"#);
    assert_eq!(pull("tug/tug-db:1").to_shell(), r#"docker pull "tug/tug-db:1""#);
    assert_eq!(save("tug/tug-db:1").to_shell(), r#"docker save "tug/tug-db:1""#);
    assert_eq!(load().to_shell(), "docker load");
}

#[test]
fn pulls_and_proxy_deploys_are_waits() {
    assert_eq!(pull("tug/tug-db:1").wait(), Some(&Wait::Pull(r#""tug/tug-db:1""#.into())));
    assert_eq!(image_id("tug/tug-db:1").wait(), None);
    let f = kamal_fixture::single().load();
    let inputs = BuildInputs { local_arch: "amd64".into(), version: "999".into(), secrets: IndexMap::new() };
    let b = BuilderCommands::new(&f.config, inputs);
    assert_eq!(b.pull().to_shell(), "docker pull dhh/app:999");
    assert_eq!(b.pull().wait(), Some(&Wait::Pull("dhh/app:999".into())));
    let role = f.config.primary_role().expect("web role");
    let app = AppCommands::new(&f.config, role, "1.1.1.1", "999");
    let deploy = app.deploy("abc");
    assert!(deploy.to_shell().starts_with("docker exec kamal-proxy kamal-proxy deploy "), "{deploy}");
    assert_eq!(deploy.wait(), Some(&Wait::ProxyDeploy));
    assert_eq!(app.remove().wait(), None);
}

#[test]
fn build_probes() {
    assert_eq!(probe::docker_installed().to_shell(), "docker --version");
    assert_eq!(probe::buildx_installed().to_shell(), "docker --version && docker buildx version");
    assert_eq!(probe::git_root().to_remote_shell(), "/usr/bin/env git rev-parse --show-toplevel");
}
