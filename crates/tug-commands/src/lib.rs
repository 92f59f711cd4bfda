//! Pure builders of the commands Tug runs on servers and locally: argv lists, Kamal's quoting
//! and argument shapes, and redaction. Nothing here does I/O.
//!
//! [`shell::escape_shell_value`] is Kamal's value quoting; [`args`] holds Kamal's `argumentize`
//! and `optionize`. The full command set (app, proxy, registry, builder, lock, prune,
//! accessories) is built on these.

#![warn(missing_docs)]

pub mod args;
pub mod command;
pub mod shell;

pub use command::Command;
