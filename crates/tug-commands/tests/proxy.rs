//! Kamal's `test/commands/proxy_test.rb` (and the proxy boot strings of `test/cli/proxy_test.rb`),
//! pinned against our own fixtures.

use tug_commands::logs::LogOptions;
use tug_commands::proxy::ProxyCommands;
use tug_commands::proxy::boot_config::{BootConfigSet, BootFiles, InvalidBindIp};
use tug_config::Config;

const BASE: &str = "service: app\nimage: dhh/app\nregistry:\n  username: dhh\n  password: secret\nservers:\n  - 1.1.1.1\nbuilder:\n  arch: amd64\n";

fn load(yaml: &str) -> (tempfile::TempDir, Config) {
    tug_test::Project::new(yaml).version(Some("123")).load()
}

fn with_run(run: &str) -> String {
    format!("{BASE}proxy:\n  run:\n{run}")
}

const LEGACY_RUN: &str = "echo $(cat .kamal/proxy/options 2> /dev/null || echo \"--publish 80:80 --publish 443:443 --log-opt max-size=10m\") $(cat .kamal/proxy/image 2> /dev/null || echo \"basecamp/kamal-proxy\"):$(cat .kamal/proxy/image_version 2> /dev/null || echo \"v0.9.2\") $(cat .kamal/proxy/run_command 2> /dev/null || echo \"\") | xargs docker run --name kamal-proxy --network kamal --detach --restart unless-stopped --volume kamal-proxy-config:/home/kamal-proxy/.config/kamal-proxy --volume $PWD/.kamal/proxy/apps-config:/home/kamal-proxy/.apps-config";

const RUN_PREFIX: &str = "docker run --name kamal-proxy --network kamal --detach --restart unless-stopped --volume kamal-proxy-config:/home/kamal-proxy/.config/kamal-proxy --volume $PWD/.kamal/proxy/apps-config:/home/kamal-proxy/.apps-config";

fn cmd(yaml: &str) -> (tempfile::TempDir, Config) {
    load(yaml)
}

#[test]
fn run() {
    let (_d, c) = cmd(&format!("{BASE}proxy:\n  host: example.com\n"));
    let run = ProxyCommands::new(&c, "1.1.1.1").run();
    assert_eq!(run.to_shell(), LEGACY_RUN);
    assert_eq!(run.to_remote_shell(), format!("/usr/bin/env {LEGACY_RUN}"));
}

#[test]
fn run_without_configuration() {
    let (_d, c) = cmd(BASE);
    assert_eq!(ProxyCommands::new(&c, "1.1.1.1").run().to_shell(), LEGACY_RUN);
}

#[test]
fn proxy_start() {
    let (_d, c) = cmd(BASE);
    assert_eq!(ProxyCommands::new(&c, "1.1.1.1").start().to_shell(), "docker container start kamal-proxy");
}

#[test]
fn proxy_stop() {
    let (_d, c) = cmd(BASE);
    assert_eq!(ProxyCommands::new(&c, "1.1.1.1").stop().to_shell(), "docker container stop kamal-proxy");
}

#[test]
fn proxy_info() {
    let (_d, c) = cmd(BASE);
    assert_eq!(ProxyCommands::new(&c, "1.1.1.1").info().to_shell(), "docker ps --filter 'name=^kamal-proxy$'");
}

fn logs(opts: LogOptions) -> String {
    let (_d, c) = cmd(BASE);
    ProxyCommands::new(&c, "1.1.1.1").logs(&opts).to_shell()
}

#[test]
fn proxy_logs() {
    assert_eq!(logs(LogOptions::default()), "docker logs kamal-proxy --timestamps 2>&1");
}

#[test]
fn proxy_logs_since_2h() {
    assert_eq!(
        logs(LogOptions { since: Some("2h".into()), ..LogOptions::default() }),
        "docker logs kamal-proxy --since 2h --timestamps 2>&1"
    );
}

#[test]
fn proxy_logs_last_10_lines() {
    assert_eq!(
        logs(LogOptions { lines: Some(10), ..LogOptions::default() }),
        "docker logs kamal-proxy --tail 10 --timestamps 2>&1"
    );
}

#[test]
fn proxy_logs_without_timestamps() {
    assert_eq!(logs(LogOptions { timestamps: false, ..LogOptions::default() }), "docker logs kamal-proxy 2>&1");
}

#[test]
fn proxy_logs_with_grep_hello() {
    assert_eq!(
        logs(LogOptions { grep: Some("hello!".into()), ..LogOptions::default() }),
        "docker logs kamal-proxy --timestamps 2>&1 | grep 'hello!'"
    );
}

