//! The backup directory: manifests, listing, retention, and picking a backup.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::EXTENSION;
use crate::error::{DbError, DbResult, io};
use crate::files::{self, with_suffix};

/// What a backup holds, written beside it as `<backup file>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Manifest format (1).
    pub format: u32,
    /// The backup file's name.
    pub file: String,
    /// The database's name without `.sqlite3` (backups are grouped by it).
    pub stem: String,
    /// The database's path where the backup was taken.
    pub database: String,
    /// UTC time the backup began, `2025-01-02T03:04:05.678901Z`.
    pub created_at: String,
    /// The app version named at backup time.
    pub version: Option<String>,
    /// Why: `manual`, `pre-deploy`, `pre-restore`.
    pub reason: String,
    /// `zstd`.
    pub compression: String,
    /// SHA-256 of the compressed file.
    pub sha256: String,
    /// Size of the compressed file.
    pub bytes: u64,
    /// Size of the database inside.
    pub sqlite_bytes: u64,
    /// Rows per table.
    pub tables: BTreeMap<String, i64>,
    /// `PRAGMA integrity_check` result at backup time (`ok`).
    pub integrity: String,
}

impl Manifest {
    /// The manifest beside a backup file.
    pub fn path_for(backup: &Path) -> PathBuf {
        with_suffix(backup, ".json")
    }

    /// Writes the manifest to a hidden partial path, synced to disk (made visible by
    /// [`publish`]).
    pub fn write_partial(&self, path: &Path) -> DbResult<()> {
        let json = serde_json::to_vec_pretty(self).map_err(|e| DbError::Invalid(format!("manifest: {e}")))?;
        std::fs::write(path, json).map_err(io("write", path))?;
        files::sync_file(path)
    }

    /// Reads the manifest of a backup file.
    pub fn read_for(backup: &Path) -> DbResult<Manifest> {
        let path = Manifest::path_for(backup);
        let text = std::fs::read_to_string(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => DbError::Missing(format!(
                "{} has no manifest ({} is missing): it is not a complete tug-db backup",
                backup.display(),
                path.display()
            )),
            _ => io("read", &path)(e),
        })?;
        serde_json::from_str(&text)
            .map_err(|e| DbError::Mismatch { path: backup.to_path_buf(), what: format!("unreadable manifest: {e}") })
    }
}

/// Puts a finished backup in `dir` under `name`: the manifest's partial first, then the file's,
/// so a visible backup file always has its manifest (and a failed second rename takes the
/// manifest back); then the directory is synced and both files get the directory's owner.
/// Returns the backup's path.
pub fn publish(dir: &Path, name: &str, partial_file: &Path, partial_manifest: &Path) -> DbResult<PathBuf> {
    let target = dir.join(name);
    let manifest = Manifest::path_for(&target);
    std::fs::rename(partial_manifest, &manifest).map_err(io("rename into place", &manifest))?;
    std::fs::rename(partial_file, &target).map_err(|e| {
        let _ = std::fs::remove_file(&manifest);
        io("rename into place", &target)(e)
    })?;
    files::sync_dir(dir)?;
    for f in [&target, &manifest] {
        files::match_owner(f, dir);
    }
    Ok(target)
}

/// A complete backup in a directory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// Full path of the backup file.
    pub path: PathBuf,
    /// Its manifest.
    #[serde(flatten)]
    pub manifest: Manifest,
}

/// What a backup directory holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Listing {
    /// The directory.
    pub dir: PathBuf,
    /// Complete backups, newest first.
    pub backups: Vec<Entry>,
    /// Hidden leftovers of failed or interrupted backups.
    pub partials: Vec<String>,
    /// Manifests without their backup file (a backup interrupted between its two renames).
    pub orphans: Vec<String>,
}

