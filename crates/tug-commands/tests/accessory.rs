//! Kamal's `test/commands/accessory_test.rb`, pinned against our own fixture (same values).

use tug_commands::accessory::AccessoryCommands;
use tug_commands::docker::Interactive;
use tug_commands::logs::LogOptions;
use tug_config::Config;

const ACCESSORIES: &str = r#"service: app
image: dhh/app
registry:
  server: private.registry
  username: dhh
  password: secret
servers:
  - 1.1.1.1
builder:
  arch: amd64
accessories:
  mysql:
    image: private.registry/mysql:8.0
    host: 1.1.1.5
    port: "3306"
    env:
      clear:
        MYSQL_ROOT_HOST: "%"
      secret:
        - MYSQL_ROOT_PASSWORD
    options:
      cpus: "4"
      memory: 2GB
MYSQL_EXTRA
  redis:
    image: redis:latest
    host: 1.1.1.6
    port: "6379:6379"
    labels:
      cache: "true"
    env:
      SOMETHING: else
    volumes:
      - /var/lib/redis:/data
  busybox:
    service: custom-busybox
    image: busybox:latest
    registry:
      server: other.registry
      username: user
      password: pw
    host: 1.1.1.7
    proxy:
      host: busybox.example.com
"#;

fn load(mysql_extra: &str, root_extra: &str) -> (tempfile::TempDir, Config) {
    let yaml = format!("{}{root_extra}", ACCESSORIES.replace("MYSQL_EXTRA\n", mysql_extra));
    tug_test::Project::new(&yaml).version(Some("123")).load()
}

fn default() -> (tempfile::TempDir, Config) {
    load("", "")
}

fn acc<'a>(c: &'a Config, name: &str) -> AccessoryCommands<'a> {
    AccessoryCommands::new(c, name).expect("accessory")
}

const MYSQL_RUN: &str = "docker run --name app-mysql --detach --restart unless-stopped --network kamal --log-opt max-size=\"10m\" --publish 3306:3306 --env MYSQL_ROOT_HOST=\"%\" --env-file .kamal/apps/app/env/accessories/mysql.env --label service=\"app-mysql\" --cpus \"4\" --memory \"2GB\" private.registry/mysql:8.0";

fn words(cmd: &[&str]) -> Vec<String> {
    cmd.iter().map(|s| s.to_string()).collect()
}

#[test]
fn run() {
    let (_d, c) = default();
    assert_eq!(acc(&c, "mysql").run(None).to_shell(), MYSQL_RUN);
    assert_eq!(
        acc(&c, "redis").run(None).to_shell(),
        "docker run --name app-redis --detach --restart unless-stopped --network kamal --log-opt max-size=\"10m\" --publish 6379:6379 --env SOMETHING=\"else\" --env-file .kamal/apps/app/env/accessories/redis.env --volume /var/lib/redis:/data --label service=\"app-redis\" --label cache=\"true\" redis:latest"
    );
    assert_eq!(
        acc(&c, "busybox").run(None).to_shell(),
        "docker run --name custom-busybox --detach --restart unless-stopped --network kamal --log-opt max-size=\"10m\" --env-file .kamal/apps/app/env/accessories/busybox.env --label service=\"custom-busybox\" other.registry/busybox:latest"
    );
}

#[test]
fn run_with_logging_config() {
    let (_d, c) = load("", "logging:\n  driver: local\n  options:\n    max-size: 100m\n    max-file: \"3\"\n");
    assert_eq!(
        acc(&c, "busybox").run(None).to_shell(),
        "docker run --name custom-busybox --detach --restart unless-stopped --network kamal --log-driver \"local\" --log-opt max-size=\"100m\" --log-opt max-file=\"3\" --env-file .kamal/apps/app/env/accessories/busybox.env --label service=\"custom-busybox\" other.registry/busybox:latest"
    );
}

#[test]
fn run_with_custom_restart_policy() {
    let (_d, c) = load("      restart: on-failure\n", "");
    assert_eq!(
        acc(&c, "mysql").run(None).to_shell(),
        MYSQL_RUN.replace("--restart unless-stopped", "--restart on-failure")
    );
}

#[test]
fn run_in_custom_network() {
    let (_d, c) = load("    network: custom\n", "");
    assert_eq!(acc(&c, "mysql").run(None).to_shell(), MYSQL_RUN.replace("--network kamal", "--network custom"));
}

// test/cli/accessory_test.rb: booting on a host passes KAMAL_HOST.
#[test]
fn run_on_host() {
    let (_d, c) = default();
    assert_eq!(
        acc(&c, "mysql").run(Some("1.1.1.5")).to_shell(),
        MYSQL_RUN.replace("--publish 3306:3306 ", "--publish 3306:3306 --env KAMAL_HOST=\"1.1.1.5\" ")
    );
}

