//! Runs commands on the deploying machine: through `sh -c` with a timeout, a program directly
//! (the git identity), or with the terminal handed over (interactive sessions).

use std::io::Read;
use std::process::{Child, Command as Process, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use tug_commands::Command;

use crate::error::ExecError;
use crate::output::Output;
use crate::runner::{RunOptions, Runner, Target, Upload};

/// The local runner.
#[derive(Debug, Default, Clone)]
pub struct LocalRunner;

impl Runner for LocalRunner {
    fn run(&self, target: &Target, command: &Command, options: &RunOptions) -> Result<Output, ExecError> {
        let mut p = Process::new("sh");
        p.arg("-c").arg(command.to_shell());
        for (k, v) in &options.env {
            p.env(k, v);
        }
        if let Some(dir) = &options.cwd {
            p.current_dir(dir);
        }
        run_process(p, None, &target.to_string(), &command.to_redacted(), options.timeout)
    }

    fn stream(&self, host: &str, _local: &Command, remote: &Command, _timeout: Duration) -> Result<Output, ExecError> {
        Err(ExecError::Unreachable {
            host: host.into(),
            message: format!("the local runner cannot reach hosts (`{}`)", remote.to_redacted()),
        })
    }

    fn upload(&self, host: &str, upload: &Upload) -> Result<(), ExecError> {
        Err(ExecError::Upload {
            host: host.into(),
            path: upload.remote_path.clone(),
            message: "the local runner does not upload to hosts".into(),
        })
    }
}

impl LocalRunner {
    /// Runs `program` with `args` directly (no shell), its output collected, killed after
    /// `timeout`.
    pub fn run_program(&self, program: &str, args: &[&str], timeout: Duration) -> Result<Output, ExecError> {
        let mut p = Process::new(program);
        p.args(args);
        let shown = std::iter::once(program).chain(args.iter().copied()).collect::<Vec<_>>().join(" ");
        run_process(p, None, &Target::Local.to_string(), &shown, timeout)
    }

    /// Runs `command` through `sh -c` with this process's terminal (standard input, output and
    /// error inherited) and no time limit: the user decides when an interactive session over
    /// `ssh -t`, or a followed log, ends.
    pub fn hand_over(&self, command: &Command) -> Result<ExitStatus, ExecError> {
        Process::new("sh").arg("-c").arg(command.to_shell()).status().map_err(|source| ExecError::Spawn {
            target: Target::Local.to_string(),
            program: "sh".into(),
            source,
        })
    }
}

/// Starts a process (feeding `stdin` when given), collects its output and kills it after
/// `timeout`. Shared by the local and SSH runners.
pub(crate) fn run_process(
    mut p: Process,
    stdin: Option<Vec<u8>>,
    target: &str,
    shown: &str,
    timeout: Duration,
) -> Result<Output, ExecError> {
    p.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    spawn_and_collect(p, stdin, target, shown, timeout)
}

/// Like [`run_process`], for a process whose standard input the caller has already set (a
/// pipe from another process).
pub(crate) fn run_process_with_stdin_set(
    p: Process,
    target: &str,
    shown: &str,
    timeout: Duration,
) -> Result<Output, ExecError> {
    spawn_and_collect(p, None, target, shown, timeout)
}

fn spawn_and_collect(
    mut p: Process,
    stdin: Option<Vec<u8>>,
    target: &str,
    shown: &str,
    timeout: Duration,
) -> Result<Output, ExecError> {
    p.stdout(Stdio::piped()).stderr(Stdio::piped());
    let program = p.get_program().to_string_lossy().into_owned();
    let mut child = p.spawn().map_err(|source| ExecError::Spawn { target: target.into(), program, source })?;
    if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
        thread::spawn(move || {
            use std::io::Write;
            let _ = pipe.write_all(&bytes);
        });
    }
    let out = reader(child.stdout.take());
    let err = reader(child.stderr.take());
    let status = wait(&mut child, timeout);
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    match status {
        Some(code) => Ok(Output { status: code, stdout, stderr }),
        None => Err(ExecError::Timeout { target: target.into(), command: shown.into(), after: timeout }),
    }
}

fn reader(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut buf);
        }
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// `Some(exit code)` when the child ended, `None` when it was killed for taking too long.
fn wait(child: &mut Child, timeout: Duration) -> Option<Option<i32>> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status.code()),
            Ok(None) if start.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            Ok(None) => {
                thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            Err(_) => return Some(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_and_times_out() {
        let r = LocalRunner;
        let out = r.run(&Target::Local, &Command::new(["echo", "hi;", "exit", "3"]), &RunOptions::default()).unwrap();
        assert_eq!((out.status, out.stdout.as_str()), (Some(3), "hi\n"));
        let err = r
            .run(&Target::Local, &Command::new(["sleep", "5"]), &RunOptions::with_timeout(Duration::from_millis(100)))
            .unwrap_err();
        assert!(err.to_string().contains("did not finish within"), "{err}");
    }

    #[test]
    fn programs_run_without_a_shell() {
        let out = LocalRunner.run_program("printf", &["%s", "$HOME"], Duration::from_secs(10)).unwrap();
        assert_eq!((out.status, out.stdout.as_str()), (Some(0), "$HOME"));
    }

    #[test]
    fn handing_over_returns_the_exit_status() {
        let status = LocalRunner.hand_over(&Command::new(["exit", "3"])).unwrap();
        assert_eq!(status.code(), Some(3));
    }

    #[test]
    fn env_reaches_the_command_but_not_its_text() {
        let mut o = RunOptions::default();
        o.env.push(("TUG_T".into(), "v1".into()));
        let out = LocalRunner.run(&Target::Local, &Command::new(["printf", "%s", "$TUG_T"]), &o).unwrap();
        assert_eq!(out.stdout, "v1");
    }
}
