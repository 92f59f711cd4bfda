//! The command line: the clap tree ([`mod@command`], [`global`]), parsing with the configuration's
//! aliases ([`mod@parse`]), the one configuration loader ([`load`]), and running: local commands
//! directly, server commands through each group's `dispatch` and [`remote`] ([`mod@run`]).

pub mod accessory;
pub mod aliases;
pub mod app;
pub mod build;
pub mod command;
pub mod completions;
pub mod config;
pub mod db;
pub mod deploy;
pub mod docs;
pub mod doctor;
pub mod exec_words;
pub mod global;
pub mod init;
pub mod load;
pub mod lock;
pub mod logs;
pub mod parse;
pub mod proxy;
pub mod prune;
pub mod registry;
pub mod remote;
pub mod run;
pub mod secrets;
pub mod server;
pub mod version;

#[cfg(test)]
mod tests;

pub use command::{Cli, Command, command};
pub use global::GlobalArgs;
pub use parse::{Invocation, args, builtin_commands, parse, parse_with_aliases};
pub use run::run_in;
