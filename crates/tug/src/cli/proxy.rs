//! `tug proxy …`: kamal-proxy on the servers.

use clap::{Args, Subcommand, ValueEnum};
use tug_commands::proxy::boot_config::BootConfigSet;

use super::remote::Remote;
use crate::error::{Error, ExitStatus};
use crate::flows::proxy::{self, boot_config};

use super::logs::LogArgs;

/// The subcommands of `tug proxy`.
#[derive(Debug, Subcommand)]
pub enum ProxyCommand {
    /// Boot kamal-proxy on the servers
    Boot,
    /// Deprecated: set, get or reset kamal-proxy's boot options (use `proxy/run` in the config)
    #[command(name = "boot_config", alias = "boot-config")]
    BootConfig(BootConfigArgs),
    /// Replace kamal-proxy's container with a new one on the servers
    Reboot(RebootArgs),
    /// Replace Kamal 1.x's Traefik with kamal-proxy and reboot the app
    #[command(hide = true)]
    Upgrade(RebootArgs),
    /// Start the existing kamal-proxy container
    Start,
    /// Stop the kamal-proxy container
    Stop,
    /// Restart the kamal-proxy container
    Restart,
    /// Show the kamal-proxy container
    Details,
    /// Show log lines of kamal-proxy from the servers
    Logs(LogArgs),
    /// Remove kamal-proxy's container and image from the servers
    Remove(RemoveArgs),
    /// Remove kamal-proxy's container
    #[command(name = "remove_container", alias = "remove-container", hide = true)]
    RemoveContainer,
    /// Remove kamal-proxy's image
    #[command(name = "remove_image", alias = "remove-image", hide = true)]
    RemoveImage,
    /// Remove kamal-proxy's directory
    #[command(name = "remove_proxy_directory", alias = "remove-proxy-directory", hide = true)]
    RemoveProxyDirectory,
}

/// Arguments of `proxy reboot` (and the hidden `proxy upgrade`).
#[derive(Debug, Clone, Args)]
pub struct RebootArgs {
    /// Reboot one host after another instead of all at once
    #[arg(long)]
    pub rolling: bool,

    /// Proceed without asking for confirmation
    #[arg(short = 'y', long)]
    pub confirmed: bool,
}

/// Arguments of `proxy remove`.
#[derive(Debug, Clone, Args)]
pub struct RemoveArgs {
    /// Remove kamal-proxy even while apps are still deployed behind it
    #[arg(long)]
    pub force: bool,
}

/// What `proxy boot_config` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BootConfigAction {
    /// Write the boot options to the servers
    Set,
    /// Show the boot options on the servers
    Get,
    /// Remove the boot options from the servers
    Reset,
}

/// Arguments of `proxy boot_config`.
#[derive(Debug, Clone, Args)]
pub struct BootConfigArgs {
    /// set, get or reset
    #[arg(value_name = "ACTION")]
    pub action: BootConfigAction,

    /// Publish the proxy ports on the host (the default; `--publish false` turns it off)
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        default_missing_value = "true",
        value_parser = clap::builder::BoolishValueParser::new(),
        overrides_with = "no_publish"
    )]
    pub publish: Option<bool>,

    /// Do not publish the proxy ports on the host
    #[arg(long = "no-publish", overrides_with = "publish")]
    pub no_publish: bool,

    /// Host address to bind HTTP and HTTPS to (repeatable; default: every interface)
    #[arg(long, value_name = "IP")]
    pub publish_host_ip: Vec<String>,

    /// HTTP port to publish on the host
    #[arg(long, value_name = "PORT", default_value_t = 80)]
    pub http_port: u16,

    /// HTTPS port to publish on the host
    #[arg(long, value_name = "PORT", default_value_t = 443)]
    pub https_port: u16,

    /// Largest size of the proxy's log before it is rotated
    #[arg(long, value_name = "SIZE", default_value = "10m")]
    pub log_max_size: String,

    /// Registry of the proxy image
    #[arg(long, value_name = "REGISTRY")]
    pub registry: Option<String>,

    /// Repository of the proxy image
    #[arg(long, value_name = "REPOSITORY")]
    pub repository: Option<String>,

    /// Version of the proxy image
    #[arg(long, value_name = "VERSION", value_parser = tug_config::version::parse_tag)]
    pub image_version: Option<String>,

    /// Port for Prometheus metrics
    #[arg(long, value_name = "PORT")]
    pub metrics_port: Option<u16>,

    /// Run the proxy in debug mode
    #[arg(
        long = "debug",
        value_name = "BOOL",
        num_args = 0..=1,
        default_missing_value = "true",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub debug_mode: Option<bool>,

    /// Extra options for the proxy container (`option=value …`)
    #[arg(long, value_name = "OPTION", num_args = 1..)]
    pub docker_options: Vec<String>,
}

