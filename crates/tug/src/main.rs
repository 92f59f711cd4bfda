//! The `tug` binary: parse, run, report, exit.

use std::process::ExitCode;

fn main() -> ExitCode {
    let outcome = tug::cli::args()
        .and_then(|argv| tug::cli::parse_with_aliases(&argv))
        .and_then(|invocation| tug::cli::run(&invocation));
    tug::diagnostics::finish(outcome).into()
}
