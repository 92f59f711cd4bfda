//! `tug build push|pull|deliver`: build the image on this machine (from a fresh git clone, as
//! Kamal does, unless `builder.context` is set) and push it; pull it on the servers.
//!
//! Beyond Kamal: without the buildx plugin, the image is built with the classic
//! `docker build` and pushed with `docker push`.

use indexmap::IndexMap;
use tug_commands::builder::probe::{buildx_installed, docker_installed, git_root};
use tug_commands::builder::{BuildInputs, BuilderCommands, CloneDirs, PushOptions, clone_directory};
use tug_commands::docker::make_directory;
use tug_commands::registry::RegistryCommands;
use tug_exec::{RunOptions, Target};

use crate::events::LOCAL;
use crate::flows::audit;
use crate::flows::context::Context;
use crate::flows::error::{FlowError, FlowResult};
use crate::flows::hooks;
use crate::flows::registry;
use crate::flows::step::{Fact, host};

fn builder<'a>(ctx: &'a Context, version: &str) -> FlowResult<BuilderCommands<'a>> {
    let names: Vec<String> = ctx
        .config
        .builder
        .raw
        .get("secrets")
        .and_then(|s| s.as_seq())
        .map(|s| s.iter().map(|n| n.to_ruby_s()).collect())
        .unwrap_or_default();
    let mut secrets = IndexMap::new();
    for n in names {
        secrets.insert(n.clone(), ctx.secret(&n)?);
    }
    Ok(BuilderCommands::new(
        ctx.config,
        BuildInputs { local_arch: ctx.inputs.local_arch.clone(), version: version.to_string(), secrets },
    ))
}

/// A stable 13-hex-digit name for the clone directory of a project directory.
fn directory_hash(path: &str) -> String {
    // FNV-1a: stable across runs and platforms (Kamal uses sha256; only the name differs).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in path.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}").chars().take(13).collect()
}

fn clone(ctx: &Context, b: &BuilderCommands, version: &str) -> FlowResult<String> {
    let git_root = ctx.query(&Target::Local, &git_root(), "git root")?.text().to_string();
    let pwd = ctx.config.root.display().to_string();
    let relative = pwd.strip_prefix(&git_root).unwrap_or("").trim_start_matches('/').to_string();
    let basename = if git_root.starts_with('<') {
        "<repository>".to_string()
    } else {
        git_root.rsplit('/').next().unwrap_or("repo").to_string()
    };
    let clone_dir = clone_directory(&ctx.inputs.tmp_dir, &ctx.config.service, &directory_hash(&pwd));
    let mut build_dir = format!("{clone_dir}/{basename}");
    if !relative.is_empty() {
        build_dir = format!("{build_dir}/{relative}");
    }
    let dirs = CloneDirs {
        git_root,
        clone_directory: clone_dir.clone(),
        build_directory: build_dir.clone(),
        revision: version.to_string(),
    };
    ctx.phase(format!("Cloning repo into build directory `{build_dir}`..."));
    ctx.execute(&Target::Local, &make_directory(&clone_dir))?;
    let out = ctx.execute_lenient(&Target::Local, &b.clone(&dirs))?;
    if !out.success() {
        if !out.stderr.contains("already exists and is not an empty directory") {
            return Err(FlowError::msg(format!("Failed to clone repo: {}", out.tail(2))));
        }
        ctx.phase(format!("Resetting local clone as `{build_dir}` already exists..."));
        for step in b.clone_reset_steps(&dirs) {
            ctx.execute(&Target::Local, &step)?;
        }
    }
    // In a plan the clone above was not made: its state is what the clone would give, shown
    // as a placeholder, not asked of a directory that does not exist (or is left from before).
    let status = ctx.query_made(&Target::Local, &b.clone_status(&dirs), "clone status")?;
    if status.present() == Some(true) {
        return Err(FlowError::msg(format!("Clone in {build_dir} is dirty, {}", status.text())));
    }
    let revision = ctx.query_made(&Target::Local, &b.clone_revision(&dirs), "clone revision")?;
    if let Some(r) = revision.known().filter(|r| *r != version) {
        return Err(FlowError::msg(format!(
            "Clone in {build_dir} is not on the correct revision, expected `{version}` but got `{r}`"
        )));
    }
    Ok(build_dir)
}

