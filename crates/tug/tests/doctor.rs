//! `tug doctor` against a scripted world: every check's pass, warn and fail branches, secrets
//! never shown, bounded fan-out across hosts, and the text and JSON reports.
//!
//! TODO(lab): `tug doctor` against the lab's three servers (all checks pass; one server
//! stopped → its `ssh` line fails and the exit status is 1). The lab belongs to another
//! session right now; these tests use fakes.

use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use tug::flows::doctor::{self, Check, Credentials, Options, Status, World};
use tug_commands::Command;
use tug_config::Sensitive;
use tug_exec::{ExecError, Output, Target};

const PASSWORD: &str = "sentinel-token-4411";

/// A command the fake saw: target, command as shown, environment.
type Seen = (String, String, Vec<(String, String)>);

/// Answers commands by the first rule whose text the command contains (and whose target
/// matches); unreachable hosts fail with `Unreachable`.
#[derive(Default)]
struct Fake {
    rules: Vec<(Option<String>, String, Output)>,
    unreachable: Vec<String>,
    dns: Vec<(String, Vec<IpAddr>)>,
    clock: i64,
    seen: Mutex<Vec<Seen>>,
}

impl Fake {
    fn new() -> Fake {
        Fake { clock: 1_700_000_000, ..Fake::default() }
    }
    fn on(mut self, host: Option<&str>, contains: &str, reply: Output) -> Fake {
        self.rules.push((host.map(str::to_string), contains.to_string(), reply));
        self
    }
    fn resolves(mut self, name: &str, ips: &[&str]) -> Fake {
        self.dns.push((name.to_string(), ips.iter().map(|i| i.parse().expect("ip")).collect()));
        self
    }
}

impl World for Fake {
    fn run(
        &self,
        target: &Target,
        command: &Command,
        env: &[(String, String)],
        _timeout: Duration,
    ) -> Result<Output, ExecError> {
        let shown = command.to_redacted();
        if let Ok(mut s) = self.seen.lock() {
            s.push((target.to_string(), shown.clone(), env.to_vec()));
        }
        if let Target::Host(h) = target
            && self.unreachable.contains(h)
        {
            return Err(ExecError::Unreachable {
                host: h.clone(),
                message: format!("ssh: connect to host {h} port 22: Connection refused"),
            });
        }
        let host = match target {
            Target::Host(h) => Some(h.as_str()),
            Target::Local => None,
        };
        Ok(self
            .rules
            .iter()
            .find(|(h, c, _)| shown.contains(c.as_str()) && (h.is_none() || h.as_deref() == host))
            .map(|(_, _, o)| o.clone())
            .unwrap_or_else(|| Output::ok("")))
    }
    fn now(&self) -> i64 {
        self.clock
    }
    fn resolve(&self, name: &str) -> Result<Vec<IpAddr>, String> {
        self.dns
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, ips)| ips.clone())
            .ok_or_else(|| "failed to lookup address information".into())
    }
}

fn config(body: &str) -> (tempfile::TempDir, tug_config::Config) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("config")).expect("mkdir");
    let text = format!(
        "service: zen_miner\nimage: me/zen_miner\nregistry:\n  server: docker.io\n  username: me\n  password: [KAMAL_REGISTRY_PASSWORD]\nbuilder:\n  arch: amd64\nvolumes:\n  - zen_miner_storage:/rails/storage\n{body}"
    );
    std::fs::write(dir.path().join("config/deploy.yml"), text).expect("write");
    let c = tug_config::load(&tug_config::LoadOptions::new(dir.path())).expect("valid config");
    (dir, c)
}

fn options(config: &tug_config::Config) -> Options {
    Options {
        offline: false,
        timeout: Duration::from_secs(2),
        fanout: 2,
        hosts: config.all_hosts(),
        files: "config/deploy.yml".into(),
        credentials: Ok(Credentials {
            username: Sensitive::new("me".into()),
            username_secret: false,
            password: Sensitive::new(PASSWORD.into()),
        }),
    }
}

const DF: &str =
    "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 41152736 10000000 31152736 25% /\n";
const SS_FREE: &str = "tug-listeners\nLISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:((\"sshd\",pid=1,fd=3))\n";