#[test]
fn proxy_remove_container() {
    let (_d, c) = cmd(BASE);
    assert_eq!(
        ProxyCommands::new(&c, "1.1.1.1").remove_container().to_shell(),
        "docker container prune --force --filter label=org.opencontainers.image.title=kamal-proxy"
    );
}

#[test]
fn proxy_remove_image() {
    let (_d, c) = cmd(BASE);
    assert_eq!(
        ProxyCommands::new(&c, "1.1.1.1").remove_image().to_shell(),
        "docker image prune --all --force --filter label=org.opencontainers.image.title=kamal-proxy"
    );
}

#[test]
fn proxy_follow_logs() {
    let (_d, c) = cmd(BASE);
    assert_eq!(
        ProxyCommands::new(&c, "1.1.1.1").follow_logs("1.1.1.1", true, None, None).to_shell(),
        "ssh -t root@1.1.1.1 -p 22 'docker logs kamal-proxy --timestamps --tail 10 --follow 2>&1'"
    );
}

#[test]
fn proxy_follow_logs_with_grep_hello() {
    let (_d, c) = cmd(BASE);
    assert_eq!(
        ProxyCommands::new(&c, "1.1.1.1").follow_logs("1.1.1.1", true, Some("hello!"), None).to_shell(),
        "ssh -t root@1.1.1.1 -p 22 'docker logs kamal-proxy --timestamps --tail 10 --follow 2>&1 | grep \"hello!\"'"
    );
}

#[test]
fn version() {
    let (_d, c) = cmd(BASE);
    assert_eq!(
        ProxyCommands::new(&c, "1.1.1.1").version().to_shell(),
        "docker inspect kamal-proxy --format '{{.Config.Image}}' | awk -F: '{print $NF}'"
    );
}

#[test]
fn ensure_proxy_directory() {
    let (_d, c) = cmd(BASE);
    let p = ProxyCommands::new(&c, "1.1.1.1");
    assert_eq!(p.ensure_proxy_directory().to_shell(), "mkdir -p .kamal/proxy");
    assert_eq!(p.ensure_proxy_directory().to_remote_shell(), "/usr/bin/env mkdir -p .kamal/proxy");
}

#[test]
fn read_boot_options() {
    let (_d, c) = cmd(BASE);
    assert_eq!(
        ProxyCommands::new(&c, "1.1.1.1").read_boot_options().to_shell(),
        "cat .kamal/proxy/options 2> /dev/null || echo \"--publish 80:80 --publish 443:443 --log-opt max-size=10m\""
    );
}

#[test]
fn read_image() {
    let (_d, c) = cmd(BASE);
    assert_eq!(
        ProxyCommands::new(&c, "1.1.1.1").read_image().to_shell(),
        "cat .kamal/proxy/image 2> /dev/null || echo \"basecamp/kamal-proxy\""
    );
}

#[test]
fn read_image_version() {
    let (_d, c) = cmd(BASE);
    assert_eq!(
        ProxyCommands::new(&c, "1.1.1.1").read_image_version().to_shell(),
        "cat .kamal/proxy/image_version 2> /dev/null || echo \"v0.9.2\""
    );
}

#[test]
fn read_run_command() {
    let (_d, c) = cmd(BASE);
    assert_eq!(
        ProxyCommands::new(&c, "1.1.1.1").read_run_command().to_shell(),
        "cat .kamal/proxy/run_command 2> /dev/null || echo \"\""
    );
}

#[test]
fn reset_boot_options() {
    let (_d, c) = cmd(BASE);
    assert_eq!(ProxyCommands::new(&c, "1.1.1.1").reset_boot_options().to_shell(), "rm .kamal/proxy/options");
}

#[test]
fn reset_image() {
    let (_d, c) = cmd(BASE);
    assert_eq!(ProxyCommands::new(&c, "1.1.1.1").reset_image().to_shell(), "rm .kamal/proxy/image");
}

#[test]
fn reset_image_version() {
    let (_d, c) = cmd(BASE);
    assert_eq!(ProxyCommands::new(&c, "1.1.1.1").reset_image_version().to_shell(), "rm .kamal/proxy/image_version");
}

#[test]
fn ensure_apps_config_directory() {
    let (_d, c) = cmd(BASE);
    assert_eq!(
        ProxyCommands::new(&c, "1.1.1.1").ensure_apps_config_directory().to_shell(),
        "mkdir -p .kamal/proxy/apps-config"
    );
}

#[test]
fn reset_run_command() {
    let (_d, c) = cmd(BASE);
    assert_eq!(ProxyCommands::new(&c, "1.1.1.1").reset_run_command().to_shell(), "rm .kamal/proxy/run_command");
}

fn run_with(run: &str) -> String {
    let (_d, c) = cmd(&with_run(run));
    ProxyCommands::new(&c, "1.1.1.1").run().to_shell()
}

