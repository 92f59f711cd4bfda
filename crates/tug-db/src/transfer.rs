//! `send` and `receive`: a backup copied to another server through one byte stream, verified on
//! arrival before it is put in place.
//!
//! The stream is the manifest as one line of JSON, then the backup file's bytes. The receiver
//! writes both under hidden `.…incoming` names, verifies the copy (checksum, decompression,
//! `integrity_check`, row counts), and only then renames the manifest and the backup into
//! place: a copy cut short or damaged on the way never looks complete.

use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::EXTENSION;
use crate::catalog::{self, Manifest};
use crate::error::{DbError, DbResult, io};
use crate::files::{self, Partials};

/// What a receive put in place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReceiveReport {
    /// The copy.
    pub path: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// Backups deleted by retention afterwards.
    pub pruned: Vec<PathBuf>,
}

/// Writes a backup's stream: its manifest on one line, then its bytes.
pub fn send(backup: &Path, out: &mut impl Write) -> DbResult<()> {
    let manifest = Manifest::read_for(backup)?;
    let line = serde_json::to_string(&manifest).map_err(|e| DbError::Invalid(format!("manifest: {e}")))?;
    let mut file = std::fs::File::open(backup).map_err(io("open", backup))?;
    out.write_all(line.as_bytes()).and_then(|()| out.write_all(b"\n")).map_err(io("write out", backup))?;
    std::io::copy(&mut file, out).map_err(io("write out", backup))?;
    out.flush().map_err(io("write out", backup))
}

/// Reads a backup's stream into `dir`, verifies it there, puts it in place, then keeps the
/// newest `keep` backups of its database when asked.
pub fn receive(input: &mut impl BufRead, dir: &Path, keep: Option<usize>) -> DbResult<ReceiveReport> {
    let mut line = String::new();
    input.read_line(&mut line).map_err(io("read the stream's manifest from", dir))?;
    let manifest: Manifest = serde_json::from_str(line.trim())
        .map_err(|e| DbError::Invalid(format!("the stream does not start with a backup manifest: {e}")))?;
    let name = manifest.file.clone();
    if name.starts_with('.') || name.contains('/') || !name.ends_with(&format!(".{EXTENSION}")) {
        return Err(DbError::Invalid(format!("the stream names an unexpected file {name:?}")));
    }
    files::ensure_dir(dir)?;
    let mut partials = Partials::default();
    let incoming = partials.add(&files::hidden(dir, &name, ".incoming"));
    let incoming_manifest = partials.add(&Manifest::path_for(&incoming));
    {
        let mut file = std::fs::File::create(&incoming).map_err(io("create", &incoming))?;
        std::io::copy(&mut input.take(manifest.bytes.saturating_add(1)), &mut file).map_err(io("write", &incoming))?;
    }
    files::sync_file(&incoming)?;
    manifest.write_partial(&incoming_manifest)?;
    crate::verify(&incoming)?;

    let target = catalog::publish(dir, &name, &incoming, &incoming_manifest)?;
    partials.keep();
    let pruned = match keep {
        Some(k) => catalog::prune(dir, k.max(1))?,
        None => Vec::new(),
    };
    Ok(ReceiveReport { path: target, manifest, pruned })
}
