//! Runs the server-side commands: builds the [`Context`] from the command line (hosts, roles,
//! secrets, runners, renderer), then the flow for real or as a plan (`--dry-run`).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tug_commands::app::{ExecOptions, LogOptions};
use tug_commands::builder::PushOptions;
use tug_commands::docker::Interactive;
use tug_config::secrets::Secrets;
use tug_exec::ssh::SshRunner;

use crate::ssh_options::ssh_options;
use tug_exec::Runner;

use super::accessory::AccessoryCommand;
use super::app::AppCommand;
use super::build::BuildCommand;
use super::lock::LockCommand;
use super::logs::LogArgs;
use super::proxy::ProxyCommand;
use super::prune::PruneCommand;
use super::registry::RegistryCommand;
use super::server::ServerCommand;
use super::{Command, GlobalArgs, Invocation};
use crate::context::{Context, ContextParts, Mode, Options, SecretAccess};
use crate::error::{Error, ExitStatus};
use crate::events::{Event, EventSink};
use crate::flows::deploy::DeployOptions;
use crate::flows::{self, FlowResult};
use crate::inputs::{Inputs, RandomHex, SystemClock};
use crate::plan::{self, Plan};
use crate::render::json::JsonRenderer;
use crate::render::plan::PlanRenderer;
use crate::render::progress::ProgressRenderer;
use crate::render::{self, Verbosity};
use crate::specifics::Specifics;

/// A writer whose bytes can be read back (tests capture output with it).
#[derive(Clone, Default)]
pub struct SharedBuf(pub Arc<Mutex<Vec<u8>>>);

impl SharedBuf {
    /// What was written, as text.
    pub fn text(&self) -> String {
        self.0.lock().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
    }
}

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What a run takes from the machine: the project directory, inputs and output streams.
pub struct Environment {
    /// The project directory.
    pub root: PathBuf,
    /// Clock, performer, hex, arch.
    pub inputs: Inputs,
    /// Data (plans, requested output).
    pub out: Box<dyn Write + Send>,
    /// Progress and warnings.
    pub err: Box<dyn Write + Send>,
    /// Whether questions may be asked on the terminal.
    pub interactive: bool,
}

