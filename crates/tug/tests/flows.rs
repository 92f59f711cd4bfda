//! Flows run for real against a scripted `RecordingRunner`: per-host command sequences for a
//! clashing container, a held lock and a failed health check; secrets stay out of every
//! recorded step and event. Tug's helper image (`tug-db`) and the backup before a deploy are in
//! `flows/db_helper_image.rs`.

#[path = "flows/db_helper_image.rs"]
mod db_helper_image;

use tug::events::Collector;
use tug::flows;
use tug::flows::context::{Context, ContextParts, Mode, Options, SecretAccess};
use tug::selection::Selection;
use tug::world::Inputs;
use tug_config::Config;
use tug_config::secrets::Secrets;
use tug_exec::{Output, RecordingRunner, Target};

const CONFIG: &str = "service: app\nimage: dhh/app\nservers:\n  web: [1.1.1.1, 1.1.1.2]\n  workers: [1.1.1.3]\nregistry:\n  username: dhh\n  password: [KAMAL_REGISTRY_PASSWORD]\nenv:\n  secret: [RAILS_MASTER_KEY]\nbuilder:\n  arch: amd64\nreadiness_delay: 0\n";
const SENTINELS: [&str; 2] = ["sentinel-pw-4411", "sentinel-key-8822"];

fn project(deploy_yml: &str) -> (tempfile::TempDir, Config) {
    tug_test::Project::new(deploy_yml)
        .secrets(&format!("KAMAL_REGISTRY_PASSWORD={}\nRAILS_MASTER_KEY={}\n", SENTINELS[0], SENTINELS[1]))
        .version(Some("999"))
        .load()
}

fn run(
    runner: &RecordingRunner,
    flow: impl FnOnce(&Context) -> flows::FlowResult<()>,
) -> (flows::FlowResult<()>, Collector) {
    run_in(runner, CONFIG, Inputs::fixed(), flow)
}

/// [`run`] with another `deploy.yml` and other inputs.
fn run_in(
    runner: &RecordingRunner,
    deploy_yml: &str,
    inputs: Inputs,
    flow: impl FnOnce(&Context) -> flows::FlowResult<()>,
) -> (flows::FlowResult<()>, Collector) {
    let (_dir, config) = project(deploy_yml);
    let secrets = Secrets::new(config.root.clone(), config.secrets_path(), None);
    let events = Collector::new();
    let ctx = Context::new(ContextParts {
        config: &config,
        selection: Selection::new(&config, None, None, false).expect("selection"),
        events: &events,
        inputs,
        options: Options { version_given: true, ..Options::default() },
        command: ("app".into(), Some("boot".into())),
        secrets: SecretAccess::Read(&secrets),
        runner,
        queries: None,
        mode: Mode::Run,
        version: Some("999".into()),
    });
    let result = flow(&ctx);
    (result, events)
}

fn on(runner: &RecordingRunner, h: &str) -> Vec<String> {
    runner.commands_on(&Target::Host(h.into()))
}

fn healthy(runner: &RecordingRunner) {
    runner.reply(None, "name=^app-web-999$' --quiet", Output::ok("cid999\n"));
    runner.reply(None, "name=^app-workers-999$' --quiet | xargs docker inspect", Output::ok("healthy\n"));
    runner.reply(None, "while read line; do echo ${line#app-web-}; done", Output::ok("998\n"));
    runner.reply(None, "while read line; do echo ${line#app-workers-}; done", Output::ok("998\n"));
}

#[test]
fn an_existing_container_of_the_version_is_renamed_before_booting() {
    let runner = RecordingRunner::new();
    healthy(&runner);
    let (result, events) = run(&runner, |ctx| flows::app::boot::boot(ctx, Some("999".into())));
    result.expect("boots");
    let web = on(&runner, "1.1.1.1");
    let rename = web
        .iter()
        .position(|c| c == "docker rename app-web-999 app-web-999_replaced_aaaaaaaaaaaaaaaa")
        .expect("renamed");
    let run = web
        .iter()
        .position(|c| c.starts_with("docker run --detach --restart unless-stopped --name app-web-999"))
        .expect("ran");
    let deploy = web
        .iter()
        .position(|c| c.starts_with("docker exec kamal-proxy kamal-proxy deploy app-web --target=\"cid999:80\""))
        .expect("deployed");
    let stop_old = web
        .iter()
        .position(|c| c == "docker container ls --all --filter 'name=^app-web-998$' --quiet | xargs docker stop")
        .expect("old stopped");
    assert!(rename < run && run < deploy && deploy < stop_old, "{web:#?}");
    // Audit lines are written alongside their step (audit::record_while), so they may land on
    // either side of it: the order is asserted among the steps themselves.
    let steps: Vec<&String> = web.iter().filter(|c| !c.contains(".kamal/app-audit.log")).collect();
    assert_eq!(
        steps[steps.len() - 2..],
        ["docker tag dhh/app:999 dhh/app:latest", "rm .kamal/lock-app/details && rm -r .kamal/lock-app"],
        "{web:#?}"
    );
    assert!(web.iter().any(|c| c.contains("Tagging dhh/app:999 as the latest image")), "{web:#?}");
    let workers = on(&runner, "1.1.1.3");
    assert!(workers.iter().any(|c| c.ends_with("| xargs docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}'")), "{workers:#?}");
    assert!(
        workers
            .iter()
            .any(|c| c
                == "docker container ls --all --filter 'name=^app-workers-998$' --quiet | xargs docker stop -t 30"),
        "{workers:#?}"
    );
    let primary = on(&runner, "1.1.1.1");
    assert!(primary.first().is_some_and(|c| c == "mkdir -p .kamal"), "{primary:#?}");
    assert!(primary.iter().any(|c| c == "rm .kamal/lock-app/details && rm -r .kamal/lock-app"), "lock released");
    let everything = format!("{:?}{:?}", runner.steps(), events.events());
    for s in SENTINELS {
        assert!(!everything.contains(s), "secret {s} leaked");
    }
    assert!(everything.contains("upload") || everything.contains("Upload"), "env file uploaded");
}

