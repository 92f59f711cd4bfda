//! The one configuration loader: every command, and alias lookup, read the files named by
//! `-c`/`-d`/`--version` from the project directory of the [`crate::world::Environment`].

use std::path::Path;

use indexmap::IndexMap;
use tug_config::Config;

use super::aliases::AliasSource;
use super::global::GlobalArgs;
use crate::error::Error;

/// Loads the configuration named by `-c`/`-d`/`--version` in `root`, every problem reported
/// at once.
pub fn load_config(global: &GlobalArgs, root: &Path) -> Result<Config, Error> {
    load(root, &global.config_file, global.destination.clone(), global.app_version.clone())
}

/// Reads the `aliases:` map of the configuration an alias is looked up in.
///
/// Without a configuration file there are no aliases, so an unknown word is reported as an
/// unknown command rather than as a missing file.
pub fn load_aliases(source: &AliasSource, root: &Path) -> Result<IndexMap<String, String>, Error> {
    if !root.join(&source.config_file).exists() {
        return Ok(IndexMap::new());
    }
    let config = load(root, Path::new(&source.config_file), source.destination.clone(), None)?;
    Ok(config.aliases)
}

fn load(root: &Path, file: &Path, destination: Option<String>, version: Option<String>) -> Result<Config, Error> {
    let mut opts = tug_config::LoadOptions::new(root);
    opts.config_file = file.to_path_buf();
    opts.destination = destination;
    opts.version = version;
    tug_config::load(&opts).map_err(Error::Config)
}
