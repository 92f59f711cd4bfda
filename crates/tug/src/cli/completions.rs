//! `tug completions SHELL`: a completion script for bash, zsh or fish, made by `clap_complete`
//! from the same command tree that parses the command line.

use std::io::Write;

use clap::{Args, ValueEnum};

use crate::error::{Error, ExitStatus};
use crate::world::Environment;

/// The shells Tug writes completions for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// Bash: `source <(tug completions bash)`, or save it in bash-completion's directory.
    Bash,
    /// Zsh: save it as `_tug` in a directory of `$fpath`.
    Zsh,
    /// Fish: save it as `~/.config/fish/completions/tug.fish`.
    Fish,
}

/// Arguments of `tug completions`.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to write the script for
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,
}

/// Prints the completion script of `cmd` (the command tree that parses the command line) for
/// the shell asked for on stdout.
pub fn run(args: &CompletionsArgs, mut cmd: clap::Command, env: &mut Environment) -> Result<ExitStatus, Error> {
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "tug", &mut script);
    env.out.write_all(&script).map_err(|source| Error::Io { action: "write the completion script".into(), source })?;
    Ok(ExitStatus::Success)
}