#[test]
fn registry_run_config() {
    assert_eq!(
        run_with("    registry: registry:4443\n"),
        format!(
            "{RUN_PREFIX} --publish 80:80 --publish 443:443 --log-opt max-size=10m registry:4443/basecamp/kamal-proxy:v0.9.2 kamal-proxy run"
        )
    );
}

#[test]
fn repository_run_config() {
    assert_eq!(
        run_with("    repository: custom/repo\n"),
        format!(
            "{RUN_PREFIX} --publish 80:80 --publish 443:443 --log-opt max-size=10m custom/repo:v0.9.2 kamal-proxy run"
        )
    );
}

#[test]
fn image_version_run_config() {
    assert_eq!(
        run_with("    version: v1.2.3\n"),
        format!(
            "{RUN_PREFIX} --publish 80:80 --publish 443:443 --log-opt max-size=10m basecamp/kamal-proxy:v1.2.3 kamal-proxy run"
        )
    );
}

#[test]
fn bind_ips_run_config() {
    assert_eq!(
        run_with("    bind_ips:\n      - 0.0.0.0\n      - 127.0.0.1\n"),
        format!(
            "{RUN_PREFIX} --publish 0.0.0.0:80:80 --publish 0.0.0.0:443:443 --publish 127.0.0.1:80:80 --publish 127.0.0.1:443:443 --log-opt max-size=10m basecamp/kamal-proxy:v0.9.2 kamal-proxy run"
        )
    );
}

#[test]
fn log_max_size_run_config() {
    assert_eq!(
        run_with("    log_max_size: 50m\n"),
        format!(
            "{RUN_PREFIX} --publish 80:80 --publish 443:443 --log-opt max-size=50m basecamp/kamal-proxy:v0.9.2 kamal-proxy run"
        )
    );
}

#[test]
fn debug_run_config() {
    assert_eq!(
        run_with("    debug: true\n"),
        format!(
            "{RUN_PREFIX} --publish 80:80 --publish 443:443 --log-opt max-size=10m basecamp/kamal-proxy:v0.9.2 kamal-proxy run --debug"
        )
    );
}

#[test]
fn metrics_port_run_config() {
    assert_eq!(
        run_with("    metrics_port: 9090\n"),
        format!(
            "{RUN_PREFIX} --publish 80:80 --publish 443:443 --log-opt max-size=10m --expose=9090 basecamp/kamal-proxy:v0.9.2 kamal-proxy run --metrics-port \"9090\""
        )
    );
}

#[test]
fn dont_publish_run_config() {
    assert_eq!(
        run_with("    publish: false\n"),
        format!("{RUN_PREFIX} --log-opt max-size=10m basecamp/kamal-proxy:v0.9.2 kamal-proxy run")
    );
}

// test/cli/proxy_test.rb "boot with run config": start_or_run per host, the role's run config
// on 1.1.1.1 and the accessory's on 1.1.1.3.
#[test]
fn boot_with_run_config() {
    let yaml = "service: app\nimage: dhh/app\nservers:\n  web:\n    - 1.1.1.1\n    - 1.1.1.2\n  workers:\n    - 1.1.1.3\n    - 1.1.1.4\nregistry:\n  username: user\n  password: pw\nbuilder:\n  arch: amd64\nproxy:\n  run:\n    registry: registry:4443\n    debug: true\n    metrics_port: 9090\n    options:\n      cpus: 1.5\naccessories:\n  mysql:\n    image: mysql:5.7\n    host: 1.1.1.3\n    port: 3306\n    proxy:\n      run:\n        debug: false\n        metrics_port: 9190\n";
    let (_d, c) = cmd(yaml);
    assert_eq!(
        ProxyCommands::new(&c, "1.1.1.1").start_or_run().to_shell(),
        format!(
            "docker container start kamal-proxy || {RUN_PREFIX} --publish 80:80 --publish 443:443 --log-opt max-size=10m --expose=9090 --cpus \"1.5\" registry:4443/basecamp/kamal-proxy:v0.9.2 kamal-proxy run --debug --metrics-port \"9090\""
        )
    );
    assert_eq!(
        ProxyCommands::new(&c, "1.1.1.3").start_or_run().to_shell(),
        format!(
            "docker container start kamal-proxy || {RUN_PREFIX} --publish 80:80 --publish 443:443 --log-opt max-size=10m --expose=9190 basecamp/kamal-proxy:v0.9.2 kamal-proxy run --metrics-port \"9190\""
        )
    );
}

// test/cli/proxy_test.rb "boot": the legacy boot behind `start ||`.
#[test]
fn boot_legacy_start_or_run() {
    let (_d, c) = cmd(BASE);
    assert_eq!(
        ProxyCommands::new(&c, "1.1.1.1").start_or_run().to_shell(),
        format!("docker container start kamal-proxy || {LEGACY_RUN}")
    );
}

