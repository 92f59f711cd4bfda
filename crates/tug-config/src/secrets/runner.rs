//! How secrets code starts other programs (vault CLIs, `sh -c` for `$(command)`) and reads the
//! process environment, behind two small traits so tests can script both.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Mutex;

/// Where a child's standard error goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StderrMode {
    /// To the user's terminal (vault CLIs prompt for passwords there).
    Inherit,
    /// Discarded (Kamal's `2> /dev/null` on probes such as `op --version`).
    Discard,
}

/// One program to run: argv, extra environment, working directory. Standard input is always
/// inherited (logins may prompt) and standard output always captured.
#[derive(Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The program, looked up on `PATH`.
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Variables added to the inherited environment (e.g. `BW_SESSION`).
    pub env: Vec<(String, String)>,
    /// Working directory; the current one when `None`.
    pub dir: Option<PathBuf>,
    /// What happens to standard error.
    pub stderr: StderrMode,
}

impl Invocation {
    /// `program args…`, inheriting stderr, in the current directory.
    pub fn new<I, S>(program: &str, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Invocation {
            program: program.to_string(),
            args: args.into_iter().map(Into::into).collect(),
            env: Vec::new(),
            dir: None,
            stderr: StderrMode::Inherit,
        }
    }

    /// Adds an environment variable for the child.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// Discards the child's standard error.
    pub fn quiet(mut self) -> Self {
        self.stderr = StderrMode::Discard;
        self
    }

    /// Runs the child in `dir`.
    pub fn in_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// `K=V program arg arg…`, the key [`ScriptedRunner`] matches on. It may hold secrets
    /// (session tokens): use it in tests only, never in messages.
    pub fn command_line(&self) -> String {
        let mut parts: Vec<String> = self.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        parts.push(self.program.clone());
        parts.extend(self.args.iter().cloned());
        parts.join(" ")
    }
}

impl fmt::Debug for Invocation {
    // Arguments and environment may carry session tokens: show the program only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Invocation({} …)", self.program)
    }
}

/// What a finished child left behind.
#[derive(Clone, PartialEq, Eq)]
pub struct Output {
    /// Whether it exited with status 0.
    pub success: bool,
    /// Its exit code, `None` when killed by a signal.
    pub code: Option<i32>,
    /// Its standard output (invalid UTF-8 replaced).
    pub stdout: String,
}

impl Output {
    /// A successful exit printing `stdout`.
    pub fn ok(stdout: &str) -> Self {
        Output { success: true, code: Some(0), stdout: stdout.to_string() }
    }

    /// A failed exit (status 1) printing `stdout`.
    pub fn failed(stdout: &str) -> Self {
        Output { success: false, code: Some(1), stdout: stdout.to_string() }
    }
}

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Output(success: {}, code: {:?}, stdout: [REDACTED])", self.success, self.code)
    }
}

/// Runs programs for the secrets code. A missing program must come back as an
/// [`io::ErrorKind::NotFound`] error, which adapters turn into "is not installed".
pub trait CommandRunner: Send + Sync {
    /// Runs `invocation` to completion.
    fn run(&self, invocation: &Invocation) -> io::Result<Output>;
}

/// Runs real programs with [`std::process::Command`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemRunner;

impl CommandRunner for SystemRunner {
    fn run(&self, inv: &Invocation) -> io::Result<Output> {
        let mut cmd = Command::new(&inv.program);
        cmd.args(&inv.args)
            .envs(inv.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::inherit())
            .stdout(Stdio::piped())
            .stderr(match inv.stderr {
                StderrMode::Inherit => Stdio::inherit(),
                StderrMode::Discard => Stdio::null(),
            });
        if let Some(dir) = &inv.dir {
            cmd.current_dir(dir);
        }
        let out = cmd.output()?;
        Ok(Output {
            success: out.status.success(),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        })
    }
}

/// Scripted replies keyed by [`Invocation::command_line`], for tests and dry runs. Each command
/// answers its replies in order and repeats the last one; a command with no reply fails.
#[derive(Default)]
pub struct ScriptedRunner {
    replies: Mutex<Vec<(String, VecDeque<Output>)>>,
    missing: Vec<String>,
    calls: Mutex<Vec<String>>,
}

impl ScriptedRunner {
    /// A runner with no replies.
    pub fn new() -> Self {
        Self::default()
    }

    /// `command_line` succeeds printing `stdout`.
    pub fn ok(self, command_line: &str, stdout: &str) -> Self {
        self.reply(command_line, Output::ok(stdout))
    }

    /// `command_line` fails (status 1) printing `stdout`.
    pub fn fail(self, command_line: &str, stdout: &str) -> Self {
        self.reply(command_line, Output::failed(stdout))
    }

    /// `command_line` answers `output` (after any replies already queued for it).
    pub fn reply(self, command_line: &str, output: Output) -> Self {
        if let Ok(mut replies) = self.replies.lock() {
            match replies.iter_mut().find(|(k, _)| k == command_line) {
                Some((_, queue)) => queue.push_back(output),
                None => replies.push((command_line.to_string(), VecDeque::from([output]))),
            }
        }
        self
    }

    /// `program` is not installed: every run of it fails with `NotFound`.
    pub fn missing(mut self, program: &str) -> Self {
        self.missing.push(program.to_string());
        self
    }

    /// The command lines run so far, in order.
    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

impl CommandRunner for ScriptedRunner {
    fn run(&self, inv: &Invocation) -> io::Result<Output> {
        let line = inv.command_line();
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(line.clone());
        }
        if self.missing.contains(&inv.program) {
            return Err(io::Error::new(io::ErrorKind::NotFound, "not found"));
        }
        let mut replies = self.replies.lock().map_err(|_| io::Error::other("scripted runner poisoned"))?;
        let queue = replies
            .iter_mut()
            .find(|(k, _)| *k == line)
            .map(|(_, q)| q)
            .ok_or_else(|| io::Error::other(format!("no scripted reply for `{line}`")))?;
        let reply = if queue.len() > 1 { queue.pop_front() } else { queue.front().cloned() };
        reply.ok_or_else(|| io::Error::other(format!("no scripted reply for `{line}`")))
    }
}

/// Where `$VAR` falls back to after the secrets files, and where adapters read settings such as
/// `DOPPLER_TOKEN`.
pub trait Environment: Send + Sync {
    /// The value of `name`, if set (and valid UTF-8).
    fn var(&self, name: &str) -> Option<String>;
}

/// The real process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Environment for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl Environment for HashMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

impl Environment for indexmap::IndexMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}
