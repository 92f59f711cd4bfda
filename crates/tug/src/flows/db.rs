//! `tug db backup|list|verify|restore|download`, and the backup before every deploy.
//!
//! The work happens next to the data: `tug-db` runs on the database's host in a short-lived
//! container from Tug's own image (`x-tug.db.image`) that mounts the app's volumes at the same
//! paths as the app does, so nothing depends on the app's image. Each `tug-db` command ends
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
//!     image: tug/tug-db:0.1.0                   # the image holding `tug-db`
//!     host: 10.0.0.1                            # default: the primary role's first host
//!     before_deploy: true                       # back up before every deploy
//!     copy_to: [10.0.0.2]                       # servers that get a verified copy of each backup
//!     copy_dir: /var/backups/zen_miner          # where on them (default /var/backups/<service>)
//! ```
//!
//! Copies go over SSH through this machine (`tug-db send` on the database's host piped into
//! `tug-db receive` on the other server, which verifies the copy before putting it in place and
//! keeps the newest `keep` there too); the servers need no SSH access to each other.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use tug_commands::Command;
use tug_commands::docker::docker;
use tug_commands::shell::{escape_shell_value, single_quote};
use tug_config::yaml::Node;
use tug_exec::{RunOptions, Target};

use crate::context::Context;
use crate::events::{Event, LOCAL};
use crate::flows::error::{FlowError, FlowResult};
use crate::flows::step::{Fact, host};
use crate::flows::{app, audit, image_delivery, lock};

/// Backups kept per database unless `x-tug.db.keep` says otherwise.
pub const DEFAULT_KEEP: i64 = 10;

/// How long a backup or restore may take on the server.
const TOOL_TIMEOUT: Duration = Duration::from_secs(3600);

/// The image holding `tug-db`, unless `x-tug.db.image` names another.
pub fn default_image() -> String {
    format!("tug/tug-db:{}", env!("CARGO_PKG_VERSION"))
}

/// `x-tug.db`, read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The database's path inside the app's container.
    pub path: Option<String>,
    /// The backup directory inside the app's container.
    pub backups: Option<String>,
    /// Retention.
    pub keep: i64,
    /// The tool's image.
    pub image: String,
    /// The host holding the database.
    pub host: Option<String>,
    /// Whether deploys take a backup first.
    pub before_deploy: bool,
    /// Servers that get a copy of every backup.
    pub copy_to: Vec<String>,
    /// Where the copies go on them.
    pub copy_dir: String,
    /// Whether `x-tug.db` is there at all.
    pub configured: bool,
}

fn setting_error(key: &str, node: &Node, what: &str) -> FlowError {
    FlowError::Invalid(format!("x-tug.db.{key} ({}) {what}", node.to_ruby_s()))
}

/// Reads `x-tug.db`; wrong types are errors that name the key.
pub fn settings(config: &tug_config::Config) -> FlowResult<Settings> {
    let db = config.root_key("x-tug").and_then(|x| x.get("db")).filter(|n| !n.is_null());
    let text = |key: &str| -> FlowResult<Option<String>> {
        match db.and_then(|d| d.get(key)).filter(|n| !n.is_null()) {
            None => Ok(None),
            Some(n) if n.is_stringish() => Ok(Some(n.to_ruby_s())),
            Some(n) => Err(setting_error(key, n, "must be a string")),
        }
    };
    let path = text("path")?;
    if let (Some(p), Some(n)) = (&path, db.and_then(|d| d.get("path")))
        && !p.starts_with('/')
    {
        return Err(setting_error(
            "path",
            n,
            "must be an absolute path inside the app's container (e.g. /rails/storage/production.sqlite3)",
        ));
    }
    let keep = match db.and_then(|d| d.get("keep")).filter(|n| !n.is_null()) {
        None => DEFAULT_KEEP,
        Some(n) => match n.as_int() {
            Some(k) if k >= 1 => k,
            _ => return Err(setting_error("keep", n, "must be a whole number of at least 1")),
        },
    };
    let before_deploy = match db.and_then(|d| d.get("before_deploy")).filter(|n| !n.is_null()) {
        None => true,
        Some(n) => n.as_bool().ok_or_else(|| setting_error("before_deploy", n, "must be true or false"))?,
    };
    let copy_to = match db.and_then(|d| d.get("copy_to")).filter(|n| !n.is_null()) {
        None => Vec::new(),
        Some(n) => match n.as_seq() {
            Some(items) if items.iter().all(Node::is_stringish) => items.iter().map(Node::to_ruby_s).collect(),
            _ => return Err(setting_error("copy_to", n, "must be a list of hosts")),
        },
    };
    let copy_dir = text("copy_dir")?.unwrap_or_else(|| format!("/var/backups/{}", config.service));
    if !copy_dir.starts_with('/') {
        return Err(FlowError::Invalid(format!(
            "x-tug.db.copy_dir ({copy_dir}) must be an absolute path on the servers that get copies"
        )));
    }
    Ok(Settings {
        path,
        backups: text("backups")?,
        keep,
        image: text("image")?.unwrap_or_else(default_image),
        host: text("host")?,
        before_deploy,
        copy_to,
        copy_dir,
        configured: db.is_some(),
    })
}

