//! From the process arguments to an [`Invocation`]: aliases of the configuration expanded, the
//! words of `exec` commands put last, then clap.

use std::ffi::OsString;
use std::path::Path;

use clap::FromArgMatches;

use super::command::{Cli, command};
use super::{aliases, exec_words, load};
use crate::error::Error;

/// A parsed command line, with the command's path as typed (`["app", "stale_containers"]`).
#[derive(Debug)]
pub struct Invocation {
    /// The parsed arguments.
    pub cli: Cli,
    /// Canonical command names from the top down (prefixes and dashed spellings resolved).
    pub path: Vec<String>,
}

impl Invocation {
    /// The command without global options, as shown in messages (`app stale_containers`).
    pub fn command_line(&self) -> String {
        self.path.join(" ")
    }
}

/// Parses `argv` (program name first) without expanding aliases.
pub fn parse(argv: &[String]) -> Result<Invocation, Error> {
    let root = command();
    let argv = exec_words::command_words_last(argv, &root);
    let matches = root.try_get_matches_from(argv.iter().map(OsString::from))?;
    let mut path = Vec::new();
    let mut level = &matches;
    while let Some((name, sub)) = level.subcommand() {
        path.push(name.to_string());
        level = sub;
    }
    let cli = Cli::from_arg_matches(&matches)?;
    Ok(Invocation { cli, path })
}

/// The process arguments as text; an argument that is not UTF-8 is invalid input.
pub fn args() -> Result<Vec<String>, Error> {
    std::env::args_os()
        .enumerate()
        .map(|(i, arg)| {
            arg.into_string().map_err(|raw| Error::InvalidArgument {
                message: format!("argument {i} is not valid UTF-8: {}", raw.to_string_lossy()),
                help: None,
            })
        })
        .collect()
}

/// Expands an alias from the configuration in `root`, if the first word is one, then parses.
/// With no arguments at all, prints the help as `tug help` does (Kamal's default command).
pub fn parse_with_aliases(argv: &[String], root: &Path) -> Result<Invocation, Error> {
    if argv.len() <= 1 {
        let program = argv.first().cloned().unwrap_or_else(|| "tug".to_string());
        return parse(&[program, "help".to_string()]);
    }
    let argv = aliases::resolve(argv, &builtin_commands(), |source| load::load_aliases(source, root))?;
    parse(&argv)
}

/// Every word that names a built-in command at the top level (names and aliases, `help`
/// included), for alias lookup and suggestions.
pub fn builtin_commands() -> Vec<String> {
    let cmd = command();
    let mut names: Vec<String> = vec!["help".to_string()];
    for sub in cmd.get_subcommands() {
        names.push(sub.get_name().to_string());
        names.extend(sub.get_all_aliases().map(str::to_string));
    }
    names
}
