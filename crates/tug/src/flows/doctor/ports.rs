//! The ports check of a proxy host: are the proxy's ports (80 and 443, or `proxy.run`'s) free,
//! or held by kamal-proxy? Read from `ss -ltnp` (or `netstat -ltnp`) on the host.

use tug_commands::probe;
use tug_commands::proxy::ProxyRun;
use tug_config::Config;
use tug_exec::Target;

use super::{Check, Options, World};

/// Hosts of roles behind the proxy.
fn proxy_hosts(config: &Config) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for role in config.roles.iter().filter(|r| r.running_proxy()) {
        for h in role.hosts() {
            if !out.contains(&h) {
                out.push(h);
            }
        }
    }
    out
}

/// A listening socket's port and owner, from a line of `ss -ltnp` or `netstat -ltnp`.
fn listener(line: &str, port: &str) -> Option<Option<String>> {
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let local = tokens.iter().find(|t| t.contains(':') && !t.starts_with("users:"))?;
    if local.rsplit(':').next() != Some(port) {
        return None;
    }
    let owner = tokens
        .iter()
        .find_map(|t| t.strip_prefix("users:((\"").and_then(|r| r.split('"').next()))
        .map(str::to_string)
        .or_else(|| {
            tokens.iter().find_map(|t| {
                let (pid, program) = t.split_once('/')?;
                (!pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| program.trim_end_matches(':').to_string())
            })
        });
    Some(owner)
}

pub(super) fn ports(config: &Config, world: &dyn World, options: &Options, h: &str) -> Option<Check> {
    if !proxy_hosts(config).iter().any(|p| p == h) {
        return None;
    }
    let t = Some(h);
    let run = ProxyRun::for_host(config, h);
    if run.as_ref().is_some_and(|r| !r.publish()) {
        return Some(Check::pass("ports", t, "`proxy.run.publish` is false: the proxy publishes no ports"));
    }
    let wanted =
        run.as_ref().map_or_else(|| vec!["80".to_string(), "443".to_string()], |r| vec![r.http_port(), r.https_port()]);
    let cmd = probe::listeners();
    let out = match world.run(&Target::Host(h.to_string()), &cmd, &[], options.timeout) {
        Ok(o) => o,
        Err(e) => return Some(Check::skip("ports", t, e.to_string())),
    };
    let (proxy, listeners) = out.stdout.split_once(probe::LISTENERS_MARK).unwrap_or(("", &out.stdout));
    let proxy_running = proxy.lines().any(|l| l.trim() == "kamal-proxy");
    if listeners.contains(probe::NO_SS_MARK) {
        let found = if proxy_running {
            "kamal-proxy is running; listeners not checked (neither `ss` nor `netstat` on the host)"
        } else {
            "neither `ss` nor `netstat` on the host: ports not checked"
        };
        return Some(Check::warn("ports", t, found, "install iproute2 (`ss`) on the host to let doctor check ports"));
    }
    let ports_text = wanted.join(" and ");
    let mut taken: Vec<String> = Vec::new();
    for port in &wanted {
        for owner in listeners.lines().filter_map(|l| listener(l, port)) {
            let who = owner.unwrap_or_else(|| "another process".into());
            let docker = who == "docker-proxy" || who == "dockerd";
            if !(proxy_running && docker) {
                let who = if docker { "another Docker container".to_string() } else { who };
                let item = format!("{port} by {who}");
                if !taken.contains(&item) {
                    taken.push(item);
                }
            }
        }
    }
    Some(if taken.is_empty() && proxy_running {
        Check::pass("ports", t, format!("kamal-proxy is running and holds {ports_text}"))
    } else if taken.is_empty() {
        Check::pass("ports", t, format!("{ports_text} are free for kamal-proxy"))
    } else {
        Check::fail(
            "ports",
            t,
            format!(
                "port {} taken{}",
                taken.join(", port "),
                if proxy_running { " (kamal-proxy is running too)" } else { "" }
            ),
            "stop what holds it (e.g. `tug server exec 'systemctl disable --now nginx'`, or `docker ps` on the host for a container), or move the proxy with `proxy.run.http_port`/`https_port`",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listeners_from_ss_and_netstat() {
        let ss = "LISTEN 0      4096         0.0.0.0:80        0.0.0.0:*    users:((\"docker-proxy\",pid=812,fd=4))";
        assert_eq!(listener(ss, "80"), Some(Some("docker-proxy".into())));
        assert_eq!(listener(ss, "443"), None);
        let v6 = "LISTEN 0 511 [::]:443 [::]:* users:((\"nginx\",pid=1,fd=7))";
        assert_eq!(listener(v6, "443"), Some(Some("nginx".into())));
        let netstat =
            "tcp        0      0 0.0.0.0:80              0.0.0.0:*               LISTEN      1234/nginx: master";
        assert_eq!(listener(netstat, "80"), Some(Some("nginx".into())));
        assert_eq!(listener("LISTEN 0 128 127.0.0.1:8080 0.0.0.0:*", "80"), None);
        assert_eq!(listener("State Recv-Q Send-Q Local Address:Port Peer Address:Port Process", "80"), None);
        assert_eq!(listener("LISTEN 0 128 *:80 *:*", "80"), Some(None));
    }
}
