//! `tug db backup|list|verify|restore|download`, and the backup before every deploy.
//!
//! The work happens next to the data: `tug-db` runs on the database's host in a short-lived
//! container that mounts the app's volumes at the same paths as the app does, so nothing
//! depends on the app's image. Its image is Tug's own helper image, made on the host from the
//! running tug and never pulled ([`helper`]), or the one `x-tug.db.image` names. Each `tug-db` command ends
//! with one summary line (`TUG-DB {json}`), parsed here.
//!
//! Configuration, all optional:
//!
//! ```yaml
//! x-tug:
//!   db:
//!     path: /rails/storage/production.sqlite3   # default: the SQLite file found in the volumes
//!     backups: /rails/storage/backups           # default: `backups` in the volume holding it
//!     keep: 10                                  # retention, per database
//!     image: registry.example/me/tug-db:1       # default: made on the host from this tug
//!     host: 10.0.0.1                            # default: the primary role's first host
//!     before_deploy: true                       # back up before every deploy
//!     copy_to: [10.0.0.2]                       # servers that get a verified copy of each backup
//!     copy_dir: /var/backups/zen_miner          # where on them (default /var/backups/<service>)
//! ```
//!
//! Copies go over SSH through this machine (`tug-db send` on the database's host piped into
//! `tug-db receive` on the other server, which verifies the copy before putting it in place and
//! keeps the newest `keep` there too); the servers need no SSH access to each other.

pub mod helper;
mod place;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use tug_commands::Command;
use tug_commands::db::{Backup, receive, ssh_pipe};
use tug_exec::{RunOptions, Target};

pub use self::place::{Place, Volume, locate, volumes};
use self::place::{db_host, require};
use crate::events::{Event, LOCAL};
use crate::flows::context::Context;
use crate::flows::error::{FlowError, FlowResult};
use crate::flows::step::{Fact, host};
use crate::flows::{app, audit, lock};

/// How long a backup or restore may take on the server.
const TOOL_TIMEOUT: Duration = Duration::from_secs(3600);

/// Shows the human lines of a tool's output (not its summary line).
fn show(ctx: &Context, h: &str, stdout: &str) -> Option<Value> {
    let text: Vec<&str> =
        stdout.lines().filter(|l| !l.starts_with(tug_db::SUMMARY_PREFIX) && !l.trim().is_empty()).collect();
    if !text.is_empty() && !ctx.is_plan() {
        ctx.emit(Event::Output { target: h.to_string(), text: text.join("\n") });
    }
    tug_db::parse_summary(stdout)
}

fn run_tool(ctx: &Context, place: &Place, command: &Command) -> FlowResult<Option<Value>> {
    let out = ctx.execute_with(&host(&place.host), command, &RunOptions::with_timeout(TOOL_TIMEOUT))?;
    Ok(show(ctx, &place.host, &out.stdout))
}

fn take_backup(
    ctx: &Context,
    place: &Place,
    reason: &str,
    version: Option<&str>,
    if_exists: bool,
) -> FlowResult<Option<Value>> {
    let backup = place.tool().backup(&Backup {
        path: &place.path,
        dir: &place.backups,
        keep: place.keep,
        reason,
        version,
        if_exists,
    });
    audit::record(ctx, &place.host, &format!("Backed up database {} ({reason})", place.path), None)?;
    let summary = run_tool(ctx, place, &backup)?;
    let made = match &summary {
        Some(s) => s.get("file").and_then(Value::as_str).map(str::to_string),
        None if ctx.is_plan() => Some("<the backup just taken>".to_string()),
        None => None,
    };
    if let Some(file) = made {
        copy_off(ctx, place, &file)?;
    }
    Ok(summary)
}

/// Copies a backup to each of `x-tug.db.copy_to` over SSH through this machine: `tug-db send`
/// on the database's host into `tug-db receive` there, which verifies it before putting it in
/// place (and applies retention).
fn copy_off(ctx: &Context, place: &Place, file: &str) -> FlowResult<()> {
    for target in &place.copy_to {
        helper::ensure(ctx, target)?;
        ctx.phase(format!("Copy {file} from {} to {target}:{}, verified there...", place.host, place.copy_dir));
        let receive = receive(&place.image, &place.copy_dir, place.keep);
        let out = ctx.stream(target, &ssh_from(ctx, &place.host, &place.tool().send(file)), &receive, TOOL_TIMEOUT)?;
        show(ctx, target, &out.stdout);
    }
    Ok(())
}

/// `db backup`: a backup now, named with the app version, then retention.
pub fn backup(ctx: &Context) -> FlowResult<()> {
    let place = require(ctx)?;
    ctx.phase(format!("Back up {} on {} into {}...", place.path, place.host, place.backups));
    let version = ctx.version_opt();
    lock::with_lock(ctx, || take_backup(ctx, &place, "manual", version.as_deref(), false)).map(|_| ())
}