/// A volume of the app: the spec as written and the path it is mounted at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    /// `name:/path[:options]`.
    pub spec: String,
    /// `/path`.
    pub mount: String,
}

/// The primary role's volumes (root `volumes:` and the role's `options.volume`).
pub fn volumes(config: &tug_config::Config) -> Vec<Volume> {
    let specs = match config.primary_role() {
        Some(role) => tug_config::advice::role_volumes(config, role),
        None => config.volumes(),
    };
    specs
        .into_iter()
        .filter_map(|spec| {
            let mount = spec.split(':').nth(1)?.trim_end_matches('/').to_string();
            (!mount.is_empty()).then(|| Volume { spec: spec.clone(), mount })
        })
        .collect()
}

/// The volume holding `path` (the deepest mount that contains it).
fn volume_of<'v>(volumes: &'v [Volume], path: &str) -> Option<&'v Volume> {
    volumes.iter().filter(|v| path.starts_with(&format!("{}/", v.mount))).max_by_key(|v| v.mount.len())
}

/// Where and how `tug-db` runs, with the database found.
#[derive(Debug, Clone)]
pub struct Place {
    /// The host.
    pub host: String,
    /// The tool's image.
    pub image: String,
    /// Every app volume (mounted in the tool's container as in the app's).
    pub volumes: Vec<Volume>,
    /// The database's path (a placeholder in offline plans when it must be looked up).
    pub path: String,
    /// The backup directory.
    pub backups: String,
    /// Retention.
    pub keep: i64,
    /// Servers that get a copy of every backup.
    pub copy_to: Vec<String>,
    /// Where the copies go on them.
    pub copy_dir: String,
}

impl Place {
    /// `docker run --rm --network none --volume …  IMAGE tug-db ARGS`.
    pub fn tool(&self, args: &[&str]) -> Command {
        let mut cmd = docker(["run", "--rm", "--network", "none"]);
        for v in &self.volumes {
            cmd = cmd.args(["--volume".to_string(), escape_shell_value(&v.spec)]);
        }
        cmd.arg(escape_shell_value(&self.image)).arg("tug-db").args(args.iter().map(|a| escape_shell_value(a)))
    }

    /// A backup named on the command line: a bare name is in the backup directory.
    pub fn backup_path(&self, file: &str) -> String {
        if file.starts_with('/') { file.to_string() } else { format!("{}/{file}", self.backups.trim_end_matches('/')) }
    }

    /// The database's file name without `.sqlite3`.
    pub fn stem(&self) -> String {
        tug_db::catalog::stem_of(Path::new(&self.path))
    }
}

fn db_host(ctx: &Context, s: &Settings) -> FlowResult<String> {
    if let Some(h) = &s.host {
        return Ok(h.clone());
    }
    if ctx.specifics.hosts.len() == 1 {
        return Ok(ctx.specifics.hosts[0].clone());
    }
    ctx.config
        .primary_host()
        .ok_or_else(|| FlowError::Invalid("no primary host for the database: set x-tug.db.host".into()))
}