/// `build push`.
pub fn push(ctx: &Context, options: &PushOptions) -> FlowResult<()> {
    let version = ctx.version()?;
    hooks::pre_connect(ctx)?;
    let b = builder(ctx, &version)?;
    let has_buildx = ctx.check(&Target::Local, &buildx_installed(), "docker buildx")?;
    if has_buildx == Some(false) {
        let docker = ctx.check(&Target::Local, &docker_installed(), "docker")?;
        if docker == Some(false) {
            return Err(FlowError::msg("Docker is not installed locally"));
        }
    }
    let registry = RegistryCommands::new(&ctx.config.registry);
    if let Some(setup) = registry.setup() {
        ctx.execute(&Target::Local, &setup)?;
    } else if b.login_to_registry_locally()
        && let Some(login) = registry::login(ctx, None)?
    {
        ctx.execute(&Target::Local, &login)?;
    }
    hooks::run(ctx, "pre-build", false, &[])?;
    let build_dir =
        if ctx.config.builder.has_context() { ctx.root().display().to_string() } else { clone(ctx, &b, &version)? };
    let mut run_options = RunOptions::with_timeout(std::time::Duration::from_secs(3600));
    run_options.cwd = Some(build_dir.clone().into());
    run_options.env = b.push_env().into_iter().collect();
    if !ctx.is_plan() {
        for n in b.secret_names() {
            run_options.env.push((n.clone(), ctx.secret(&n)?.expose().clone()));
        }
    }
    let buildx_steps = || -> FlowResult<()> {
        if let Some(inspect) = b.inspect_builder() {
            let fits = ctx.check(&Target::Local, &inspect, "builder")?;
            ctx.when(
                Some(LOCAL),
                &format!("the builder `{}` is missing or does not fit", b.builder_name()),
                fits.map(|f| !f),
                || {
                    if let Some(remove) = b.remove() {
                        ctx.execute_lenient(&Target::Local, &remove)?;
                    }
                    if let Some(create) = b.create() {
                        ctx.execute(&Target::Local, &create)?;
                    }
                    Ok(())
                },
            )?;
        }
        ctx.execute_with(&Target::Local, &b.push(options), &run_options)?;
        Ok(())
    };
    let classic = || -> FlowResult<()> {
        let unsupported = b.classic_unsupported();
        if !unsupported.is_empty() {
            ctx.warn(
                None,
                format!("docker buildx is missing; the classic `docker build` ignores {}", unsupported.join(", ")),
            );
        }
        ctx.execute_with(&Target::Local, &b.classic_push(options), &run_options)?;
        Ok(())
    };
    ctx.branch(Some(LOCAL), "docker buildx is installed here", has_buildx, buildx_steps, Some(&classic))?;
    Ok(())
}