#[test]
fn a_held_lock_fails_with_kamals_message_and_releases_nothing() {
    let runner = RecordingRunner::new();
    runner.reply(
        Some("1.1.1.1"),
        "mkdir .kamal/lock-app",
        Output::failed(1, "mkdir: cannot create directory '.kamal/lock-app': File exists"),
    );
    runner.reply(
        Some("1.1.1.1"),
        "base64 -d",
        Output::ok("Locked by: Someone at 2024-01-01T00:00:00Z\nVersion: 1\nMessage: Automatic deploy lock"),
    );
    let (result, events) = run(&runner, |ctx| flows::app::boot::boot(ctx, Some("999".into())));
    let err = result.expect_err("the lock is held").to_string();
    assert_eq!(err, "Deploy lock found. Run 'tug lock help' for more information");
    let primary = on(&runner, "1.1.1.1");
    assert!(!primary.iter().any(|c| c.contains("rm .kamal/lock-app")), "released a lock it does not own: {primary:#?}");
    assert!(!primary.iter().any(|c| c.starts_with("docker run")), "booted anyway");
    let shown = format!("{:?}", events.events());
    assert!(shown.contains("Deploy lock already in place!") && shown.contains("Locked by: Someone"), "{shown}");
}

#[test]
fn lock_wait_gives_up_after_the_timeout() {
    let runner = RecordingRunner::new();
    runner.reply(
        Some("1.1.1.1"),
        "mkdir .kamal/lock-app",
        Output::failed(1, "mkdir: cannot create directory '.kamal/lock-app': File exists"),
    );
    runner.reply(Some("1.1.1.1"), "base64 -d", Output::ok("Locked by: Someone\nMessage: Automatic deploy lock"));
    let (_dir, config) = project(CONFIG);
    let events = Collector::new();
    let ctx = Context::new(ContextParts {
        config: &config,
        selection: Selection::new(&config, None, None, false).expect("selection"),
        events: &events,
        inputs: Inputs::fixed(),
        options: Options {
            lock_wait: true,
            lock_wait_timeout: 30,
            lock_wait_interval: 10,
            version_given: true,
            ..Options::default()
        },
        command: ("deploy".into(), None),
        secrets: SecretAccess::Redacted,
        runner: &runner,
        queries: None,
        mode: Mode::Run,
        version: Some("999".into()),
    });
    let err = flows::lock::acquire(&ctx).expect_err("times out").to_string();
    assert_eq!(err, "Timed out waiting for deploy lock");
    let attempts = on(&runner, "1.1.1.1").iter().filter(|c| c.starts_with("mkdir .kamal/lock-app")).count();
    assert_eq!(attempts, 4, "tries at 0, 10, 20 and 30 seconds");
}

#[test]
fn a_failed_health_check_stops_the_new_container_and_keeps_the_old_one() {
    let runner = RecordingRunner::new();
    runner.reply(None, "kamal-proxy deploy", Output::failed(1, "Error: target failed to become healthy"));
    healthy(&runner);
    let (result, _events) = run(&runner, |ctx| flows::app::boot::boot(ctx, Some("999".into())));
    let err = result.expect_err("boot fails").to_string();
    assert!(err.contains("Failed to boot web on 1.1.1.") && err.contains("target failed to become healthy"), "{err}");
    let web = on(&runner, "1.1.1.1");
    assert!(
        web.iter().any(|c| c == "docker container ls --all --filter 'name=^app-web-999$' --quiet | xargs docker stop"),
        "new stopped: {web:#?}"
    );
    assert!(!web.iter().any(|c| c.contains("name=^app-web-998$") && c.contains("docker stop")), "old kept: {web:#?}");
    assert!(web.iter().any(|c| c == "rm .kamal/lock-app/details && rm -r .kamal/lock-app"), "lock released");
    let workers = on(&runner, "1.1.1.3");
    assert!(
        !workers.iter().any(|c| c.starts_with("docker run")),
        "workers not booted past the closed barrier: {workers:#?}"
    );
}

