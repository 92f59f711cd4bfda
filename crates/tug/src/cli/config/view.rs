//! The resolved configuration as `kamal config` shows it: the same keys, in the same order,
//! with the same values. `tug config --json` prints this object; `tug config` prints it as YAML.

use serde_json::{Map, Value as J, json};
use tug_commands::args::{ArgValue, argumentize, argumentize_list, optionize};
use tug_config::sensitive::REDACTED;
use tug_config::yaml::Node;
use tug_config::{Config, ConfigErrors};

/// Kamal's `Configuration#to_h`, with secrets redacted. Symbols are shown by name (`fatal`),
/// an SSH jump host as `user@host`.
pub fn kamal_view(config: &Config) -> Result<J, ConfigErrors> {
    let version = config.version().map_err(|e| ConfigErrors::from(e.clone()))?.to_string();
    let mut h = Map::new();
    h.insert("roles".into(), json!(config.roles.iter().map(|r| &r.name).collect::<Vec<_>>()));
    h.insert("hosts".into(), json!(config.all_hosts()));
    if let Some(primary) = config.primary_host() {
        h.insert("primary_host".into(), json!(primary));
    }
    h.insert("version".into(), json!(version));
    h.insert("repository".into(), json!(config.repository()));
    h.insert("absolute_image".into(), json!(format!("{}:{version}", config.repository())));
    h.insert("service_with_version".into(), json!(format!("{}-{version}", config.service)));
    h.insert("volume_args".into(), json!(argumentize_list("--volume", &config.volumes())));
    h.insert("ssh_options".into(), ssh_options(config));
    h.insert("sshkit".into(), config.sshkit.raw.to_json());
    h.insert("builder".into(), config.builder.raw.to_json());
    if let Some(acc) = config.root_key("accessories") {
        h.insert("accessories".into(), acc.to_json());
    }
    h.insert("logging".into(), json!(logging_args(&config.logging)));
    Ok(J::Object(h))
}

/// Kamal's `Ssh#to_h`: set options only, in its order, `log_level` last.
fn ssh_options(config: &Config) -> J {
    let ssh = &config.ssh;
    let raw = |k: &str| ssh.raw.get(k).filter(|n| !n.is_null());
    let mut o = Map::new();
    o.insert("user".into(), raw("user").map_or(json!("root"), Node::to_json));
    o.insert("port".into(), raw("port").map_or(json!(22), Node::to_json));
    if let Some(jump) = ssh.proxy_jump() {
        o.insert("proxy".into(), json!(jump));
    } else if let Some(cmd) = ssh.proxy_command() {
        o.insert("proxy".into(), json!(cmd));
    }
    o.insert("keepalive".into(), json!(true));
    o.insert("keepalive_interval".into(), json!(30));
    for key in ["keys_only", "keys"] {
        if let Some(v) = raw(key) {
            o.insert(key.into(), v.to_json());
        }
    }
    if let Some(kd) = raw("key_data") {
        // Tug never prints key material, inline or from secrets.
        let n = kd.as_seq().map_or(1, <[Node]>::len);
        o.insert("key_data".into(), json!(vec![REDACTED; n]));
    }
    for key in ["config", "forward_agent"] {
        if let Some(v) = raw(key) {
            o.insert(key.into(), v.to_json());
        }
    }
    o.insert("log_level".into(), json!(ssh.log_level()));
    J::Object(o)
}

/// Kamal's `Logging#args`.
pub fn logging_args(logging: &tug_config::logging::Logging) -> Vec<String> {
    if logging.is_set() {
        let mut args = Vec::new();
        if let Some(driver) = logging.driver.as_ref().filter(|d| !d.trim().is_empty()) {
            args.extend(optionize(&[("log-driver".to_string(), ArgValue::text(driver.clone()))]));
        }
        let pairs: Vec<(String, ArgValue)> =
            logging.options.iter().map(|(k, v)| (k.clone(), ArgValue::text(v.clone()))).collect();
        args.extend(argumentize("--log-opt", &pairs));
        args
    } else {
        argumentize("--log-opt", &[("max-size".to_string(), ArgValue::text("10m"))])
    }
}
