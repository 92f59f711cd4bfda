//! The `tug` binary: read the machine, parse, run, report, exit. Started under the name
//! `tug-db` (as in the helper image Tug makes from itself), it is the backup tool.

use std::process::ExitCode;

fn main() -> ExitCode {
    if tug::helper_image::runs_as_tool(std::env::args_os().next().as_deref()) {
        return tug_db::cli::main_with(std::env::args_os());
    }
    let _run_dir = tug_exec::run_dir::FinishOnDrop;
    let env = tug::world::Environment::system();
    let argv = tug::cli::args();
    let json = argv.as_ref().is_ok_and(|a| tug::diagnostics::wants_json(a));
    let outcome = argv
        .and_then(|argv| tug::cli::parse_with_aliases(&argv, &env.root))
        .and_then(|invocation| tug::cli::run_in(&invocation, env));
    tug::diagnostics::finish_as(outcome, json).into()
}
