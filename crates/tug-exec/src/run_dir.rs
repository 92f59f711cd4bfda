//! The run's private directory: SSH's config file, its control sockets and the hook shims live
//! in a directory this run created (mode 0700, owner checked, random name), removed at exit.
//!
//! A directory at a predictable path in a shared temp dir could be made first by another local
//! user, who would then choose the `ssh_config` every `ssh` of the run reads. So nothing here is
//! ever reused: [`RunDir::create_in`] makes a new directory or fails.

use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};
use std::sync::Mutex;

/// The longest path a Unix socket may have (macOS: 104 bytes with the final NUL; Linux: 108).
const SOCKET_PATH_MAX: usize = 103;

/// What a control socket adds to the directory: `/` and `%C` (40 hex digits), and the
/// `.XXXXXXXXXXXXXXXX` suffix ssh binds first before renaming.
const SOCKET_NAME_LEN: usize = 1 + 40 + 17;

/// Random characters in the directory's name (`tug-` and these).
const RANDOM_LEN: usize = 12;

/// The file holding the process id of the run that made the directory.
const OWNER_FILE: &str = "pid";

/// Why no private directory could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no private directory for SSH's control sockets: {0}")]
pub struct RunDirError(pub String);

/// A directory this run created, removed (after its SSH masters were told to exit) on drop.
#[derive(Debug)]
pub struct RunDir {
    dir: Option<tempfile::TempDir>,
}

impl RunDir {
    /// A new directory under the first usable base: `$XDG_RUNTIME_DIR`, then `~/.cache/tug`,
    /// then the temp dir, then `/tmp`. A base whose path would make socket paths too long, or
    /// that SSH could not read in an option (spaces, quotes, `%`), is skipped.
    pub fn create() -> Result<RunDir, RunDirError> {
        let home = std::env::var_os("HOME").filter(|h| !h.is_empty()).map(|h| PathBuf::from(h).join(".cache/tug"));
        let runtime = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()).map(PathBuf::from);
        let candidates: Vec<(PathBuf, bool)> = runtime
            .map(|d| (d, false))
            .into_iter()
            .chain(home.map(|h| (h, true)))
            .chain([(std::env::temp_dir(), false), (PathBuf::from("/tmp"), false)])
            .collect();
        let mut tried = Vec::new();
        for (base, make) in candidates {
            if !base.is_absolute() {
                continue;
            }
            if let Err(why) = usable_base(&base) {
                tried.push(format!("{} ({why})", base.display()));
                continue;
            }
            if make && let Err(e) = make_private_base(&base) {
                tried.push(format!("{} ({e})", base.display()));
                continue;
            }
            match RunDir::create_in(&base) {
                Ok(d) => return Ok(d),
                Err(e) => tried.push(format!("{} ({})", base.display(), e.0)),
            }
        }
        Err(RunDirError(format!(
            "tried {}; set XDG_RUNTIME_DIR or TMPDIR to a short directory of your own",
            tried.join(", ")
        )))
    }

    /// A new directory with a random name inside `base` (never one that already exists).
    pub fn create_in(base: &Path) -> Result<RunDir, RunDirError> {
        usable_base(base).map_err(RunDirError)?;
        let mut builder = tempfile::Builder::new();
        builder.prefix("tug-").rand_bytes(RANDOM_LEN);
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
        let dir = builder.tempdir_in(base).map_err(|e| RunDirError(format!("{}: {e}", base.display())))?;
        check_private(dir.path())?;
        // Who made it, so that a later run can remove it if this one is killed (SIGKILL).
        let _ = std::fs::write(dir.path().join(OWNER_FILE), std::process::id().to_string());
        sweep_stale(base, dir.path());
        Ok(RunDir { dir: Some(dir) })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.as_ref().map_or(Path::new(""), tempfile::TempDir::path)
    }

    /// Tells the SSH masters whose sockets are here to exit, then removes the directory.
    pub fn close(&mut self) {
        let Some(dir) = self.dir.take() else { return };
        stop_masters(dir.path());
        let _ = dir.close();
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        self.close();
    }
}

/// Whether `base` can hold the directory: short enough for socket paths, and free of what an
/// `-o ControlPath=…` option would split or expand.
fn usable_base(base: &Path) -> Result<(), String> {
    let text = base.to_str().ok_or("not UTF-8")?;
    if text.chars().any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '%' | '\\')) {
        return Err("holds a space, quote, `%` or `\\`, which ssh options cannot carry".into());
    }
    let len = text.trim_end_matches('/').len() + "/tug-".len() + RANDOM_LEN + SOCKET_NAME_LEN;
    if len > SOCKET_PATH_MAX {
        return Err(format!("control socket paths would be {len} bytes, over the {SOCKET_PATH_MAX} a socket allows"));
    }
    Ok(())
}

/// Makes `~/.cache/tug` (mode 0700) when missing; an existing one must be the user's own.
fn make_private_base(base: &Path) -> Result<(), String> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(base).map_err(|e| e.to_string())?;
    check_owner(base)
}

