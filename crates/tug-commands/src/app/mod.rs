//! The app's containers on one host for one role (Kamal's `Commands::App`): run, start, stop,
//! queries for the running container and version, and (in the submodules, one facet each)
//! containers, images, logs, exec, proxy registration, assets and error pages.
//!
//! ```no_run
//! # fn demo(config: &tug_config::Config) {
//! use tug_commands::app::AppCommands;
//! let role = config.primary_role().expect("a web role");
//! let app = AppCommands::new(config, role, "1.1.1.1", "999");
//! let run = app.run(Some("1.1.1.1-0123456789ab"));
//! println!("{run}"); // secrets (none here) would show as [REDACTED]
//! # }
//! ```

mod assets;
mod containers;
mod error_pages;
mod execution;
mod images;
mod logging;
mod proxy;
mod role;

pub use crate::logs::LogOptions;
pub use execution::ExecOptions;

use tug_config::Config;
use tug_config::role::Role;

use crate::args::{ArgValue, argumentize};
use crate::command::Command;
use crate::docker::{self, NETWORK, container_id_for, docker, shell, xargs};
use crate::image::{absolute_image, latest_image};
use crate::shell::escape_shell_value;

/// Container states that count as "running" when looking for the current container.
pub const ACTIVE_DOCKER_STATUSES: [&str; 2] = ["running", "restarting"];

/// Docker's health, or its state when the image has no HEALTHCHECK.
pub const DOCKER_HEALTH_STATUS_FORMAT: &str =
    "'{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}'";

/// The app's commands for one role on one host, at one version.
#[derive(Debug, Clone, Copy)]
pub struct AppCommands<'a> {
    config: &'a Config,
    role: &'a Role,
    host: &'a str,
    version: &'a str,
}

/// A container's hostname as Kamal makes it: the host cut to 51 characters, a trailing dot
/// dropped, then `-` and 12 random hex digits (which the caller draws).
pub fn container_hostname(host: &str, random_hex: &str) -> String {
    let cut: String = host.chars().take(51).collect();
    let cut = cut.strip_suffix('.').unwrap_or(&cut);
    format!("{cut}-{random_hex}")
}

impl<'a> AppCommands<'a> {
    /// Commands for `role` on `host`, acting on app `version` (Kamal's `config.version`).
    pub fn new(config: &'a Config, role: &'a Role, host: &'a str, version: &'a str) -> Self {
        AppCommands { config, role, host, version }
    }

