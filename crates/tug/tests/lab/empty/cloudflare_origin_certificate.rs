//! Lab scenario: Cloudflare "Full (strict)" done right. One origin certificate (standing in
//! for a Cloudflare Origin CA certificate: signed by a CA of the test's own) is the proxy's
//! static certificate on all three servers — Kamal's single-server limit for TLS does not apply
//! to a given certificate. Every server then answers HTTPS for the app's host name with that
//! certificate, verified against the CA; `tug config` has no Cloudflare warning once
//! `x-tug.cloudflare.ssl_mode: full_strict` says so.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::session;
use crate::support::{APP_HOST, run_bounded};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A CA and a certificate for the app's host name signed by it, in `dir`.
fn origin_certificate(dir: &Path) {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    openssl(
        dir,
        &[
            &["req", "-x509"][..],
            &ec,
            &["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Lab Origin CA"],
        ]
        .concat(),
    );
    openssl(
        dir,
        &[&["req"][..], &ec, &["-keyout", "origin.key", "-out", "origin.csr", "-subj", &format!("/CN={APP_HOST}")]]
            .concat(),
    );
    std::fs::write(dir.join("san.ext"), format!("subjectAltName=DNS:{APP_HOST}\n")).expect("write san.ext");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "origin.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "origin.pem",
            "-days",
            "2",
            "-extfile",
            "san.ext",
        ],
    );
}

/// `GET /version` over HTTPS from `server`, checking its certificate against `ca`.
fn https_version(server: &str, ca: &Path) -> Result<String, String> {
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "--fail", "--max-time", "10", "--cacert"]).arg(ca);
    cmd.args(["--resolve", &format!("{APP_HOST}:443:{server}"), &format!("https://{APP_HOST}/version")]);
    let (status, stdout, stderr) = run_bounded(cmd, Duration::from_secs(30))?;
    if status == Some(0) { Ok(stdout.trim().to_string()) } else { Err(stderr.trim().to_string()) }
}

#[test]
fn cloudflare_origin_certificate() {
    let p = session::empty_servers("cloudflare_origin_certificate");
    let certs = p.path().join("certs");
    std::fs::create_dir_all(&certs).expect("certs dir");
    origin_certificate(&certs);

    // The secrets, as the user keeps them (cat from files outside git, like config/master.key).
    let secrets = p.path().join(".kamal/secrets.lab");
    let mut text = std::fs::read_to_string(&secrets).expect("secrets.lab");
    text.push_str("\nCLOUDFLARE_ORIGIN_CERT=$(cat certs/origin.pem)\nCLOUDFLARE_ORIGIN_KEY=$(cat certs/origin.key)\n");
    std::fs::write(&secrets, text).expect("write secrets.lab");
    p.edit(
        "config/deploy.lab.yml",
        "proxy:\n  ssl: false\n",
        "proxy:\n  ssl:\n    certificate_pem: CLOUDFLARE_ORIGIN_CERT\n    private_key_pem: CLOUDFLARE_ORIGIN_KEY\n",
    );
    let config = std::fs::read_to_string(p.path().join("config/deploy.lab.yml")).expect("deploy.lab.yml");
    std::fs::write(
        p.path().join("config/deploy.lab.yml"),
        format!("{config}\nx-tug:\n  cloudflare:\n    ssl_mode: full_strict\n"),
    )
    .expect("write");

    let checked = p.tug(&["config", "--version", "v1"]).ok();
    assert!(
        !checked.stderr.contains("[cloudflare]"),
        "Full (strict) with an origin certificate draws no Cloudflare warning:\n{}",
        checked.stderr
    );

    p.tug(&["setup", "--version", "v1"]).ok();
    for server in &p.lab.servers {
        assert_eq!(
            https_version(server, &certs.join("ca.pem")),
            Ok("v1".to_string()),
            "{server} serves HTTPS with the origin certificate"
        );
    }
    // The key never shows in a plan.
    let key = std::fs::read_to_string(certs.join("origin.key")).expect("key");
    let body = key.lines().nth(1).expect("a key line");
    let plan = p.tug(&["deploy", "--dry-run", "--version", "v2", "--skip-backup"]).ok();
    assert!(!plan.all().contains(body), "the private key is redacted in plans");

    p.tug(&["deploy", "--version", "v2"]).ok();
    for server in &p.lab.servers {
        assert_eq!(https_version(server, &certs.join("ca.pem")), Ok("v2".to_string()), "{server} after a deploy");
    }
}
