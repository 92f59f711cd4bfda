//! `tug-db`: SQLite backups next to the data (the command line is [`tug_db::cli`]).

use std::process::ExitCode;

fn main() -> ExitCode {
    tug_db::cli::main_with(std::env::args_os())
}