/// The backup before a deploy of `version`: taken when the app keeps a SQLite database on a
/// volume (and `x-tug.db.before_deploy` is not false), with the tool's image made (or, for
/// `x-tug.db.image`, pulled or sent) on the host first. A first deploy, with no database yet,
/// takes none. Anything else that prevents the backup stops the deploy before any server
/// changes what it serves: `--skip-backup` deploys without one.
pub fn before_deploy(ctx: &Context, version: &str) -> FlowResult<()> {
    let s = &ctx.config.x_tug.db;
    let sqlite_volume =
        ctx.config.primary_role().and_then(|r| tug_config::advice::sqlite_volume(ctx.config, r, &ctx.config.x_tug));
    if !s.before_deploy || sqlite_volume.is_none() {
        return Ok(());
    }
    ctx.phase(format!("Back up the SQLite database before deploying {version} (skip with --skip-backup)..."));
    let taken = (|| {
        let h = db_host(ctx, s)?;
        helper::ensure(ctx, &h)?;
        match locate(ctx)? {
            Some(place) => take_backup(ctx, &place, "pre-deploy", Some(version), true).map(|_| ()),
            None => {
                ctx.phase("No SQLite database in the app's volumes yet; no backup needed");
                Ok(())
            }
        }
    })();
    taken.map_err(|e| {
        let why = e.to_string();
        let line = format!("no backup before deploying {version}, so nothing was deployed: {why} (pass --skip-backup to deploy without a backup)");
        if e.is_invalid_input() { FlowError::Invalid(line) } else { FlowError::msg(line) }
    })
}

/// `db list`: the backups on the database's host, newest first.
pub fn list(ctx: &Context) -> FlowResult<()> {
    let place = require(ctx)?;
    let out = ctx.query(&host(&place.host), &place.tool().list(&place.backups, false), "backups")?;
    if let Some(text) = out.known() {
        show(ctx, &place.host, text);
    }
    Ok(())
}

/// `db verify FILE`: checksum, decompression, integrity check and row counts, on the host.
pub fn verify(ctx: &Context, file: &str) -> FlowResult<()> {
    let place = require(ctx)?;
    let path = place.backup_path(file);
    let out = ctx.query(&host(&place.host), &place.tool().verify(&path), "verify")?;
    if let Some(text) = out.known() {
        show(ctx, &place.host, text);
    }
    Ok(())
}