/// Finds the database: `x-tug.db.path`, else a SQLite file in the app's volumes (looked up on
/// the host; a placeholder in offline plans). `None` when the app has no volume, or the volumes
/// hold no SQLite database yet.
pub fn locate(ctx: &Context) -> FlowResult<Option<Place>> {
    let s = settings(ctx.config)?;
    let vols = volumes(ctx.config);
    if vols.is_empty() {
        if s.configured {
            return Err(FlowError::Invalid(
                "x-tug.db is set but the app has no `volumes:`; the database must live on a volume to survive deploys"
                    .into(),
            ));
        }
        return Ok(None);
    }
    let h = db_host(ctx, &s)?;
    let mut place = Place {
        host: h.clone(),
        image: s.image.clone(),
        volumes: vols.clone(),
        path: String::new(),
        backups: String::new(),
        keep: s.keep,
        copy_to: s.copy_to.clone(),
        copy_dir: s.copy_dir.clone(),
    };
    let path = match &s.path {
        Some(p) => {
            if volume_of(&vols, p).is_none() {
                let mounts: Vec<&str> = vols.iter().map(|v| v.mount.as_str()).collect();
                return Err(FlowError::Invalid(format!(
                    "x-tug.db.path {p} is not inside any of the app's volumes ({}): a database outside a volume is lost on every deploy",
                    mounts.join(", ")
                )));
            }
            p.clone()
        }
        None => {
            let mounts: Vec<&str> = vols.iter().map(|v| v.mount.as_str()).collect();
            let mut args = vec!["find"];
            args.extend(mounts.iter().copied());
            // A plan runs the tool only where its image already is (else the plan delivers it,
            // and the answer is a placeholder).
            let about = "SQLite database in the app's volumes";
            let found = if ctx.is_plan()
                && ctx.check(&host(&h), &image_delivery::image_id(&place.image), "tug-db image")? != Some(true)
            {
                Fact::Unknown(format!("<{about}>"))
            } else {
                ctx.query(&host(&h), &place.tool(&args), about)?
            };
            match found {
                Fact::Unknown(p) => p,
                Fact::Known(out) => {
                    let dbs: Vec<String> = tug_db::parse_summary(&out)
                        .and_then(|v| v.get("databases").and_then(Value::as_array).cloned())
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|d| d.as_str().map(str::to_string))
                        .collect();
                    let Some(first) = dbs.iter().find(|d| d.ends_with(".sqlite3")).or(dbs.first()).cloned() else {
                        return Ok(None);
                    };
                    if dbs.len() > 1 {
                        ctx.warn(
                            Some(&h),
                            format!(
                                "found {} SQLite databases ({}); backing up {first} (set x-tug.db.path to choose)",
                                dbs.len(),
                                dbs.join(", ")
                            ),
                        );
                    }
                    first
                }
            }
        }
    };
    let base = volume_of(&vols, &path).map_or_else(|| vols[0].mount.clone(), |v| v.mount.clone());
    place.backups = s.backups.clone().unwrap_or_else(|| format!("{base}/backups"));
    place.path = path;
    Ok(Some(place))
}

/// The tool's image, for [`image_delivery`].
fn tool_image(image: &str) -> image_delivery::Wanted<'_> {
    image_delivery::Wanted {
        image,
        what: "tug-db image",
        build_hint: "build it with `crates/tug-db/image/build`, or set x-tug.db.image",
    }
}

/// The database, with the tool's image on its host (sent there when it cannot be pulled).
fn require(ctx: &Context) -> FlowResult<Place> {
    let s = settings(ctx.config)?;
    if !volumes(ctx.config).is_empty() {
        image_delivery::require(ctx, &db_host(ctx, &s)?, &tool_image(&s.image))?;
    }
    locate(ctx)?.ok_or_else(|| {
        FlowError::Invalid("no SQLite database found: the app has no volume holding one (set x-tug.db.path to the database's path inside a volume)".into())
    })
}