/// `build pull`: the image on every app host, checked for the `service` label.
pub fn pull(ctx: &Context) -> FlowResult<()> {
    let version = ctx.version()?;
    let b = builder(ctx, &version)?;
    let hosts = ctx.selection.app_hosts().to_vec();
    if ctx.config.registry.is_local() {
        if !ctx.is_plan() {
            return Err(FlowError::msg(
                "pulling from a local registry needs a remote port forward over SSH, which this build of tug cannot open yet",
            ));
        }
        ctx.warn(None, "each host would reach the local registry through a remote SSH port forward");
    }
    let pull_here = |h: &str| -> FlowResult<()> {
        audit::record_while(ctx, h, &format!("Pulled image with version {version}"), None, || {
            ctx.execute_lenient(&host(h), &b.clean())
        })?;
        ctx.execute(&host(h), &b.pull())?;
        ctx.execute(&host(h), &b.validate_image())?;
        Ok(())
    };
    // Each host on its own: log in, say which registry mirror it pulls through (with several
    // hosts), and pull at once when it has none; hosts behind a mirror wait for the mirror to
    // be seeded, as in Kamal.
    let mirrored = ctx.on_hosts(&hosts, |h| {
        if !ctx.config.registry.is_local() {
            registry::login_on(ctx, h, None)?;
        }
        let mirror = if hosts.len() > 1 {
            ctx.query_lenient(&host(h), &b.first_mirror(), "first mirror")?
        } else {
            Fact::Known(String::new())
        };
        match mirror.known().map(str::trim).filter(|m| !m.is_empty() && !m.contains("error")) {
            Some(m) => Ok(Some((h.to_string(), m.to_string()))),
            None => pull_here(h).map(|()| None),
        }
    })?;
    let mirrored: Vec<(String, String)> = mirrored.into_iter().flatten().collect();
    if mirrored.is_empty() {
        return Ok(());
    }
    let mut seen: Vec<&str> = Vec::new();
    let mut first: Vec<String> = Vec::new();
    for (h, m) in &mirrored {
        if !seen.contains(&m.as_str()) {
            seen.push(m);
            first.push(h.clone());
        }
    }
    ctx.phase(format!(
        "Pulling image on {} to seed the mirror{}...",
        first.join(", "),
        if first.len() > 1 { "s" } else { "" }
    ));
    ctx.on_hosts(&first, |h| pull_here(h))?;
    let rest: Vec<String> = mirrored.into_iter().map(|(h, _)| h).filter(|h| !first.contains(h)).collect();
    if !rest.is_empty() {
        ctx.phase("Pulling image on remaining hosts...");
        ctx.on_hosts(&rest, |h| pull_here(h))?;
    }
    Ok(())
}

/// `build deliver`: push, then pull.
pub fn deliver(ctx: &Context, options: &PushOptions) -> FlowResult<()> {
    push(ctx, options)?;
    pull(ctx)
}

/// `build create`: the buildx builder (remote, hybrid or cloud builders included).
pub fn create(ctx: &Context) -> FlowResult<()> {
    let version = ctx.version()?;
    let b = builder(ctx, &version)?;
    match b.create() {
        Some(create) => {
            ctx.phase(format!("Using builder: {}", b.builder_name()));
            ctx.execute(&Target::Local, &create)?;
        }
        None => ctx.phase(format!("The `{}` builder needs no setup", b.builder_name())),
    }
    Ok(())
}

/// `build remove`: removes the buildx builder.
pub fn remove(ctx: &Context) -> FlowResult<()> {
    let version = ctx.version()?;
    let b = builder(ctx, &version)?;
    if let Some(remove) = b.remove() {
        ctx.phase(format!("Using builder: {}", b.builder_name()));
        ctx.execute(&Target::Local, &remove)?;
    }
    Ok(())
}

/// `build details`: the builder's name and what docker says about it.
pub fn details(ctx: &Context) -> FlowResult<()> {
    let version = ctx.version()?;
    let b = builder(ctx, &version)?;
    ctx.emit(crate::events::Event::Output {
        target: LOCAL.to_string(),
        text: format!("Builder: {}", b.builder_name()),
    });
    let info = ctx.query(&Target::Local, &b.info(), "builder details")?;
    if let Some(text) = info.known() {
        ctx.emit(crate::events::Event::Output { target: LOCAL.to_string(), text: text.to_string() });
    }
    Ok(())
}

/// `build dev`: builds the working directory as it is (uncommitted files included), tagged
/// `-dirty`, into the local image store (or another `--output`).
pub fn dev(ctx: &Context, options: &PushOptions) -> FlowResult<()> {
    let version = ctx.version()?;
    let docker = ctx.check(&Target::Local, &docker_installed(), "docker")?;
    if docker == Some(false) {
        return Err(FlowError::msg("Docker is not installed locally"));
    }
    let b = builder(ctx, &version)?;
    let mut run_options = RunOptions::with_timeout(std::time::Duration::from_secs(3600));
    run_options.cwd = Some(ctx.root().to_path_buf());
    run_options.env = b.push_env().into_iter().collect();
    if !ctx.is_plan() {
        for n in b.secret_names() {
            run_options.env.push((n.clone(), ctx.secret(&n)?.expose().clone()));
        }
    }
    let options = PushOptions { tag_as_dirty: true, ..options.clone() };
    ctx.execute_with(&Target::Local, &b.push(&options), &run_options)?;
    Ok(())
}
