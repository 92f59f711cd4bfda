//! The `tug` binary: read the machine, parse, run, report, exit.

use std::process::ExitCode;

fn main() -> ExitCode {
    let env = tug::world::Environment::system();
    let argv = tug::cli::args();
    let json = argv.as_ref().is_ok_and(|a| tug::diagnostics::wants_json(a));
    let outcome = argv
        .and_then(|argv| tug::cli::parse_with_aliases(&argv, &env.root))
        .and_then(|invocation| tug::cli::run_in(&invocation, env));
    tug::diagnostics::finish_as(outcome, json).into()
}