impl BootConfigArgs {
    /// Whether the ports are published (`--no-publish` or `--publish false` turn it off).
    pub fn publish(&self) -> bool {
        !self.no_publish && self.publish.unwrap_or(true)
    }

    /// Whether the proxy runs in debug mode (`--debug` or `--debug true`).
    pub fn debug(&self) -> bool {
        self.debug_mode.unwrap_or(false)
    }

    /// What `boot_config set` writes.
    pub fn to_set(&self) -> BootConfigSet {
        BootConfigSet {
            publish: self.publish(),
            publish_host_ips: self.publish_host_ip.clone(),
            http_port: self.http_port.to_string(),
            https_port: self.https_port.to_string(),
            log_max_size: self.log_max_size.clone(),
            registry: self.registry.clone(),
            repository: self.repository.clone(),
            image_version: self.image_version.clone(),
            metrics_port: self.metrics_port.map(|p| p.to_string()),
            debug: self.debug(),
            docker_options: self.docker_options.clone(),
        }
    }
}

/// What `proxy reboot` asks before rebooting.
const REBOOT_QUESTION: &str = "This will cause a brief outage on each host. Are you sure?";

/// Runs a `tug proxy` subcommand.
pub fn dispatch(remote: Remote<'_>, command: &ProxyCommand) -> Result<ExitStatus, Error> {
    match command {
        ProxyCommand::Boot => remote.run(proxy::boot),
        ProxyCommand::Reboot(a) => {
            remote.confirm_unless(a.confirmed, REBOOT_QUESTION).run(|ctx| proxy::reboot(ctx, a.rolling))
        }
        ProxyCommand::Start => remote.run(proxy::start),
        ProxyCommand::Stop => remote.run(proxy::stop),
        ProxyCommand::Restart => remote.run(proxy::restart),
        ProxyCommand::Details => remote.run(proxy::details),
        ProxyCommand::Logs(a) if a.follow => {
            remote.run(|ctx| proxy::follow_logs(ctx, !a.skip_timestamps, a.grep.as_deref()))
        }
        ProxyCommand::Logs(a) => {
            let options = a.options(100, None);
            remote.run(|ctx| proxy::logs(ctx, &options))
        }
        ProxyCommand::Remove(a) => remote.run(|ctx| proxy::remove(ctx, a.force)),
        ProxyCommand::RemoveContainer => remote.run(proxy::remove_container),
        ProxyCommand::RemoveImage => remote.run(proxy::remove_image),
        ProxyCommand::RemoveProxyDirectory => remote.run(proxy::remove_proxy_directory),
        ProxyCommand::BootConfig(a) => match a.action {
            BootConfigAction::Set => {
                let set = a.to_set();
                remote.run(|ctx| boot_config::set(ctx, &set))
            }
            BootConfigAction::Get => remote.run(boot_config::get),
            BootConfigAction::Reset => remote.run(boot_config::reset),
        },
        ProxyCommand::Upgrade(_) => Err(Error::kamal_1_migration(remote.command_line())),
    }
}
