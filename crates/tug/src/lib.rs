//! The `tug` command line: a Kamal 2 compatible deploy tool.
//!
//! [`cli`] parses Kamal's command line with clap (every command, subcommand, flag and alias
//! Kamal 2.12 accepts, plus Tug's own `--json`, `--dry-run`, `--offline` and `doctor`), expands
//! the `aliases:` of the configuration in [`cli::aliases`], and dispatches to the command
//! functions and the [`flows`]. What a run takes from the machine is read in [`world`].
//! Failures are typed as [`Error`]; [`diagnostics`] is the only place that turns them into
//! text and an [`ExitStatus`].
//!
//! Exit codes: `0` success, `1` an operation failed, `2` invalid input (arguments,
//! configuration, secrets).

#![warn(missing_docs)]

pub mod cli;
pub mod diagnostics;
pub mod error;
pub mod events;
pub mod flows;
pub mod helper_image;
pub mod plan;
pub mod render;
pub mod selection;
pub mod ssh_options;
pub mod world;

pub use error::{Error, ExitStatus};

/// Tug's own version (the `tug` package version).
pub const TUG_VERSION: &str = env!("CARGO_PKG_VERSION");
