//! `tug version`: Tug's own version (the app version is picked with `--version VERSION`).

use std::io::Write;

use crate::error::{Error, ExitStatus};
use crate::world::Environment;

/// The line `tug version` prints.
pub fn line() -> String {
    format!("tug {} (Kamal {} compatible)", crate::TUG_VERSION, tug_config::KAMAL_COMPAT_VERSION)
}

/// Prints the version line.
pub fn run(env: &mut Environment) -> Result<ExitStatus, Error> {
    let _ = writeln!(env.out, "{}", line());
    Ok(ExitStatus::Success)
}