fn local_output(program: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(program).args(args).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

impl Environment {
    /// The real machine: current directory, system clock, git identity, stdout and stderr.
    pub fn system() -> Environment {
        let performer = local_output("git", &["config", "user.email"])
            .or_else(|| local_output("whoami", &[]))
            .unwrap_or_else(|| "unknown".into());
        let lock_user = local_output("git", &["config", "user.name"]).unwrap_or_else(|| "Unknown".into());
        let local_arch = match std::env::consts::ARCH {
            "aarch64" => "arm64",
            _ => "amd64",
        };
        Environment {
            root: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            inputs: Inputs {
                clock: Arc::new(SystemClock::new()),
                hex: Arc::new(RandomHex::default()),
                performer,
                lock_user,
                local_arch: local_arch.into(),
                tmp_dir: std::env::temp_dir().display().to_string().trim_end_matches('/').to_string(),
                lock_inherited: std::env::var("KAMAL_LOCK").is_ok_and(|v| v == "true"),
            },
            out: Box::new(std::io::stdout()),
            err: Box::new(std::io::stderr()),
            interactive: std::io::stdin().is_terminal(),
        }
    }
}

/// Whether this command is run by a flow (all server-side commands).
pub fn handles(command: &Command) -> bool {
    !matches!(
        command,
        Command::Version
            | Command::Config(_)
            | Command::Docs(_)
            | Command::Init(_)
            | Command::Secrets(_)
            | Command::Doctor
            | Command::Upgrade(_)
    ) && !matches!(command, Command::Proxy(ProxyCommand::Upgrade(_)) | Command::Accessory(AccessoryCommand::Upgrade(_)))
}

fn confirm(env: &mut Environment, question: &str) -> bool {
    if !env.interactive {
        return false;
    }
    let _ = write!(env.err, "{question} [y, N] (N) ");
    let _ = env.err.flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    answer.trim() == "y"
}

/// The words of the command (`app`, `boot`) for `KAMAL_COMMAND`/`KAMAL_SUBCOMMAND`.
fn names(invocation: &Invocation) -> (String, Option<String>) {
    let mut path = invocation.path.iter().cloned();
    let command = path.next().unwrap_or_default();
    (command, path.next())
}

fn log_options(args: &LogArgs) -> LogOptions {
    let lines = args.lines.or(if args.since.is_some() || args.grep.is_some() { None } else { Some(100) });
    LogOptions {
        timestamps: !args.skip_timestamps,
        since: args.since.clone(),
        lines,
        grep: args.grep.clone(),
        grep_options: None,
    }
}

/// Runs a server-side command for real, or as a plan with `--dry-run`.
pub fn execute(invocation: &Invocation, mut env: Environment) -> Result<ExitStatus, Error> {
    let global = &invocation.cli.global;
    let config = load(global, &env.root)?;
    let specifics =
        Specifics::new(&config, global.hosts.as_deref(), global.roles.as_deref(), global.primary).map_err(|e| {
            Error::InvalidArgument { message: e.0, help: Some("`tug config` lists the hosts and roles".into()) }
        })?;
    let command = &invocation.cli.command;
    let plan_mode = global.dry_run;
    if !plan_mode && global.offline {
        return Err(Error::InvalidArgument {
            message: format!(
                "`tug {}` needs the servers, and --offline forbids contacting them",
                invocation.command_line()
            ),
            help: Some("add --dry-run to see the plan without contacting any server".into()),
        });
    }
    if !plan_mode
        && let Some(question) = confirmation(command)
        && !confirm(&mut env, question)
    {
        let _ = writeln!(env.err, "Aborted");
        return Ok(ExitStatus::Failure);
    }
    let verbosity = if global.quiet {
        Verbosity::Quiet
    } else if global.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let sink: Box<dyn EventSink> = if global.json {
        Box::new(JsonRenderer::new(render::stream(env.out)))
    } else if plan_mode {
        Box::new(PlanRenderer::new(render::stream(env.out)))
    } else {
        Box::new(ProgressRenderer::new(render::stream(env.out), render::stream(env.err), verbosity))
    };
    let secrets = Secrets::new(config.root.clone(), config.secrets_path(), config.destination.clone());
    let ssh = SshRunner::new(ssh_options(&config));
    let queries: Option<&dyn Runner> = if global.offline { None } else { Some(&ssh) };
    let plan = Plan::new(queries);
    let (runner, mode, secret_access): (&dyn Runner, Mode, SecretAccess) = if plan_mode {
        (&plan.recorder, plan.mode(), SecretAccess::Redacted)
    } else {
        (&ssh, Mode::Run, SecretAccess::Read(&secrets))
    };
    let ctx = Context::new(ContextParts {
        config: &config,
        specifics,
        events: sink.as_ref(),
        inputs: env.inputs.clone(),
        options: Options {
            skip_hooks: global.skip_hooks,
            lock_wait: global.lock_wait,
            lock_wait_timeout: global.lock_wait_timeout,
            lock_wait_interval: global.lock_wait_interval,
            version_given: global.app_version.is_some(),
        },
        command: names(invocation),
        secrets: secret_access,
        runner,
        queries: plan.queries,
        mode,
        version: config.version().ok().map(str::to_string),
    });
    let line = invocation.command_line();
    let run = |c: &Context| {
        super::doctor::deploy_warnings(c, command);
        dispatch(c, command, global)
    };
    let result = if plan_mode { plan::run(&ctx, &line, run) } else { run(&ctx) };
    result.map(|()| ExitStatus::Success).map_err(Error::Flow)
}

fn load(global: &GlobalArgs, root: &std::path::Path) -> Result<tug_config::Config, Error> {
    let mut opts = tug_config::LoadOptions::new(root.to_path_buf());
    opts.config_file = global.config_file.clone();
    opts.destination = global.destination.clone();
    opts.version = global.app_version.clone();
    tug_config::load(&opts).map_err(Error::Config)
}

fn confirmation(command: &Command) -> Option<&'static str> {
    match command {
        Command::Remove(a) if !a.confirmed => Some("This will remove all containers and images. Are you sure?"),
        Command::Proxy(ProxyCommand::Reboot(a)) if !a.confirmed => {
            Some("This will cause a brief outage on each host. Are you sure?")
        }
        Command::Accessory(AccessoryCommand::Remove(a)) if !a.confirmed => {
            Some("This will remove all containers, images and data directories for the accessory. Are you sure?")
        }
        _ => None,
    }
}

