//! The deploy lock: a directory on the primary host (`mkdir` is atomic), holding a `details`
//! file with who locked, when, the version and a message, base64-encoded so any text survives
//! the shell.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tug_config::Config;

use crate::command::Command;
use crate::layout::RUN_DIRECTORY;

/// What the lock records. The caller supplies the person (git user name, else `Unknown`) and
/// the time (ISO 8601, UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockDetails {
    /// The lock message (`-m`, or the command that took the lock).
    pub message: String,
    /// The version being deployed.
    pub version: String,
    /// Who holds the lock.
    pub locked_by: String,
    /// When it was taken.
    pub locked_at: String,
}

impl LockDetails {
    /// `Locked by: <who> at <time>\nVersion: <v>\nMessage: <m>`, trimmed as Kamal trims it.
    pub fn text(&self) -> String {
        format!(
            "Locked by: {} at {}\nVersion: {}\nMessage: {}",
            self.locked_by, self.locked_at, self.version, self.message
        )
        .trim()
        .to_string()
    }
}

/// Ruby's `Base64.encode64`: lines of 60 characters, each ending in a newline.
pub fn encode64(bytes: &[u8]) -> String {
    let encoded = STANDARD.encode(bytes);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 60 + 1);
    for chunk in encoded.as_bytes().chunks(60) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out
}

/// Lock commands for a service and destination.
#[derive(Debug, Clone, Copy)]
pub struct Lock<'a> {
    config: &'a Config,
}

impl<'a> Lock<'a> {
    /// Lock commands for `config`'s service and destination.
    pub fn new(config: &'a Config) -> Self {
        Lock { config }
    }

    /// `.kamal/lock-<service>[-<destination>]`.
    pub fn lock_dir(&self) -> String {
        let mut name = format!("lock-{}", self.config.service);
        if let Some(d) = &self.config.destination {
            name.push('-');
            name.push_str(d);
        }
        format!("{RUN_DIRECTORY}/{name}")
    }

    /// `<lock dir>/details`.
    pub fn lock_details_file(&self) -> String {
        format!("{}/details", self.lock_dir())
    }

    /// `mkdir <lock dir> && echo "<base64 details>" > <lock dir>/details`: fails when the lock
    /// is already held.
    pub fn acquire(&self, details: &LockDetails) -> Command {
        Command::new(["mkdir".to_string(), self.lock_dir()])
            .via_env()
            .and(Command::new(["echo".to_string(), format!("\"{}\"", encode64(details.text().as_bytes()))]))
            .arg(">")
            .arg(self.lock_details_file())
    }

    /// `rm <details> && rm -r <lock dir>`.
    pub fn release(&self) -> Command {
        Command::new(["rm".to_string(), self.lock_details_file()]).via_env().and(Command::new([
            "rm".to_string(),
            "-r".to_string(),
            self.lock_dir(),
        ]))
    }

    /// `stat <lock dir> > /dev/null && cat <details> | base64 -d`: prints the details when held.
    pub fn status(&self) -> Command {
        Command::new(["stat".to_string(), self.lock_dir(), ">".to_string(), "/dev/null".to_string()])
            .via_env()
            .and(Command::new(["cat".to_string(), self.lock_details_file()]))
            .pipe(Command::new(["base64", "-d"]))
    }

    /// `mkdir -p .kamal`: where the lock directory is made. (Kamal's own
    /// `ensure_locks_directory` names an undefined directory and is never called.)
    pub fn ensure_locks_directory(&self) -> Command {
        Command::new(["mkdir", "-p", RUN_DIRECTORY]).via_env()
    }
}
