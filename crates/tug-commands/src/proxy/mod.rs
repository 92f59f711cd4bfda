//! The kamal-proxy container on a host (Kamal's `Commands::Proxy`): boot with `proxy.run` or
//! with the legacy per-host files `.kamal/proxy/{options,image,image_version,run_command}`,
//! start, stop, details, version, logs, removal, and the boot-config files of the deprecated
//! `proxy boot_config set|get|reset`.
//!
//! [`run`] reads `proxy.run`; the `kamal-proxy deploy|stop` flags are in
//! [`crate::proxy::deploy_args`].

pub mod boot_config;
pub mod deploy_args;
pub mod run;

use tug_config::Config;

use crate::command::Command;
use crate::docker::{docker, make_directory, name_filter, remove_directory, remove_file, xargs};
use crate::image_delivery;
use crate::layout;
use crate::logs::{LogOptions, grep_double_quoted, grep_single_quoted};
use crate::ssh::run_over_ssh;

pub use run::{CONTAINER_NAME, MINIMUM_VERSION, ProxyRun};

/// The label on every kamal-proxy image and container (what removal filters on).
const TITLE_LABEL: &str = "label=org.opencontainers.image.title=kamal-proxy";

/// The proxy commands for one host.
#[derive(Debug, Clone)]
pub struct ProxyCommands<'a> {
    config: &'a Config,
    run: Option<ProxyRun>,
}

