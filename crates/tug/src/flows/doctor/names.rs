//! The checks of every host name the proxy serves, from this machine: DNS (does it resolve,
//! and to Cloudflare's ranges or to the servers?) and an HTTPS request (certificate and
//! status, Cloudflare's 52x errors explained).

use std::net::IpAddr;
use std::time::Duration;

use tug_commands::probe;
use tug_config::Config;
use tug_exec::Target;

use super::{Check, Options, World};

/// The host names the proxy serves (`proxy.host`/`hosts` of every proxied role).
pub(super) fn proxy_names(config: &Config) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for role in &config.roles {
        for n in role.proxy.as_ref().map(tug_config::proxy::Proxy::hosts).unwrap_or_default() {
            let n = n.trim().to_string();
            if !n.is_empty() && !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

pub(super) fn names(config: &Config, world: &dyn World, options: &Options) -> Vec<Check> {
    let x = &config.x_tug;
    let server_ips: Vec<IpAddr> = config
        .all_hosts()
        .iter()
        .flat_map(|h| h.parse::<IpAddr>().map(|ip| vec![ip]).unwrap_or_else(|_| world.resolve(h).unwrap_or_default()))
        .collect();
    let mut out = Vec::new();
    for name in proxy_names(config) {
        let n = Some(name.as_str());
        let role_proxy =
            config.roles.iter().filter_map(|r| r.proxy.as_ref()).find(|p| p.hosts().iter().any(|h| h.trim() == name));
        let ssl = role_proxy.is_some_and(tug_config::proxy::Proxy::ssl);
        let custom = role_proxy.is_some_and(tug_config::proxy::Proxy::custom_ssl_certificate);
        let ips = match world.resolve(&name) {
            Ok(ips) if !ips.is_empty() => ips,
            Ok(_) | Err(_) => {
                out.push(Check::warn(
                    "dns",
                    n,
                    format!("{name} does not resolve (or this machine has no network)"),
                    "create an A/AAAA record for it pointing at your server (proxied, orange cloud, when Cloudflare is in front)",
                ));
                out.push(Check::skip("tls", n, format!("no network path: {name} does not resolve")));
                continue;
            }
        };
        let shown: Vec<String> = ips.iter().take(3).map(IpAddr::to_string).collect();
        let shown = shown.join(", ");
        let cloudflare = ips.iter().all(|ip| tug_config::cloudflare::is_cloudflare(*ip));
        let direct = ips.iter().all(|ip| server_ips.contains(ip));
        out.push(if cloudflare && ssl && !custom {
            Check::warn(
                "dns",
                n,
                format!("{name} resolves to Cloudflare ({shown}), and `proxy.ssl: true` asks Let's Encrypt for a certificate: TLS-ALPN-01 cannot pass Cloudflare's proxy, only HTTP-01 can"),
                "use a Cloudflare Origin CA certificate as `ssl: {certificate_pem, private_key_pem}` (docs/cloudflare.md)",
            )
        } else if cloudflare {
            Check::pass("dns", n, format!("{name} resolves to Cloudflare ({shown})"))
        } else if x.behind_cloudflare() {
            Check::warn(
                "dns",
                n,
                format!("{name} resolves to {shown}, not to Cloudflare, although `x-tug.cloudflare` says Cloudflare is in front"),
                "turn on Cloudflare's proxy (orange cloud) for the record under DNS > Records",
            )
        } else if direct {
            Check::pass("dns", n, format!("{name} resolves straight to your servers ({shown})"))
        } else {
            Check::warn(
                "dns",
                n,
                format!("{name} resolves to {shown}: neither Cloudflare nor one of your servers"),
                "point the record at your servers, or proxy it through Cloudflare",
            )
        });
        if !ssl && !cloudflare {
            out.push(Check::skip(
                "tls",
                n,
                format!("`proxy.ssl` is false and {name} is not behind Cloudflare: nothing serves HTTPS for it"),
            ));
            continue;
        }
        out.push(tls(world, options, &name));
    }
    out
}

fn tls(world: &dyn World, options: &Options, name: &str) -> Check {
    let n = Some(name);
    let secs = options.timeout.as_secs().clamp(1, 10);
    let url = format!("https://{name}/");
    let cmd = probe::https_status(&url, secs);
    let out = match world.run(&Target::Local, &cmd, &[], Duration::from_secs(secs + 5)) {
        Ok(o) => o,
        Err(e) => return Check::skip("tls", n, e.to_string()),
    };
    let said = out.stderr.trim().to_string();
    match out.status {
        Some(0) => {
            let code: u16 = out.stdout.trim().parse().unwrap_or(0);
            match code {
                200..=399 => Check::pass("tls", n, format!("{url} answers {code} with a valid certificate")),
                521 => Check::fail(
                    "tls",
                    n,
                    format!("{url}: Cloudflare error 521, the origin refused the connection"),
                    "deploy the app (`tug setup`) and let Cloudflare reach ports 80/443 of every server",
                ),
                522 | 523 => Check::fail(
                    "tls",
                    n,
                    format!("{url}: Cloudflare error {code}, it cannot reach your servers"),
                    "check the DNS record's address and that the firewall lets Cloudflare's ranges in on 80/443",
                ),
                525 => Check::fail(
                    "tls",
                    n,
                    format!("{url}: Cloudflare error 525, the TLS handshake with your servers failed"),
                    "Cloudflare is in Full or Full (strict) mode but the proxy serves no certificate: set `proxy.ssl` with a Cloudflare Origin CA certificate, or use Flexible (docs/cloudflare.md)",
                ),
                526 => Check::fail(
                    "tls",
                    n,
                    format!(
                        "{url}: Cloudflare error 526, the certificate on your servers is not valid for Full (strict)"
                    ),
                    format!(
                        "use a Cloudflare Origin CA certificate that covers {name} (or a public one), as `proxy.ssl.certificate_pem`/`private_key_pem`"
                    ),
                ),
                0 => Check::warn(
                    "tls",
                    n,
                    format!("{url}: the handshake worked but no status came back"),
                    "run `curl -I` on it to see more",
                ),
                _ => Check::warn(
                    "tls",
                    n,
                    format!("{url}: valid certificate, but it answers {code}"),
                    "check the app: `tug app details`, `tug app logs`, `tug proxy logs`",
                ),
            }
        }
        Some(6) => Check::skip("tls", n, format!("no network path: {said}")),
        Some(7) => Check::fail(
            "tls",
            n,
            format!("cannot connect to {name}:443: {said}"),
            "deploy (`tug setup`), and open port 443 in the firewall",
        ),
        Some(28) => Check::fail(
            "tls",
            n,
            format!("{url} did not answer within {secs}s"),
            "check the firewall and that the proxy runs (`tug proxy details`)",
        ),
        Some(35) => Check::fail(
            "tls",
            n,
            format!("the TLS handshake with {name} failed: {said}"),
            "the proxy has no certificate for this name: set `proxy.ssl` (docs/cloudflare.md)",
        ),
        Some(51) | Some(60) => Check::fail(
            "tls",
            n,
            format!("the certificate of {name} is not valid: {said}"),
            "serve a certificate for this name: Let's Encrypt (`ssl: true`) or, behind Cloudflare, an Origin CA certificate with Full (strict)",
        ),
        Some(127) => Check::skip("tls", n, "curl is not installed on this machine"),
        _ => Check::warn("tls", n, format!("{url}: {said}"), "run `curl -I` on it to see more"),
    }
}