#[test]
fn rollback_without_the_container_boots_nothing() {
    let runner = RecordingRunner::new();
    let (result, events) = run(&runner, |ctx| flows::deploy::rollback(ctx, "123"));
    result.expect("reports, does not fail");
    assert!(format!("{:?}", events.events()).contains("The app version '123' is not available as a container"));
    assert!(!on(&runner, "1.1.1.1").iter().any(|c| c.starts_with("docker run")));
}

#[test]
fn a_host_that_fails_switches_back_the_hosts_that_already_switched() {
    let runner = RecordingRunner::new();
    // Fails late: 1.1.1.1 is healthy first and opens the barrier for the workers on 1.1.1.3.
    runner.reply_after(
        Some("1.1.1.2"),
        "kamal-proxy deploy app-web --target=\"cid999:80\"",
        Output::failed(1, "Error: target failed to become healthy within configured timeout (30s)"),
        std::time::Duration::from_millis(500),
    );
    runner.reply(Some("1.1.1.2"), "xargs docker logs", Output::ok("boom: cannot open the database\n"));
    runner.reply(None, "name=^app-web-998$' --quiet", Output::ok("cid998\n"));
    runner.reply(None, "name=^app-workers-998$' --quiet | xargs docker inspect", Output::ok("healthy\n"));
    healthy(&runner);
    let (result, _events) = run(&runner, |ctx| flows::app::boot::boot(ctx, Some("999".into())));
    let err = result.expect_err("boot fails").to_string();
    assert!(!err.contains('\n'), "one line: {err}");
    assert!(
        err.starts_with(
            "Failed to boot web on 1.1.1.2: Error: target failed to become healthy within configured timeout (30s)"
        ),
        "{err}"
    );
    assert!(err.contains("last log lines: boom: cannot open the database"), "{err}");
    assert!(err.contains("switched back 1.1.1.1 to 998, 1.1.1.3 to 998"), "{err}");
    let web = on(&runner, "1.1.1.1");
    let start_old = web
        .iter()
        .position(|c| c == "docker container ls --all --filter 'name=^app-web-998$' --quiet | xargs docker start")
        .expect("old started again");
    let deploy_old = web
        .iter()
        .position(|c| c.starts_with("docker exec kamal-proxy kamal-proxy deploy app-web --target=\"cid998:80\""))
        .expect("proxy back on the old one");
    let stop_new = web
        .iter()
        .rposition(|c| c == "docker container ls --all --filter 'name=^app-web-999$' --quiet | xargs docker stop")
        .expect("new stopped");
    assert!(start_old < deploy_old && deploy_old < stop_new, "{web:#?}");
    assert!(!web.iter().any(|c| c == "docker tag dhh/app:999 dhh/app:latest"), "not tagged latest: {web:#?}");
    assert!(web.iter().any(|c| c == "rm .kamal/lock-app/details && rm -r .kamal/lock-app"), "lock released");
}

/// What one run learns it does not ask or do again: one registry login per host (Kamal logs in
/// again before the proxy boot), one `docker ps --latest` per host and role (the stale check's
/// answer serves the boot), no image check for a proxy whose version was just read off its
/// container; with no pre-deploy hook, the lock comes before the pull.
#[test]
fn a_deploy_logs_in_once_and_asks_the_running_version_once_per_host_and_role() {
    let runner = RecordingRunner::new();
    // No container has the new version's name yet (nothing to rename); `docker run` prints the
    // new container's id; 998 runs; the worker's new container is healthy.
    runner.reply(None, "docker run --detach", Output::ok(format!("{}\n", "ab".repeat(32))));
    runner.reply(None, "while read line; do echo ${line#app-web-}; done", Output::ok("998\n"));
    runner.reply(None, "while read line; do echo ${line#app-workers-}; done", Output::ok("998\n"));
    runner.reply(None, "name=^app-workers-999$' --quiet | xargs docker inspect", Output::ok("healthy\n"));
    runner.reply(None, "docker inspect kamal-proxy --format", Output::ok("v0.9.2\n"));
    let options = flows::deploy::DeployOptions { skip_push: true, skip_backup: true, ..Default::default() };
    let (result, _) = run(&runner, |ctx| flows::deploy::deploy(ctx, &options, false));
    result.expect("deploys");
    for h in ["1.1.1.1", "1.1.1.2", "1.1.1.3"] {
        let commands = on(&runner, h);
        let count = |needle: &str| commands.iter().filter(|c| c.contains(needle)).count();
        assert_eq!(count("docker login"), 1, "{h}: {commands:#?}");
        assert_eq!(count("docker ps --latest"), 1, "{h}: {commands:#?}");
        assert_eq!(count("docker pull dhh/app:999"), 1, "{h}: {commands:#?}");
        assert_eq!(
            count("docker container inspect kamal-proxy"),
            0,
            "the running proxy's version says it exists: {h}: {commands:#?}"
        );
    }
    let primary = on(&runner, "1.1.1.1");
    let lock = primary.iter().position(|c| c.starts_with("mkdir .kamal/lock-app")).expect("lock taken");
    let pull = primary.iter().position(|c| c == "docker pull dhh/app:999").expect("pulled");
    assert!(lock < pull, "{primary:#?}");
}