/// A directory of this user's own that lasts between runs (`~/.cache/tug`, mode 0700), for
/// what Kamal keeps in the shared temp dir (the build's git clones). The temp dir when there is
/// no usable home: then what lives there must survive another user's tampering.
pub fn user_cache_dir() -> PathBuf {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".cache/tug"))
        .filter(|d| d.is_absolute() && make_private_base(d).is_ok())
        .unwrap_or_else(std::env::temp_dir)
}

/// The directory is a real directory (no symlink), owned by this user, and nobody else may
/// enter it.
pub fn check_private(dir: &Path) -> Result<(), RunDirError> {
    let meta = std::fs::symlink_metadata(dir).map_err(|e| RunDirError(format!("{}: {e}", dir.display())))?;
    if !meta.is_dir() {
        return Err(RunDirError(format!("{} is not a directory", dir.display())));
    }
    check_owner(dir).map_err(RunDirError)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(RunDirError(format!("{} has mode {mode:o}; only its owner may use it (0700)", dir.display())));
        }
    }
    Ok(())
}

#[cfg(unix)]
fn check_owner(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Err(format!("{} belongs to user {}, not to this user ({me})", path.display(), meta.uid()));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_owner(_path: &Path) -> Result<(), String> {
    Ok(())
}

/// Removes the directories in `base` left by runs that were killed before they could remove
/// their own: this user's, named like ours, whose process is gone.
fn sweep_stale(base: &Path, ours: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let named_like_ours =
            name.to_str().is_some_and(|n| n.len() == "tug-".len() + RANDOM_LEN && n.starts_with("tug-"));
        if path == ours || !named_like_ours || check_private(&path).is_err() {
            continue;
        }
        let owner = std::fs::read_to_string(path.join(OWNER_FILE)).ok().and_then(|p| p.trim().parse::<u32>().ok());
        if owner.is_some_and(|pid| !process_alive(pid)) {
            stop_masters(&path);
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid).ok().and_then(rustix::process::Pid::from_raw) else { return true };
    // EPERM: it exists but belongs to someone else; only "no such process" counts as gone.
    !matches!(rustix::process::test_kill_process(pid), Err(e) if e == rustix::io::Errno::SRCH)
}

#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    true
}