/// The newest backup taken before deploying `version`, by listing the host's backups.
fn before_deploy_backup(ctx: &Context, place: &Place, version: &str) -> FlowResult<String> {
    let out = ctx.query(
        &host(&place.host),
        &place.tool().list(&place.backups, true),
        &format!("backup taken before deploying {version}"),
    )?;
    let Fact::Known(text) = out else { return Ok(out.text().to_string()) };
    let listing: Value = serde_json::from_str(text.trim())
        .map_err(|e| FlowError::msg(format!("unreadable backup listing from {}: {e}", place.host)))?;
    let stem = place.stem();
    listing
        .get("backups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|b| b["reason"] == "pre-deploy" && b["version"] == version && b["stem"] == stem.as_str())
        .and_then(|b| b["path"].as_str().map(str::to_string))
        .ok_or_else(|| {
            FlowError::Invalid(format!(
                "no backup of {} taken before deploying {version} on {} (`tug db list` shows them)",
                place.path, place.host
            ))
        })
}

fn report_counts(ctx: &Context, h: &str, summary: &Value) {
    let (Some(after), before) =
        (summary.get("after").and_then(Value::as_object), summary.get("before").and_then(Value::as_object))
    else {
        return;
    };
    let mut lines = vec!["rows per table: before → after".to_string()];
    for (table, n) in after {
        let was = before.and_then(|b| b.get(table)).map_or("-".to_string(), |v| v.to_string());
        lines.push(format!("  {table}: {was} → {n}"));
    }
    if let Some(b) = before {
        for (table, n) in b.iter().filter(|(t, _)| !after.contains_key(*t)) {
            lines.push(format!("  {table}: {n} → -"));
        }
    }
    ctx.emit(Event::Output { target: h.to_string(), text: lines.join("\n") });
}

/// `db restore FILE` / `db restore --before-deploy VERSION`: verify the backup, stop the
/// app's writers, swap the backup in (safety backup first, WAL handled), start the app again,
/// report row counts. A backup that fails verification is refused before the app stops.
pub fn restore(ctx: &Context, file: Option<&str>, before_deploy_version: Option<&str>) -> FlowResult<()> {
    let place = require(ctx)?;
    let h = place.host.clone();
    lock::with_lock(ctx, || {
        let backup = match (file, before_deploy_version) {
            (Some(f), _) => place.backup_path(f),
            (None, Some(v)) => before_deploy_backup(ctx, &place, v)?,
            (None, None) => {
                return Err(FlowError::Invalid(
                    "name a backup (see `tug db list`) or pass --before-deploy VERSION".into(),
                ));
            }
        };
        ctx.phase(format!("Verify {backup} on {h}..."));
        let checked = ctx.query(&host(&h), &place.tool().verify(&backup), "verify")?;
        if let Some(text) = checked.known() {
            show(ctx, &h, text);
        }
        // Start again the version that runs now, whatever git says.
        let role_name = ctx.selection.roles_on(&h).into_iter().next().unwrap_or_else(|| ctx.config.primary_role_name());
        let role = app::boot::role(ctx, &role_name)?;
        let running = ctx.query_lenient(
            &host(&h),
            &tug_commands::app::AppCommands::new(ctx.config, role, &h, "").current_running_version(),
            "running version",
        )?;
        let previous = ctx.set_version(Some(running.text().to_string()));
        ctx.phase("Stop the app (its writers) before the swap...");
        app::stop(ctx)?;
        ctx.phase(format!("Restore {backup} to {} on {h}...", place.path));
        audit::record(ctx, &h, &format!("Restored database {} from {backup}", place.path), None)?;
        let swapped = run_tool(ctx, &place, &place.tool().restore(&backup, &place.path, &place.backups));
        ctx.phase("Start the app again...");
        let started = app::start(ctx);
        ctx.set_version(previous);
        let summary = swapped?;
        started?;
        if let Some(s) = summary {
            report_counts(ctx, &h, &s);
        }
        Ok(())
    })
}

/// `ssh … HOST -- 'REMOTE'` without a terminal, so bytes pass unchanged, with the
/// options Tug's own connections use (`ssh.config`, keys, proxy, user, port) but no shared
/// control socket (its path changes with every run).
fn ssh_from(ctx: &Context, h: &str, remote: &Command) -> Command {
    ssh_pipe(&crate::ssh_options::ssh_options(ctx.config).standalone_args(), h, remote)
}

/// [`ssh_from`] with its output written to a local file.
fn ssh_to_file(ctx: &Context, h: &str, remote: &Command, local: &Path) -> Command {
    tug_commands::db::into_file(ssh_from(ctx, h, remote), &local.display().to_string())
}

/// `db download FILE [--to DIR]`: copies a backup and its manifest from the host over SSH
/// into a hidden staging directory, verifies it here (checksum, decompression, integrity check,
/// row counts), then moves it into `DIR` (manifest first).
pub fn download(ctx: &Context, file: &str, to: &Path) -> FlowResult<()> {
    let place = require(ctx)?;
    let h = place.host.clone();
    let remote = place.backup_path(file);
    let name =
        Path::new(&remote).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| file.to_string());
    let dir = if to.is_absolute() { to.to_path_buf() } else { ctx.root().join(to) };
    let staging = dir.join(format!(".tug-download-{name}"));
    ctx.phase(format!("Download {remote} from {h} into {}...", dir.display()));
    if !ctx.is_plan() {
        std::fs::create_dir_all(&staging)
            .map_err(|e| FlowError::msg(format!("cannot create {}: {e}", staging.display())))?;
    }
    let local_data = staging.join(&name);
    let local_manifest = tug_db::Manifest::path_for(&local_data);
    for (r, l) in [(remote.clone(), &local_data), (format!("{remote}.json"), &local_manifest)] {
        ctx.execute_with(
            &Target::Local,
            &ssh_to_file(ctx, &h, &place.tool().cat(&r), l),
            &RunOptions::with_timeout(TOOL_TIMEOUT),
        )?;
    }
    ctx.phase(format!("Verify {name} on this machine..."));
    if ctx.is_plan() {
        return Ok(());
    }
    let cleanup = || {
        let _ = std::fs::remove_dir_all(&staging);
    };
    let report = match tug_db::verify(&local_data) {
        Ok(r) => r,
        Err(e) => {
            cleanup();
            return Err(FlowError::msg(format!("the downloaded copy of {name} does not verify ({e}); nothing kept")));
        }
    };
    let final_data: PathBuf = dir.join(&name);
    let final_manifest = tug_db::Manifest::path_for(&final_data);
    let moved =
        std::fs::rename(&local_manifest, &final_manifest).and_then(|()| std::fs::rename(&local_data, &final_data));
    cleanup();
    moved.map_err(|e| FlowError::msg(format!("cannot move the download into {}: {e}", dir.display())))?;
    let tables: Vec<String> = report.tables.iter().map(|(t, n)| format!("{t}={n}")).collect();
    ctx.emit(Event::Output {
        target: LOCAL.to_string(),
        text: format!(
            "{} verified (sha256 {}, integrity ok, {})",
            final_data.display(),
            report.manifest.sha256,
            tables.join(", ")
        ),
    });
    Ok(())
}
