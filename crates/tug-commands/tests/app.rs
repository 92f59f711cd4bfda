//! Golden strings of the app commands: one test per case of Kamal's
//! `test/commands/app_test.rb`, with our own fixtures carrying the same values.

mod kamal_fixture;

use kamal_fixture::{Fixture, Yaml, app};
use tug_commands::Command;
use tug_commands::app::{AppCommands, ExecOptions, LogOptions};
use tug_commands::docker::{Interactive, container_id_for};
use tug_commands::ssh::run_over_ssh;

fn cmd<'a>(f: &'a Fixture, role: &str, host: &'a str) -> AppCommands<'a> {
    let role = f.config.roles.iter().find(|r| r.name == role).expect("role in fixture");
    AppCommands::new(&f.config, role, host, "999")
}

fn web(f: &Fixture) -> AppCommands<'_> {
    cmd(f, "web", "1.1.1.1")
}

fn staging() -> Yaml {
    app().destination("staging")
}

/// The current web container's id, as every "current container" command finds it.
const CURRENT_WEB_ID: &str = r#"sh -c 'docker ps --latest --quiet --filter label=service=app --filter label=destination= --filter label=role=web --filter status=running --filter status=restarting --filter ancestor=$(docker image ls --filter reference=dhh/app:latest --format '\''{{.ID}}'\'') ; docker ps --latest --quiet --filter label=service=app --filter label=destination= --filter label=role=web --filter status=running --filter status=restarting' | head -1"#;

/// The same, single-quoted once more for `ssh … '<command>'`.
const CURRENT_WEB_ID_OVER_SSH: &str = r#"sh -c '\''docker ps --latest --quiet --filter label=service=app --filter label=destination= --filter label=role=web --filter status=running --filter status=restarting --filter ancestor=$(docker image ls --filter reference=dhh/app:latest --format '\''\'\'''\''{{.ID}}'\''\'\'''\'') ; docker ps --latest --quiet --filter label=service=app --filter label=destination= --filter label=role=web --filter status=running --filter status=restarting'\'' | head -1"#;

const PROXY_DEFAULTS: &str = r#"--deploy-timeout="30s" --drain-timeout="30s" --buffer-requests --buffer-responses --log-request-header="Cache-Control" --log-request-header="Last-Modified" --log-request-header="User-Agent""#;

fn exec(hex: &str) -> ExecOptions {
    ExecOptions { random_hex: hex.into(), ..ExecOptions::default() }
}

// ---- run ----

#[test]
fn run() {
    let f = app().load();
    assert_eq!(
        web(&f).run(None).to_shell(),
        r#"docker run --detach --restart unless-stopped --name app-web-999 --network kamal --env KAMAL_CONTAINER_NAME="app-web-999" --env KAMAL_VERSION="999" --env KAMAL_HOST="1.1.1.1" --env-file .kamal/apps/app/env/roles/web.env --log-opt max-size="10m" --label service="app" --label role="web" --label destination dhh/app:999"#
    );
}

#[test]
fn run_with_destination() {
    let f = staging().load();
    assert_eq!(
        web(&f).run(None).to_shell(),
        r#"docker run --detach --restart unless-stopped --name app-web-staging-999 --network kamal --env KAMAL_CONTAINER_NAME="app-web-staging-999" --env KAMAL_VERSION="999" --env KAMAL_HOST="1.1.1.1" --env KAMAL_DESTINATION="staging" --env-file .kamal/apps/app-staging/env/roles/web.env --log-opt max-size="10m" --label service="app" --label role="web" --label destination="staging" dhh/app:999"#
    );
}

#[test]
fn run_with_hostname() {
    let f = app().load();
    assert_eq!(
        web(&f).run(Some("myhost")).to_shell(),
        r#"docker run --detach --restart unless-stopped --name app-web-999 --network kamal --hostname myhost --env KAMAL_CONTAINER_NAME="app-web-999" --env KAMAL_VERSION="999" --env KAMAL_HOST="1.1.1.1" --env-file .kamal/apps/app/env/roles/web.env --log-opt max-size="10m" --label service="app" --label role="web" --label destination dhh/app:999"#
    );
}

#[test]
fn run_with_volumes() {
    let f = app().set("volumes", "[/local/path:/container/path]").load();
    assert_eq!(
        web(&f).run(None).to_shell(),
        r#"docker run --detach --restart unless-stopped --name app-web-999 --network kamal --env KAMAL_CONTAINER_NAME="app-web-999" --env KAMAL_VERSION="999" --env KAMAL_HOST="1.1.1.1" --env-file .kamal/apps/app/env/roles/web.env --log-opt max-size="10m" --volume /local/path:/container/path --label service="app" --label role="web" --label destination dhh/app:999"#
    );
}

#[test]
fn run_with_custom_options() {
    let f = app()
        .set(
            "servers",
            "{web: [1.1.1.1], jobs: {hosts: [1.1.1.2], cmd: bin/jobs, options: {mount: somewhere, cap-add: true}}}",
        )
        .load();
    assert_eq!(
        cmd(&f, "jobs", "1.1.1.2").run(None).to_shell(),
        r#"docker run --detach --restart unless-stopped --name app-jobs-999 --network kamal --env KAMAL_CONTAINER_NAME="app-jobs-999" --env KAMAL_VERSION="999" --env KAMAL_HOST="1.1.1.2" --env-file .kamal/apps/app/env/roles/jobs.env --log-opt max-size="10m" --label service="app" --label role="jobs" --label destination --mount "somewhere" --cap-add dhh/app:999 bin/jobs"#
    );
}