impl<'a> ProxyCommands<'a> {
    /// The commands for `host` (whose `proxy.run`, if any, comes from its roles and
    /// accessories).
    pub fn new(config: &'a Config, host: &str) -> ProxyCommands<'a> {
        ProxyCommands { config, run: ProxyRun::for_host(config, host) }
    }

    /// The `proxy.run` in effect on this host.
    pub fn run_config(&self) -> Option<&ProxyRun> {
        self.run.as_ref()
    }

    fn docker_run_prefix() -> Command {
        docker([
            "run",
            "--name",
            CONTAINER_NAME,
            "--network",
            "kamal",
            "--detach",
            "--restart",
            "unless-stopped",
            "--volume",
            "kamal-proxy-config:/home/kamal-proxy/.config/kamal-proxy",
        ])
    }

    /// Runs a new proxy container: from `proxy.run`, or from the legacy boot files
    /// (`echo $(cat …) | xargs docker run …`).
    pub fn run(&self) -> Command {
        match &self.run {
            Some(run) => {
                Self::docker_run_prefix().args(run.docker_options_args()).arg(run.image()).arg(run.run_command())
            }
            None => self.boot_config().pipe(xargs(Self::docker_run_prefix().args([
                "--volume".to_string(),
                format!("$PWD/{}:{}", layout::proxy_apps_directory(), layout::PROXY_APPS_CONTAINER_DIRECTORY),
            ]))),
        }
    }

    /// `docker container start kamal-proxy`.
    pub fn start(&self) -> Command {
        docker(["container", "start", CONTAINER_NAME])
    }

    /// `docker container stop kamal-proxy`.
    pub fn stop(&self) -> Command {
        docker(["container", "stop", CONTAINER_NAME])
    }

    /// Starts the existing container, or runs a new one.
    pub fn start_or_run(&self) -> Command {
        self.start().or(self.run())
    }

    /// `docker ps --filter 'name=^kamal-proxy$'`.
    pub fn info(&self) -> Command {
        docker(["ps".to_string(), "--filter".to_string(), name_filter(CONTAINER_NAME)])
    }

    /// The running proxy's image tag (`v0.9.2`).
    pub fn version(&self) -> Command {
        docker(["inspect", CONTAINER_NAME, "--format '{{.Config.Image}}'"]).pipe(Command::new([
            "awk",
            "-F:",
            "'{print $NF}'",
        ]))
    }

    /// `docker logs kamal-proxy [--since S] [--tail N] [--timestamps] 2>&1 [| grep 'G' opts]`.
    /// The pattern is single-quoted (see [`crate::logs`]).
    pub fn logs(&self, opts: &LogOptions) -> Command {
        let mut cmd = docker(["logs", CONTAINER_NAME]);
        if let Some(s) = &opts.since {
            cmd = cmd.arg(format!("--since {s}"));
        }
        if let Some(n) = opts.lines {
            cmd = cmd.arg(format!("--tail {n}"));
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

    /// `ssh -t user@host -p port 'docker logs kamal-proxy --timestamps --tail 10 --follow 2>&1
    /// [| grep "G"]'`, run locally.
    pub fn follow_logs(&self, host: &str, timestamps: bool, grep: Option<&str>, grep_options: Option<&str>) -> Command {
        let mut cmd = docker(["logs", CONTAINER_NAME]);
        if timestamps {
            cmd = cmd.arg("--timestamps");
        }
        cmd = cmd.args(["--tail", "10", "--follow", "2>&1"]);
        if let Some(g) = grep {
            cmd = cmd.pipe(grep_double_quoted(g, grep_options));
        }
        run_over_ssh(&self.config.ssh, host, &cmd)
    }

    /// Removes stopped kamal-proxy containers.
    pub fn remove_container(&self) -> Command {
        docker(["container", "prune", "--force", "--filter", TITLE_LABEL])
    }

    /// Removes kamal-proxy images.
    pub fn remove_image(&self) -> Command {
        docker(["image", "prune", "--all", "--force", "--filter", TITLE_LABEL])
    }

    /// Stops and removes a Kamal 1 Traefik proxy.
    pub fn cleanup_traefik(&self) -> Command {
        docker(["container", "stop", "traefik"]).then(
            docker(["container", "prune", "--force", "--filter", "label=org.opencontainers.image.title=Traefik"]).and(
                docker([
                    "image",
                    "prune",
                    "--all",
                    "--force",
                    "--filter",
                    "label=org.opencontainers.image.title=Traefik",
                ]),
            ),
        )
    }

    /// `mkdir -p .kamal/proxy`.
    pub fn ensure_proxy_directory(&self) -> Command {
        make_directory(&layout::proxy_directory())
    }

    /// `rm -r .kamal/proxy`.
    pub fn remove_proxy_directory(&self) -> Command {
        remove_directory(&layout::proxy_directory())
    }

    /// `mkdir -p .kamal/proxy/apps-config`.
    pub fn ensure_apps_config_directory(&self) -> Command {
        make_directory(&layout::proxy_apps_directory())
    }

    /// `echo <options> <image>:<version> <run command>` read from the boot files, with
    /// defaults (what `proxy boot_config get` prints).
    pub fn boot_config(&self) -> Command {
        let sub = |c: Command| format!("$({})", c.to_shell());
        Command::new([
            "echo".to_string(),
            format!(
                "{} {}:{} {}",
                sub(self.read_boot_options()),
                sub(self.read_image()),
                sub(self.read_image_version()),
                sub(self.read_run_command())
            ),
        ])
        .via_env()
    }

    /// `cat .kamal/proxy/options 2> /dev/null || echo "<default options>"`.
    pub fn read_boot_options(&self) -> Command {
        read_file(&boot_config::options_file(), &boot_config::default_boot_options().join(" "))
    }

    /// `cat .kamal/proxy/image 2> /dev/null || echo "basecamp/kamal-proxy"`.
    pub fn read_image(&self) -> Command {
        read_file(&boot_config::image_file(), run::DEFAULT_IMAGE)
    }

    /// `cat .kamal/proxy/image_version 2> /dev/null || echo "v0.9.2"`.
    pub fn read_image_version(&self) -> Command {
        read_file(&boot_config::image_version_file(), MINIMUM_VERSION)
    }

    /// `cat .kamal/proxy/run_command 2> /dev/null || echo ""`.
    pub fn read_run_command(&self) -> Command {
        read_file(&boot_config::run_command_file(), "")
    }

    /// `rm .kamal/proxy/options`.
    pub fn reset_boot_options(&self) -> Command {
        remove_file(&boot_config::options_file())
    }

    /// `rm .kamal/proxy/image`.
    pub fn reset_image(&self) -> Command {
        remove_file(&boot_config::image_file())
    }

    /// `rm .kamal/proxy/image_version`.
    pub fn reset_image_version(&self) -> Command {
        remove_file(&boot_config::image_version_file())
    }

    /// `rm .kamal/proxy/run_command`.
    pub fn reset_run_command(&self) -> Command {
        remove_file(&boot_config::run_command_file())
    }

    // Tug only: delivering the proxy image to a host that cannot pull it.

    /// The image this host's proxy runs, when the config names it (`proxy.run`); `None` when
    /// it comes from the legacy boot files (see [`ProxyCommands::boot_image`]).
    pub fn configured_image(&self) -> Option<String> {
        self.run.as_ref().map(ProxyRun::image)
    }

    /// `echo $(cat .kamal/proxy/image …):$(cat .kamal/proxy/image_version …)`: the image the
    /// legacy boot files select.
    pub fn boot_image(&self) -> Command {
        let sub = |c: Command| format!("$({})", c.to_shell());
        Command::new(["echo".to_string(), format!("{}:{}", sub(self.read_image()), sub(self.read_image_version()))])
            .via_env()
    }

    /// `docker container inspect kamal-proxy --format '{{.Id}}'`: succeeds when the proxy
    /// container exists (then `docker container start` needs no image).
    pub fn container_exists(&self) -> Command {
        docker(["container", "inspect", CONTAINER_NAME, "--format", "'{{.Id}}'"])
    }

    /// `docker image inspect IMAGE --format '{{.Id}}'`: the image's id (fails when missing).
    pub fn image_id(&self, image: &str) -> Command {
        image_delivery::image_id(image)
    }

    /// `docker pull IMAGE`.
    pub fn pull_image(&self, image: &str) -> Command {
        image_delivery::pull(image)
    }

    /// `docker save IMAGE` (run on the deploying machine, streamed into [`Self::load_image`]).
    pub fn save_image(&self, image: &str) -> Command {
        image_delivery::save(image)
    }

    /// `docker load` (reads an image archive on standard input).
    pub fn load_image(&self) -> Command {
        image_delivery::load()
    }
}

/// `cat <file> 2> /dev/null || echo "<default>"`. The default is Kamal's constant or the
/// built-in options, written inside double quotes as is.
fn read_file(file: &str, default: &str) -> Command {
    Command::new(["cat", file, "2>", "/dev/null"])
        .via_env()
        .or(Command::new(["echo".to_string(), format!("\"{default}\"")]))
}
