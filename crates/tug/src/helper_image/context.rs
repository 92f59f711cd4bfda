//! The build context of the helper image: a tar holding a `FROM scratch` Dockerfile, the tug
//! executable as `/usr/local/bin/tug-db` (it is `tug-db` when run under that name) and, for a
//! dynamically linked executable, its ELF interpreter and shared libraries at their paths.
//! The bytes depend only on the files (fixed order, times, owners and modes), so their hash
//! names the image: a rebuilt tool gets a new image, an unchanged one is not sent again.

use std::collections::BTreeSet;
use std::path::Path;

use sha2::{Digest, Sha256};

/// Where the executable goes in the image (on `PATH` as `tug-db`).
pub const TOOL_PATH: &str = "/usr/local/bin/tug-db";

/// What goes into the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolFiles {
    /// The tug executable.
    pub executable: Vec<u8>,
    /// The interpreter and shared libraries: absolute path in the image, bytes (empty for a
    /// statically linked executable).
    pub libraries: Vec<(String, Vec<u8>)>,
}

/// A build context and the hash that names its image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildContext {
    /// The tar, for `docker build -`.
    pub tar: Vec<u8>,
    /// The first 32 hex digits of the tar's SHA-256.
    pub hash: String,
}

/// The Dockerfile: nothing but the files, `tug-db` on `PATH`, the libraries' directories on
/// the loader's path.
pub fn dockerfile(files: &ToolFiles) -> String {
    let dirs: BTreeSet<String> =
        files.libraries.iter().filter_map(|(p, _)| Path::new(p).parent()).map(|d| d.display().to_string()).collect();
    let mut text = String::from(
        "# The tug-db helper image, made by tug from its own executable (run as `tug-db`).\nFROM scratch\nCOPY rootfs/ /\nENV PATH=/usr/local/bin\n",
    );
    if !dirs.is_empty() {
        text.push_str(&format!("ENV LD_LIBRARY_PATH={}\n", dirs.into_iter().collect::<Vec<_>>().join(":")));
    }
    text.push_str("ENTRYPOINT []\nCMD [\"tug-db\", \"--help\"]\n");
    text
}

/// The context's tar and hash.
pub fn build(files: &ToolFiles) -> std::io::Result<BuildContext> {
    let mut entries: Vec<(String, &[u8], u32)> = vec![(format!("rootfs{TOOL_PATH}"), &files.executable, 0o755)];
    for (path, bytes) in &files.libraries {
        entries.push((format!("rootfs/{}", path.trim_start_matches('/')), bytes, 0o755));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.dedup_by(|a, b| a.0 == b.0);
    let mut dirs = BTreeSet::new();
    for (path, _, _) in &entries {
        let mut p = Path::new(path).parent();
        while let Some(d) = p.filter(|d| !d.as_os_str().is_empty()) {
            dirs.insert(d.display().to_string());
            p = d.parent();
        }
    }
    let dockerfile = dockerfile(files);
    let mut tar = tar::Builder::new(Vec::new());
    tar.mode(tar::HeaderMode::Deterministic);
    append(&mut tar, "Dockerfile", dockerfile.as_bytes(), 0o644, tar::EntryType::Regular)?;
    for d in &dirs {
        append(&mut tar, &format!("{d}/"), &[], 0o755, tar::EntryType::Directory)?;
    }
    for (path, bytes, mode) in &entries {
        append(&mut tar, path, bytes, *mode, tar::EntryType::Regular)?;
    }
    let tar = tar.into_inner()?;
    let digest = Sha256::digest(&tar);
    let hash: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    Ok(BuildContext { tar, hash })
}

fn append(
    tar: &mut tar::Builder<Vec<u8>>,
    path: &str,
    bytes: &[u8],
    mode: u32,
    kind: tar::EntryType,
) -> std::io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_size(bytes.len() as u64);
    header.set_mode(mode);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    header.set_cksum();
    tar.append_data(&mut header, path, bytes)
}