/// `ssh -O exit` for every control socket in `dir`: the socket's own path as `ControlPath`
/// reaches its master whatever the host was.
fn stop_masters(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut stopping = Vec::new();
    for entry in entries.flatten() {
        if !is_socket(&entry) {
            continue;
        }
        let path = entry.path().display().to_string().replace('%', "%%");
        let child = Process::new("ssh")
            .args(["-F", "/dev/null", "-o", &format!("ControlPath={path}"), "-O", "exit", "tug-run"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        stopping.extend(child.ok());
    }
    for mut c in stopping {
        let _ = c.wait();
    }
}

#[cfg(unix)]
fn is_socket(entry: &std::fs::DirEntry) -> bool {
    use std::os::unix::fs::FileTypeExt;
    entry.file_type().is_ok_and(|t| t.is_socket())
}

#[cfg(not(unix))]
fn is_socket(_entry: &std::fs::DirEntry) -> bool {
    false
}

/// The run's one directory: made on first use, closed by [`finish`] (or on Ctrl-C).
enum State {
    Unmade,
    Open(RunDir),
    Failed(RunDirError),
    Finished,
}

static THIS_RUN: Mutex<State> = Mutex::new(State::Unmade);

/// The directory of this run, made on first use. Ctrl-C (and SIGTERM/SIGHUP) then closes it
/// before Tug exits.
pub fn this_run() -> Result<PathBuf, RunDirError> {
    let mut state = THIS_RUN.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let State::Unmade = *state {
        *state = match RunDir::create() {
            Ok(d) => {
                // Another handler (a test harness, an embedding program) keeps its own.
                let _ = ctrlc::set_handler(|| {
                    finish();
                    std::process::exit(130);
                });
                State::Open(d)
            }
            Err(e) => State::Failed(e),
        };
    }
    match &*state {
        State::Open(d) => Ok(d.path().to_path_buf()),
        State::Failed(e) => Err(e.clone()),
        State::Unmade | State::Finished => Err(RunDirError("the run has finished".into())),
    }
}

/// Closes this run's directory ([`RunDir::close`]); later [`this_run`] calls fail.
pub fn finish() {
    let previous = {
        let mut state = THIS_RUN.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        std::mem::replace(&mut *state, State::Finished)
    };
    if let State::Open(mut d) = previous {
        d.close();
    }
}

/// Calls [`finish`] when dropped: hold one in `main` so the directory goes on every way out,
/// errors and panics included.
#[derive(Debug)]
pub struct FinishOnDrop;

impl Drop for FinishOnDrop {
    fn drop(&mut self) {
        finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
    }

    #[test]
    #[cfg(unix)]
    fn a_fresh_private_directory_is_made_and_removed_on_drop() {
        let base = tempfile::tempdir().expect("tempdir");
        let d = RunDir::create_in(base.path()).expect("run dir");
        let path = d.path().to_path_buf();
        assert!(path.starts_with(base.path()) && path.is_dir(), "{}", path.display());
        assert_eq!(mode(&path), 0o700);
        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        assert_eq!(name.len(), "tug-".len() + RANDOM_LEN, "{name}");
        let other = RunDir::create_in(base.path()).expect("second");
        assert_ne!(other.path(), path, "every run gets its own name");
        std::fs::write(path.join("ssh_config"), "x").expect("write");
        drop(d);
        assert!(!path.exists(), "removed with its contents");
    }

    #[test]
    #[cfg(unix)]
    fn the_process_wide_directory_is_private_and_finish_removes_it() {
        let path = this_run().expect("this run");
        assert_eq!(this_run().expect("again"), path, "one per run");
        assert_eq!(mode(&path), 0o700);
        check_private(&path).expect("private");
        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        assert!(name.starts_with("tug-") && !name.contains(&std::process::id().to_string()), "{name}");
        finish();
        assert!(!path.exists());
        assert!(this_run().is_err(), "never made again after the run finished");
    }

    /// Directories another user could have made at the names the old code predicted are never
    /// used, whatever they hold.
    #[test]
    #[cfg(unix)]
    fn an_existing_directory_at_a_predictable_name_is_not_used() {
        use std::os::unix::fs::PermissionsExt;
        let base = tempfile::tempdir().expect("tempdir");
        let planted = base.path().join(format!("tug-ssh-{}", std::process::id() % 100_000));
        std::fs::create_dir(&planted).expect("plant");
        std::fs::set_permissions(&planted, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        std::fs::write(planted.join("ssh_config"), "Match exec \"touch /tmp/owned\"\n").expect("plant config");
        let d = RunDir::create_in(base.path()).expect("run dir");
        assert_ne!(d.path(), planted);
        assert!(!d.path().join("ssh_config").exists());
        assert!(check_private(&planted).is_err(), "a shared directory is refused");
    }

    #[test]
    #[cfg(unix)]
    fn a_symlink_or_a_foreign_directory_is_not_private() {
        let base = tempfile::tempdir().expect("tempdir");
        let target = RunDir::create_in(base.path()).expect("run dir");
        let link = base.path().join("link");
        std::os::unix::fs::symlink(target.path(), &link).expect("symlink");
        assert!(check_private(&link).is_err());
        // `/` belongs to root; run as another user it must be refused as not ours.
        if rustix::process::geteuid().as_raw() != 0 {
            assert!(check_private(Path::new("/")).is_err());
        }
    }

    /// A run killed with SIGKILL cannot remove its directory; the next run in the same base
    /// does, and leaves alone those of live runs, those without an owner, and other files.
    #[test]
    #[cfg(unix)]
    fn directories_of_killed_runs_are_removed_by_the_next_run() {
        let base = tempfile::tempdir().expect("tempdir");
        let mut dead = std::process::Command::new("true").spawn().expect("spawn");
        let dead_pid = dead.id();
        dead.wait().expect("wait");
        let killed = RunDir::create_in(base.path()).expect("run dir");
        let killed_path = killed.path().to_path_buf();
        std::fs::write(killed_path.join(OWNER_FILE), dead_pid.to_string()).expect("owner");
        std::mem::forget(killed);
        let alive = RunDir::create_in(base.path()).expect("run dir");
        let unowned = base.path().join("tug-aaaaaaaaaaaa");
        std::fs::create_dir(&unowned).expect("mkdir");
        let _next = RunDir::create_in(base.path()).expect("next run");
        assert!(!killed_path.exists(), "a dead run's directory is removed");
        assert!(alive.path().exists(), "a live run's directory stays");
        assert!(unowned.exists(), "a directory without an owner file stays");
    }

    /// Closing asks the master behind every socket to exit (`ssh -O exit` connects to it)
    /// before the directory goes.
    #[test]
    #[cfg(unix)]
    fn closing_asks_each_master_to_exit_before_removing_the_directory() {
        if Process::new("ssh").arg("-V").output().is_err() {
            panic!("the OpenSSH client is needed (apt-get install openssh-client)");
        }
        let base = tempfile::tempdir().expect("tempdir");
        let mut d = RunDir::create_in(base.path()).expect("run dir");
        let socket = d.path().join("0123456789abcdef0123456789abcdef01234567");
        let listener = std::os::unix::net::UnixListener::bind(&socket).expect("bind");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let reached = listener.accept().is_ok();
            let _ = tx.send(reached);
        });
        let path = d.path().to_path_buf();
        d.close();
        let reached = rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap_or(false);
        assert!(reached, "ssh -O exit reached the master's socket");
        assert!(!path.exists());
    }

    #[test]
    fn a_base_too_long_for_socket_paths_is_refused_clearly() {
        let long = PathBuf::from(format!("/{}", "d".repeat(60)));
        let e = RunDir::create_in(&long).expect_err("too long");
        assert!(e.0.contains("over the 103 a socket allows"), "{e}");
        assert!(usable_base(Path::new("/run/user/1000")).is_ok());
        assert!(usable_base(Path::new("/Users/John Smith/.cache/tug")).is_err());
    }
}
