//! The app's images on a host.

use super::AppCommands;
use crate::command::Command;
use crate::docker::docker;
use crate::image::{absolute_image, latest_image};

impl AppCommands<'_> {
    /// `docker image ls <repository>`.
    pub fn list_images(&self) -> Command {
        docker(["image".to_string(), "ls".to_string(), self.config.repository()])
    }

    /// Removes every image of the service not used by a container.
    pub fn remove_images(&self) -> Command {
        docker(["image", "prune", "--all", "--force"]).args(self.image_filter_args())
    }

    /// `docker tag <image:version> <image:latest[-dest]>`.
    pub fn tag_latest_image(&self) -> Command {
        docker(["tag".to_string(), absolute_image(self.config, self.version), latest_image(self.config)])
    }
}
