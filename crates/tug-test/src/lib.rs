//! Test support shared by the workspace's tests (a dev-dependency only, never published).
//!
//! One way to get a `Config` in a test: write the files of a project into a temp dir and load
//! them with `tug_config::load`, the way the CLI does ([`Project`]). Where the shared config
//! fixtures live on disk ([`config_fixtures`]).

mod project;

pub use project::Project;

use std::path::PathBuf;

/// The YAML configurations of `tug-config/tests/fixtures` (scenarios and Kamal's own), shared by
/// the config, plan and Kamal-compatibility tests.
pub fn config_fixtures() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../tug-config/tests/fixtures"))
}
