//! An accessory's commands (Kamal's `Commands::Accessory`): run with all its arguments,
//! start, stop, details, logs, exec, its files and directories, removal, and its proxy
//! registration when it runs behind kamal-proxy.

use std::path::Path;

use thiserror::Error;
use tug_config::Config;
use tug_config::accessory::Accessory;
use tug_config::env::Env;
use tug_config::proxy::Proxy;
use tug_config::registry::Registry;
use tug_config::yaml::{Node, Value};

use crate::args::{ArgValue, argumentize, optionize};
use crate::command::{Command, Wait};
use crate::docker::{Interactive, container_id_for, docker, logging_args, make_directory, make_directory_for};
use crate::layout;
use crate::logs::{LogOptions, grep_double_quoted, grep_single_quoted};
use crate::proxy::CONTAINER_NAME;
use crate::proxy::deploy_args::deploy_args;
use crate::setting_args::{argument_pairs, option_pairs, string_list};
use crate::ssh::run_over_ssh;

/// No accessory of that name.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("No accessory by the name of '{0}'")]
pub struct UnknownAccessory(pub String);

/// A file uploaded for an accessory (`files:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessoryFile {
    /// The local file as written (relative to the project directory). A name ending in `erb`
    /// is an ERB template rendered with the accessory's env before upload.
    pub local: String,
    /// Where it goes on the host: `<service><remote>`.
    pub host_path: String,
    /// The path inside the container.
    pub container_path: String,
    /// `chmod` mode (default `755`).
    pub mode: String,
    /// `chown` owner.
    pub owner: Option<String>,
    /// Volume options.
    pub options: Option<String>,
}

impl AccessoryFile {
    /// Whether the file is a template (`.erb`).
    pub fn is_template(&self) -> bool {
        self.local.ends_with("erb")
    }

    /// `mkdir -p <dirname of host path>`.
    pub fn make_directory(&self) -> Command {
        make_directory_for(&self.host_path)
    }

    /// `chmod <mode> <host path>`.
    pub fn chmod(&self) -> Command {
        Command::new(["chmod", &self.mode, &self.host_path]).via_env()
    }

    /// `chown <owner> <host path>`.
    pub fn chown(&self) -> Option<Command> {
        self.owner.as_ref().map(|o| Command::new(["chown", o.as_str(), &self.host_path]).via_env())
    }
}

/// A directory created for an accessory (`directories:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessoryDirectory {
    /// The directory created on the host (`$PWD/<service>/<local>` for a relative path).
    pub host_directory: String,
    /// The volume's host side (`<service>/<local>`, given `$PWD/` when mounted).
    pub host_path: String,
    /// The path inside the container.
    pub container_path: String,
    /// `chmod` mode, when set.
    pub mode: Option<String>,
    /// `chown` owner.
    pub owner: Option<String>,
    /// Volume options.
    pub options: Option<String>,
}

impl AccessoryDirectory {
    /// `mkdir -p <host directory>`.
    pub fn make_directory(&self) -> Command {
        make_directory(&self.host_directory)
    }

    /// `chmod <mode> <host directory>`.
    pub fn chmod(&self) -> Option<Command> {
        self.mode.as_ref().map(|m| Command::new(["chmod", m.as_str(), &self.host_directory]).via_env())
    }

    /// `chown <owner> <host directory>`.
    pub fn chown(&self) -> Option<Command> {
        self.owner.as_ref().map(|o| Command::new(["chown", o.as_str(), &self.host_directory]).via_env())
    }
}

/// The commands of one accessory.
#[derive(Debug, Clone)]
pub struct AccessoryCommands<'a> {
    config: &'a Config,
    accessory: &'a Accessory,
    env: Env,
    registry: Option<Registry>,
}

