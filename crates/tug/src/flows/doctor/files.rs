//! The checks of the files: the configuration loaded (what it holds), and the advice of
//! [`tug_config::advice`] (Cloudflare's SSL mode against `proxy.ssl`, SQLite volumes).

use tug_config::Config;
use tug_config::advice::{self, Level};

use super::{Check, Options, Status};

pub(super) fn files(config: &Config, options: &Options) -> Vec<Check> {
    let roles: Vec<&str> = config.roles.iter().map(|r| r.name.as_str()).collect();
    let hosts = config.all_hosts();
    let mut out = vec![Check::pass(
        "config",
        None,
        format!(
            "{} is valid: {} host{} ({}), role{} {}",
            options.files,
            hosts.len(),
            if hosts.len() == 1 { "" } else { "s" },
            hosts.join(", "),
            if roles.len() == 1 { "" } else { "s" },
            roles.join(", ")
        ),
    )];
    let advice = advice::advise(config);
    for a in &advice {
        let status = if a.level == Level::Error { Status::Fail } else { Status::Warn };
        out.push(Check::new(a.topic, None, status, a.message.clone(), Some(a.help.clone())));
    }
    let x = &config.x_tug;
    if let Some(mode) = x.ssl_mode()
        && !advice.iter().any(|a| a.topic == "cloudflare")
    {
        out.push(Check::pass(
            "cloudflare",
            None,
            format!("Cloudflare's {} mode matches the proxy's TLS settings", mode.label()),
        ));
    }
    if !advice.iter().any(|a| a.topic == "sqlite") {
        for role in &config.roles {
            if let Some(volume) = advice::sqlite_volume(config, role, x) {
                out.push(Check::pass(
                    "sqlite",
                    None,
                    format!(
                        "the SQLite volume `{volume}` of role `{}` is on one server ({})",
                        role.name,
                        role.hosts().join(", ")
                    ),
                ));
            }
        }
    }
    out
}