fn set(f: impl FnOnce(&mut BootConfigSet)) -> BootFiles {
    let mut s = BootConfigSet::default();
    f(&mut s);
    s.files().expect("valid")
}

// test/cli/proxy_test.rb "boot_config set …": what is uploaded (Some) or removed (None).
#[test]
fn boot_config_set() {
    assert_eq!(set(|_| {}), BootFiles { options: None, image: None, image_version: None, run_command: None });
}

#[test]
fn boot_config_set_no_publish() {
    assert_eq!(set(|s| s.publish = false).options.as_deref(), Some("--log-opt max-size=10m"));
}

#[test]
fn boot_config_set_custom_max_size() {
    assert_eq!(
        set(|s| s.log_max_size = "100m".into()).options.as_deref(),
        Some("--publish 80:80 --publish 443:443 --log-opt max-size=100m")
    );
}

#[test]
fn boot_config_set_no_log_max_size() {
    assert_eq!(set(|s| s.log_max_size = String::new()).options.as_deref(), Some("--publish 80:80 --publish 443:443"));
}

#[test]
fn boot_config_set_custom_ports() {
    let f = set(|s| {
        s.http_port = "8080".into();
        s.https_port = "8443".into();
    });
    assert_eq!(f.options.as_deref(), Some("--publish 8080:80 --publish 8443:443 --log-opt max-size=10m"));
}

#[test]
fn boot_config_set_bind_ip() {
    assert_eq!(
        set(|s| s.publish_host_ips = vec!["127.0.0.1".into()]).options.as_deref(),
        Some("--publish 127.0.0.1:80:80 --publish 127.0.0.1:443:443 --log-opt max-size=10m")
    );
}

#[test]
fn boot_config_set_multiple_bind_ips() {
    assert_eq!(
        set(|s| s.publish_host_ips = vec!["127.0.0.1".into(), "::1".into()]).options.as_deref(),
        Some(
            "--publish 127.0.0.1:80:80 --publish 127.0.0.1:443:443 --publish [::1]:80:80 --publish [::1]:443:443 --log-opt max-size=10m"
        )
    );
}

#[test]
fn boot_config_set_invalid_bind_ips() {
    let s =
        BootConfigSet { publish_host_ips: vec!["1.2.3.invalidIP".into(), "::1".into()], ..BootConfigSet::default() };
    let err = s.files().expect_err("invalid");
    assert_eq!(err, InvalidBindIp("1.2.3.invalidIP".into()));
    assert_eq!(err.to_string(), "Invalid publish IP address: 1.2.3.invalidIP");
}

#[test]
fn boot_config_set_docker_options() {
    let f = set(|s| s.docker_options = vec!["label=foo=bar".into(), "add_host=thishost:thathost".into()]);
    assert_eq!(
        f.options.as_deref(),
        Some("--publish 80:80 --publish 443:443 --log-opt max-size=10m --label=foo=bar --add_host=thishost:thathost")
    );
    assert_eq!((f.image, f.image_version, f.run_command), (None, None, None));
}

#[test]
fn boot_config_set_registry() {
    let f = set(|s| s.registry = Some("myreg".into()));
    assert_eq!((f.options, f.image.as_deref()), (None, Some("myreg/basecamp/kamal-proxy")));
}

#[test]
fn boot_config_set_repository() {
    assert_eq!(set(|s| s.repository = Some("myrepo".into())).image.as_deref(), Some("myrepo/kamal-proxy"));
}

#[test]
fn boot_config_set_image_version() {
    let f = set(|s| s.image_version = Some("0.9.9".into()));
    assert_eq!((f.options, f.image, f.image_version.as_deref()), (None, None, Some("0.9.9")));
}

#[test]
fn boot_config_set_run_command() {
    let f = set(|s| {
        s.metrics_port = Some("9000".into());
        s.debug = true;
    });
    assert_eq!(f.options.as_deref(), Some("--publish 80:80 --publish 443:443 --log-opt max-size=10m --expose=9000"));
    assert_eq!(f.run_command.as_deref(), Some("kamal-proxy run --debug --metrics-port \"9000\""));
}

#[test]
fn boot_config_set_all() {
    let f = set(|s| {
        s.docker_options = vec!["label=foo=bar".into()];
        s.registry = Some("myreg".into());
        s.repository = Some("myrepo".into());
        s.image_version = Some("0.9.9".into());
        s.metrics_port = Some("9000".into());
        s.debug = true;
    });
    assert_eq!(
        f.options.as_deref(),
        Some("--publish 80:80 --publish 443:443 --log-opt max-size=10m --expose=9000 --label=foo=bar")
    );
    assert_eq!(f.image.as_deref(), Some("myreg/myrepo/kamal-proxy"));
}
