//! The app version: `--version`, else `$VERSION`, else the git commit (Kamal's rules).

use std::path::Path;
use std::process::Command;

use crate::error::ConfigError;

/// Resolves the version for a project directory. `builds_from_clone` is Kamal's `git_clone?`
/// (no `builder.context`): a clone ignores uncommitted changes, so no suffix is added.
pub fn resolve(declared: Option<&str>, root: &Path, builds_from_clone: bool) -> Result<String, ConfigError> {
    if let Some(v) = declared.filter(|v| !v.trim().is_empty()) {
        return Ok(v.to_string());
    }
    if let Ok(v) = std::env::var("VERSION") {
        return Ok(v);
    }
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let Some(sha) = git(&["rev-parse", "HEAD"]) else {
        let pwd = root.display();
        let mut e =
            ConfigError::new(format!("can't use the commit hash as the version: no git repository found in {pwd}"))
                .kamal(format!("Can't use commit hash as version, no git repository found in {pwd}"));
        e.help = Some("commit your app to git, or pass `--version V` (or set `VERSION`)".into());
        return Err(e);
    };
    let dirty = git(&["status", "--porcelain"]).is_some_and(|s| !s.is_empty());
    if dirty && !builds_from_clone {
        return Ok(format!("{sha}_uncommitted_{}", random_hex16()));
    }
    Ok(sha)
}

/// 16 hex digits that differ per run (Kamal uses `SecureRandom.hex(8)`); not a secret.
fn random_hex16() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut h = RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    format!("{:016x}", h.finish())
}

/// Rubygems' version comparison for `minimum_version` (numeric segments; a letter segment
/// makes a prerelease, which sorts before the release).
pub fn gem_version_gt(a: &str, b: &str) -> bool {
    fn segments(v: &str) -> Vec<Result<u64, String>> {
        let mut out = Vec::new();
        let mut cur = String::new();
        let mut digits = None;
        for ch in v.trim().chars() {
            let is_digit = ch.is_ascii_digit();
            if ch == '.' || ch == '-' {
                flush(&mut out, &mut cur);
                digits = None;
                continue;
            }
            if digits.is_some_and(|d| d != is_digit) {
                flush(&mut out, &mut cur);
            }
            digits = Some(is_digit);
            cur.push(ch);
        }
        flush(&mut out, &mut cur);
        while matches!(out.last(), Some(Ok(0))) {
            out.pop();
        }
        out
    }
    fn flush(out: &mut Vec<Result<u64, String>>, cur: &mut String) {
        if !cur.is_empty() {
            out.push(cur.parse::<u64>().map_err(|_| cur.clone()));
            cur.clear();
        }
    }
    let (x, y) = (segments(a), segments(b));
    for i in 0..x.len().max(y.len()) {
        let ord = match (x.get(i), y.get(i)) {
            (Some(Ok(p)), Some(Ok(q))) => p.cmp(q),
            (Some(Err(p)), Some(Err(q))) => p.cmp(q),
            (Some(Ok(_)), Some(Err(_))) => std::cmp::Ordering::Greater,
            (Some(Err(_)), Some(Ok(_))) => std::cmp::Ordering::Less,
            (Some(Ok(p)), None) => p.cmp(&0),
            (Some(Err(_)), None) => std::cmp::Ordering::Less,
            (None, Some(Ok(q))) => 0.cmp(q),
            (None, Some(Err(_))) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        if ord != std::cmp::Ordering::Equal {
            return ord == std::cmp::Ordering::Greater;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gem_versions() {
        assert!(gem_version_gt("3.0.0", "2.12.0"));
        assert!(gem_version_gt("2.12.1", "2.12.0"));
        assert!(!gem_version_gt("2.12", "2.12.0"));
        assert!(!gem_version_gt("2.12.0.beta1", "2.12.0"));
        assert!(!gem_version_gt("1.3.0", "2.12.0"));
    }
}

#[cfg(test)]
mod git_tests {
    use super::*;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) {
        let ok = Command::new("git")
            .args(["-c", "user.email=t@t", "-c", "user.name=t"])
            .args(args)
            .current_dir(dir)
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(ok, "git {args:?}");
    }

    // One test, so `VERSION` from the environment is checked in the same thread that reads it.
    #[test]
    fn version_follows_kamals_rules() {
        let dir = tempfile::tempdir().expect("tempdir");
        let saved = std::env::var("VERSION").ok();
        // SAFETY: this is the only test in this binary that touches VERSION.
        unsafe { std::env::remove_var("VERSION") };
        let err = resolve(None, dir.path(), true).unwrap_err();
        assert!(err.kamal_message.starts_with("Can't use commit hash as version, no git repository found in"));
        git(dir.path(), &["init", "-q"]);
        std::fs::write(dir.path().join("a"), "1").expect("write");
        git(dir.path(), &["add", "a"]);
        git(dir.path(), &["commit", "-qm", "x"]);
        let sha = resolve(None, dir.path(), true).expect("sha");
        assert_eq!(sha.len(), 40);
        std::fs::write(dir.path().join("a"), "2").expect("write");
        assert_eq!(resolve(None, dir.path(), true).expect("clone build"), sha, "a clone ignores local changes");
        let dirty = resolve(None, dir.path(), false).expect("context build");
        assert!(dirty.starts_with(&format!("{sha}_uncommitted_")) && dirty.len() == 40 + 13 + 16, "{dirty}");
        assert_eq!(resolve(Some("v9"), dir.path(), false).expect("declared"), "v9");
        unsafe { std::env::set_var("VERSION", "from-env") };
        assert_eq!(resolve(None, dir.path(), false).expect("env"), "from-env");
        assert_eq!(resolve(Some("v9"), dir.path(), false).expect("declared wins"), "v9");
        match saved {
            Some(v) => unsafe { std::env::set_var("VERSION", v) },
            None => unsafe { std::env::remove_var("VERSION") },
        }
    }
}