    /// The configuration.
    pub fn config(&self) -> &'a Config {
        self.config
    }

    /// The role.
    pub fn role(&self) -> &'a Role {
        self.role
    }

    /// The host.
    pub fn host(&self) -> &'a str {
        self.host
    }

    /// The version acted on.
    pub fn version(&self) -> &'a str {
        self.version
    }

    /// `<service>-<role>[-<destination>]`: the container prefix and the proxy's service name.
    pub fn container_prefix(&self) -> String {
        let mut prefix = format!("{}-{}", self.config.service, self.role.name);
        if let Some(d) = &self.config.destination {
            prefix.push('-');
            prefix.push_str(d);
        }
        prefix
    }

    /// `<prefix>-<version>` (the configured version when `None`).
    pub fn container_name(&self, version: Option<&str>) -> String {
        format!("{}-{}", self.container_prefix(), version.unwrap_or(self.version))
    }

    /// `docker run --detach …` for the new version, with the role's env, logging, volumes,
    /// labels and options. `hostname` is the container hostname ([`container_hostname`]).
    pub fn run(&self, hostname: Option<&str>) -> Command {
        let name = self.container_name(None);
        let mut cmd = docker(["run", "--detach", "--restart"]).arg(self.restart_policy()).args([
            "--name".to_string(),
            name.clone(),
            "--network".to_string(),
            NETWORK.to_string(),
        ]);
        if let Some(h) = hostname {
            cmd = cmd.args(["--hostname", h]);
        }
        cmd = cmd
            .args(["--env".to_string(), format!("KAMAL_CONTAINER_NAME={}", escape_shell_value(&name))])
            .args(["--env".to_string(), format!("KAMAL_VERSION={}", escape_shell_value(self.version))])
            .args(["--env".to_string(), format!("KAMAL_HOST={}", escape_shell_value(self.host))]);
        if let Some(d) = &self.config.destination {
            cmd = cmd.args(["--env".to_string(), format!("KAMAL_DESTINATION={}", escape_shell_value(d))]);
        }
        cmd = cmd
            .args(self.env_args())
            .args(self.logging_args())
            .args(self.volume_args())
            .args(self.asset_volume_args())
            .args(self.label_args())
            .args(self.option_args())
            .arg(absolute_image(self.config, self.version));
        match self.role.cmd() {
            Some(c) => cmd.arg(c),
            None => cmd,
        }
    }

    /// `docker start <container>`.
    pub fn start(&self) -> Command {
        docker(["start".to_string(), self.container_name(None)])
    }

    /// Tug only: starts the (stopped) container of `version` again:
    /// `docker container ls --all --filter 'name=^<container>$' --quiet | xargs docker start`.
    pub fn start_version(&self, version: &str) -> Command {
        self.container_id_for_version(version, false).pipe(xargs(docker(["start"])))
    }

    /// The health (or state) of the container of `version`.
    pub fn status(&self, version: &str) -> Command {
        self.container_id_for_version(version, false).pipe(xargs(docker([
            "inspect",
            "--format",
            DOCKER_HEALTH_STATUS_FORMAT,
        ])))
    }

    /// Stops the container of `version`, or the current one: `… | xargs docker stop [-t N]`.
    pub fn stop(&self, version: Option<&str>) -> Command {
        let find = match version {
            Some(v) => self.container_id_for_version(v, false),
            None => self.current_running_container_id(),
        };
        find.pipe(xargs(docker(["stop"]).args(self.stop_args())))
    }

    /// `docker ps` filtered to this service, destination and role.
    pub fn info(&self) -> Command {
        docker(["ps"]).args(self.container_filter_args(&[]))
    }

    /// The id of the newest running container (preferring ones from the `latest` image).
    pub fn current_running_container_id(&self) -> Command {
        self.current_running_container(&["--quiet"])
    }

    /// `docker container ls … --filter 'name=^<container of version>$' --quiet`.
    pub fn container_id_for_version(&self, version: &str, only_running: bool) -> Command {
        container_id_for(&self.container_name(Some(version)), only_running)
    }

    /// `docker container ls --all --filter 'name=^<name>$' --quiet`.
    pub fn container_id_for(&self, container_name: &str) -> Command {
        container_id_for(container_name, false)
    }

    /// The version of the newest running container (its name minus the prefix).
    pub fn current_running_version(&self) -> Command {
        self.current_running_container(&["--format", "'{{.Names}}'"]).pipe(self.extract_version_from_name())
    }

    /// Versions of this role's containers: `docker ps <filters> [statuses] <docker_args>
    /// --format "{{.Names}}" | …`.
    pub fn list_versions(&self, docker_args: &[&str], statuses: &[&str]) -> Command {
        docker(["ps"])
            .args(self.container_filter_args(statuses))
            .args(docker_args.iter().copied())
            .args(["--format", "\"{{.Names}}\""])
            .pipe(self.extract_version_from_name())
    }

    /// `mkdir -p .kamal/apps/<svc_dest>/env/roles`.
    pub fn ensure_env_directory(&self) -> Command {
        docker::make_directory(&self.env_directory())
    }

    fn latest_image_id(&self) -> Command {
        docker(["image", "ls"])
            .args(argumentize("--filter", &[(format!("reference={}", latest_image(self.config)), ArgValue::Absent)]))
            .args(["--format", "'{{.ID}}'"])
    }

    fn current_running_container(&self, format: &[&str]) -> Command {
        let ancestor = format!("ancestor=$({})", self.latest_image_id().to_shell());
        let with_latest_image = self.latest_container(format, Some(&ancestor));
        shell(with_latest_image.then(self.latest_container(format, None))).pipe(Command::new(["head", "-1"]))
    }

    fn latest_container(&self, format: &[&str], filter: Option<&str>) -> Command {
        let cmd = docker(["ps", "--latest"])
            .args(format.iter().copied())
            .args(self.container_filter_args(&ACTIVE_DOCKER_STATUSES));
        match filter {
            Some(f) => cmd.args(["--filter", f]),
            None => cmd,
        }
    }

    /// `--filter label=service=… --filter label=destination=… --filter label=role=… [--filter status=…]`.
    pub(crate) fn container_filter_args(&self, statuses: &[&str]) -> Vec<String> {
        let mut filters = vec![
            format!("label=service={}", self.config.service),
            format!("label=destination={}", self.config.destination.as_deref().unwrap_or("")),
            format!("label=role={}", self.role.name),
        ];
        filters.extend(statuses.iter().map(|s| format!("status={s}")));
        filters.into_iter().flat_map(|f| ["--filter".to_string(), f]).collect()
    }

    fn extract_version_from_name(&self) -> Command {
        Command::new([format!("while read line; do echo ${{line#{}-}}; done", self.container_prefix())])
    }

    /// `--filter label=service=<service>`.
    pub(crate) fn image_filter_args(&self) -> Vec<String> {
        vec!["--filter".to_string(), format!("label=service={}", self.config.service)]
    }
}
