//! Lab scenario: Cloudflare in front. A front proxy on a trusted address (standing in for
//! Cloudflare's edge) sends `CF-Connecting-IP`/`X-Forwarded-For`; the visitor's address it
//! names reaches the app. The same headers from an address outside the trusted ranges do not:
//! the app sees that address itself. With `ONLY_TRUSTED_PROXIES`, such connections are refused.
//! The proxy's settings come from the deploy config (`proxy.run.options.env`, docs/cloudflare.md).

use std::process::Command;
use std::time::Duration;

use crate::session;
use crate::support::{APP_HOST, Project, request, run_bounded};

/// The front proxy's address on the lab network (outside the range Docker hands out).
const FRONT: &str = "172.31.250.50";
/// The visitor the front proxy speaks for.
const VISITOR: &str = "203.0.113.7";
/// What an untrusted client claims to be.
const FORGED: &str = "198.51.100.9";

/// `GET path` sent to `server` by a container at FRONT with Cloudflare's headers; the status.
fn through_front(p: &Project, server: &str, path: &str) -> String {
    let mut cmd = Command::new("docker");
    cmd.args([
        "run",
        "--rm",
        "--network",
        &p.lab.network,
        "--ip",
        FRONT,
        &p.lab.image,
        "curl",
        "-sS",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--max-time",
        "10",
    ]);
    cmd.args([
        "-H",
        &format!("Host: {APP_HOST}"),
        "-H",
        &format!("CF-Connecting-IP: {VISITOR}"),
        "-H",
        &format!("X-Forwarded-For: {VISITOR}"),
    ]);
    cmd.arg(format!("http://{server}{path}"));
    let (status, stdout, stderr) = run_bounded(cmd, Duration::from_secs(60)).expect("front proxy container");
    assert_eq!(status, Some(0), "front proxy: {stdout}{stderr}");
    stdout.trim().to_string()
}

/// `GET path` from this machine (the lab gateway, not trusted) with forged headers.
fn forged(server: &str, path: &str) -> Result<u16, String> {
    let mut s = std::net::TcpStream::connect((server, 80)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(5))).map_err(|e| e.to_string())?;
    use std::io::{Read, Write};
    write!(s, "GET {path} HTTP/1.1\r\nHost: {APP_HOST}\r\nCF-Connecting-IP: {FORGED}\r\nX-Forwarded-For: {FORGED}\r\nConnection: close\r\n\r\n").map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&buf);
    text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).ok_or_else(|| format!("no response: {text:?}"))
}

/// The `forwarded_for=` the app logged for requests to `path` on the primary.
fn app_saw(p: &Project, path: &str) -> Vec<String> {
    let logs = p.tug(&["app", "logs", "--primary", "--grep", path]).ok();
    logs.stdout
        .lines()
        .filter(|l| l.contains(&format!("GET {path} ")))
        .filter_map(|l| l.split("forwarded_for=").nth(1))
        .map(|v| v.split_whitespace().next().unwrap_or("").to_string())
        .collect()
}

#[test]
fn cloudflare_client_ip() {
    let p = session::empty_servers("cloudflare_client_ip");
    let s1 = p.lab.servers[0].clone();
    p.edit(
        "config/deploy.lab.yml",
        "    version: v0.9.201\n",
        &format!("    version: v0.9.201\n    options:\n      env:\n        - TRUSTED_PROXIES=cloudflare,{FRONT}/32\n"),
    );
    p.tug(&["setup", "--version", "v1"]).ok();

    assert_eq!(through_front(&p, &s1, "/cf-trusted-probe"), "404");
    assert_eq!(
        app_saw(&p, "/cf-trusted-probe"),
        [VISITOR],
        "the visitor's address from the trusted front proxy reaches the app"
    );

    assert_eq!(forged(&s1, "/cf-forged-probe"), Ok(404));
    let gateway = p.lab.gateway.clone();
    assert_eq!(
        app_saw(&p, "/cf-forged-probe"),
        [gateway],
        "forged headers from an untrusted address are dropped; the app sees that address"
    );

    // Closing the origin to everyone but the front proxy.
    p.edit(
        "config/deploy.lab.yml",
        &format!("TRUSTED_PROXIES=cloudflare,{FRONT}/32\n"),
        &format!("TRUSTED_PROXIES=cloudflare,{FRONT}/32\n        - ONLY_TRUSTED_PROXIES=true\n"),
    );
    p.tug(&["proxy", "reboot", "-y"]).ok();
    assert_eq!(through_front(&p, &s1, "/version"), "200", "the front proxy still gets through");
    assert!(forged(&s1, "/version").is_err(), "a connection from outside the trusted ranges is refused");
    assert!(request(&s1, "GET", "/version", "").is_err(), "plain requests from outside are refused too");
}
