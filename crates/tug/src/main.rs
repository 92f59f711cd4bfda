//! The `tug` binary: read the machine, parse, run, report, exit.

use std::process::ExitCode;

fn main() -> ExitCode {
    let _run_dir = tug_exec::run_dir::FinishOnDrop;
    let env = tug::world::Environment::system();
    let outcome = tug::cli::args()
        .and_then(|argv| tug::cli::parse_with_aliases(&argv, &env.root))
        .and_then(|invocation| tug::cli::run_in(&invocation, env));
    tug::diagnostics::finish(outcome).into()
}