#[test]
fn start() {
    let (_d, c) = default();
    assert_eq!(acc(&c, "mysql").start().to_shell(), "docker container start app-mysql");
}

#[test]
fn stop() {
    let (_d, c) = default();
    assert_eq!(acc(&c, "mysql").stop().to_shell(), "docker container stop app-mysql");
}

#[test]
fn info() {
    let (_d, c) = default();
    assert_eq!(acc(&c, "mysql").info(false, false).to_shell(), "docker ps --filter label=service=app-mysql");
    assert_eq!(acc(&c, "mysql").info(true, true).to_shell(), "docker ps -a -q --filter label=service=app-mysql");
}

const MYSQL_EXEC_NEW: &str = "docker run --rm --network kamal --env MYSQL_ROOT_HOST=\"%\" --env-file .kamal/apps/app/env/accessories/mysql.env --cpus \"4\" --memory \"2GB\" private.registry/mysql:8.0 mysql -u root";

#[test]
fn execute_in_new_container() {
    let (_d, c) = default();
    assert_eq!(
        acc(&c, "mysql").execute_in_new_container(&words(&["mysql", "-u", "root"]), Interactive::No).to_shell(),
        MYSQL_EXEC_NEW
    );
}

#[test]
fn execute_in_new_container_excludes_restart_policy() {
    let (_d, c) = load("      restart: on-failure\n", "");
    let cmd = acc(&c, "mysql").execute_in_new_container(&words(&["mysql", "-u", "root"]), Interactive::No).to_shell();
    assert_eq!(cmd, MYSQL_EXEC_NEW);
    assert!(!cmd.contains("--restart"));
}

#[test]
fn execute_in_existing_container() {
    let (_d, c) = default();
    assert_eq!(
        acc(&c, "mysql").execute_in_existing_container(&words(&["mysql", "-u", "root"]), Interactive::No).to_shell(),
        "docker exec app-mysql mysql -u root"
    );
}

#[test]
fn execute_in_new_container_over_ssh() {
    let (_d, c) = default();
    let inner = MYSQL_EXEC_NEW.replace("docker run --rm", "docker run -it --rm");
    assert_eq!(
        acc(&c, "mysql")
            .execute_in_new_container_over_ssh(&words(&["mysql", "-u", "root"]), Interactive::Tty)
            .to_shell(),
        format!("ssh -t root@1.1.1.5 -p 22 '{inner}'")
    );
}

#[test]
fn execute_in_existing_container_over_ssh() {
    let (_d, c) = default();
    assert_eq!(
        acc(&c, "mysql")
            .execute_in_existing_container_over_ssh(&words(&["mysql", "-u", "root"]), Interactive::Tty)
            .to_shell(),
        "ssh -t root@1.1.1.5 -p 22 'docker exec -it app-mysql mysql -u root'"
    );
}

#[test]
fn execute_in_existing_container_with_piped_input_over_ssh() {
    let (_d, c) = default();
    assert_eq!(
        acc(&c, "mysql")
            .execute_in_existing_container_over_ssh(&words(&["mysql", "-u", "root"]), Interactive::Piped)
            .to_shell(),
        "ssh -t root@1.1.1.5 -p 22 'docker exec -i app-mysql mysql -u root'"
    );
}

#[test]
fn logs() {
    let (_d, c) = default();
    let a = acc(&c, "mysql");
    assert_eq!(a.logs(&LogOptions::default()).to_shell(), "docker logs app-mysql --timestamps 2>&1");
    let filtered =
        LogOptions { since: Some("5m".into()), lines: Some(100), grep: Some("thing".into()), ..LogOptions::default() };
    assert_eq!(
        a.logs(&filtered).to_shell(),
        "docker logs app-mysql  --since 5m  --tail 100 --timestamps 2>&1 | grep 'thing'"
    );
    let with_opts = LogOptions { grep_options: Some("-C 2".into()), ..filtered.clone() };
    assert_eq!(
        a.logs(&with_opts).to_shell(),
        "docker logs app-mysql  --since 5m  --tail 100 --timestamps 2>&1 | grep 'thing' -C 2"
    );
    let no_ts = LogOptions { timestamps: false, ..with_opts };
    assert_eq!(a.logs(&no_ts).to_shell(), "docker logs app-mysql  --since 5m  --tail 100 2>&1 | grep 'thing' -C 2");
}

