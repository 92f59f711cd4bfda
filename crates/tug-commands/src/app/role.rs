//! A role's docker arguments (Kamal's `Configuration::Role` helpers): restart policy, options,
//! labels, env and env file, logging, volumes, stop timeout and the asset volume.

use tug_config::yaml::Node;

use super::AppCommands;
use crate::args::{ArgValue, argumentize, argumentize_list, optionize};
use crate::docker::logging_args;
use crate::layout::{assets_directory, env_directory};
use crate::setting_args::{argument_value, option_pairs};

impl AppCommands<'_> {
    fn docker_options(&self) -> Option<&Node> {
        self.role.setting("options").filter(|o| o.as_map().is_some())
    }

    /// `options.restart`, default `unless-stopped`.
    pub fn restart_policy(&self) -> String {
        self.docker_options()
            .and_then(|o| o.get("restart"))
            .filter(|r| !r.is_null())
            .map_or_else(|| "unless-stopped".to_string(), Node::to_ruby_s)
    }

    /// The role's `options` (without `restart`) as `--key "value"`.
    pub fn option_args(&self) -> Vec<String> {
        let pairs: Vec<(String, ArgValue)> = self
            .docker_options()
            .map(|o| option_pairs(Some(o)))
            .unwrap_or_default()
            .into_iter()
            .filter(|(k, _)| k != "restart")
            .collect();
        optionize(&pairs)
    }

    /// `--label service="…" --label role="…" --label destination[="…"]`, then root and role labels.
    pub fn label_args(&self) -> Vec<String> {
        let mut labels: Vec<(String, ArgValue)> = vec![
            ("service".into(), ArgValue::text(&self.config.service)),
            ("role".into(), ArgValue::text(&self.role.name)),
            ("destination".into(), self.config.destination.as_deref().map_or(ArgValue::Absent, ArgValue::text)),
        ];
        let custom = [self.config.root_key("labels"), self.role.setting("labels")];
        for (key, value) in custom.into_iter().flatten().filter_map(Node::as_map).flatten() {
            let key = key.to_ruby_s();
            let value = argument_value(value);
            match labels.iter_mut().find(|(k, _)| *k == key) {
                Some(entry) => entry.1 = value,
                None => labels.push((key, value)),
            }
        }
        argumentize("--label", &labels)
    }

    /// `.kamal/apps/<svc_dest>/env/roles`.
    pub fn env_directory(&self) -> String {
        format!("{}/roles", env_directory(self.config))
    }

    /// `.kamal/apps/<svc_dest>/env/roles/<role>.env`: the secrets env file on the host.
    pub fn env_file_path(&self) -> String {
        format!("{}/{}.env", self.env_directory(), self.role.name)
    }

    /// The host's effective env (root, role, host tags).
    pub fn env(&self) -> tug_config::env::Env {
        self.role.env(&self.config.env, &self.config.env_tags, self.host)
    }

    /// `--env K="v"` for each clear variable, then `--env-file <path>`.
    pub fn env_args(&self) -> Vec<String> {
        let clear: Vec<(String, ArgValue)> =
            self.env().clear.iter().map(|(k, v)| (k.clone(), ArgValue::text(v))).collect();
        let mut args = argumentize("--env", &clear);
        args.extend(["--env-file".to_string(), self.env_file_path()]);
        args
    }

    /// The role's logging (root logging with the role's merged over it).
    pub fn logging_args(&self) -> Vec<String> {
        logging_args(&self.role.logging)
    }

    /// `--volume <each>` for the root `volumes`, as written.
    pub fn volume_args(&self) -> Vec<String> {
        argumentize_list("--volume", &self.config.volumes())
    }

    /// `stop_timeout` of the role, else of the root.
    pub fn stop_timeout(&self) -> Option<String> {
        self.role.setting("stop_timeout").or_else(|| self.config.root_key("stop_timeout")).map(Node::to_ruby_s)
    }

    /// `-t N`: the stop timeout, else the drain timeout for roles the proxy does not drain.
    pub fn stop_args(&self) -> Vec<String> {
        let timeout = self
            .stop_timeout()
            .or_else(|| (!self.role.running_proxy()).then(|| self.config.drain_timeout().to_string()));
        timeout.map(|t| vec!["-t".to_string(), t]).unwrap_or_default()
    }

    fn asset_path_config(&self) -> Option<(String, Option<String>)> {
        let raw = self
            .role
            .setting("asset_path")
            .or_else(|| self.config.root_key("asset_path"))
            .filter(|n| n.is_present())?
            .to_ruby_s();
        Some(match raw.split_once(':') {
            Some((path, opts)) => (path.to_string(), Some(opts.to_string())),
            None => (raw, None),
        })
    }

    /// The path of the assets inside the image (`asset_path` without its options).
    pub fn asset_path(&self) -> Option<String> {
        self.asset_path_config().map(|(p, _)| p)
    }

    /// Whether assets are bridged between versions (an `asset_path` on a proxied role).
    pub fn assets(&self) -> bool {
        self.asset_path().is_some_and(|p| !p.trim().is_empty()) && self.role.running_proxy()
    }

    /// `.kamal/apps/<svc_dest>/assets/extracted/<role>-<version>`.
    pub fn asset_extracted_directory(&self, version: Option<&str>) -> String {
        format!("{}/extracted/{}-{}", assets_directory(self.config), self.role.name, version.unwrap_or(self.version))
    }

    /// `.kamal/apps/<svc_dest>/assets/volumes/<role>-<version>`.
    pub fn asset_volume_directory(&self, version: Option<&str>) -> String {
        format!("{}/volumes/{}-{}", assets_directory(self.config), self.role.name, version.unwrap_or(self.version))
    }

    /// `--volume $PWD/<asset volume dir>:<asset_path>[:<options>]` when assets are bridged.
    pub fn asset_volume_args(&self) -> Vec<String> {
        if !self.assets() {
            return Vec::new();
        }
        let Some((path, options)) = self.asset_path_config() else { return Vec::new() };
        let mut volume = format!("$PWD/{}:{path}", self.asset_volume_directory(None));
        if let Some(o) = options.filter(|o| !o.trim().is_empty()) {
            volume.push(':');
            volume.push_str(&o);
        }
        vec!["--volume".to_string(), volume]
    }
}
