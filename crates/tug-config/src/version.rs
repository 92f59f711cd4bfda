//! The app version: `--version`, else `$VERSION`, else the git commit (Kamal's rules), and
//! the grammar every version must meet before it reaches a command.

use std::path::Path;
use std::process::Command;

use crate::error::ConfigError;

/// Resolves the version for a project directory. `builds_from_clone` is Kamal's `git_clone?`
/// (no `builder.context`): a clone ignores uncommitted changes, so no suffix is added.
pub fn resolve(declared: Option<&str>, root: &Path, builds_from_clone: bool) -> Result<String, ConfigError> {
    if let Some(v) = declared.filter(|v| !v.trim().is_empty()) {
        return checked(v, "`--version`");
    }
    if let Ok(v) = std::env::var("VERSION") {
        return checked(&v, "`VERSION` in the environment");
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
        return checked(&format!("{sha}_uncommitted_{}", random_hex16()), "git");
    }
    checked(&sha, "git")
}

/// The longest Docker tag.
pub const MAX_TAG_LEN: usize = 128;

/// Why `version` is not a Docker tag (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`), also refusing `..`
/// (versions name files and directories too). `None` when it is one. Such a version needs no
/// quoting in a shell, a path or a container name, and cannot be read as an option.
pub fn tag_problem(version: &str) -> Option<String> {
    let Some(first) = version.chars().next() else {
        return Some("it is empty".into());
    };
    if version.len() > MAX_TAG_LEN {
        return Some(format!("it is {} characters long; a Docker tag has at most {MAX_TAG_LEN}", version.len()));
    }
    if !(first.is_ascii_alphanumeric() || first == '_') {
        return Some(format!(
            "it starts with `{}`; a Docker tag starts with a letter, digit or `_`",
            first.escape_default()
        ));
    }
    if let Some(bad) = version.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))) {
        return Some(format!("`{}` is not allowed in a Docker tag", bad.escape_default()));
    }
    if version.contains("..") {
        return Some("`..` is not allowed (the version names files on servers)".into());
    }
    None
}

/// What a version may hold, for error messages.
pub const TAG_RULE: &str =
    "letters, digits, `_`, `.` and `-`, starting with a letter, digit or `_`, at most 128 characters, no `..`";

/// `version` when it is a valid tag ([`tag_problem`]); else an error naming where it came from.
pub fn checked(version: &str, from: &str) -> Result<String, ConfigError> {
    match tag_problem(version) {
        None => Ok(version.to_string()),
        Some(why) => {
            let mut e = ConfigError::new(format!("invalid version {:?} from {from}: {why}", version));
            e.help = Some(format!("a version is a Docker tag: {TAG_RULE}"));
            Err(e)
        }
    }
}

/// For command-line parsers (`--version V`, `rollback V`): the version, or what is wrong and
/// what is allowed.
pub fn parse_tag(version: &str) -> Result<String, String> {
    match tag_problem(version) {
        None => Ok(version.to_string()),
        Some(why) => Err(format!("{why}; a version is a Docker tag: {TAG_RULE}")),
    }
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
mod tag_tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn versions_that_could_reach_a_shell_are_refused() {
        for bad in [
            "v1;touch${IFS}/tmp/x",
            "v1$(id)",
            "v1`id`",
            "v 1",
            "v1\nrm",
            "..",
            "v1..2",
            "-v1",
            ".v1",
            "",
            "v1/2",
            "v1'",
            "é",
            &"a".repeat(129),
        ] {
            let why = tag_problem(bad);
            assert!(why.is_some(), "{bad:?} accepted");
            let e = parse_tag(bad).expect_err("refused");
            assert!(e.contains("a version is a Docker tag: letters, digits"), "{e}");
        }
        for ok in ["v1", "1.2.3", "_x", "a-b_c.d", "0123456789abcdef0123456789abcdef01234567", &"a".repeat(128)] {
            assert_eq!(tag_problem(ok), None, "{ok}");
        }
        let e = checked("v1;x", "`--version`").expect_err("refused");
        assert!(e.message.contains("invalid version \"v1;x\" from `--version`: `;` is not allowed"), "{}", e.message);
    }

    proptest! {
        /// An accepted version is one shell word that needs no quoting and is no option.
        #[test]
        fn accepted_versions_need_no_quoting(s in "\\PC{0,140}") {
            if tag_problem(&s).is_none() {
                prop_assert_eq!(shell_words::quote(&s).into_owned(), s.clone());
                prop_assert!(!s.starts_with('-') && s.len() <= MAX_TAG_LEN);
            }
        }

        #[test]
        fn tag_shaped_versions_are_accepted(s in "[A-Za-z0-9_][A-Za-z0-9_-]{0,127}") {
            prop_assert_eq!(tag_problem(&s), None);
            prop_assert_eq!(shell_words::split(&s).expect("one word"), vec![s.clone()]);
        }
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
