//! Tug's helper image (`tug-db`), run for real against a scripted `RecordingRunner`: it is made
//! on the server from the tug executable under a local-only, content-addressed name and never
//! pulled; a server of another architecture (or a tug that is not a Linux executable) gets one
//! clear error; a failed pre-deploy backup stops the deploy unless `--skip-backup` is given; a
//! proxy image in Docker Hub's `tug/` namespace is never pulled either.

use std::sync::Arc;

use tug::flows;
use tug::flows::context::Context;
use tug::helper_image::{FixedTool, ToolSource};
use tug::world::Inputs;
use tug_exec::{Output, RecordingRunner, Step, Target};

const CONFIG: &str = "service: app\nimage: dhh/app\nservers:\n  web: [1.1.1.1]\nregistry:\n  username: dhh\n  password: [KAMAL_REGISTRY_PASSWORD]\nenv:\n  secret: [RAILS_MASTER_KEY]\nvolumes:\n  - app_storage:/rails/storage\nbuilder:\n  arch: amd64\nreadiness_delay: 0\nx-tug:\n  db:\n    path: /rails/storage/production.sqlite3\n";
const HOST: &str = "1.1.1.1";

fn run_with(
    runner: &RecordingRunner,
    extra: &str,
    tool: FixedTool,
    flow: impl FnOnce(&Context) -> flows::FlowResult<()>,
) -> flows::FlowResult<()> {
    let inputs = Inputs { tool: Arc::new(tool), ..Inputs::fixed() };
    super::run_in(runner, &format!("{CONFIG}{extra}"), inputs, flow).0
}

fn run(runner: &RecordingRunner, flow: impl FnOnce(&Context) -> flows::FlowResult<()>) -> flows::FlowResult<()> {
    run_with(runner, "", FixedTool::x86_64(), flow)
}

/// The helper image's name for the fixed test tool.
fn helper_image() -> String {
    let helper = FixedTool::x86_64().helper().expect("helper");
    format!("tug-db-local:{}", helper.context.hash)
}

/// Every step, the streams included (they are recorded as local steps).
fn all(runner: &RecordingRunner) -> Vec<String> {
    runner
        .steps()
        .into_iter()
        .filter_map(|s| match s {
            Step::Run { command, .. } => Some(command),
            _ => None,
        })
        .collect()
}

fn missing_image(runner: &RecordingRunner, arch: &str) {
    runner.reply(Some(HOST), "docker image inspect \"tug-db-local:", Output::failed(1, "No such image"));
    runner.reply(Some(HOST), "docker info --format '{{.Architecture}}'", Output::ok(format!("{arch}\n")));
}

#[test]
fn a_missing_helper_image_is_built_on_the_server_and_never_pulled() {
    let runner = RecordingRunner::new();
    missing_image(&runner, "x86_64");
    run(&runner, flows::db::backup).expect("backs up");
    let image = helper_image();
    let steps = all(&runner);
    assert!(!steps.iter().any(|c| c.contains("docker pull")), "{steps:#?}");
    let build = steps
        .iter()
        .position(|c| {
            c.starts_with("cat \"") && c.ends_with(&format!("| ssh {HOST} docker build --quiet --tag \"{image}\" -"))
        })
        .expect("the context is streamed into docker build");
    let backup = steps
        .iter()
        .position(|c| {
            c.starts_with(&format!(
                "docker run --rm --pull never --network none --volume \"app_storage:/rails/storage\" \"{image}\" tug-db \"backup\""
            ))
        })
        .expect("tug-db runs from the helper image, never pulled");
    assert!(build < backup, "{steps:#?}");
    assert!(steps.iter().all(|c| !c.contains("tug/tug-db")), "{steps:#?}");
}

#[test]
fn a_present_helper_image_is_not_built_again() {
    let runner = RecordingRunner::new();
    runner.reply(Some(HOST), "docker image inspect \"tug-db-local:", Output::ok("sha256:1\n"));
    run(&runner, flows::db::backup).expect("backs up");
    let steps = all(&runner);
    assert!(!steps.iter().any(|c| c.contains("docker build") || c.contains("docker info")), "{steps:#?}");
    assert!(steps.iter().any(|c| c.contains(&format!("\"{}\" tug-db \"backup\"", helper_image()))), "{steps:#?}");
}

#[test]
fn a_rebuilt_tug_gets_a_new_helper_image() {
    let a = FixedTool::x86_64().helper().expect("a");
    let b = FixedTool(Ok((b"tug (rebuilt)".to_vec(), "x86_64"))).helper().expect("b");
    assert_ne!(a.context.hash, b.context.hash);
}

#[test]
fn a_server_of_another_architecture_gets_one_clear_error() {
    let runner = RecordingRunner::new();
    missing_image(&runner, "aarch64");
    let err = run(&runner, flows::db::backup).expect_err("refused").to_string();
    assert_eq!(
        err,
        "1.1.1.1: the server is aarch64 but this tug is built for x86_64, so it cannot be the server's tug-db; set x-tug.db.image to a tug-db image you own built for aarch64, or run a tug built for Linux aarch64"
    );
    let steps = all(&runner);
    assert!(!steps.iter().any(|c| c.contains("docker build") || c.contains("tug-db \"")), "{steps:#?}");
}