/// Lists a backup directory (an absent directory holds nothing).
pub fn list(dir: &Path) -> DbResult<Listing> {
    let mut listing = Listing { dir: dir.to_path_buf(), ..Listing::default() };
    let read = match std::fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(listing),
        Err(e) => return Err(io("read directory", dir)(e)),
    };
    let mut names: Vec<String> =
        read.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    let ext = format!(".{EXTENSION}");
    for name in &names {
        if name.starts_with('.') {
            if name.contains(&ext) {
                listing.partials.push(name.clone());
            }
        } else if name.ends_with(&ext) {
            let path = dir.join(name);
            match Manifest::read_for(&path) {
                Ok(manifest) => listing.backups.push(Entry { path, manifest }),
                Err(_) => listing.partials.push(name.clone()),
            }
        } else if let Some(data) = name.strip_suffix(".json")
            && data.ends_with(&ext)
            && !names.iter().any(|n| n == data)
        {
            listing.orphans.push(name.clone());
        }
    }
    listing
        .backups
        .sort_by(|a, b| (&b.manifest.created_at, &b.manifest.file).cmp(&(&a.manifest.created_at, &a.manifest.file)));
    Ok(listing)
}

/// Keeps the newest `keep` backups of each database in `dir` and deletes the rest (the backup
/// file first, so nothing complete-looking is left without its manifest), along with orphan
/// manifests. Returns the deleted backup files.
pub fn prune(dir: &Path, keep: usize) -> DbResult<Vec<PathBuf>> {
    let listing = list(dir)?;
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut removed = Vec::new();
    for entry in &listing.backups {
        let count = seen.entry(entry.manifest.stem.as_str()).or_insert(0);
        *count += 1;
        if *count > keep {
            std::fs::remove_file(&entry.path).map_err(io("remove", &entry.path))?;
            let manifest = Manifest::path_for(&entry.path);
            std::fs::remove_file(&manifest).map_err(io("remove", &manifest))?;
            removed.push(entry.path.clone());
        }
    }
    for orphan in &listing.orphans {
        let _ = std::fs::remove_file(dir.join(orphan));
    }
    if !removed.is_empty() {
        files::sync_dir(dir)?;
    }
    Ok(removed)
}

/// The newest backup taken before deploying `version` (reason `pre-deploy`), of the database
/// named `stem` when given.
pub fn find_before_deploy(dir: &Path, version: &str, stem: Option<&str>) -> DbResult<Entry> {
    list(dir)?
        .backups
        .into_iter()
        .find(|e| {
            e.manifest.reason == "pre-deploy"
                && e.manifest.version.as_deref() == Some(version)
                && stem.is_none_or(|s| e.manifest.stem == s)
        })
        .ok_or_else(|| {
            DbError::Missing(format!("no backup taken before deploying version {version} in {}", dir.display()))
        })
}

/// The database's stem: its file name without `.sqlite3` (or whatever extension it has).
pub fn stem_of(db: &Path) -> String {
    let name = files::name_of(db);
    let stem = name.strip_suffix(".sqlite3").or_else(|| name.rsplit_once('.').map(|(s, _)| s)).unwrap_or(&name);
    let clean = files::sanitize(stem);
    if clean.is_empty() { "database".to_string() } else { clean }
}

/// `<stem>-<time>[-<version>].sqlite3.zst`, or with `-2`, `-3`… when taken (or being taken)
/// in the same second.
pub fn free_name(dir: &Path, stem: &str, stamp: &str, version: Option<&str>) -> String {
    let version = version.map(files::sanitize).filter(|v| !v.is_empty()).map(|v| format!("-{v}")).unwrap_or_default();
    let base = format!("{stem}-{stamp}{version}");
    let mut n = 1;
    loop {
        let name = if n == 1 { format!("{base}.{EXTENSION}") } else { format!("{base}-{n}.{EXTENSION}") };
        let taken = dir.join(&name).exists()
            || Manifest::path_for(&dir.join(&name)).exists()
            || files::hidden(dir, &name, ".partial").exists();
        if !taken {
            return name;
        }
        n += 1;
    }
}