#[test]
fn follow_logs() {
    let (_d, c) = default();
    let a = acc(&c, "mysql");
    assert_eq!(
        a.follow_logs(true, None, None).to_shell(),
        "ssh -t root@1.1.1.5 -p 22 'docker logs app-mysql --timestamps --tail 10 --follow 2>&1'"
    );
    assert_eq!(
        a.follow_logs(false, None, None).to_shell(),
        "ssh -t root@1.1.1.5 -p 22 'docker logs app-mysql --tail 10 --follow 2>&1'"
    );
}

#[test]
fn remove_container() {
    let (_d, c) = default();
    assert_eq!(
        acc(&c, "mysql").remove_container().to_shell(),
        "docker container prune --force --filter label=service=app-mysql"
    );
}

#[test]
fn pull_image() {
    let (_d, c) = default();
    assert_eq!(acc(&c, "mysql").pull_image().to_shell(), "docker image pull private.registry/mysql:8.0");
}

#[test]
fn remove_image() {
    let (_d, c) = default();
    assert_eq!(acc(&c, "mysql").remove_image().to_shell(), "docker image rm --force private.registry/mysql:8.0");
}

#[test]
fn deploy() {
    let (_d, c) = default();
    assert_eq!(
        acc(&c, "busybox").deploy("172.1.0.2", "123").expect("proxied").to_shell(),
        "docker exec kamal-proxy kamal-proxy deploy custom-busybox --target=\"172.1.0.2:80\" --host=\"busybox.example.com\" --deploy-timeout=\"30s\" --drain-timeout=\"30s\" --buffer-requests --buffer-responses --log-request-header=\"Cache-Control\" --log-request-header=\"Last-Modified\" --log-request-header=\"User-Agent\""
    );
    assert!(acc(&c, "mysql").deploy("172.1.0.2", "123").is_none());
}

#[test]
fn remove() {
    let (_d, c) = default();
    assert_eq!(acc(&c, "busybox").remove().to_shell(), "docker exec kamal-proxy kamal-proxy remove custom-busybox");
}

// test/cli/accessory_test.rb (deploy_with_accessories.yml): files, directories and their
// volumes, env directory, service directory removal.
#[test]
fn files_and_directories() {
    let extra = "    files:\n      - config/mysql/my.cnf:/etc/mysql/my.cnf\n      - local: config/init.sql\n        remote: /docker-entrypoint-initdb.d/init.sql\n        mode: \"0600\"\n        owner: \"999:999\"\n    directories:\n      - data:/var/lib/mysql\n";
    let (_d, c) = load(extra, "");
    let a = acc(&c, "mysql");
    let files = a.files();
    assert_eq!(files[0].make_directory().to_remote_shell(), "/usr/bin/env mkdir -p app-mysql/etc/mysql");
    assert_eq!(files[0].chmod().to_remote_shell(), "/usr/bin/env chmod 755 app-mysql/etc/mysql/my.cnf");
    assert!(files[0].chown().is_none());
    assert_eq!(files[1].chmod().to_shell(), "chmod 0600 app-mysql/docker-entrypoint-initdb.d/init.sql");
    assert_eq!(
        files[1].chown().expect("owner").to_shell(),
        "chown 999:999 app-mysql/docker-entrypoint-initdb.d/init.sql"
    );
    let dirs = a.directories();
    assert_eq!(dirs[0].make_directory().to_shell(), "mkdir -p $PWD/app-mysql/data");
    assert!(dirs[0].chmod().is_none());
    assert_eq!(
        a.run(Some("1.1.1.5")).to_shell(),
        "docker run --name app-mysql --detach --restart unless-stopped --network kamal --log-opt max-size=\"10m\" --publish 3306:3306 --env KAMAL_HOST=\"1.1.1.5\" --env MYSQL_ROOT_HOST=\"%\" --env-file .kamal/apps/app/env/accessories/mysql.env --volume $PWD/app-mysql/etc/mysql/my.cnf:/etc/mysql/my.cnf --volume $PWD/app-mysql/docker-entrypoint-initdb.d/init.sql:/docker-entrypoint-initdb.d/init.sql --volume $PWD/app-mysql/data:/var/lib/mysql --label service=\"app-mysql\" --cpus \"4\" --memory \"2GB\" private.registry/mysql:8.0"
    );
    assert_eq!(a.ensure_env_directory().to_shell(), "mkdir -p .kamal/apps/app/env/accessories");
    assert_eq!(a.remove_service_directory().to_remote_shell(), "/usr/bin/env rm -rf app-mysql");
    assert_eq!(a.container_id(true).to_shell(), "docker container ls --filter 'name=^app-mysql$' --quiet");
}

#[test]
fn unknown_accessory() {
    let (_d, c) = default();
    let err = AccessoryCommands::new(&c, "nope").expect_err("unknown");
    assert_eq!(err.to_string(), "No accessory by the name of 'nope'");
}
