//! Pure builders of the commands Tug runs on servers and locally: argv lists, Kamal's quoting
//! and argument shapes, and redaction. Nothing here does I/O.
//!
//! [`shell::escape_shell_value`] is Kamal's value quoting; [`args`] holds Kamal's `argumentize`
//! and `optionize`. The full command set (app, proxy, registry, builder, lock, prune,
//! accessories) is built on these.

#![warn(missing_docs)]

pub mod accessory;
pub mod app;
pub mod args;
pub mod auditor;
pub mod builder;
pub mod command;
pub mod db;
pub mod docker;
pub mod env_file;
pub mod helper_image;
pub mod hook;
pub mod image;
pub mod image_delivery;
pub mod layout;
pub mod lock;
pub mod logs;
pub mod probe;
pub mod proxy;
pub mod prune;
pub mod registry;
pub mod server;
pub mod setting_args;
pub mod shell;
pub mod ssh;
pub mod tags;

pub use command::{Command, Wait};