/// The absolute paths in `ldd` output (the interpreter and each library found); a library
/// `ldd` cannot find is an error naming it.
pub fn parse_ldd(output: &str) -> Result<Vec<String>, String> {
    let mut paths = Vec::new();
    for line in output.lines().map(str::trim) {
        if line.contains("=> not found") {
            return Err(format!("shared library {} not found", line.split_whitespace().next().unwrap_or(line)));
        }
        let path = match line.split_once("=>") {
            Some((_, right)) => right.split_whitespace().next(),
            None => line.split_whitespace().next(),
        };
        if let Some(p) = path.filter(|p| p.starts_with('/')) {
            paths.push(p.to_string());
        }
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(exe: &[u8]) -> ToolFiles {
        ToolFiles {
            executable: exe.to_vec(),
            libraries: vec![
                ("/lib64/ld-linux-x86-64.so.2".into(), b"ld".to_vec()),
                ("/lib/x86_64-linux-gnu/libc.so.6".into(), b"libc".to_vec()),
            ],
        }
    }

    fn names(tar: &[u8]) -> Vec<(String, u32, u64)> {
        let mut a = tar::Archive::new(tar);
        a.entries()
            .expect("entries")
            .map(|e| {
                let e = e.expect("entry");
                let h = e.header();
                (
                    e.path().expect("path").display().to_string(),
                    h.mode().expect("mode"),
                    h.mtime().expect("mtime") + u64::from(h.uid().expect("uid") as u32),
                )
            })
            .collect()
    }

    #[test]
    fn the_context_is_the_same_bytes_every_time() {
        let a = build(&files(b"tug v1")).expect("tar");
        let b = build(&files(b"tug v1")).expect("tar");
        assert_eq!(a, b);
        assert_eq!(a.hash.len(), 32);
        assert_eq!(
            names(&a.tar),
            vec![
                ("Dockerfile".into(), 0o644, 0),
                ("rootfs/".into(), 0o755, 0),
                ("rootfs/lib/".into(), 0o755, 0),
                ("rootfs/lib/x86_64-linux-gnu/".into(), 0o755, 0),
                ("rootfs/lib64/".into(), 0o755, 0),
                ("rootfs/usr/".into(), 0o755, 0),
                ("rootfs/usr/local/".into(), 0o755, 0),
                ("rootfs/usr/local/bin/".into(), 0o755, 0),
                ("rootfs/lib/x86_64-linux-gnu/libc.so.6".into(), 0o755, 0),
                ("rootfs/lib64/ld-linux-x86-64.so.2".into(), 0o755, 0),
                ("rootfs/usr/local/bin/tug-db".into(), 0o755, 0),
            ]
        );
    }

    #[test]
    fn a_rebuilt_executable_gets_a_new_hash() {
        let a = build(&files(b"tug v1")).expect("tar");
        let b = build(&files(b"tug v2")).expect("tar");
        assert_ne!(a.hash, b.hash);
    }

    #[test]
    fn the_dockerfile_starts_from_scratch() {
        let dynamic = dockerfile(&files(b"x"));
        assert!(dynamic.contains("\nFROM scratch\n"), "{dynamic}");
        assert!(dynamic.contains("ENV LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/lib64\n"), "{dynamic}");
        let fixed = dockerfile(&ToolFiles { executable: b"x".to_vec(), libraries: Vec::new() });
        assert!(!fixed.contains("LD_LIBRARY_PATH"), "{fixed}");
        assert!(!fixed.contains("RUN") && !fixed.lines().any(|l| l.starts_with("FROM ") && l != "FROM scratch"));
    }

    #[test]
    fn ldd_output_gives_the_interpreter_and_libraries() {
        let out = "\tlinux-vdso.so.1 (0x00007ffd)\n\tlibgcc_s.so.1 => /lib/x86_64-linux-gnu/libgcc_s.so.1 (0x00007f)\n\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)\n\t/lib64/ld-linux-x86-64.so.2 (0x00007f)\n";
        assert_eq!(
            parse_ldd(out),
            Ok(vec![
                "/lib/x86_64-linux-gnu/libgcc_s.so.1".to_string(),
                "/lib/x86_64-linux-gnu/libc.so.6".to_string(),
                "/lib64/ld-linux-x86-64.so.2".to_string(),
            ])
        );
        assert_eq!(parse_ldd("\tnot a dynamic executable\n"), Ok(Vec::new()));
        assert_eq!(parse_ldd("\tlibz.so.1 => not found\n"), Err("shared library libz.so.1 not found".to_string()));
    }
}