#[test]
fn a_tug_that_is_not_a_linux_executable_gets_one_clear_error() {
    let runner = RecordingRunner::new();
    runner.reply(Some(HOST), "docker info --format '{{.Architecture}}'", Output::ok("x86_64\n"));
    let mac = FixedTool(Err("this tug is not a Linux executable (MachO64)".into()));
    let err = run_with(&runner, "", mac, flows::db::backup).expect_err("refused").to_string();
    assert_eq!(
        err,
        "1.1.1.1: the server is x86_64 but this tug is not a Linux executable (MachO64), so it cannot be the server's tug-db; set x-tug.db.image to a tug-db image you own built for x86_64, or run a tug built for Linux x86_64"
    );
}

#[test]
fn a_users_own_tug_db_image_is_pulled_as_before_and_run_without_pulling() {
    let runner = RecordingRunner::new();
    runner.reply(
        Some(HOST),
        "docker image inspect \"registry.example/me/tug-db:7\"",
        Output::failed(1, "No such image"),
    );
    run_with(&runner, "    image: registry.example/me/tug-db:7\n", FixedTool::x86_64(), flows::db::backup)
        .expect("backs up");
    let steps = all(&runner);
    assert!(steps.iter().any(|c| c == "docker pull \"registry.example/me/tug-db:7\""), "{steps:#?}");
    assert!(
        steps.iter().any(|c| c.starts_with("docker run --rm --pull never ")
            && c.contains("\"registry.example/me/tug-db:7\" tug-db \"backup\"")),
        "{steps:#?}"
    );
    assert!(!steps.iter().any(|c| c.contains("docker build") || c.contains("tug-db-local")), "{steps:#?}");
}

fn deployable(runner: &RecordingRunner) {
    runner.reply(None, "docker run --detach", Output::ok(format!("{}\n", "ab".repeat(32))));
    runner.reply(None, "while read line; do echo ${line#app-web-}; done", Output::ok("998\n"));
    runner.reply(None, "docker inspect kamal-proxy --format", Output::ok("v0.9.2\n"));
}

#[test]
fn a_failed_pre_deploy_backup_stops_the_deploy() {
    let runner = RecordingRunner::new();
    deployable(&runner);
    runner.reply(Some(HOST), "tug-db \"backup\"", Output::failed(1, "tug-db backup: database disk image is malformed"));
    let options = flows::deploy::DeployOptions { skip_push: true, ..Default::default() };
    let err = run(&runner, |ctx| flows::deploy::deploy(ctx, &options, false)).expect_err("stopped").to_string();
    assert!(err.starts_with("no backup before deploying 999, so nothing was deployed: "), "{err}");
    assert!(err.ends_with("(pass --skip-backup to deploy without a backup)"), "{err}");
    let web = runner.commands_on(&Target::Host(HOST.into()));
    assert!(!web.iter().any(|c| c.starts_with("docker run --detach")), "no new container: {web:#?}");
    assert!(!web.iter().any(|c| c.contains("kamal-proxy deploy")), "the proxy is not switched: {web:#?}");
    assert!(web.iter().any(|c| c == "rm .kamal/lock-app/details && rm -r .kamal/lock-app"), "lock released: {web:#?}");
}

#[test]
fn a_helper_image_that_cannot_be_made_stops_the_deploy() {
    let runner = RecordingRunner::new();
    deployable(&runner);
    missing_image(&runner, "aarch64");
    let options = flows::deploy::DeployOptions { skip_push: true, ..Default::default() };
    let err = run(&runner, |ctx| flows::deploy::deploy(ctx, &options, false)).expect_err("stopped");
    assert!(err.to_string().contains("the server is aarch64 but this tug is built for x86_64"), "{err}");
    let web = runner.commands_on(&Target::Host(HOST.into()));
    assert!(!web.iter().any(|c| c.starts_with("docker run --detach")), "no new container: {web:#?}");
}

#[test]
fn skip_backup_deploys_without_a_backup() {
    let runner = RecordingRunner::new();
    deployable(&runner);
    runner.reply(Some(HOST), "tug-db \"backup\"", Output::failed(1, "would have failed"));
    let options = flows::deploy::DeployOptions { skip_push: true, skip_backup: true, ..Default::default() };
    run(&runner, |ctx| flows::deploy::deploy(ctx, &options, false)).expect("deploys");
    let web = runner.commands_on(&Target::Host(HOST.into()));
    assert!(!web.iter().any(|c| c.contains("tug-db")), "{web:#?}");
    assert!(web.iter().any(|c| c.starts_with("docker run --detach")), "{web:#?}");
}

/// A sibling: a proxy image named in Docker Hub's `tug/` namespace is never pulled, also on
/// `proxy reboot` (whose `docker run` would pull it): it can only be sent from this machine, and
/// when it cannot be, the old proxy keeps running.
#[test]
fn proxy_reboot_never_pulls_a_tug_namespace_image() {
    let runner = RecordingRunner::new();
    let image = "tug/tug-proxy:v0.0.0-never-built-here";
    runner.reply(Some(HOST), &format!("docker image inspect \"{image}\""), Output::failed(1, "No such image"));
    let config = "proxy:\n  run:\n    repository: tug/tug-proxy\n    version: v0.0.0-never-built-here\n";
    let inputs = Inputs::fixed();
    let (result, _) =
        super::run_in(&runner, &format!("{CONFIG}{config}"), inputs, |ctx| flows::proxy::reboot(ctx, false));
    let err = result.expect_err("not deliverable").to_string();
    assert!(err.contains("Tug never pulls tug/tug-proxy:v0.0.0-never-built-here"), "{err}");
    let steps = all(&runner);
    assert!(!steps.iter().any(|c| c.contains("docker pull")), "{steps:#?}");
    assert!(!steps.iter().any(|c| c.contains("docker stop") || c.contains("docker container stop")), "{steps:#?}");
}
