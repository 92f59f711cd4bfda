//! Where the database is: the app's volumes, the host holding them, the SQLite file in them
//! (`x-tug.db.path`, else asked of `tug-db find` on the host), and the tool's image there
//! ([`super::helper`]).

use std::path::Path;

use serde_json::Value;
use tug_commands::db::TugDb;
use tug_config::x_tug::DbSettings;

use super::helper;
use crate::flows::context::Context;
use crate::flows::error::{FlowError, FlowResult};
use crate::flows::step::{Fact, host};

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
    /// `tug-db` in a container of its image that mounts every app volume.
    pub fn tool(&self) -> TugDb<'_> {
        TugDb { image: &self.image, volumes: self.volumes.iter().map(|v| v.spec.as_str()).collect() }
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

/// The host holding the database: `x-tug.db.host`, the only selected host, or the primary.
pub fn db_host(ctx: &Context, s: &DbSettings) -> FlowResult<String> {
    if let Some(h) = &s.host {
        return Ok(h.clone());
    }
    if ctx.selection.hosts.len() == 1 {
        return Ok(ctx.selection.hosts[0].clone());
    }
    ctx.config
        .primary_host()
        .ok_or_else(|| FlowError::Invalid("no primary host for the database: set x-tug.db.host".into()))
}

/// Finds the database: `x-tug.db.path`, else a SQLite file in the app's volumes (looked up on
/// the host; a placeholder in offline plans). `None` when the app has no volume, or the volumes
/// hold no SQLite database yet.
pub fn locate(ctx: &Context) -> FlowResult<Option<Place>> {
    let s = &ctx.config.x_tug.db;
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
    let h = db_host(ctx, s)?;
    let mut place = Place {
        host: h.clone(),
        image: helper::image_name(ctx)?,
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
        None => match find(ctx, &place, &vols)? {
            Some(found) => found,
            None => return Ok(None),
        },
    };
    let base = volume_of(&vols, &path).map_or_else(|| vols[0].mount.clone(), |v| v.mount.clone());
    place.backups = s.backups.clone().unwrap_or_else(|| format!("{base}/backups"));
    place.path = path;
    Ok(Some(place))
}

/// Asks `tug-db find` on the host for the SQLite databases in the volumes: the first
/// `.sqlite3` file (or the first found), a placeholder when the plan cannot ask.
fn find(ctx: &Context, place: &Place, vols: &[Volume]) -> FlowResult<Option<String>> {
    let h = &place.host;
    let mounts: Vec<&str> = vols.iter().map(|v| v.mount.as_str()).collect();
    // A plan runs the tool only where its image already is (else the plan delivers it,
    // and the answer is a placeholder).
    let about = "SQLite database in the app's volumes";
    let found = if ctx.is_plan()
        && ctx.check(&host(h), &tug_commands::image_delivery::image_id(&place.image), "tug-db image")? != Some(true)
    {
        Fact::Unknown(format!("<{about}>"))
    } else {
        ctx.query(&host(h), &place.tool().find(&mounts), about)?
    };
    let out = match found {
        Fact::Unknown(p) => return Ok(Some(p)),
        Fact::Known(out) => out,
    };
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
            Some(h),
            format!(
                "found {} SQLite databases ({}); backing up {first} (set x-tug.db.path to choose)",
                dbs.len(),
                dbs.join(", ")
            ),
        );
    }
    Ok(Some(first))
}

/// The database, with the tool's image on its host (made there, or for `x-tug.db.image`
/// pulled or sent).
pub fn require(ctx: &Context) -> FlowResult<Place> {
    let s = &ctx.config.x_tug.db;
    if !volumes(ctx.config).is_empty() {
        helper::ensure(ctx, &db_host(ctx, s)?)?;
    }
    locate(ctx)?.ok_or_else(|| {
        FlowError::Invalid("no SQLite database found: the app has no volume holding one (set x-tug.db.path to the database's path inside a volume)".into())
    })
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
        let cmd = place().tool().verify("/rails/storage/backups/x $(id).zst");
        assert_eq!(
            cmd.to_redacted(),
            "docker run --rm --pull never --network none --volume \"app_storage:/rails/storage\" \"tug/tug-db:1\" tug-db \"verify\" \"/rails/storage/backups/x \\$(id).zst\""
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
