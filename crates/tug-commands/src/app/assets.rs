//! Asset bridging: the new version's assets are copied out of its image, and old and new
//! versions share each other's files so requests during the switch find both.

use super::AppCommands;
use crate::command::Command;
use crate::docker::{docker, make_directory};

fn copy_contents(source: &str, destination: &str, continue_on_error: bool) -> Command {
    let cmd = Command::new(["cp", "-rnT", source, destination]).via_env();
    if continue_on_error { cmd.arg("|| true") } else { cmd }
}

fn parent_and_name(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (".", path),
    }
}

impl AppCommands<'_> {
    /// Copies `asset_path` out of the new image into the extracted directory.
    pub fn extract_assets(&self) -> Command {
        let asset_container = format!("{}-assets", self.container_prefix());
        let extracted = self.asset_extracted_directory(None);
        let asset_path = self.asset_path().unwrap_or_default();
        make_directory(&extracted)
            .and(docker(["container", "rm", &asset_container, "2> /dev/null"]).arg("|| true"))
            .and(docker([
                "container".to_string(),
                "create".to_string(),
                "--name".to_string(),
                asset_container.clone(),
                self.image(),
            ]))
            .and(docker([
                "container".to_string(),
                "cp".to_string(),
                "-L".to_string(),
                format!("{asset_container}:{asset_path}/."),
                extracted,
            ]))
            .and(docker(["container", "rm", &asset_container]))
    }

    /// Fills the new volume directory from the extracted assets and, with an old version,
    /// copies each version's assets into the other's volume (without overwriting).
    pub fn sync_asset_volumes(&self, old_version: Option<&str>) -> Command {
        let new_extracted = self.asset_extracted_directory(None);
        let new_volume = self.asset_volume_directory(None);
        let mut cmd = make_directory(&new_volume).then(copy_contents(&new_extracted, &new_volume, false));
        if let Some(old) = old_version.filter(|v| !v.trim().is_empty()) {
            let old_extracted = self.asset_extracted_directory(Some(old));
            let old_volume = self.asset_volume_directory(Some(old));
            cmd = cmd.then(copy_contents(&new_extracted, &old_volume, true)).then(copy_contents(
                &old_extracted,
                &new_volume,
                true,
            ));
        }
        cmd
    }

    /// Removes the extracted and volume directories of every other version of the role.
    pub fn clean_up_assets(&self) -> Command {
        self.find_and_remove_older_siblings(&self.asset_extracted_directory(None))
            .then(self.find_and_remove_older_siblings(&self.asset_volume_directory(None)))
    }

    fn find_and_remove_older_siblings(&self, path: &str) -> Command {
        let (dir, name) = parent_and_name(path);
        Command::new(["find", dir, "-maxdepth 1", "-name"]).via_env().arg(format!("'{}-*'", self.role.name)).args([
            "!",
            "-name",
            name,
            "-exec rm -rf \"{}\" +",
        ])
    }

    fn image(&self) -> String {
        crate::image::absolute_image(self.config, self.version)
    }
}
