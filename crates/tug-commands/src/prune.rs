//! `kamal prune`: stopped app containers beyond the retained ones, and images no container
//! uses (never the `latest` tag).

use tug_config::Config;

use crate::command::Command;
use crate::docker::docker;
use crate::image::latest_image;

/// Prune commands for a service.
#[derive(Debug, Clone, Copy)]
pub struct Prune<'a> {
    config: &'a Config,
}

impl<'a> Prune<'a> {
    /// Prune commands for `config`'s service.
    pub fn new(config: &'a Config) -> Self {
        Prune { config }
    }

    fn service_filter(&self) -> [String; 2] {
        ["--filter".to_string(), format!("label=service={}", self.config.service)]
    }

    /// `docker image prune --force --filter label=service=<service>`: dangling images.
    pub fn dangling_images(&self) -> Command {
        docker(["image", "prune", "--force"]).args(self.service_filter())
    }

    /// Removes the service's tagged images that no container uses, keeping `latest`.
    pub fn tagged_images(&self) -> Command {
        let active = format!(
            "$(docker container ls -a --format '{{{{.Image}}}}\\|' --filter label=service={} | tr -d '\\n'){}\\|{}:<none>",
            self.config.service,
            latest_image(self.config),
            self.config.repository()
        );
        docker(["image", "ls"])
            .args(self.service_filter())
            .args(["--format", "'{{.ID}} {{.Repository}}:{{.Tag}}'"])
            .pipe(Command::new(["grep".to_string(), format!("-v -w \"{active}\"")]))
            .pipe(Command::new(["while read image tag; do docker rmi $tag; done"]))
    }

    /// Removes stopped containers of the service beyond the newest `retain`.
    pub fn app_containers(&self, retain: u32) -> Command {
        docker(["ps", "-q", "-a"])
            .args(self.service_filter())
            .args(["--filter", "status=created", "--filter", "status=exited", "--filter", "status=dead"])
            .pipe(Command::new([format!("tail -n +{}", u64::from(retain) + 1)]))
            .pipe(Command::new(["while read container_id; do docker rm $container_id; done"]))
    }
}
