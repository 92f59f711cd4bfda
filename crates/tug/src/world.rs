//! What a run takes from the machine, read in this one place: the project directory, the
//! clock, who is deploying, random hex for container names, the local Docker architecture,
//! the terminal and the output streams ([`Environment`], with its [`Inputs`]), and the
//! SSH, local processes and resolver that `tug doctor` checks against ([`SystemWorld`]).
//! Passed in, so tests are deterministic.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::{IsTerminal, Write};
use std::net::{IpAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tug_commands::Command;
use tug_exec::ssh::SshRunner;
use tug_exec::{ExecError, LocalRunner, Output, RunOptions, Runner, Target};

use crate::flows::doctor::World;

/// Time, as flows see it.
pub trait Clock: Send + Sync {
    /// Time since the run started.
    fn elapsed(&self) -> Duration;
    /// Waits (a virtual clock just advances).
    fn sleep(&self, d: Duration);
    /// Now, as ISO 8601 in UTC (`2024-01-01T00:00:00Z`), for audit lines, hooks and the lock.
    fn recorded_at(&self) -> String;
}

/// The real clock.
#[derive(Debug)]
pub struct SystemClock {
    started: Instant,
}

impl SystemClock {
    /// A clock started now.
    pub fn new() -> Self {
        SystemClock { started: Instant::now() }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
    fn sleep(&self, d: Duration) {
        std::thread::sleep(d);
    }
    fn recorded_at(&self) -> String {
        let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        iso8601(secs)
    }
}

/// A clock that stands still except when slept on (tests, plans).
#[derive(Debug)]
pub struct FixedClock {
    at: String,
    slept_ms: AtomicU64,
}

impl FixedClock {
    /// A clock that always says `at`.
    pub fn new(at: impl Into<String>) -> Self {
        FixedClock { at: at.into(), slept_ms: AtomicU64::new(0) }
    }
}

impl Clock for FixedClock {
    fn elapsed(&self) -> Duration {
        Duration::from_millis(self.slept_ms.load(Ordering::SeqCst))
    }
    fn sleep(&self, d: Duration) {
        self.slept_ms.fetch_add(u64::try_from(d.as_millis()).unwrap_or(u64::MAX), Ordering::SeqCst);
    }
    fn recorded_at(&self) -> String {
        self.at.clone()
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the epoch.
pub fn iso8601(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Random hex digits (container hostnames, exec and replaced container names).
pub trait HexSource: Send + Sync {
    /// `n` hex digits.
    fn hex(&self, n: usize) -> String;
}

/// Hex from the process's random hasher keys and a counter.
#[derive(Debug, Default)]
pub struct RandomHex {
    counter: AtomicU64,
}

impl HexSource for RandomHex {
    fn hex(&self, n: usize) -> String {
        let mut out = String::new();
        while out.len() < n {
            let mut h = RandomState::new().build_hasher();
            h.write_u64(self.counter.fetch_add(1, Ordering::SeqCst));
            h.write_u128(SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
            out.push_str(&format!("{:016x}", h.finish()));
        }
        out.truncate(n);
        out
    }
}

/// The same digits every time (tests and snapshots).
#[derive(Debug, Clone)]
pub struct FixedHex(pub char);

impl HexSource for FixedHex {
    fn hex(&self, n: usize) -> String {
        std::iter::repeat_n(self.0, n).collect()
    }
}

/// Everything a run takes from the world.
#[derive(Clone)]
pub struct Inputs {
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Random hex.
    pub hex: Arc<dyn HexSource>,
    /// Who deploys, for audit lines and hooks (git `user.email`, else the local user).
    pub performer: String,
    /// Who holds the lock (git `user.name`, else `Unknown`).
    pub lock_user: String,
    /// The deploying machine's Docker architecture (`amd64`/`arm64`).
    pub local_arch: String,
    /// Where builds clone into: `~/.cache/tug` (private to the user), else `$TMPDIR`.
    pub tmp_dir: String,
    /// `KAMAL_LOCK=true` in the environment: a parent Tug (or Kamal) holds the lock.
    pub lock_inherited: bool,
    /// What Tug's helper image (`tug-db`) is made of: this executable.
    pub tool: Arc<dyn crate::helper_image::ToolSource>,
}

impl Inputs {
    /// Fixed inputs for tests: 2024-01-01, `deployer@example.com`, hex `a…`, amd64.
    pub fn fixed() -> Inputs {
        Inputs {
            clock: Arc::new(FixedClock::new("2024-01-01T00:00:00Z")),
            hex: Arc::new(FixedHex('a')),
            performer: "deployer@example.com".into(),
            lock_user: "Deployer".into(),
            local_arch: "amd64".into(),
            tmp_dir: "/tmp".into(),
            lock_inherited: false,
            tool: Arc::new(crate::helper_image::FixedTool::x86_64()),
        }
    }
}

/// What a run takes from the machine: the project directory, inputs and output streams.
pub struct Environment {
    /// The project directory.
    pub root: PathBuf,
    /// Clock, performer, hex, arch.
    pub inputs: Inputs,
    /// Data (plans, requested output).
    pub out: Box<dyn Write + Send>,
    /// Progress and warnings.
    pub err: Box<dyn Write + Send>,
    /// Whether standard input is a terminal: questions may be asked there, and interactive
    /// commands get one (`docker exec -it`).
    pub interactive: bool,
}

/// How long asking git or the system who the user is may take.
const IDENTITY_TIMEOUT: Duration = Duration::from_secs(10);

/// The trimmed output of a local program, when it succeeds and prints something.
fn local_output(program: &str, args: &[&str]) -> Option<String> {
    let out = LocalRunner.run_program(program, args, IDENTITY_TIMEOUT).ok()?;
    let text = out.stdout.trim().to_string();
    (out.status == Some(0) && !text.is_empty()).then_some(text)
}

impl Environment {
    /// The real machine: current directory, system clock, git identity, stdout and stderr.
    pub fn system() -> Environment {
        let performer = local_output("git", &["config", "user.email"])
            .or_else(|| local_output("whoami", &[]))
            .unwrap_or_else(|| "unknown".into());
        let lock_user = local_output("git", &["config", "user.name"]).unwrap_or_else(|| "Unknown".into());
        let local_arch = match std::env::consts::ARCH {
            "aarch64" => "arm64",
            _ => "amd64",
        };
        Environment {
            root: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            inputs: Inputs {
                clock: Arc::new(SystemClock::new()),
                hex: Arc::new(RandomHex::default()),
                performer,
                lock_user,
                local_arch: local_arch.into(),
                // Git clones of builds: in the user's own directory, not the shared temp dir.
                tmp_dir: tug_exec::run_dir::user_cache_dir().display().to_string().trim_end_matches('/').to_string(),
                lock_inherited: std::env::var("KAMAL_LOCK").is_ok_and(|v| v == "true"),
                tool: Arc::new(crate::helper_image::RunningTool::default()),
            },
            out: Box::new(std::io::stdout()),
            err: Box::new(std::io::stderr()),
            interactive: std::io::stdin().is_terminal(),
        }
    }

    /// Asks `question` on the terminal; only `y` is yes, and without a terminal the answer is no.
    pub fn confirm(&mut self, question: &str) -> bool {
        if !self.interactive {
            return false;
        }
        let _ = write!(self.err, "{question} [y, N] (N) ");
        let _ = self.err.flush();
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        answer.trim() == "y"
    }
}

/// How long a DNS lookup of `tug doctor` may take.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// The machine as `tug doctor` sees it: SSH for hosts, local processes, the system clock and
/// resolver.
pub struct SystemWorld {
    ssh: SshRunner,
}

impl SystemWorld {
    /// Checks run over `ssh`.
    pub fn new(ssh: SshRunner) -> SystemWorld {
        SystemWorld { ssh }
    }
}

impl World for SystemWorld {
    fn run(
        &self,
        target: &Target,
        command: &Command,
        env: &[(String, String)],
        timeout: Duration,
    ) -> Result<Output, ExecError> {
        let mut options = RunOptions::with_timeout(timeout);
        options.env = env.to_vec();
        self.ssh.run(target, command, &options)
    }

    fn now(&self) -> i64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    }

    fn resolve(&self, name: &str) -> Result<Vec<IpAddr>, String> {
        let (tx, rx) = std::sync::mpsc::channel();
        let query = format!("{name}:443");
        // The system resolver cannot be interrupted; a lookup that outlives the limit is left
        // to finish in the background.
        std::thread::spawn(move || {
            let answer =
                query.to_socket_addrs().map(|a| a.map(|s| s.ip()).collect::<Vec<_>>()).map_err(|e| e.to_string());
            let _ = tx.send(answer);
        });
        match rx.recv_timeout(RESOLVE_TIMEOUT) {
            Ok(answer) => answer.map(|mut ips| {
                ips.dedup();
                ips
            }),
            Err(_) => Err(format!("no answer within {}s", RESOLVE_TIMEOUT.as_secs())),
        }
    }
}

/// A writer whose bytes can be read back: tests capture a run's output with it.
#[cfg(any(test, feature = "testing"))]
#[derive(Clone, Default)]
pub struct SharedBuf(pub Arc<std::sync::Mutex<Vec<u8>>>);

#[cfg(any(test, feature = "testing"))]
impl SharedBuf {
    /// What was written, as text.
    pub fn text(&self) -> String {
        self.0.lock().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
    }
}

#[cfg(any(test, feature = "testing"))]
impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1_704_067_200), "2024-01-01T00:00:00Z");
        assert_eq!(iso8601(1_709_210_096), "2024-02-29T12:34:56Z");
    }

    #[test]
    fn hex_lengths() {
        assert_eq!(RandomHex::default().hex(16).len(), 16);
        assert_eq!(FixedHex('0').hex(6), "000000");
    }
}
