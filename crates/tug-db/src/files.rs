//! File plumbing: hidden partial files that clean up after themselves, fsync of files and
//! directories, ownership, SHA-256, zstd, and UTC time stamps.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{DbResult, io};

/// A path with a suffix appended to its file name (`db.sqlite3` + `-wal`).
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The hidden sibling `<dir>/.<name><suffix>`, where partial work is kept.
pub fn hidden(dir: &Path, name: &str, suffix: &str) -> PathBuf {
    dir.join(format!(".{name}{suffix}"))
}

/// A file name as text.
pub fn name_of(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// The directory holding `path` (`.` for a bare name).
pub fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Removes a SQLite file with its journal, WAL and shared-memory files (missing ones are fine).
pub fn remove_sqlite_files(path: &Path) {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let _ = std::fs::remove_file(with_suffix(path, suffix));
    }
}

/// Partial files removed when dropped, unless [`Partials::keep`] was called: a failed step
/// (or an error returned with `?`) never leaves them behind. A killed process does, but they
/// are hidden and never look complete.
#[derive(Default)]
pub struct Partials {
    paths: Vec<PathBuf>,
}

impl Partials {
    /// Registers a partial SQLite or plain file.
    pub fn add(&mut self, path: &Path) -> PathBuf {
        self.paths.push(path.to_path_buf());
        path.to_path_buf()
    }

    /// Forgets every registered file (they were renamed into place or are wanted).
    pub fn keep(&mut self) {
        self.paths.clear();
    }
}

impl Drop for Partials {
    fn drop(&mut self) {
        for p in &self.paths {
            remove_sqlite_files(p);
        }
    }
}

/// fsyncs a file.
pub fn sync_file(path: &Path) -> DbResult<()> {
    File::open(path).and_then(|f| f.sync_all()).map_err(io("fsync", path))
}

/// fsyncs a directory, so that renames and removals in it are durable.
pub fn sync_dir(dir: &Path) -> DbResult<()> {
    #[cfg(unix)]
    {
        File::open(dir).and_then(|d| d.sync_all()).map_err(io("fsync directory", dir))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Gives `path` the owner and group of `reference` (best effort: a tool running as root in a
/// container leaves files the app's user can still read and replace).
pub fn match_owner(path: &Path, reference: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(r), Ok(p)) = (std::fs::metadata(reference), std::fs::metadata(path))
            && (r.uid() != p.uid() || r.gid() != p.gid())
        {
            let _ = std::os::unix::fs::chown(path, Some(r.uid()), Some(r.gid()));
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (path, reference);
    }
}

/// Gives `path` the permission bits of `reference` (best effort).
pub fn match_mode(path: &Path, reference: &Path) {
    if let Ok(r) = std::fs::metadata(reference) {
        let _ = std::fs::set_permissions(path, r.permissions());
    }
}

/// Creates a directory (and parents) owned like its nearest existing ancestor.
pub fn ensure_dir(dir: &Path) -> DbResult<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut ancestor = dir.to_path_buf();
    while !ancestor.is_dir() {
        if !ancestor.pop() {
            break;
        }
    }
    std::fs::create_dir_all(dir).map_err(io("create directory", dir))?;
    if ancestor.is_dir() {
        match_owner(dir, &ancestor);
    }
    Ok(())
}

/// A writer that hashes and counts what goes through it.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compresses `src` into `dest` (created, fsynced) with zstd at `level`; returns the
/// compressed file's SHA-256 (hex) and size.
pub fn compress(src: &Path, dest: &Path, level: i32) -> DbResult<(String, u64)> {
    let input = File::open(src).map_err(io("open", src))?;
    let out = File::create(dest).map_err(io("create", dest))?;
    let hashing = Hashing { inner: BufWriter::with_capacity(1 << 20, out), hasher: Sha256::new(), bytes: 0 };
    let mut encoder = zstd::stream::write::Encoder::new(hashing, level).map_err(io("start compressing into", dest))?;
    std::io::copy(&mut BufReader::with_capacity(1 << 20, input), &mut encoder).map_err(io("compress into", dest))?;
    let mut hashing = encoder.finish().map_err(io("finish compressing", dest))?;
    hashing.flush().map_err(io("write", dest))?;
    let Hashing { inner, hasher, bytes } = hashing;
    let file = inner.into_inner().map_err(|e| io("write", dest)(e.into_error()))?;
    file.sync_all().map_err(io("fsync", dest))?;
    Ok((hex(&hasher.finalize()), bytes))
}

/// Decompresses `src` into `dest` (created, fsynced); returns the decompressed size.
pub fn decompress(src: &Path, dest: &Path) -> DbResult<u64> {
    let input = File::open(src).map_err(io("open", src))?;
    let mut decoder = zstd::stream::read::Decoder::new(input).map_err(io("start decompressing", src))?;
    let mut out = BufWriter::with_capacity(1 << 20, File::create(dest).map_err(io("create", dest))?);
    let bytes = std::io::copy(&mut decoder, &mut out).map_err(io("decompress", src))?;
    let file = out.into_inner().map_err(|e| io("write", dest)(e.into_error()))?;
    file.sync_all().map_err(io("fsync", dest))?;
    Ok(bytes)
}

/// A file's SHA-256 (hex) and size.
pub fn sha256_file(path: &Path) -> DbResult<(String, u64)> {
    let mut file = BufReader::with_capacity(1 << 20, File::open(path).map_err(io("open", path))?);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(io("read", path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok((hex(&hasher.finalize()), bytes))
}

/// The current UTC time as `(20250102T030405Z, 2025-01-02T03:04:05.678901Z)`: the compact form
/// goes into file names, the precise one into manifests (and sorts them).
pub fn utc_now() -> (String, String) {
    let t = time::OffsetDateTime::now_utc();
    let (y, mo, d, h, mi, s) = (t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute(), t.second());
    (
        format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z"),
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:06}Z", t.microsecond()),
    )
}

/// Keeps what is safe in a file name from a version (letters, digits, `.`, `_`, `-`).
pub fn sanitize(version: &str) -> String {
    version.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')).take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(sanitize("v1.2/../$(rm -rf)"), "v1.2..rm-rf");
        assert_eq!(with_suffix(Path::new("/a/db.sqlite3"), "-wal"), PathBuf::from("/a/db.sqlite3-wal"));
        assert_eq!(hidden(Path::new("/a"), "x.zst", ".partial"), PathBuf::from("/a/.x.zst.partial"));
        let (compact, precise) = utc_now();
        assert_eq!(compact.len(), 16);
        assert_eq!(precise.len(), 27);
    }

    #[test]
    fn compress_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("a");
        std::fs::write(&src, b"hello hello hello hello").unwrap();
        let (sum, bytes) = compress(&src, &dir.path().join("a.zst"), 3).unwrap();
        assert_eq!(sha256_file(&dir.path().join("a.zst")).unwrap(), (sum, bytes));
        assert_eq!(decompress(&dir.path().join("a.zst"), &dir.path().join("b")).unwrap(), 23);
        assert_eq!(std::fs::read(dir.path().join("b")).unwrap(), b"hello hello hello hello");
    }
}