/// Hands the terminal to a local command (`ssh -t …`): interactive exec and followed logs.
fn hand_over(ctx: &Context, command: &tug_commands::Command) -> FlowResult<()> {
    ctx.emit(Event::Run { target: crate::events::LOCAL.into(), command: command.to_redacted() });
    if ctx.is_plan() {
        return Ok(());
    }
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(command.to_shell())
        .status()
        .map_err(|e| flows::FlowError::msg(format!("could not start ssh: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(flows::FlowError::msg(format!("`{}` exited with {status}", command.to_redacted())))
    }
}

fn stdin_mode() -> Interactive {
    if std::io::stdin().is_terminal() { Interactive::Tty } else { Interactive::Piped }
}

fn dispatch(ctx: &Context, command: &Command, global: &GlobalArgs) -> FlowResult<()> {
    use flows::{accessory, app, audit, build, deploy, lock, proxy, prune, registry, server};
    let deploy_options = |a: &super::deploy::DeployArgs| DeployOptions {
        skip_push: a.skip_push,
        no_cache: a.no_cache,
        skip_backup: a.skip_backup,
    };
    match command {
        Command::Setup(a) => deploy::setup(ctx, &deploy_options(a)),
        Command::Deploy(a) => deploy::deploy(ctx, &deploy_options(a), false),
        Command::Redeploy(a) => deploy::redeploy(ctx, &deploy_options(a)),
        // `rollback --version V` (as the user's spec writes it; Kamal wants `rollback V`) rolls
        // back to V too.
        Command::Rollback(a) => match a.target_version.as_ref().or(global.app_version.as_ref()) {
            Some(v) => deploy::rollback(ctx, v),
            None => deploy::rollback_candidates(ctx),
        },
        Command::Remove(_) => deploy::remove(ctx),
        Command::Details => deploy::details(ctx),
        Command::Audit => audit::show(ctx),
        Command::App(c) => match c {
            AppCommand::Boot => app::boot::boot(ctx, global.app_version.clone()),
            AppCommand::Start => app::start(ctx),
            AppCommand::Stop => app::stop(ctx),
            AppCommand::Details => app::details(ctx),
            AppCommand::Containers => app::containers(ctx),
            AppCommand::Images => app::images(ctx),
            AppCommand::Version => app::version(ctx),
            AppCommand::StaleContainers(a) => app::stale_containers(ctx, a.stop),
            AppCommand::Remove => app::remove(ctx),
            AppCommand::Live => app::live(ctx),
            AppCommand::Maintenance(a) => app::maintenance(ctx, a.drain_timeout, a.message.as_deref()),
            AppCommand::RemoveContainer(a) => app::remove_container(ctx, &a.target_version),
            AppCommand::RemoveContainers => app::remove_containers(ctx),
            AppCommand::RemoveImages => app::remove_images(ctx),
            AppCommand::RemoveAppDirectories => app::remove_app_directories(ctx),
            AppCommand::Logs(a) => {
                let mut o = log_options(&a.logs);
                o.grep_options = a.grep.grep_options.clone();
                if a.logs.follow {
                    o.lines =
                        a.logs.lines.or(if a.logs.since.is_some() || a.logs.grep.is_some() { None } else { Some(10) });
                    let primary = ctx.specifics.primary_host.clone().unwrap_or_default();
                    let role = ctx.specifics.roles_on(&primary).into_iter().next().unwrap_or_default();
                    let r = app::boot::role(ctx, &role)?;
                    let cmd = tug_commands::app::AppCommands::new(ctx.config, r, &primary, "").follow_logs(
                        &primary,
                        a.container_id.as_deref(),
                        &o,
                    );
                    hand_over(ctx, &cmd)
                } else {
                    app::logs(ctx, a.container_id.as_deref(), &o)
                }
            }
            AppCommand::Exec(a) => {
                if a.cmd.is_empty() {
                    return Err(flows::FlowError::Invalid(
                        "No command provided. You must specify a command to execute.".into(),
                    ));
                }
                let options = ExecOptions { detach: a.detach, env: a.env.clone(), ..ExecOptions::default() };
                if a.interactive {
                    hooks_pre_connect(ctx)?;
                    let mut o = options;
                    o.interactive = stdin_mode();
                    let cmd = app::interactive_exec_command(ctx, &a.cmd, a.reuse, &o)?;
                    hand_over(ctx, &cmd)
                } else {
                    app::exec(ctx, &a.cmd, a.reuse, &options)
                }
            }
        },
        Command::Proxy(c) => match c {
            ProxyCommand::Boot => proxy::boot(ctx),
            ProxyCommand::Reboot(a) => proxy::reboot(ctx, a.rolling),
            ProxyCommand::Start => proxy::start(ctx),
            ProxyCommand::Stop => proxy::stop(ctx),
            ProxyCommand::Restart => proxy::restart(ctx),
            ProxyCommand::Details => proxy::details(ctx),
            ProxyCommand::Logs(a) => {
                if a.follow {
                    let primary = ctx.specifics.primary_host.clone().unwrap_or_default();
                    let cmd = tug_commands::proxy::ProxyCommands::new(ctx.config, &primary).follow_logs(
                        &primary,
                        !a.skip_timestamps,
                        a.grep.as_deref(),
                        None,
                    );
                    hand_over(ctx, &cmd)
                } else {
                    proxy::logs(ctx, &log_options(a))
                }
            }
            ProxyCommand::Remove(a) => proxy::remove(ctx, a.force),
            ProxyCommand::RemoveContainer => proxy::remove_container(ctx),
            ProxyCommand::RemoveImage => proxy::remove_image(ctx),
            ProxyCommand::RemoveProxyDirectory => proxy::remove_proxy_directory(ctx),
            ProxyCommand::BootConfig(a) => {
                use super::proxy::BootConfigAction;
                match a.action {
                    BootConfigAction::Set => flows::proxy_boot_config::set(ctx, &boot_config_set(a)),
                    BootConfigAction::Get => flows::proxy_boot_config::get(ctx),
                    BootConfigAction::Reset => flows::proxy_boot_config::reset(ctx),
                }
            }
            ProxyCommand::Upgrade(_) => Err(flows::FlowError::msg("not available yet in this build")),
        },
        Command::Accessory(c) => match c {
            AccessoryCommand::Boot(n) => accessory::boot(ctx, &n.name),
            AccessoryCommand::Upload(n) => accessory::upload(ctx, &n.name),
            AccessoryCommand::Directories(n) => accessory::directories(ctx, &n.name),
            AccessoryCommand::Reboot(n) => accessory::reboot(ctx, &n.name),
            AccessoryCommand::Start(n) => accessory::start(ctx, &n.name),
            AccessoryCommand::Stop(n) => accessory::stop(ctx, &n.name),
            AccessoryCommand::Restart(n) => accessory::restart(ctx, &n.name),
            AccessoryCommand::Details(n) => accessory::details(ctx, &n.name),
            AccessoryCommand::PullImage(n) => accessory::pull_image(ctx, &n.name),
            AccessoryCommand::Remove(a) => accessory::remove(ctx, &a.name),
            AccessoryCommand::RemoveContainer(n) => accessory::remove_container(ctx, &n.name),
            AccessoryCommand::RemoveImage(n) => accessory::remove_image(ctx, &n.name),
            AccessoryCommand::RemoveServiceDirectory(n) => accessory::remove_service_directory(ctx, &n.name),
            AccessoryCommand::Logs(a) => {
                let mut o = log_options(&a.logs);
                o.grep_options = a.grep.grep_options.clone();
                accessory::logs(ctx, &a.name, &o)
            }
            AccessoryCommand::Exec(a) => {
                if a.interactive {
                    let acc = tug_commands::accessory::AccessoryCommands::new(ctx.config, &a.name)
                        .map_err(|_| flows::FlowError::Invalid(format!("No accessory by the name of '{}'", a.name)))?;
                    let words = vec![a.cmd.join(" ")];
                    let cmd = if a.reuse {
                        acc.execute_in_existing_container_over_ssh(&words, stdin_mode())
                    } else {
                        acc.execute_in_new_container_over_ssh(&words, stdin_mode())
                    };
                    hand_over(ctx, &cmd)
                } else {
                    accessory::exec(ctx, &a.name, &a.cmd, a.reuse)
                }
            }
            AccessoryCommand::Upgrade(_) => Err(flows::FlowError::msg("not available yet in this build")),
        },
        Command::Build(c) => match c {
            BuildCommand::Deliver => build::deliver(ctx, &PushOptions::default()),
            BuildCommand::Push(a) => build::push(
                ctx,
                &PushOptions { export_action: a.output.clone(), no_cache: a.no_cache, ..PushOptions::default() },
            ),
            BuildCommand::Pull => build::pull(ctx),
            BuildCommand::Create => build::create(ctx),
            BuildCommand::Remove => build::remove(ctx),
            BuildCommand::Details => build::details(ctx),
            BuildCommand::Dev(a) => build::dev(
                ctx,
                &PushOptions { export_action: a.output.clone(), no_cache: a.no_cache, ..PushOptions::default() },
            ),
        },
        Command::Lock(c) => match c {
            LockCommand::Status => lock::status(ctx),
            LockCommand::Acquire(a) => lock::acquire_manually(ctx, &a.message),
            LockCommand::Release => lock::release_manually(ctx),
        },
        Command::Prune(c) => match c {
            PruneCommand::All => prune::all(ctx),
            PruneCommand::Images => prune::images(ctx),
            PruneCommand::Containers(a) => prune::containers(ctx, a.retain),
        },
        Command::Registry(c) => match c {
            RegistryCommand::Setup(s) => registry::setup(ctx, s.skip_local, s.skip_remote, false),
            RegistryCommand::Login(s) => registry::setup(ctx, s.skip_local, s.skip_remote, true),
            RegistryCommand::Remove(s) => registry::remove(ctx, s.skip_local, s.skip_remote, false),
            RegistryCommand::Logout(s) => registry::remove(ctx, s.skip_local, s.skip_remote, true),
        },
        Command::Server(c) => match c {
            ServerCommand::Bootstrap => server::bootstrap(ctx),
            ServerCommand::Exec(a) => {
                if a.interactive {
                    let primary = ctx.specifics.primary_host.clone().unwrap_or_default();
                    let cmd = tug_commands::ssh::run_over_ssh(
                        &ctx.config.ssh,
                        &primary,
                        &tug_commands::Command::new([a.cmd.join(" ")]),
                    );
                    hand_over(ctx, &cmd)
                } else {
                    server::exec(ctx, &a.cmd)
                }
            }
        },
        Command::Db(c) => super::db::dispatch(ctx, c),
        _ => Err(flows::FlowError::msg("not a server command")),
    }
}

fn boot_config_set(a: &super::proxy::BootConfigArgs) -> tug_commands::proxy::boot_config::BootConfigSet {
    tug_commands::proxy::boot_config::BootConfigSet {
        publish: a.publish(),
        publish_host_ips: a.publish_host_ip.clone(),
        http_port: a.http_port.to_string(),
        https_port: a.https_port.to_string(),
        log_max_size: a.log_max_size.clone(),
        registry: a.registry.clone(),
        repository: a.repository.clone(),
        image_version: a.image_version.clone(),
        metrics_port: a.metrics_port.map(|p| p.to_string()),
        debug: a.debug(),
        docker_options: a.docker_options.clone(),
    }
}

fn hooks_pre_connect(ctx: &Context) -> FlowResult<()> {
    flows::hooks::pre_connect(ctx)
}