impl<'a> AccessoryCommands<'a> {
    /// The commands of the accessory `name`.
    pub fn new(config: &'a Config, name: &str) -> Result<AccessoryCommands<'a>, UnknownAccessory> {
        let accessory =
            config.accessories.iter().find(|a| a.name == name).ok_or_else(|| UnknownAccessory(name.to_string()))?;
        Ok(AccessoryCommands {
            config,
            accessory,
            env: Env::from_node(accessory.raw.get("env")),
            registry: accessory.registry(),
        })
    }

    fn get(&self, key: &str) -> Option<&Node> {
        self.accessory.raw.get(key).filter(|n| !n.is_null())
    }

    /// The container name and `service` label (`<service>-<name>` by default).
    pub fn service_name(&self) -> String {
        self.accessory.service_name(&self.config.service)
    }

    /// The accessory's hosts.
    pub fn hosts(&self) -> &[String] {
        &self.accessory.hosts
    }

    /// Its own registry, if any (log in to it before pulling).
    pub fn registry(&self) -> Option<&Registry> {
        self.registry.as_ref()
    }

    /// Its env (clear values and secret names).
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// `[registry/]image`.
    pub fn image(&self) -> String {
        let image = self.get("image").map(Node::to_ruby_s).unwrap_or_default();
        match self.registry.as_ref().and_then(|r| r.server.as_deref()) {
            Some(server) => format!("{server}/{image}"),
            None => image,
        }
    }

    /// `port`: `"3306"` becomes `3306:3306`.
    pub fn port(&self) -> Option<String> {
        let port = self.get("port")?.to_ruby_s();
        Some(if port.contains(':') { port } else { format!("{port}:{port}") })
    }

    /// `cmd`.
    pub fn cmd(&self) -> Option<String> {
        self.get("cmd").map(Node::to_ruby_s)
    }

    /// `.kamal/apps/<service_dest>/env/accessories`.
    pub fn env_directory(&self) -> String {
        format!("{}/accessories", layout::env_directory(self.config))
    }

    /// The accessory's env file: `.kamal/apps/<service_dest>/env/accessories/<name>.env`.
    pub fn secrets_path(&self) -> String {
        format!("{}/{}.env", self.env_directory(), self.accessory.name)
    }

    /// `restart` from `options`, default `unless-stopped`.
    pub fn restart_policy(&self) -> String {
        self.options_node()
            .and_then(|o| o.get("restart"))
            .map(Node::to_ruby_s)
            .unwrap_or_else(|| "unless-stopped".into())
    }

    fn options_node(&self) -> Option<&Node> {
        self.get("options").filter(|o| matches!(o.value, Value::Map(_)))
    }

    fn network_args(&self) -> Vec<String> {
        let network = self.get("network").map(Node::to_ruby_s).unwrap_or_else(|| "kamal".into());
        vec!["--network".into(), network]
    }

    fn publish_args(&self) -> Vec<String> {
        self.port().map(|p| vec!["--publish".to_string(), p]).unwrap_or_default()
    }

    fn env_args(&self) -> Vec<String> {
        let clear: Vec<(String, ArgValue)> =
            self.env.clear.iter().map(|(k, v)| (k.clone(), ArgValue::text(v.clone()))).collect();
        let mut out = argumentize("--env", &clear);
        out.extend(["--env-file".to_string(), self.secrets_path()]);
        out
    }

    fn label_args(&self) -> Vec<String> {
        let mut labels = vec![("service".to_string(), ArgValue::text(self.service_name()))];
        for (k, v) in argument_pairs(self.get("labels")) {
            match labels.iter_mut().find(|(lk, _)| *lk == k) {
                Some(existing) => existing.1 = v,
                None => labels.push((k, v)),
            }
        }
        argumentize("--label", &labels)
    }

    fn option_args(&self) -> Vec<String> {
        let pairs: Vec<(String, ArgValue)> =
            option_pairs(self.options_node()).into_iter().filter(|(k, _)| k != "restart").collect();
        optionize(&pairs)
    }

    fn volume_args(&self) -> Vec<String> {
        let mut out = Vec::new();
        for v in string_list(self.get("volumes")) {
            out.extend(["--volume".to_string(), v]);
        }
        for f in self.files() {
            out.extend(["--volume".to_string(), volume(&f.host_path, &f.container_path, f.options.as_deref())]);
        }
        for d in self.directories() {
            out.extend(["--volume".to_string(), volume(&d.host_path, &d.container_path, d.options.as_deref())]);
        }
        out
    }

    /// `files:`, in order.
    pub fn files(&self) -> Vec<AccessoryFile> {
        let service = self.service_name();
        path_configs(self.get("files"), Some("755"))
            .into_iter()
            .map(|p| AccessoryFile {
                host_path: format!("{service}{}", p.remote),
                container_path: p.remote,
                local: p.local,
                mode: p.mode.unwrap_or_else(|| "755".into()),
                owner: p.owner,
                options: p.options,
            })
            .collect()
    }

    /// `directories:`, in order.
    pub fn directories(&self) -> Vec<AccessoryDirectory> {
        let service = self.service_name();
        path_configs(self.get("directories"), None)
            .into_iter()
            .map(|p| {
                let absolute = Path::new(&p.local).is_absolute();
                AccessoryDirectory {
                    host_directory: if absolute { p.local.clone() } else { format!("$PWD/{service}/{}", p.local) },
                    host_path: if absolute { p.local.clone() } else { format!("{service}/{}", p.local) },
                    container_path: p.remote,
                    mode: p.mode,
                    owner: p.owner,
                    options: p.options,
                }
            })
            .collect()
    }

    /// `docker run --name <service> --detach --restart … <image> [cmd]`; with `host`, the
    /// container also gets `KAMAL_HOST`.
    pub fn run(&self, host: Option<&str>) -> Command {
        let mut cmd = docker(["run", "--name"])
            .arg(self.service_name())
            .arg("--detach")
            .arg("--restart")
            .arg(self.restart_policy())
            .args(self.network_args())
            .args(logging_args(&self.config.logging))
            .args(self.publish_args());
        if let Some(h) = host {
            cmd = cmd.args(["--env".to_string(), format!("KAMAL_HOST=\"{h}\"")]);
        }
        cmd.args(self.env_args())
            .args(self.volume_args())
            .args(self.label_args())
            .args(self.option_args())
            .arg(self.image())
            .args(self.cmd())
    }

    /// `docker container start <service>`.
    pub fn start(&self) -> Command {
        docker(["container", "start"]).arg(self.service_name())
    }

    /// `docker container stop <service>`.
    pub fn stop(&self) -> Command {
        docker(["container", "stop"]).arg(self.service_name())
    }

    fn service_filter(&self) -> [String; 2] {
        ["--filter".into(), format!("label=service={}", self.service_name())]
    }

    /// `docker ps [-a] [-q] --filter label=service=<service>`.
    pub fn info(&self, all: bool, quiet: bool) -> Command {
        let mut cmd = docker(["ps"]);
        if all {
            cmd = cmd.arg("-a");
        }
        if quiet {
            cmd = cmd.arg("-q");
        }
        cmd.args(self.service_filter())
    }

    /// The id of the accessory's container (running only, for a proxy target).
    pub fn container_id(&self, only_running: bool) -> Command {
        container_id_for(&self.service_name(), only_running)
    }

    /// `docker logs <service>  --since S  --tail N --timestamps 2>&1 [| grep 'G' opts]` (the
    /// doubled spaces are Kamal's).
    pub fn logs(&self, opts: &LogOptions) -> Command {
        let mut cmd = docker(["logs"]).arg(self.service_name());
        if let Some(s) = &opts.since {
            cmd = cmd.arg(format!(" --since {s}"));
        }
        if let Some(n) = opts.lines {
            cmd = cmd.arg(format!(" --tail {n}"));
        }
        if opts.timestamps {
            cmd = cmd.arg("--timestamps");
        }
        cmd = cmd.arg("2>&1");
        match &opts.grep {
            Some(g) => cmd.pipe(grep_single_quoted(g, opts.grep_options.as_deref())),
            None => cmd,
        }
    }

    /// `ssh … '<docker logs … --tail 10 --follow 2>&1 [| grep "G"]>'` to the first host.
    pub fn follow_logs(&self, timestamps: bool, grep: Option<&str>, grep_options: Option<&str>) -> Command {
        let mut cmd = docker(["logs"]).arg(self.service_name());
        if timestamps {
            cmd = cmd.arg("--timestamps");
        }
        cmd = cmd.args(["--tail", "10", "--follow", "2>&1"]);
        if let Some(g) = grep {
            cmd = cmd.pipe(grep_double_quoted(g, grep_options));
        }
        self.run_over_ssh(&cmd)
    }

    /// `docker exec [-it|-i] <service> <command…>`.
    pub fn execute_in_existing_container(&self, command: &[String], interactive: Interactive) -> Command {
        docker(["exec"]).args(interactive.flag()).arg(self.service_name()).args(command.iter().cloned())
    }

    /// `docker run [-it|-i] --rm <network> <env> <volumes> <options> <image> <command…>`
    /// (no restart policy).
    pub fn execute_in_new_container(&self, command: &[String], interactive: Interactive) -> Command {
        docker(["run"])
            .args(interactive.flag())
            .arg("--rm")
            .args(self.network_args())
            .args(self.env_args())
            .args(self.volume_args())
            .args(self.option_args())
            .arg(self.image())
            .args(command.iter().cloned())
    }

    /// [`Self::execute_in_existing_container`] over `ssh -t` to the first host.
    pub fn execute_in_existing_container_over_ssh(&self, command: &[String], stdin: Interactive) -> Command {
        self.run_over_ssh(&self.execute_in_existing_container(command, stdin))
    }

    /// [`Self::execute_in_new_container`] over `ssh -t` to the first host.
    pub fn execute_in_new_container_over_ssh(&self, command: &[String], stdin: Interactive) -> Command {
        self.run_over_ssh(&self.execute_in_new_container(command, stdin))
    }

    fn run_over_ssh(&self, command: &Command) -> Command {
        let host = self.accessory.hosts.first().map(String::as_str).unwrap_or_default();
        run_over_ssh(&self.config.ssh, host, command)
    }

    /// `docker image pull <image>`.
    pub fn pull_image(&self) -> Command {
        docker(["image", "pull"]).arg(self.image())
    }

    /// `rm -rf <service>`.
    pub fn remove_service_directory(&self) -> Command {
        Command::new(["rm".to_string(), "-rf".to_string(), self.service_name()]).via_env()
    }

    /// `docker container prune --force --filter label=service=<service>`.
    pub fn remove_container(&self) -> Command {
        docker(["container", "prune", "--force"]).args(self.service_filter())
    }

    /// `docker image rm --force <image>`.
    pub fn remove_image(&self) -> Command {
        docker(["image", "rm", "--force"]).arg(self.image())
    }

    /// `mkdir -p .kamal/apps/<service_dest>/env/accessories`.
    pub fn ensure_env_directory(&self) -> Command {
        make_directory(&self.env_directory())
    }

    /// Whether it runs behind kamal-proxy.
    pub fn running_proxy(&self) -> bool {
        self.accessory.running_proxy()
    }

    /// Its `proxy:` section.
    pub fn proxy(&self) -> Option<Proxy> {
        self.accessory.raw.get("proxy").filter(|p| p.is_present()).map(|p| Proxy::new(p.clone()))
    }

    /// `docker exec kamal-proxy kamal-proxy deploy <service> --target="<target>:<port>" …`;
    /// `None` unless it runs behind the proxy. `version` names error pages, as for the app.
    pub fn deploy(&self, target: &str, version: &str) -> Option<Command> {
        let proxy = self.proxy()?;
        let args = deploy_args(self.config, &proxy, None, target, version);
        Some(self.proxy_exec("deploy").args(args).waits_for(Wait::ProxyDeploy))
    }

    /// `docker exec kamal-proxy kamal-proxy remove <service>`.
    pub fn remove(&self) -> Command {
        self.proxy_exec("remove")
    }

    fn proxy_exec(&self, verb: &str) -> Command {
        docker(["exec", CONTAINER_NAME, "kamal-proxy", verb]).arg(self.service_name())
    }
}

fn volume(host_path: &str, container_path: &str, options: Option<&str>) -> String {
    let host = if Path::new(host_path).is_absolute() { host_path.to_string() } else { format!("$PWD/{host_path}") };
    match options.filter(|o| !o.trim().is_empty()) {
        Some(o) => format!("{host}:{container_path}:{o}"),
        None => format!("{host}:{container_path}"),
    }
}

struct PathConfig {
    local: String,
    remote: String,
    options: Option<String>,
    mode: Option<String>,
    owner: Option<String>,
}

/// `local:remote[:options]` strings or `{local, remote, mode, owner, options}` hashes.
fn path_configs(node: Option<&Node>, default_mode: Option<&str>) -> Vec<PathConfig> {
    let text = |n: &Node, k: &str| n.get(k).filter(|v| !v.is_null()).map(Node::to_ruby_s);
    node.and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .map(|item| {
            if item.as_map().is_some() {
                PathConfig {
                    local: text(item, "local").unwrap_or_default(),
                    remote: text(item, "remote").unwrap_or_default(),
                    options: text(item, "options"),
                    mode: text(item, "mode").or(default_mode.map(str::to_string)),
                    owner: text(item, "owner"),
                }
            } else {
                let s = item.to_ruby_s();
                let mut parts = s.splitn(3, ':').map(str::to_string);
                PathConfig {
                    local: parts.next().unwrap_or_default(),
                    remote: parts.next().unwrap_or_default(),
                    options: parts.next(),
                    mode: default_mode.map(str::to_string),
                    owner: None,
                }
            }
        })
        .collect()
}