#[test]
fn run_with_custom_restart_policy() {
    let f = app().set("servers", "{web: {hosts: [1.1.1.1], options: {restart: on-failure}}}").load();
    assert_eq!(
        web(&f).run(None).to_shell(),
        r#"docker run --detach --restart on-failure --name app-web-999 --network kamal --env KAMAL_CONTAINER_NAME="app-web-999" --env KAMAL_VERSION="999" --env KAMAL_HOST="1.1.1.1" --env-file .kamal/apps/app/env/roles/web.env --log-opt max-size="10m" --label service="app" --label role="web" --label destination dhh/app:999"#
    );
}

#[test]
fn run_with_logging_config() {
    let f = app().set("logging", "{driver: local, options: {max-size: 100m, max-file: 3}}").load();
    assert_eq!(
        web(&f).run(None).to_shell(),
        r#"docker run --detach --restart unless-stopped --name app-web-999 --network kamal --env KAMAL_CONTAINER_NAME="app-web-999" --env KAMAL_VERSION="999" --env KAMAL_HOST="1.1.1.1" --env-file .kamal/apps/app/env/roles/web.env --log-driver "local" --log-opt max-size="100m" --log-opt max-file="3" --label service="app" --label role="web" --label destination dhh/app:999"#
    );
}

#[test]
fn run_with_role_logging_config() {
    let f = app()
        .set("logging", "{driver: local, options: {max-size: 10m, max-file: 3}}")
        .set("servers", "{web: {hosts: [1.1.1.1], logging: {driver: local, options: {max-size: 100m}}}}")
        .load();
    assert_eq!(
        web(&f).run(None).to_shell(),
        r#"docker run --detach --restart unless-stopped --name app-web-999 --network kamal --env KAMAL_CONTAINER_NAME="app-web-999" --env KAMAL_VERSION="999" --env KAMAL_HOST="1.1.1.1" --env-file .kamal/apps/app/env/roles/web.env --log-driver "local" --log-opt max-size="100m" --log-opt max-file="3" --label service="app" --label role="web" --label destination dhh/app:999"#
    );
}

fn tagged() -> Yaml {
    app().set("servers", "[{1.1.1.1: tag1}]").set("env", "{secret: [RAILS_MASTER_KEY], tags: {tag1: {ENV1: value1}}}")
}

#[test]
fn run_with_tags() {
    let f = tagged().load();
    assert_eq!(
        web(&f).run(None).to_shell(),
        r#"docker run --detach --restart unless-stopped --name app-web-999 --network kamal --env KAMAL_CONTAINER_NAME="app-web-999" --env KAMAL_VERSION="999" --env KAMAL_HOST="1.1.1.1" --env ENV1="value1" --env-file .kamal/apps/app/env/roles/web.env --log-opt max-size="10m" --label service="app" --label role="web" --label destination dhh/app:999"#
    );
}

// ---- start, stop, info ----

#[test]
fn start() {
    let f = app().load();
    assert_eq!(web(&f).start().to_shell(), "docker start app-web-999");
}

#[test]
fn start_with_destination() {
    let f = staging().load();
    assert_eq!(web(&f).start().to_shell(), "docker start app-web-staging-999");
}

#[test]
fn stop() {
    let f = app().load();
    assert_eq!(web(&f).stop(None).to_shell(), format!("{CURRENT_WEB_ID} | xargs docker stop"));
}

#[test]
fn stop_with_custom_drain_timeout() {
    let f = app().set("drain_timeout", "20").load();
    assert_eq!(web(&f).stop(None).to_shell(), format!("{CURRENT_WEB_ID} | xargs docker stop"));
    assert_eq!(
        cmd(&f, "workers", "1.1.1.1").stop(None).to_shell(),
        r#"sh -c 'docker ps --latest --quiet --filter label=service=app --filter label=destination= --filter label=role=workers --filter status=running --filter status=restarting --filter ancestor=$(docker image ls --filter reference=dhh/app:latest --format '\''{{.ID}}'\'') ; docker ps --latest --quiet --filter label=service=app --filter label=destination= --filter label=role=workers --filter status=running --filter status=restarting' | head -1 | xargs docker stop -t 20"#
    );
}

#[test]
fn stop_with_stop_timeout() {
    let f = app()
        .set(
            "servers",
            "{web: {hosts: [1.1.1.1], stop_timeout: 30}, workers: {hosts: [1.1.1.2], cmd: bin/jobs, stop_timeout: 60}}",
        )
        .load();
    assert_eq!(web(&f).stop(None).to_shell(), format!("{CURRENT_WEB_ID} | xargs docker stop -t 30"));
    assert_eq!(
        cmd(&f, "workers", "1.1.1.1").stop(None).to_shell(),
        r#"sh -c 'docker ps --latest --quiet --filter label=service=app --filter label=destination= --filter label=role=workers --filter status=running --filter status=restarting --filter ancestor=$(docker image ls --filter reference=dhh/app:latest --format '\''{{.ID}}'\'') ; docker ps --latest --quiet --filter label=service=app --filter label=destination= --filter label=role=workers --filter status=running --filter status=restarting' | head -1 | xargs docker stop -t 60"#
    );
}

#[test]
fn stop_with_version() {
    let f = app().load();
    assert_eq!(
        web(&f).stop(Some("123")).to_shell(),
        "docker container ls --all --filter 'name=^app-web-123$' --quiet | xargs docker stop"
    );
}

