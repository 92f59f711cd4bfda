//! `tug version`: Tug's own version (the app version is picked with `--version VERSION`).

use crate::error::{Error, ExitStatus};

/// The line `tug version` prints.
pub fn line() -> String {
    format!("tug {} (Kamal {} compatible)", crate::TUG_VERSION, tug_config::KAMAL_COMPAT_VERSION)
}

/// Prints the version line on stdout.
pub fn run() -> Result<ExitStatus, Error> {
    println!("{}", line());
    Ok(ExitStatus::Success)
}