/// A healthy server: Docker 27, nothing on 80/443, 30 GiB free, clock in step.
fn healthy(f: Fake, host: &str) -> Fake {
    f.on(Some(host), "docker version", Output::ok("27.5.1\n"))
        .on(Some(host), "kamal-proxy", Output::ok(SS_FREE))
        .on(Some(host), "df -Pk", Output::ok(DF))
        .on(Some(host), "date +%s", Output::ok("1700000001\n"))
}

fn find<'a>(checks: &'a [Check], check: &str, target: Option<&str>) -> &'a Check {
    checks
        .iter()
        .find(|c| c.check == check && c.target.as_deref() == target)
        .unwrap_or_else(|| panic!("no `{check}` line for {target:?} in {checks:#?}"))
}

const ONE: &str = "servers:\n  web:\n    - 10.0.0.1\nproxy:\n  ssl: false\n  host: app.example.com\nx-tug:\n  cloudflare:\n    ssl_mode: flexible\n";

#[test]
fn a_healthy_setup_passes_every_check() {
    let (_d, c) = config(ONE);
    let world = healthy(Fake::new(), "10.0.0.1").resolves("app.example.com", &["104.21.7.9", "172.67.1.2"]).on(
        None,
        "curl",
        Output::ok("200"),
    );
    let checks = doctor::run(&c, &world, &options(&c));
    let statuses: Vec<(&str, Status)> = checks.iter().map(|c| (c.check, c.status)).collect();
    assert_eq!(
        statuses,
        [
            ("config", Status::Pass),
            ("cloudflare", Status::Pass),
            ("sqlite", Status::Pass),
            ("registry", Status::Pass),
            ("ssh", Status::Pass),
            ("docker", Status::Pass),
            ("ports", Status::Pass),
            ("disk", Status::Pass),
            ("clock", Status::Pass),
            ("dns", Status::Pass),
            ("tls", Status::Pass),
        ],
        "{checks:#?}"
    );
    assert!(!doctor::failed(&checks));
    assert_eq!(
        find(&checks, "dns", Some("app.example.com")).found,
        "app.example.com resolves to Cloudflare (104.21.7.9, 172.67.1.2)"
    );
    assert_eq!(find(&checks, "docker", Some("10.0.0.1")).found, "Docker 27.5.1 is running");
    assert!(find(&checks, "disk", Some("10.0.0.1")).found.starts_with("29.7 GiB free of 39.2 GiB on /"));
}

#[test]
fn the_registry_password_goes_through_the_environment_and_is_never_shown() {
    let (_d, c) = config(ONE);
    let world = healthy(Fake::new(), "10.0.0.1").on(
        None,
        "docker login",
        Output::failed(1, format!("Error: unauthorized: incorrect username or password {PASSWORD}")),
    );
    let checks = doctor::run(&c, &world, &options(&c));
    let line = find(&checks, "registry", None);
    assert_eq!(line.status, Status::Fail);
    assert!(line.found.contains("refused the login"), "{line:?}");
    let all = format!("{checks:?}");
    assert!(!all.contains(PASSWORD), "password shown: {all}");
    let seen = world.seen.lock().expect("seen").clone();
    let (_, cmd, env) = seen.iter().find(|(_, c, _)| c.contains("docker login")).expect("docker login ran");
    assert!(!cmd.contains(PASSWORD), "password on the command line: {cmd}");
    assert!(cmd.contains("--password-stdin") && cmd.contains("'docker.io'"), "{cmd}");
    assert!(env.iter().any(|(k, v)| k == "TUG_DOCTOR_REGISTRY_PASSWORD" && v == PASSWORD));
}

#[test]
fn unreadable_credentials_fail_the_registry_line() {
    let (_d, c) = config(ONE);
    let mut o = options(&c);
    o.credentials = Err("secret `KAMAL_REGISTRY_PASSWORD`: not set".into());
    let checks = doctor::run(&c, &healthy(Fake::new(), "10.0.0.1"), &o);
    let line = find(&checks, "registry", None);
    assert_eq!(line.status, Status::Fail);
    assert!(line.fix.as_deref().unwrap_or("").contains("KAMAL_REGISTRY_PASSWORD"));
}

const THREE: &str = "servers:\n  web:\n    - 10.0.0.1\n    - 10.0.0.2\n    - 10.0.0.3\nproxy:\n  ssl: false\n  host: app.example.com\nx-tug:\n  cloudflare:\n    ssl_mode: full\n";