#[test]
fn info() {
    let f = app().load();
    assert_eq!(
        web(&f).info().to_shell(),
        "docker ps --filter label=service=app --filter label=destination= --filter label=role=web"
    );
}

#[test]
fn info_with_destination() {
    let f = staging().load();
    assert_eq!(
        web(&f).info().to_shell(),
        "docker ps --filter label=service=app --filter label=destination=staging --filter label=role=web"
    );
}

// ---- kamal-proxy ----

#[test]
fn deploy() {
    let f = app().load();
    assert_eq!(
        web(&f).deploy("172.1.0.2").to_shell(),
        format!(r#"docker exec kamal-proxy kamal-proxy deploy app-web --target="172.1.0.2:80" {PROXY_DEFAULTS}"#)
    );
}

#[test]
fn deploy_with_ssl() {
    let f = app().set("proxy", "{ssl: true, host: example.com}").load();
    assert_eq!(
        web(&f).deploy("172.1.0.2").to_shell(),
        format!(
            r#"docker exec kamal-proxy kamal-proxy deploy app-web --target="172.1.0.2:80" --host="example.com" --tls {PROXY_DEFAULTS}"#
        )
    );
}

#[test]
fn deploy_with_ssl_targeting_multiple_hosts() {
    let f = app().set("proxy", "{ssl: true, hosts: [example.com, anotherexample.com]}").load();
    assert_eq!(
        web(&f).deploy("172.1.0.2").to_shell(),
        format!(
            r#"docker exec kamal-proxy kamal-proxy deploy app-web --target="172.1.0.2:80" --host="example.com" --host="anotherexample.com" --tls {PROXY_DEFAULTS}"#
        )
    );
}

#[test]
fn deploy_with_ssl_false() {
    let f = app().set("proxy", "{ssl: false}").load();
    assert_eq!(
        web(&f).deploy("172.1.0.2").to_shell(),
        format!(r#"docker exec kamal-proxy kamal-proxy deploy app-web --target="172.1.0.2:80" {PROXY_DEFAULTS}"#)
    );
}

#[test]
fn remove() {
    let f = app().load();
    assert_eq!(web(&f).remove().to_shell(), "docker exec kamal-proxy kamal-proxy remove app-web");
}

#[test]
fn live() {
    let f = app().load();
    assert_eq!(web(&f).live().to_shell(), "docker exec kamal-proxy kamal-proxy resume app-web");
}

#[test]
fn maintenance() {
    let f = app().load();
    assert_eq!(web(&f).maintenance(None, None).to_shell(), "docker exec kamal-proxy kamal-proxy stop app-web");
}

#[test]
fn maintenance_with_options() {
    let f = app().load();
    assert_eq!(
        web(&f).maintenance(Some(10), Some("Hi")).to_shell(),
        r#"docker exec kamal-proxy kamal-proxy stop app-web --drain-timeout="10s" --message="Hi""#
    );
}

#[test]
fn remove_proxy_app_directory() {
    let f = app().load();
    let c = web(&f).remove_proxy_app_directory();
    assert_eq!(c.to_shell(), "rm -r .kamal/proxy/apps-config/app");
    assert_eq!(c.to_remote_shell(), "/usr/bin/env rm -r .kamal/proxy/apps-config/app");
}

// ---- logs ----

fn logs(f: &Fixture, cid: Option<&str>, opts: LogOptions) -> String {
    web(f).logs(cid, &opts).to_shell()
}

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

#[test]
fn logs_default() {
    let f = app().load();
    assert_eq!(
        logs(&f, None, LogOptions::default()),
        format!("{CURRENT_WEB_ID} | xargs docker logs --timestamps 2>&1")
    );
}

#[test]
fn logs_with_container_id() {
    let f = app().load();
    assert_eq!(
        logs(&f, Some("C137"), LogOptions::default()),
        "sh -c 'echo C137' | xargs docker logs --timestamps 2>&1"
    );
}

#[test]
fn logs_with_since() {
    let f = app().load();
    assert_eq!(
        logs(&f, None, LogOptions { since: s("5m"), ..LogOptions::default() }),
        format!("{CURRENT_WEB_ID} | xargs docker logs --timestamps --since 5m 2>&1")
    );
}

#[test]
fn logs_with_lines() {
    let f = app().load();
    assert_eq!(
        logs(&f, None, LogOptions { lines: Some(100), ..LogOptions::default() }),
        format!("{CURRENT_WEB_ID} | xargs docker logs --timestamps --tail 100 2>&1")
    );
}

#[test]
fn logs_with_since_and_lines() {
    let f = app().load();
    assert_eq!(
        logs(&f, None, LogOptions { since: s("5m"), lines: Some(100), ..LogOptions::default() }),
        format!("{CURRENT_WEB_ID} | xargs docker logs --timestamps --since 5m --tail 100 2>&1")
    );
}

#[test]
fn logs_with_grep() {
    let f = app().load();
    assert_eq!(
        logs(&f, None, LogOptions { grep: s("my-id"), ..LogOptions::default() }),
        format!("{CURRENT_WEB_ID} | xargs docker logs --timestamps 2>&1 | grep 'my-id'")
    );
}

#[test]
fn logs_with_grep_and_grep_options() {
    let f = app().load();
    assert_eq!(
        logs(&f, None, LogOptions { grep: s("my-id"), grep_options: s("-C 2"), ..LogOptions::default() }),
        format!("{CURRENT_WEB_ID} | xargs docker logs --timestamps 2>&1 | grep 'my-id' -C 2")
    );
}

#[test]
fn logs_with_since_grep_and_grep_options() {
    let f = app().load();
    assert_eq!(
        logs(
            &f,
            None,
            LogOptions { since: s("5m"), grep: s("my-id"), grep_options: s("-C 2"), ..LogOptions::default() }
        ),
        format!("{CURRENT_WEB_ID} | xargs docker logs --timestamps --since 5m 2>&1 | grep 'my-id' -C 2")
    );
}

#[test]
fn logs_with_since_and_grep() {
    let f = app().load();
    assert_eq!(
        logs(&f, None, LogOptions { since: s("5m"), grep: s("my-id"), ..LogOptions::default() }),
        format!("{CURRENT_WEB_ID} | xargs docker logs --timestamps --since 5m 2>&1 | grep 'my-id'")
    );
}

fn follow(f: &Fixture, cid: Option<&str>, opts: LogOptions) -> String {
    web(f).follow_logs("app-1", cid, &opts).to_shell()
}

#[test]
fn follow_logs() {
    let f = app().load();
    assert_eq!(
        follow(&f, None, LogOptions::default()),
        format!("ssh -t root@app-1 -p 22 '{CURRENT_WEB_ID_OVER_SSH} | xargs docker logs --timestamps --follow 2>&1'")
    );
    assert_eq!(
        follow(&f, None, LogOptions { grep: s("Completed"), ..LogOptions::default() }),
        format!(
            r#"ssh -t root@app-1 -p 22 '{CURRENT_WEB_ID_OVER_SSH} | xargs docker logs --timestamps --follow 2>&1 | grep "Completed"'"#
        )
    );
    assert_eq!(
        follow(&f, Some("ID321"), LogOptions::default()),
        r#"ssh -t root@app-1 -p 22 'sh -c '\''echo ID321'\'' | xargs docker logs --timestamps --follow 2>&1'"#
    );
    assert_eq!(
        follow(&f, None, LogOptions { lines: Some(123), ..LogOptions::default() }),
        format!(
            "ssh -t root@app-1 -p 22 '{CURRENT_WEB_ID_OVER_SSH} | xargs docker logs --timestamps --tail 123 --follow 2>&1'"
        )
    );
    assert_eq!(
        follow(&f, None, LogOptions { lines: Some(123), grep: s("Completed"), ..LogOptions::default() }),
        format!(
            r#"ssh -t root@app-1 -p 22 '{CURRENT_WEB_ID_OVER_SSH} | xargs docker logs --timestamps --tail 123 --follow 2>&1 | grep "Completed"'"#
        )
    );
    assert_eq!(
        follow(
            &f,
            None,
            LogOptions { timestamps: false, lines: Some(123), grep: s("Completed"), ..LogOptions::default() }
        ),
        format!(
            r#"ssh -t root@app-1 -p 22 '{CURRENT_WEB_ID_OVER_SSH} | xargs docker logs --tail 123 --follow 2>&1 | grep "Completed"'"#
        )
    );
}

#[test]
fn follow_logs_with_ssh_keys() {
    let f = app().set("ssh", "{keys: [path_to_key.pem]}").load();
    assert_eq!(
        follow(&f, None, LogOptions::default()),
        format!(
            "ssh -i path_to_key.pem -t root@app-1 -p 22 '{CURRENT_WEB_ID_OVER_SSH} | xargs docker logs --timestamps --follow 2>&1'"
        )
    );
}

#[test]
fn follow_logs_with_ssh_proxy_command() {
    let f = app().set("ssh", "{proxy_command: 'ssh -W %h:%p user@proxy-server'}").load();
    assert_eq!(
        follow(&f, None, LogOptions::default()),
        format!(
            "ssh -o ProxyCommand='ssh -W %h:%p user@proxy-server' -t root@app-1 -p 22 '{CURRENT_WEB_ID_OVER_SSH} | xargs docker logs --timestamps --follow 2>&1'"
        )
    );
}

#[test]
fn follow_logs_with_ssh_config_file() {
    let f = app().set("ssh", "{config: ~/.ssh/custom_config}").load();
    assert_eq!(
        follow(&f, None, LogOptions::default()),
        format!(
            "ssh -F ~/.ssh/custom_config -t root@app-1 -p 22 '{CURRENT_WEB_ID_OVER_SSH} | xargs docker logs --timestamps --follow 2>&1'"
        )
    );
}

// ---- exec ----

#[test]
fn execute_in_new_container() {
    let f = app().load();
    assert_eq!(
        web(&f).execute_in_new_container(&["bin/rails", "db:setup"], &exec("a1b2c3")).to_shell(),
        r#"docker run --rm --name app-web-exec-999-a1b2c3 --network kamal --env-file .kamal/apps/app/env/roles/web.env --log-opt max-size="10m" dhh/app:999 bin/rails db:setup"#
    );
}

#[test]
fn execute_in_new_container_with_logging() {
    let f = app().set("logging", "{driver: local, options: {max-size: 100m, max-file: 3}}").load();
    assert_eq!(
        web(&f).execute_in_new_container(&["bin/rails", "db:setup"], &exec("a1b2c3")).to_shell(),
        r#"docker run --rm --name app-web-exec-999-a1b2c3 --network kamal --env-file .kamal/apps/app/env/roles/web.env --log-driver "local" --log-opt max-size="100m" --log-opt max-file="3" dhh/app:999 bin/rails db:setup"#
    );
}

#[test]
fn execute_in_new_container_with_env() {
    let f = app().load();
    let opts = ExecOptions { env: vec![("foo".into(), "bar".into())], ..exec("a1b2c3") };
    assert_eq!(
        web(&f).execute_in_new_container(&["bin/rails", "db:setup"], &opts).to_shell(),
        r#"docker run --rm --name app-web-exec-999-a1b2c3 --network kamal --env-file .kamal/apps/app/env/roles/web.env --env foo="bar" --log-opt max-size="10m" dhh/app:999 bin/rails db:setup"#
    );
}

#[test]
fn execute_in_new_detached_container() {
    let f = app().load();
    let opts = ExecOptions { detach: true, ..exec("a1b2c3") };
    assert_eq!(
        web(&f).execute_in_new_container(&["bin/rails", "db:setup"], &opts).to_shell(),
        r#"docker run --detach --name app-web-exec-999-a1b2c3 --network kamal --env-file .kamal/apps/app/env/roles/web.env --log-opt max-size="10m" dhh/app:999 bin/rails db:setup"#
    );
}

#[test]
fn execute_in_new_container_with_tags() {
    let f = tagged().load();
    assert_eq!(
        web(&f).execute_in_new_container(&["bin/rails", "db:setup"], &exec("a1b2c3")).to_shell(),
        r#"docker run --rm --name app-web-exec-999-a1b2c3 --network kamal --env ENV1="value1" --env-file .kamal/apps/app/env/roles/web.env --log-opt max-size="10m" dhh/app:999 bin/rails db:setup"#
    );
}

#[test]
fn execute_in_new_container_with_custom_options() {
    let f = app().set("servers", "{web: {hosts: [1.1.1.1], options: {mount: somewhere, cap-add: true}}}").load();
    assert_eq!(
        web(&f).execute_in_new_container(&["bin/rails", "db:setup"], &exec("a1b2c3")).to_shell(),
        r#"docker run --rm --name app-web-exec-999-a1b2c3 --network kamal --env-file .kamal/apps/app/env/roles/web.env --log-opt max-size="10m" --mount "somewhere" --cap-add dhh/app:999 bin/rails db:setup"#
    );
}

#[test]
fn execute_in_new_container_excludes_restart_policy() {
    let f = app().set("servers", "{web: {hosts: [1.1.1.1], options: {restart: on-failure, mount: somewhere}}}").load();
    let c = web(&f).execute_in_new_container(&["bin/rails", "db:setup"], &exec("a1b2c3")).to_shell();
    assert_eq!(
        c,
        r#"docker run --rm --name app-web-exec-999-a1b2c3 --network kamal --env-file .kamal/apps/app/env/roles/web.env --log-opt max-size="10m" --mount "somewhere" dhh/app:999 bin/rails db:setup"#
    );
    assert!(!c.contains("--restart"));
}

#[test]
fn execute_in_existing_container() {
    let f = app().load();
    assert_eq!(
        web(&f).execute_in_existing_container(&["bin/rails", "db:setup"], &ExecOptions::default()).to_shell(),
        "docker exec app-web-999 bin/rails db:setup"
    );
}

#[test]
fn execute_in_existing_container_with_env() {
    let f = app().load();
    let opts = ExecOptions { env: vec![("foo".into(), "bar".into())], ..ExecOptions::default() };
    assert_eq!(
        web(&f).execute_in_existing_container(&["bin/rails", "db:setup"], &opts).to_shell(),
        r#"docker exec --env foo="bar" app-web-999 bin/rails db:setup"#
    );
}

fn tty(hex: &str) -> ExecOptions {
    ExecOptions { interactive: Interactive::Tty, ..exec(hex) }
}

#[test]
fn execute_in_new_container_over_ssh() {
    let f = app().load();
    assert_eq!(
        web(&f).execute_in_new_container_over_ssh(&["bin/rails", "c"], &tty("a1b2c3")).to_shell(),
        r#"ssh -t root@1.1.1.1 -p 22 'docker run -it --rm --name app-web-exec-999-a1b2c3 --network kamal --env-file .kamal/apps/app/env/roles/web.env --log-opt max-size="10m" dhh/app:999 bin/rails c'"#
    );
}

#[test]
fn execute_in_new_container_over_ssh_with_tags() {
    let f = tagged().load();
    assert_eq!(
        web(&f).execute_in_new_container_over_ssh(&["bin/rails", "c"], &tty("a1b2c3")).to_shell(),
        r#"ssh -t root@1.1.1.1 -p 22 'docker run -it --rm --name app-web-exec-999-a1b2c3 --network kamal --env ENV1="value1" --env-file .kamal/apps/app/env/roles/web.env --log-opt max-size="10m" dhh/app:999 bin/rails c'"#
    );
}

#[test]
fn execute_in_new_container_with_custom_options_over_ssh() {
    let f = app().set("servers", "{web: {hosts: [1.1.1.1], options: {mount: somewhere, cap-add: true}}}").load();
    assert_eq!(
        web(&f).execute_in_new_container_over_ssh(&["bin/rails", "c"], &tty("a1b2c3")).to_shell(),
        r#"ssh -t root@1.1.1.1 -p 22 'docker run -it --rm --name app-web-exec-999-a1b2c3 --network kamal --env-file .kamal/apps/app/env/roles/web.env --log-opt max-size="10m" --mount "somewhere" --cap-add dhh/app:999 bin/rails c'"#
    );
}

#[test]
fn execute_in_existing_container_over_ssh() {
    let f = app().load();
    assert_eq!(
        web(&f).execute_in_existing_container_over_ssh(&["bin/rails", "c"], &tty("")).to_shell(),
        "ssh -t root@1.1.1.1 -p 22 'docker exec -it app-web-999 bin/rails c'"
    );
}

#[test]
fn execute_in_existing_container_with_piped_input_over_ssh() {
    let f = app().load();
    let opts = ExecOptions { interactive: Interactive::Piped, ..ExecOptions::default() };
    assert_eq!(
        web(&f).execute_in_existing_container_over_ssh(&["bin/rails", "c"], &opts).to_shell(),
        "ssh -t root@1.1.1.1 -p 22 'docker exec -i app-web-999 bin/rails c'"
    );
}

// ---- run over ssh ----

fn over_ssh(ssh: Option<&str>) -> String {
    let yaml = match ssh {
        Some(s) => app().set("ssh", s),
        None => app(),
    };
    let f = yaml.load();
    run_over_ssh(&f.config.ssh, "1.1.1.1", &Command::new(["ls"])).to_shell()
}

#[test]
fn run_over_ssh_default() {
    assert_eq!(over_ssh(None), "ssh -t root@1.1.1.1 -p 22 'ls'");
}

#[test]
fn run_over_ssh_with_custom_user() {
    assert_eq!(over_ssh(Some("{user: app}")), "ssh -t app@1.1.1.1 -p 22 'ls'");
}

#[test]
fn run_over_ssh_with_custom_port() {
    assert_eq!(over_ssh(Some("{port: '2222'}")), "ssh -t root@1.1.1.1 -p 2222 'ls'");
}

#[test]
fn run_over_ssh_with_proxy() {
    assert_eq!(over_ssh(Some("{proxy: 2.2.2.2}")), "ssh -J root@2.2.2.2 -t root@1.1.1.1 -p 22 'ls'");
}

#[test]
fn run_over_ssh_with_proxy_user() {
    assert_eq!(over_ssh(Some("{proxy: app@2.2.2.2}")), "ssh -J app@2.2.2.2 -t root@1.1.1.1 -p 22 'ls'");
}

#[test]
fn run_over_ssh_with_custom_user_with_proxy() {
    assert_eq!(over_ssh(Some("{user: app, proxy: 2.2.2.2}")), "ssh -J root@2.2.2.2 -t app@1.1.1.1 -p 22 'ls'");
}

#[test]
fn run_over_ssh_with_keys_config() {
    assert_eq!(over_ssh(Some("{keys: [path_to_key.pem]}")), "ssh -i path_to_key.pem -t root@1.1.1.1 -p 22 'ls'");
}

#[test]
fn run_over_ssh_with_keys_config_with_keys_only() {
    assert_eq!(
        over_ssh(Some("{keys: [path_to_key.pem], keys_only: true}")),
        "ssh -i path_to_key.pem -o IdentitiesOnly=yes -t root@1.1.1.1 -p 22 'ls'"
    );
}

#[test]
fn run_over_ssh_with_proxy_command() {
    assert_eq!(
        over_ssh(Some("{proxy_command: 'ssh -W %h:%p user@proxy-server'}")),
        "ssh -o ProxyCommand='ssh -W %h:%p user@proxy-server' -t root@1.1.1.1 -p 22 'ls'"
    );
}

#[test]
fn run_over_ssh_with_config_file() {
    assert_eq!(
        over_ssh(Some("{config: ~/.ssh/custom_config}")),
        "ssh -F ~/.ssh/custom_config -t root@1.1.1.1 -p 22 'ls'"
    );
}

#[test]
fn run_over_ssh_with_multiple_config_files() {
    assert_eq!(
        over_ssh(Some("{config: [~/.ssh/config1, ~/.ssh/config2]}")),
        "ssh -F ~/.ssh/config1 -F ~/.ssh/config2 -t root@1.1.1.1 -p 22 'ls'"
    );
}

#[test]
fn run_over_ssh_with_config_false() {
    assert_eq!(over_ssh(Some("{config: false}")), "ssh -F /dev/null -t root@1.1.1.1 -p 22 'ls'");
}

#[test]
fn run_over_ssh_with_config_true() {
    assert_eq!(over_ssh(Some("{config: true}")), "ssh -t root@1.1.1.1 -p 22 'ls'");
}

// ---- current container and versions ----

#[test]
fn current_running_container_id() {
    let f = app().load();
    assert_eq!(web(&f).current_running_container_id().to_shell(), CURRENT_WEB_ID);
}

#[test]
fn current_running_container_id_with_destination() {
    let f = staging().load();
    assert_eq!(
        web(&f).current_running_container_id().to_shell(),
        r#"sh -c 'docker ps --latest --quiet --filter label=service=app --filter label=destination=staging --filter label=role=web --filter status=running --filter status=restarting --filter ancestor=$(docker image ls --filter reference=dhh/app:latest-staging --format '\''{{.ID}}'\'') ; docker ps --latest --quiet --filter label=service=app --filter label=destination=staging --filter label=role=web --filter status=running --filter status=restarting' | head -1"#
    );
}

#[test]
fn container_id_for_name() {
    let f = app().load();
    assert_eq!(
        web(&f).container_id_for("app-999").to_shell(),
        "docker container ls --all --filter 'name=^app-999$' --quiet"
    );
    assert_eq!(
        container_id_for("app-999", false).to_shell(),
        "docker container ls --all --filter 'name=^app-999$' --quiet"
    );
}

#[test]
fn current_running_version() {
    let f = app().load();
    assert_eq!(
        web(&f).current_running_version().to_shell(),
        r#"sh -c 'docker ps --latest --format '\''{{.Names}}'\'' --filter label=service=app --filter label=destination= --filter label=role=web --filter status=running --filter status=restarting --filter ancestor=$(docker image ls --filter reference=dhh/app:latest --format '\''{{.ID}}'\'') ; docker ps --latest --format '\''{{.Names}}'\'' --filter label=service=app --filter label=destination= --filter label=role=web --filter status=running --filter status=restarting' | head -1 | while read line; do echo ${line#app-web-}; done"#
    );
}

#[test]
fn list_versions() {
    let f = app().load();
    assert_eq!(
        web(&f).list_versions(&[], &[]).to_shell(),
        r#"docker ps --filter label=service=app --filter label=destination= --filter label=role=web --format "{{.Names}}" | while read line; do echo ${line#app-web-}; done"#
    );
    assert_eq!(
        web(&f).list_versions(&["--latest"], &["running", "restarting"]).to_shell(),
        r#"docker ps --filter label=service=app --filter label=destination= --filter label=role=web --filter status=running --filter status=restarting --latest --format "{{.Names}}" | while read line; do echo ${line#app-web-}; done"#
    );
}

// ---- containers and images ----

#[test]
fn list_containers() {
    let f = app().load();
    assert_eq!(
        web(&f).list_containers().to_shell(),
        "docker container ls --all --filter label=service=app --filter label=destination= --filter label=role=web"
    );
}

#[test]
fn list_containers_with_destination() {
    let f = staging().load();
    assert_eq!(
        web(&f).list_containers().to_shell(),
        "docker container ls --all --filter label=service=app --filter label=destination=staging --filter label=role=web"
    );
}

#[test]
fn list_container_names() {
    let f = app().load();
    assert_eq!(
        web(&f).list_container_names().to_shell(),
        "docker container ls --all --filter label=service=app --filter label=destination= --filter label=role=web --format '{{ .Names }}'"
    );
}

#[test]
fn remove_container() {
    let f = app().load();
    assert_eq!(
        web(&f).remove_container("999").to_shell(),
        "docker container ls --all --filter 'name=^app-web-999$' --quiet | xargs docker container rm"
    );
}

#[test]
fn remove_container_with_destination() {
    let f = staging().load();
    assert_eq!(
        web(&f).remove_container("999").to_shell(),
        "docker container ls --all --filter 'name=^app-web-staging-999$' --quiet | xargs docker container rm"
    );
}

#[test]
fn remove_containers() {
    let f = app().load();
    assert_eq!(
        web(&f).remove_containers().to_shell(),
        "docker container prune --force --filter label=service=app --filter label=destination= --filter label=role=web"
    );
}

#[test]
fn remove_containers_with_destination() {
    let f = staging().load();
    assert_eq!(
        web(&f).remove_containers().to_shell(),
        "docker container prune --force --filter label=service=app --filter label=destination=staging --filter label=role=web"
    );
}

#[test]
fn list_images() {
    let f = app().load();
    assert_eq!(web(&f).list_images().to_shell(), "docker image ls dhh/app");
}

#[test]
fn remove_images() {
    let f = app().load();
    assert_eq!(web(&f).remove_images().to_shell(), "docker image prune --all --force --filter label=service=app");
}

#[test]
fn remove_images_with_destination() {
    let f = staging().load();
    assert_eq!(web(&f).remove_images().to_shell(), "docker image prune --all --force --filter label=service=app");
}

#[test]
fn tag_latest_image() {
    let f = app().load();
    assert_eq!(web(&f).tag_latest_image().to_shell(), "docker tag dhh/app:999 dhh/app:latest");
}

#[test]
fn tag_latest_image_with_destination() {
    let f = staging().load();
    assert_eq!(web(&f).tag_latest_image().to_shell(), "docker tag dhh/app:999 dhh/app:latest-staging");
}

// ---- assets ----

fn with_assets() -> Fixture {
    app().set("asset_path", "/public/assets").load()
}

#[test]
fn extract_assets() {
    let f = with_assets();
    let c = web(&f).extract_assets();
    assert_eq!(
        c.to_shell(),
        "mkdir -p .kamal/apps/app/assets/extracted/web-999 && docker container rm app-web-assets 2> /dev/null || true && docker container create --name app-web-assets dhh/app:999 && docker container cp -L app-web-assets:/public/assets/. .kamal/apps/app/assets/extracted/web-999 && docker container rm app-web-assets"
    );
    assert!(c.is_env_prefixed(), "starts with Kamal's :mkdir");
}

#[test]
fn sync_asset_volumes() {
    let f = with_assets();
    assert_eq!(
        web(&f).sync_asset_volumes(None).to_shell(),
        "mkdir -p .kamal/apps/app/assets/volumes/web-999 ; cp -rnT .kamal/apps/app/assets/extracted/web-999 .kamal/apps/app/assets/volumes/web-999"
    );
    assert_eq!(
        web(&f).sync_asset_volumes(Some("998")).to_shell(),
        "mkdir -p .kamal/apps/app/assets/volumes/web-999 ; cp -rnT .kamal/apps/app/assets/extracted/web-999 .kamal/apps/app/assets/volumes/web-999 ; cp -rnT .kamal/apps/app/assets/extracted/web-999 .kamal/apps/app/assets/volumes/web-998 || true ; cp -rnT .kamal/apps/app/assets/extracted/web-998 .kamal/apps/app/assets/volumes/web-999 || true"
    );
}

#[test]
fn clean_up_assets() {
    let f = with_assets();
    let c = web(&f).clean_up_assets();
    assert_eq!(
        c.to_shell(),
        r#"find .kamal/apps/app/assets/extracted -maxdepth 1 -name 'web-*' ! -name web-999 -exec rm -rf "{}" + ; find .kamal/apps/app/assets/volumes -maxdepth 1 -name 'web-*' ! -name web-999 -exec rm -rf "{}" +"#
    );
    assert!(c.is_env_prefixed());
}

// ---- beyond Kamal's app_test: pieces the boot flow uses ----

#[test]
fn run_with_asset_volume() {
    let f = with_assets();
    assert_eq!(
        web(&f).run(None).to_shell(),
        r#"docker run --detach --restart unless-stopped --name app-web-999 --network kamal --env KAMAL_CONTAINER_NAME="app-web-999" --env KAMAL_VERSION="999" --env KAMAL_HOST="1.1.1.1" --env-file .kamal/apps/app/env/roles/web.env --log-opt max-size="10m" --volume $PWD/.kamal/apps/app/assets/volumes/web-999:/public/assets --label service="app" --label role="web" --label destination dhh/app:999"#
    );
    // Workers do not run behind the proxy, so they get no asset volume.
    assert!(!cmd(&f, "workers", "1.1.1.2").run(None).to_shell().contains("assets"));
}

#[test]
fn error_pages_commands() {
    let f = app().set("error_pages_path", "public").load();
    assert_eq!(web(&f).create_error_pages_directory().to_shell(), "mkdir -p .kamal/proxy/apps-config/app/error_pages");
    assert_eq!(
        web(&f).clean_up_error_pages().to_remote_shell(),
        "/usr/bin/env find .kamal/proxy/apps-config/app/error_pages -mindepth 1 -maxdepth 1 ! -name 999 -exec rm -rf {} +"
    );
    assert_eq!(
        web(&f).deploy("172.1.0.2").to_shell(),
        format!(
            r#"docker exec kamal-proxy kamal-proxy deploy app-web --target="172.1.0.2:80" {PROXY_DEFAULTS} --error-pages="/home/kamal-proxy/.apps-config/app/error_pages/999""#
        )
    );
}

#[test]
fn status_rename_and_health_log() {
    let f = app().load();
    assert_eq!(
        web(&f).status("999").to_shell(),
        "docker container ls --all --filter 'name=^app-web-999$' --quiet | xargs docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}'"
    );
    assert_eq!(
        web(&f).rename_container("999", "999_replaced_0123456789abcdef").to_shell(),
        "docker rename app-web-999 app-web-999_replaced_0123456789abcdef"
    );
    assert_eq!(
        web(&f).container_health_log("999").to_shell(),
        "docker container ls --all --filter 'name=^app-web-999$' --quiet | xargs docker inspect --format '{{json .State.Health}}'"
    );
    assert_eq!(web(&f).ensure_env_directory().to_remote_shell(), "/usr/bin/env mkdir -p .kamal/apps/app/env/roles");
    assert_eq!(web(&f).env_file_path(), ".kamal/apps/app/env/roles/web.env");
}

#[test]
fn container_hostname_is_cut_to_51_characters() {
    use tug_commands::app::container_hostname;
    assert_eq!(container_hostname("1.1.1.1", "0123456789ab"), "1.1.1.1-0123456789ab");
    let long = format!("{}.example.com", "a".repeat(50)); // the 51st character is the dot
    assert_eq!(container_hostname(&long, "0123456789ab"), format!("{}-0123456789ab", "a".repeat(50)));
}

#[test]
fn deploy_with_every_proxy_option_in_kamal_order() {
    let f = app()
        .set(
            "proxy",
            "{hosts: [a.example.com, b.example.com], ssl: {certificate_pem: CERT, private_key_pem: KEY}, app_port: 3000, ssl_redirect: false, forward_headers: true, response_timeout: 10, path_prefix: '/api,/v2', strip_path_prefix: false, healthcheck: {path: /health, interval: 2, timeout: 4}, buffering: {requests: false, memory: 1000, max_request_body: 2000, max_response_body: 3000}, logging: {request_headers: [X-Req], response_headers: [X-Res]}}",
        )
        .set("servers", "{web: [1.1.1.1]}")
        .load();
    assert_eq!(
        web(&f).deploy("172.1.0.2").to_shell(),
        r#"docker exec kamal-proxy kamal-proxy deploy app-web --target="172.1.0.2:3000" --host="a.example.com" --host="b.example.com" --tls --tls-certificate-path="/home/kamal-proxy/.apps-config/app/tls/web/cert.pem" --tls-private-key-path="/home/kamal-proxy/.apps-config/app/tls/web/key.pem" --deploy-timeout="30s" --drain-timeout="30s" --health-check-interval="2s" --health-check-timeout="4s" --health-check-path="/health" --target-timeout="10s" --buffer-requests="false" --buffer-responses --buffer-memory="1000" --max-request-body="2000" --max-response-body="3000" --path-prefix="/api" --path-prefix="/v2" --strip-path-prefix="false" --forward-headers --tls-redirect="false" --log-request-header="X-Req" --log-response-header="X-Res""#
    );
    assert_eq!(web(&f).create_ssl_directory().to_shell(), "mkdir -p .kamal/proxy/apps-config/app/tls/web");
    assert_eq!(
        web(&f).give_to_proxy_user(".kamal/proxy/apps-config/app/tls/web/key.pem").to_shell(),
        "chown \"$(stat -c %u:%g /proc/$(docker inspect --format '{{.State.Pid}}' kamal-proxy))\" .kamal/proxy/apps-config/app/tls/web/key.pem"
    );
}
