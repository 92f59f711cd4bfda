//! Runs a parsed command line: the one table from top-level commands to what runs them.
//! Local commands run here; each command group for the servers has its `dispatch`.

use super::command::{Command, command};
use super::deploy::REMOVE_QUESTION;
use super::parse::Invocation;
use super::remote::Remote;
use super::{
    accessory, app, build, completions, config, db, docs, doctor, init, lock, proxy, prune, registry, secrets, server,
    version,
};
use crate::error::{Error, ExitStatus};
use crate::flows::{audit, deploy};
use crate::world::Environment;

/// Runs a parsed command line in `env` (tests pass fixed inputs and captured output).
pub fn run_in(invocation: &Invocation, mut env: Environment) -> Result<ExitStatus, Error> {
    let global = &invocation.cli.global;
    let remote = |env| Remote::new(global, &invocation.path, env);
    match &invocation.cli.command {
        Command::Version => version::run(&mut env),
        Command::Completions(args) => completions::run(args, command(), &mut env),
        Command::Config(args) => config::run(global, args, &mut env),
        Command::Docs(args) => docs::run(args, &mut env),
        Command::Init(args) => init::run(args, &mut env),
        Command::Secrets(cmd) => secrets::run(global, cmd, &mut env),
        Command::Doctor => doctor::run(global, env),
        Command::Upgrade(_) => Err(Error::kamal_1_migration(invocation.command_line())),
        Command::Setup(a) => remote(env).run(|ctx| deploy::setup(ctx, &a.options())),
        Command::Deploy(a) => remote(env).run(|ctx| deploy::deploy(ctx, &a.options(), false)),
        Command::Redeploy(a) => remote(env).run(|ctx| deploy::redeploy(ctx, &a.options())),
        Command::Rollback(a) => match a.version(global) {
            Some(v) => remote(env).run(|ctx| deploy::rollback(ctx, v)),
            None => remote(env).run(deploy::rollback_candidates),
        },
        Command::Remove(a) => remote(env).confirm_unless(a.confirmed, REMOVE_QUESTION).run(deploy::remove),
        Command::Details => remote(env).run(deploy::details),
        Command::Audit => remote(env).run(audit::show),
        Command::Accessory(cmd) => accessory::dispatch(remote(env), cmd),
        Command::App(cmd) => app::dispatch(remote(env), cmd),
        Command::Build(cmd) => build::dispatch(remote(env), cmd),
        Command::Db(cmd) => db::dispatch(remote(env), cmd),
        Command::Lock(cmd) => lock::dispatch(remote(env), cmd),
        Command::Proxy(cmd) => proxy::dispatch(remote(env), cmd),
        Command::Prune(cmd) => prune::dispatch(remote(env), cmd),
        Command::Registry(cmd) => registry::dispatch(remote(env), cmd),
        Command::Server(cmd) => server::dispatch(remote(env), cmd),
    }
}