#[test]
fn each_host_gets_its_own_lines_and_an_unreachable_one_fails_without_stopping_the_others() {
    let (_d, c) = config(THREE);
    let skewed = Fake::new().on(Some("10.0.0.3"), "date +%s", Output::ok("1700000090\n"));
    let mut world = healthy(healthy(skewed, "10.0.0.1"), "10.0.0.3").resolves("app.example.com", &["104.21.7.9"]).on(
        None,
        "curl",
        Output::ok("525"),
    );
    world.unreachable.push("10.0.0.2".into());
    let checks = doctor::run(&c, &world, &options(&c));
    assert!(doctor::failed(&checks));
    assert_eq!(find(&checks, "ssh", Some("10.0.0.2")).status, Status::Fail);
    assert!(find(&checks, "ssh", Some("10.0.0.2")).found.contains("Connection refused"));
    assert_eq!(find(&checks, "docker", Some("10.0.0.2")).status, Status::Skip);
    assert!(!checks.iter().any(|c| c.check == "disk" && c.target.as_deref() == Some("10.0.0.2")));
    assert_eq!(find(&checks, "ssh", Some("10.0.0.3")).status, Status::Pass);
    let clock = find(&checks, "clock", Some("10.0.0.3"));
    assert_eq!((clock.status, clock.found.as_str()), (Status::Warn, "90 s ahead of this machine"));
    // Full with ssl: false is an error from the files, and Cloudflare's 525 confirms it.
    assert_eq!(find(&checks, "cloudflare", None).status, Status::Fail);
    assert_eq!(find(&checks, "sqlite", None).status, Status::Warn);
    let tls = find(&checks, "tls", Some("app.example.com"));
    assert_eq!(tls.status, Status::Fail);
    assert!(tls.found.contains("525"));
    // Lines come in host order, whatever order the parallel checks finished in.
    let order: Vec<&str> = checks.iter().filter(|c| c.check == "ssh").filter_map(|c| c.target.as_deref()).collect();
    assert_eq!(order, ["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
}

#[test]
fn docker_problems_are_told_apart() {
    let (_d, c) = config(ONE);
    let cases = [
        (Output::failed(127, "bash: line 1: docker: command not found"), "Docker is not installed"),
        (
            Output::failed(1, "permission denied while trying to connect to the Docker daemon socket"),
            "may not use Docker",
        ),
        (
            Output::failed(
                1,
                "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
            ),
            "not running",
        ),
        (Output::ok("20.10.5\n"), "older than 24"),
    ];
    for (reply, expect) in cases {
        let world = healthy(Fake::new().on(Some("10.0.0.1"), "docker version", reply), "10.0.0.1");
        let checks = doctor::run(&c, &world, &options(&c));
        let line = find(&checks, "docker", Some("10.0.0.1"));
        assert!(line.found.contains(expect), "{line:?}");
        assert!(line.fix.is_some());
    }
}

#[test]
fn ports_free_held_by_the_proxy_or_taken() {
    let (_d, c) = config(ONE);
    let held = "kamal-proxy\ntug-listeners\nLISTEN 0 4096 0.0.0.0:80 0.0.0.0:* users:((\"docker-proxy\",pid=9,fd=4))\nLISTEN 0 4096 0.0.0.0:443 0.0.0.0:* users:((\"docker-proxy\",pid=10,fd=4))\n";
    let nginx = "tug-listeners\nLISTEN 0 511 0.0.0.0:80 0.0.0.0:* users:((\"nginx\",pid=7,fd=6))\n";
    let other_container = "tug-listeners\nLISTEN 0 4096 [::]:443 [::]:* users:((\"docker-proxy\",pid=9,fd=4))\n";
    let no_ss = "tug-listeners\ntug-no-ss\n";
    let cases = [
        (SS_FREE, Status::Pass, "80 and 443 are free"),
        (held, Status::Pass, "kamal-proxy is running and holds 80 and 443"),
        (nginx, Status::Fail, "port 80 by nginx taken"),
        (other_container, Status::Fail, "port 443 by another Docker container taken"),
        (no_ss, Status::Warn, "neither `ss` nor `netstat`"),
    ];
    for (reply, status, expect) in cases {
        let world = healthy(Fake::new().on(Some("10.0.0.1"), "kamal-proxy", Output::ok(reply)), "10.0.0.1");
        let checks = doctor::run(&c, &world, &options(&c));
        let line = find(&checks, "ports", Some("10.0.0.1"));
        assert_eq!(line.status, status, "{line:?}");
        assert!(line.found.contains(expect), "{line:?}");
    }
}

#[test]
fn proxy_ports_follow_proxy_run_and_hosts_without_the_proxy_skip_the_check() {
    let body = "servers:\n  web:\n    - 10.0.0.1\n  jobs:\n    hosts:\n      - 10.0.0.9\n    cmd: bin/jobs\nproxy:\n  host: app.example.com\n  ssl: false\n  run:\n    http_port: 8080\n    https_port: 8443\n";
    let (_d, c) = config(body);
    let taken = "tug-listeners\nLISTEN 0 511 0.0.0.0:80 0.0.0.0:* users:((\"nginx\",pid=7,fd=6))\n";
    let world = healthy(healthy(Fake::new().on(None, "kamal-proxy", Output::ok(taken)), "10.0.0.1"), "10.0.0.9");
    let checks = doctor::run(&c, &world, &options(&c));
    let line = find(&checks, "ports", Some("10.0.0.1"));
    assert_eq!((line.status, line.found.as_str()), (Status::Pass, "8080 and 8443 are free for kamal-proxy"));
    assert!(!checks.iter().any(|c| c.check == "ports" && c.target.as_deref() == Some("10.0.0.9")));
}

#[test]
fn disk_thresholds() {
    let (_d, c) = config(ONE);
    let df = |avail_k: u64| {
        format!(
            "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 41152736 1 {avail_k} 99% /var/lib/docker\n"
        )
    };
    for (avail, status) in [(31_152_736, Status::Pass), (3_000_000, Status::Warn), (500_000, Status::Fail)] {
        let world = healthy(Fake::new().on(Some("10.0.0.1"), "df -Pk", Output::ok(df(avail))), "10.0.0.1");
        let checks = doctor::run(&c, &world, &options(&c));
        assert_eq!(find(&checks, "disk", Some("10.0.0.1")).status, status, "{avail}");
    }
}

#[test]
fn dns_and_tls_outcomes() {
    let (_d, c) = config("servers:\n  web:\n    - 10.0.0.1\nproxy:\n  ssl: true\n  host: app.example.com\n");
    // Straight to the server, Let's Encrypt on the server: pass, then the handshake.
    let world = healthy(Fake::new(), "10.0.0.1").resolves("app.example.com", &["10.0.0.1"]).on(
        None,
        "curl",
        Output::failed(60, "curl: (60) SSL certificate problem: self-signed certificate"),
    );
    let checks = doctor::run(&c, &world, &options(&c));
    assert_eq!(
        find(&checks, "dns", Some("app.example.com")).found,
        "app.example.com resolves straight to your servers (10.0.0.1)"
    );
    let tls = find(&checks, "tls", Some("app.example.com"));
    assert_eq!(tls.status, Status::Fail);
    assert!(tls.found.contains("self-signed"));
    // Behind Cloudflare with Let's Encrypt: a warning about the ACME challenge.
    let world = healthy(Fake::new(), "10.0.0.1").resolves("app.example.com", &["2606:4700::6812:1"]).on(
        None,
        "curl",
        Output::ok("200"),
    );
    let checks = doctor::run(&c, &world, &options(&c));
    let dns = find(&checks, "dns", Some("app.example.com"));
    assert_eq!(dns.status, Status::Warn);
    assert!(dns.found.contains("TLS-ALPN-01"));
    // Not resolving: a warning, and TLS not checked.
    let world = healthy(Fake::new(), "10.0.0.1");
    let checks = doctor::run(&c, &world, &options(&c));
    assert_eq!(find(&checks, "dns", Some("app.example.com")).status, Status::Warn);
    let tls = find(&checks, "tls", Some("app.example.com"));
    assert_eq!(tls.status, Status::Skip);
    assert!(tls.found.starts_with("not checked: no network path"), "{tls:?}");
    assert!(!doctor::failed(&checks));
}

#[test]
fn plain_http_not_behind_cloudflare_skips_tls() {
    let (_d, c) = config("servers:\n  web:\n    - 10.0.0.1\nproxy:\n  ssl: false\n  host: app.example.com\n");
    let world = healthy(Fake::new(), "10.0.0.1").resolves("app.example.com", &["10.0.0.1"]);
    let checks = doctor::run(&c, &world, &options(&c));
    assert_eq!(find(&checks, "tls", Some("app.example.com")).status, Status::Skip);
    assert!(!world.seen.lock().expect("seen").iter().any(|(_, c, _)| c.contains("curl")));
}

#[test]
fn offline_contacts_nothing() {
    let (_d, c) = config(THREE);
    let mut o = options(&c);
    o.offline = true;
    let world = Fake::new();
    let checks = doctor::run(&c, &world, &o);
    assert!(world.seen.lock().expect("seen").is_empty());
    assert_eq!(checks.iter().filter(|c| c.status == Status::Skip).count(), 1 + 3 + 1);
    assert_eq!(find(&checks, "cloudflare", None).status, Status::Fail);
}

#[test]
fn reports_as_text_and_json() {
    let (_d, c) = config(ONE);
    let world = healthy(Fake::new(), "10.0.0.1").on(None, "docker login", Output::failed(1, "unauthorized"));
    let checks = doctor::run(&c, &world, &options(&c));
    let mut text = Vec::new();
    let status = tug::cli::doctor::report(&checks, false, &mut text);
    assert_eq!(status, tug::ExitStatus::Failure);
    let text = String::from_utf8(text).expect("utf-8");
    assert!(
        text.lines()
            .any(|l| l.starts_with("FAIL  registry   docker.io refused the login for me: unauthorized — fix: ")),
        "{text}"
    );
    assert!(text.lines().any(|l| l.starts_with("PASS  ssh        [10.0.0.1] connected as root")), "{text}");
    assert!(text.trim_end().ends_with("doctor: 8 passed, 1 warning, 1 failed, 1 not checked"), "{text}");
    let mut json = Vec::new();
    tug::cli::doctor::report(&checks, true, &mut json);
    let json = String::from_utf8(json).expect("utf-8");
    assert_eq!(json.lines().count(), checks.len() + 1, "each check, then the result: {json}");
    let (check_lines, result_line) = json.trim_end().rsplit_once('\n').expect("several lines");
    for line in check_lines.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("one JSON object per line");
        assert!(["pass", "warn", "fail", "skip"].contains(&v["status"].as_str().unwrap_or("")), "{line}");
        assert!(v["check"].is_string() && v["found"].is_string(), "{line}");
        assert_eq!(v["event"], "check", "{line}");
    }
    let result: serde_json::Value = serde_json::from_str(result_line).expect("the result is JSON");
    assert_eq!(
        result,
        serde_json::json!({"event": "doctor", "ok": false, "passed": 8, "warnings": 1, "failed": 1, "not_checked": 1})
    );
}

#[test]
fn deploy_plans_warn_about_sqlite_on_several_hosts() {
    let (dir, _c) = config(
        "servers:\n  web:\n    - 10.0.0.1\n    - 10.0.0.2\n    - 10.0.0.3\nproxy:\n  ssl: false\n  host: app.example.com\n",
    );
    std::fs::create_dir_all(dir.path().join(".kamal")).expect("mkdir");
    std::fs::write(dir.path().join(".kamal/secrets"), "KAMAL_REGISTRY_PASSWORD=x\n").expect("secrets");
    let plan = |line: &str| {
        let out = tug::world::SharedBuf::default();
        let env = tug::world::Environment {
            root: dir.path().to_path_buf(),
            inputs: tug::world::Inputs::fixed(),
            out: Box::new(out.clone()),
            err: Box::new(tug::world::SharedBuf::default()),
            interactive: false,
        };
        let argv: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        let _ = tug::cli::parse(&argv).and_then(|inv| tug::cli::run_in(&inv, env));
        out.text()
    };
    let deploy = plan("tug deploy --dry-run --offline --version 1");
    assert!(
        deploy.lines().any(|l| l.starts_with("warning: SQLite on a volume is per server: the 3 `web` hosts")),
        "{deploy}"
    );
    let details = plan("tug app details --dry-run --offline --version 1");
    assert!(!details.contains("SQLite on a volume"), "{details}");
}