/// Shows the human lines of a tool's output (not its summary line).
fn show(ctx: &Context, h: &str, stdout: &str) -> Option<Value> {
    let text: Vec<&str> =
        stdout.lines().filter(|l| !l.starts_with(tug_db::SUMMARY_PREFIX) && !l.trim().is_empty()).collect();
    if !text.is_empty() && !ctx.is_plan() {
        ctx.emit(Event::Output { target: h.to_string(), text: text.join("\n") });
    }
    tug_db::parse_summary(stdout)
}

fn run_tool(ctx: &Context, place: &Place, args: &[&str]) -> FlowResult<Option<Value>> {
    let out = ctx.execute_with(&host(&place.host), &place.tool(args), &RunOptions::with_timeout(TOOL_TIMEOUT))?;
    Ok(show(ctx, &place.host, &out.stdout))
}

fn take_backup(
    ctx: &Context,
    place: &Place,
    reason: &str,
    version: Option<&str>,
    if_exists: bool,
) -> FlowResult<Option<Value>> {
    let keep = place.keep.to_string();
    let mut args = vec![
        "backup",
        place.path.as_str(),
        "--dir",
        place.backups.as_str(),
        "--keep",
        keep.as_str(),
        "--reason",
        reason,
    ];
    if let Some(v) = version.filter(|v| !v.is_empty()) {
        args.extend(["--version", v]);
    }
    if if_exists {
        args.push("--if-exists");
    }
    audit::record(ctx, &place.host, &format!("Backed up database {} ({reason})", place.path), None)?;
    let summary = run_tool(ctx, place, &args)?;
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
        image_delivery::require(ctx, target, &tool_image(&place.image))?;
        ctx.phase(format!("Copy {file} from {} to {target}:{}, verified there...", place.host, place.copy_dir));
        let dir = place.copy_dir.as_str();
        let keep = place.keep.to_string();
        let receive = docker(["run", "--rm", "-i", "--network", "none", "--volume"])
            .arg(escape_shell_value(&format!("{dir}:{dir}")))
            .arg(escape_shell_value(&place.image))
            .arg("tug-db")
            .args(["receive", "--dir", dir, "--keep", &keep].iter().map(|a| escape_shell_value(a)));
        let out =
            ctx.stream(target, &ssh_from(ctx, &place.host, &place.tool(&["send", file])), &receive, TOOL_TIMEOUT)?;
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
/// volume (and `x-tug.db.before_deploy` is not false). The tool's image is sent to the host
/// when it is missing there and cannot be pulled. A first deploy, with no database yet, takes
/// none; an image that cannot be had at all (not on the host, not pullable, not on this
/// machine) is a warning, not a failed deploy; a failed backup (the integrity check, say)
/// stops the deploy.
pub fn before_deploy(ctx: &Context, version: &str) -> FlowResult<()> {
    let s = settings(ctx.config)?;
    let x = tug_config::extension::XTug::from_config(ctx.config);
    let sqlite_volume = ctx.config.primary_role().and_then(|r| tug_config::advice::sqlite_volume(ctx.config, r, &x));
    if !s.before_deploy || sqlite_volume.is_none() {
        return Ok(());
    }
    ctx.phase(format!("Back up the SQLite database before deploying {version} (skip with --skip-backup)..."));
    let h = db_host(ctx, &s)?;
    if let image_delivery::Delivery::Unavailable(reason) = image_delivery::ensure(ctx, &h, &tool_image(&s.image))? {
        ctx.warn(None, format!("no backup before this deploy: {reason}; or pass --skip-backup"));
        return Ok(());
    }
    match locate(ctx)? {
        Some(place) => take_backup(ctx, &place, "pre-deploy", Some(version), true).map(|_| ()),
        None => {
            ctx.phase("No SQLite database in the app's volumes yet; no backup needed");
            Ok(())
        }
    }
}

/// `db list`: the backups on the database's host, newest first.
pub fn list(ctx: &Context) -> FlowResult<()> {
    let place = require(ctx)?;
    let out = ctx.query(&host(&place.host), &place.tool(&["list", "--dir", &place.backups]), "backups")?;
    if let Some(text) = out.known() {
        show(ctx, &place.host, text);
    }
    Ok(())
}

/// `db verify FILE`: checksum, decompression, integrity check and row counts, on the host.
pub fn verify(ctx: &Context, file: &str) -> FlowResult<()> {
    let place = require(ctx)?;
    let path = place.backup_path(file);
    let out = ctx.query(&host(&place.host), &place.tool(&["verify", &path]), "verify")?;
    if let Some(text) = out.known() {
        show(ctx, &place.host, text);
    }
    Ok(())
}

/// The newest backup taken before deploying `version`, by listing the host's backups.
fn before_deploy_backup(ctx: &Context, place: &Place, version: &str) -> FlowResult<String> {
    let out = ctx.query(
        &host(&place.host),
        &place.tool(&["list", "--dir", &place.backups, "--json"]),
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
        let checked = ctx.query(&host(&h), &place.tool(&["verify", &backup]), "verify")?;
        if let Some(text) = checked.known() {
            show(ctx, &h, text);
        }
        // Start again the version that runs now, whatever git says.
        let role_name = ctx.specifics.roles_on(&h).into_iter().next().unwrap_or_else(|| ctx.config.primary_role_name());
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
        let swapped = run_tool(ctx, &place, &["restore", &backup, "--to", &place.path, "--safety-dir", &place.backups]);
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
    let args = crate::ssh_options::ssh_options(ctx.config).standalone_args();
    let word = |a: &String| {
        if a.chars().all(|c| c.is_ascii_alphanumeric() || "-_=./:@,+".contains(c)) {
            a.clone()
        } else {
            single_quote(a)
        }
    };
    Command::new(["ssh"])
        .args(args.iter().map(word))
        .args([single_quote(h), "--".to_string()])
        .arg(single_quote(&remote.to_shell()))
}

/// [`ssh_from`] with its output written to a local file.
fn ssh_to_file(ctx: &Context, h: &str, remote: &Command, local: &Path) -> Command {
    ssh_from(ctx, h, remote).args([">".to_string(), single_quote(&local.display().to_string())])
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
            &ssh_to_file(ctx, &h, &place.tool(&["cat", &r]), l),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn place() -> Place {
        Place {
            host: "h".into(),
            image: "tug/tug-db:1".into(),
            volumes: vec![Volume { spec: "app_storage:/rails/storage".into(), mount: "/rails/storage".into() }],
            path: "/rails/storage/production.sqlite3".into(),
            backups: "/rails/storage/backups".into(),
            keep: 10,
            copy_to: Vec::new(),
            copy_dir: "/var/backups/zen_miner".into(),
        }
    }

    #[test]
    fn tool_commands_quote_every_value() {
        let cmd = place().tool(&["verify", "/rails/storage/backups/x $(id).zst"]);
        assert_eq!(
            cmd.to_redacted(),
            "docker run --rm --network none --volume \"app_storage:/rails/storage\" \"tug/tug-db:1\" tug-db \"verify\" \"/rails/storage/backups/x \\$(id).zst\""
        );
        assert_eq!(place().backup_path("a.zst"), "/rails/storage/backups/a.zst");
        assert_eq!(place().backup_path("/x/a.zst"), "/x/a.zst");
        assert_eq!(place().stem(), "production");
    }

    #[test]
    fn the_deepest_volume_holds_the_path() {
        let v = vec![
            Volume { spec: "a:/data".into(), mount: "/data".into() },
            Volume { spec: "b:/data/db".into(), mount: "/data/db".into() },
        ];
        assert_eq!(volume_of(&v, "/data/db/x.sqlite3").map(|v| v.spec.as_str()), Some("b:/data/db"));
        assert_eq!(volume_of(&v, "/data/x.sqlite3").map(|v| v.spec.as_str()), Some("a:/data"));
        assert!(volume_of(&v, "/database/x.sqlite3").is_none());
    }
}
