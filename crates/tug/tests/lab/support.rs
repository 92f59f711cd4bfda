//! What the lab scenarios share: the lab (tests/lab), a copy of the example app's project with
//! its `lab` destination, `tug` runs with a time bound, HTTP through each server's proxy, what
//! each server holds (over SSH), and a load generator.
//!
//! The scenarios are built only with the `lab` feature (the rest of the suite needs no Docker),
//! as `.ci/run` builds them; then a lab that cannot start fails them.

#![allow(dead_code)]

#[path = "../../../../tests/lab/lab.rs"]
mod lab;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub use lab::Lab;

/// The host name the lab destination gives the proxy.
pub const APP_HOST: &str = "zen-miner.lab";
/// The longest any one `tug` run may take.
const TUG_TIMEOUT: Duration = Duration::from_secs(300);

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root")
}

/// The lab, started if need be; a lab that cannot start fails the scenario.
pub fn lab(scenario: &str) -> Lab {
    match Lab::up() {
        Ok(lab) => lab,
        Err(e) => panic!("{scenario}: the lab did not start (tests/lab/up needs root and Docker): {e}"),
    }
}

/// The output of one `tug` run.
#[derive(Debug)]
pub struct Run {
    pub args: String,
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub seconds: f64,
}

impl Run {
    pub fn success(&self) -> bool {
        self.status == Some(0)
    }

    /// Panics with the whole output unless the run succeeded.
    pub fn ok(self) -> Run {
        assert!(
            self.success(),
            "`tug {}` failed ({:?}) after {:.1}s\n--- stdout\n{}\n--- stderr\n{}",
            self.args,
            self.status,
            self.seconds,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Panics with the whole output if the run succeeded.
    pub fn failed(self) -> Run {
        assert!(
            !self.success(),
            "`tug {}` succeeded but should have failed\n--- stdout\n{}\n--- stderr\n{}",
            self.args,
            self.stdout,
            self.stderr
        );
        self
    }

    /// The lines starting with `error:`.
    pub fn error_lines(&self) -> Vec<&str> {
        self.stderr.lines().chain(self.stdout.lines()).filter(|l| l.starts_with("error:")).collect()
    }

    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// A copy of examples/zen-miner in a temporary directory (the working tree is never touched),
/// without the user's hooks unless a scenario adds hooks.
pub struct Project {
    pub lab: Lab,
    pub dir: tempfile::TempDir,
}

/// The lock file every user of the lab's servers holds (`scripts/deploy-timing` too).
pub const LAB_USE_LOCK: &str = "/run/lock/tug-lab-use.lock";

/// Waits for the lab-use lock and holds it while the file lives: one user of the servers at a
/// time, across processes.
pub fn lock_servers() -> std::fs::File {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(LAB_USE_LOCK)
        .unwrap_or_else(|e| panic!("{LAB_USE_LOCK}: {e}"));
    file.lock().unwrap_or_else(|e| panic!("lock {LAB_USE_LOCK}: {e}"));
    file
}

impl Project {
    /// A fresh copy of the example project (the servers are the session's: see `session`).
    pub fn new(lab: Lab) -> Project {
        let example = repo_root().join("examples/zen-miner");
        ensure_binary(&example);
        let dir = tempfile::Builder::new().prefix("tug-lab-").tempdir().expect("temp dir");
        for item in ["Dockerfile", ".dockerignore", "rootfs", "build", "config"] {
            copy_tree(&example.join(item), &dir.path().join(item));
        }
        std::fs::create_dir_all(dir.path().join(".kamal/hooks")).expect("hooks dir");
        std::fs::copy(example.join(".kamal/secrets.lab"), dir.path().join(".kamal/secrets.lab")).expect("secrets.lab");
        Project { lab, dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Removes the app from every server (`lock release`, `remove -y`) and checks nothing of it
    /// is left.
    pub fn clear_servers(&self) {
        let _ = self.tug(&["lock", "release"]);
        self.tug(&["remove", "-y"]).ok();
        for name in &self.lab.server_names {
            let left = self.ssh(name, "docker ps -a --format '{{.Names}}'");
            assert!(left.trim().is_empty(), "{name} still has containers after `remove -y`: {left}");
        }
    }

    /// Adds an executable hook.
    pub fn hook(&self, name: &str, script: &str) {
        let path = self.path().join(".kamal/hooks").join(name);
        std::fs::write(&path, script).expect("write hook");
        set_executable(&path);
    }

    /// Replaces text in a project file.
    pub fn edit(&self, file: &str, from: &str, to: &str) {
        let path = self.path().join(file);
        let text = std::fs::read_to_string(&path).expect("read project file");
        assert!(text.contains(from), "{file} has no `{from}`");
        std::fs::write(&path, text.replace(from, to)).expect("write project file");
    }

    /// `tug -d lab ARGS…` in the project, with the lab's environment, bounded in time.
    pub fn tug(&self, args: &[&str]) -> Run {
        self.tug_with(args, &[])
    }

    /// `program` in the project, with the lab's environment (what `tug` runs need), no input.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(self.path()).stdin(Stdio::null());
        cmd.env("NO_COLOR", "1")
            .env("DOCKER_CONFIG", &self.lab.docker_config)
            .env_remove("KAMAL_LOCK")
            .env_remove("VERSION");
        for (k, v) in &self.lab.vars {
            cmd.env(k, v);
        }
        cmd
    }

    pub fn tug_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = self.command(env!("CARGO_BIN_EXE_tug"));
        cmd.arg("-d").arg("lab").args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let shown = args.join(" ");
        let started = Instant::now();
        let out = run_bounded(cmd, TUG_TIMEOUT).unwrap_or_else(|e| panic!("`tug {shown}`: {e}"));
        let run =
            Run { args: shown, status: out.0, stdout: out.1, stderr: out.2, seconds: started.elapsed().as_secs_f64() };
        eprintln!("tug -d lab {} -> {:?} in {:.1}s", run.args, run.status, run.seconds);
        run
    }

    /// A shell command on a server; its standard output (panics when ssh cannot run it).
    pub fn ssh(&self, server: &str, command: &str) -> String {
        let out = self.lab.ssh(server, command).unwrap_or_else(|e| panic!("{server}: {e}"));
        assert!(out.status.success(), "{server}: `{command}` failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The names of the containers on a server (`all`: stopped ones too).
    pub fn containers(&self, server: &str, all: bool) -> Vec<String> {
        let out = self.ssh(server, &format!("docker ps {} --format '{{{{.Names}}}}'", if all { "-a" } else { "" }));
        let mut names: Vec<String> = out.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
        names.sort();
        names
    }

    /// The version each server's proxy serves (`GET /version` with the app's host name).
    pub fn serving(&self) -> Vec<String> {
        self.lab
            .servers
            .iter()
            .map(|s| match get(s, "/version") {
                Ok((200, body)) => body.trim().to_string(),
                Ok((status, body)) => format!("HTTP {status}: {}", body.trim()),
                Err(e) => format!("error: {e}"),
            })
            .collect()
    }

    /// Asserts every server serves `version` and runs its container.
    pub fn assert_serving(&self, version: &str) {
        let serving = self.serving();
        assert!(
            serving.iter().all(|v| v == version),
            "expected every server to serve {version}, they serve {serving:?}"
        );
        for name in &self.lab.server_names {
            let running = self.containers(name, false);
            let app = format!("zen_miner-web-lab-{version}");
            assert!(
                running.contains(&app) && running.contains(&"kamal-proxy".to_string()),
                "{name} runs {running:?}, expected {app} and kamal-proxy"
            );
            assert_eq!(
                running.iter().filter(|c| c.starts_with("zen_miner-web-lab-")).count(),
                1,
                "{name} runs more than one app container: {running:?}"
            );
        }
    }

    /// Builds an image on this machine from `dockerfile` (in a directory of its own), labelled
    /// for the service, tags it as the app's `version` and pushes it to the lab registry.
    pub fn push_image(&self, version: &str, dockerfile: &str) -> String {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("Dockerfile"), dockerfile).expect("write Dockerfile");
        let image = format!("{}/tug/zen_miner:{version}", self.lab.registry);
        let mut build = self.lab.docker();
        build.args(["build", "-q", "--label", "service=zen_miner", "-t", &image]).arg(dir.path());
        bounded_ok(build, "docker build");
        let mut push = self.lab.docker();
        push.args(["push", "-q", &image]);
        bounded_ok(push, "docker push");
        image
    }

    /// The image of the app's `version` in the lab registry.
    pub fn image(&self, version: &str) -> String {
        format!("{}/tug/zen_miner:{version}", self.lab.registry)
    }
}

fn bounded_ok(cmd: Command, what: &str) {
    let (status, stdout, stderr) = run_bounded(cmd, Duration::from_secs(300)).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(status, Some(0), "{what} failed: {stdout}{stderr}");
}

/// Runs a process, killing it after `timeout`. Returns (status, stdout, stderr).
pub fn run_bounded(mut cmd: Command, timeout: Duration) -> Result<(Option<i32>, String, String), String> {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("cannot start: {e}"))?;
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let o = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let e = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("did not finish within {}s", timeout.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Ok((status, o.join().unwrap_or_default(), e.join().unwrap_or_default()))
}

/// `GET path` through a server's proxy on port 80, with the app's host name. (status, body).
pub fn get(server: &str, path: &str) -> Result<(u16, String), String> {
    request(server, "GET", path, "")
}

/// One HTTP/1.1 request on a fresh connection, bounded in time.
pub fn request(server: &str, method: &str, path: &str, body: &str) -> Result<(u16, String), String> {
    let addr: SocketAddr = format!("{server}:80").parse().map_err(|e| format!("{server}: {e}"))?;
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(3)).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
    s.set_write_timeout(Some(Duration::from_secs(5))).map_err(|e| e.to_string())?;
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {APP_HOST}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).map_err(|e| format!("write: {e}"))?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).map_err(|e| format!("read: {e}"))?;
    let text = String::from_utf8_lossy(&buf);
    let (head, body) = text.split_once("\r\n\r\n").ok_or_else(|| format!("no complete response: {text:?}"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("no status line: {head:?}"))?;
    let body =
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { dechunk(body) } else { body.to_string() };
    Ok((status, body))
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}

/// What a load generator saw.
#[derive(Debug, Default)]
pub struct LoadReport {
    pub ok: usize,
    pub failures: Vec<String>,
    /// Responses per version served.
    pub versions: BTreeMap<String, usize>,
}

/// Clients in a loop against every server's proxy (one thread per server, a fresh connection
/// per request), until stopped or `limit` runs out.
pub struct Load {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<LoadReport>>,
}

impl Load {
    pub fn start(servers: &[String], limit: Duration) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let threads = servers
            .iter()
            .cloned()
            .map(|server| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let mut r = LoadReport::default();
                    let started = Instant::now();
                    while !stop.load(Ordering::SeqCst) && started.elapsed() < limit {
                        match get(&server, "/version") {
                            Ok((200, v)) => {
                                r.ok += 1;
                                *r.versions.entry(v.trim().to_string()).or_default() += 1;
                            }
                            Ok((status, body)) => r.failures.push(format!("{server}: HTTP {status} {}", body.trim())),
                            Err(e) => r.failures.push(format!("{server}: {e}")),
                        }
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    r
                })
            })
            .collect();
        Load { stop, threads }
    }

    pub fn finish(self) -> LoadReport {
        self.stop.store(true, Ordering::SeqCst);
        let mut all = LoadReport::default();
        for t in self.threads {
            let r = t.join().expect("load thread");
            all.ok += r.ok;
            all.failures.extend(r.failures);
            for (v, n) in r.versions {
                *all.versions.entry(v).or_default() += n;
            }
        }
        all
    }
}

/// Builds `build/zen-miner` (what the image packages) when it is missing.
fn ensure_binary(example: &Path) {
    if example.join("build/zen-miner").exists() && example.join("build/bin/busybox").exists() {
        return;
    }
    let mut cmd = Command::new(example.join("bin/build-binary"));
    cmd.stdin(Stdio::null());
    bounded_ok(cmd, "examples/zen-miner/bin/build-binary");
}

fn copy_tree(from: &Path, to: &Path) {
    let meta = std::fs::symlink_metadata(from).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    if meta.is_dir() {
        std::fs::create_dir_all(to).expect("create dir");
        for entry in std::fs::read_dir(from).expect("read dir") {
            let entry = entry.expect("dir entry");
            copy_tree(&entry.path(), &to.join(entry.file_name()));
        }
    } else if meta.file_type().is_symlink() {
        let target = std::fs::read_link(from).expect("read link");
        #[cfg(unix)]
        std::os::unix::fs::symlink(target, to).expect("symlink");
    } else {
        std::fs::copy(from, to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
    }
}

#[cfg(unix)]
fn set_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod hook");
}

#[cfg(not(unix))]
fn set_executable(_path: &Path) {}

impl Project {
    /// Makes the project a git repository with one commit, as a real app is (the version
    /// defaults to the commit).
    pub fn git_init(&self) {
        for args in [
            &["init", "-q"][..],
            &["add", "-A"],
            &["-c", "user.name=Lab", "-c", "user.email=lab@example.invalid", "commit", "-qm", "Zen Miner"],
        ] {
            let status =
                Command::new("git").args(args).current_dir(self.path()).stdout(Stdio::null()).status().expect("git");
            assert!(status.success(), "git {args:?} failed in {}", self.path().display());
        }
    }

    /// Runs `tug -d lab ARGS…` on a pseudo-terminal (`script`), typing `input`, as a person at a
    /// terminal would for the interactive aliases. (status, everything the terminal showed).
    pub fn on_terminal(&self, args: &str, input: &str) -> (Option<i32>, String) {
        let tug = env!("CARGO_BIN_EXE_tug");
        let mut cmd = self.command("script");
        cmd.args(["-qefc", &format!("{tug} -d lab {args}"), "/dev/null"]);
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("script(1) from util-linux");
        let mut stdin = child.stdin.take().expect("stdin");
        let input = input.to_string();
        // Typed slowly enough for the remote shell to be there to read it.
        let typist = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(2));
            for line in input.lines() {
                let _ = stdin.write_all(format!("{line}\n").as_bytes());
                let _ = stdin.flush();
                std::thread::sleep(Duration::from_millis(300));
            }
            std::thread::sleep(Duration::from_secs(1));
        });
        let mut out = String::new();
        child.stdout.take().expect("stdout").read_to_string(&mut out).expect("read terminal");
        let mut err = String::new();
        let _ = child.stderr.take().expect("stderr").read_to_string(&mut err);
        let status = child.wait().expect("wait").code();
        typist.join().expect("typist");
        eprintln!("tug -d lab {args} (on a terminal) -> {status:?}");
        (status, format!("{out}{err}").replace('\r', ""))
    }

    /// `tug -d lab logs` (the spec's alias for `app logs -f`) for `seconds`, then interrupted as a
    /// person would with Ctrl-C; what it printed meanwhile.
    pub fn follow_logs(&self, seconds: u64, meanwhile: impl FnOnce()) -> String {
        let mut cmd = self.command(env!("CARGO_BIN_EXE_tug"));
        cmd.args(["-d", "lab", "logs"]).stdout(Stdio::piped()).stderr(Stdio::piped());
        // Its own process group, so that the interrupt reaches it all (tug, and the ssh it runs),
        // as Ctrl-C on a terminal does.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd.spawn().expect("tug logs");
        let mut stdout = child.stdout.take().expect("stdout");
        let reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stdout.read_to_string(&mut s);
            s
        });
        std::thread::sleep(Duration::from_secs(2));
        meanwhile();
        std::thread::sleep(Duration::from_secs(seconds));
        assert!(child.try_wait().expect("try_wait").is_none(), "`tug logs` follows: it must still run");
        let group = format!("-{}", child.id());
        let _ = Command::new("kill").args(["-INT", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while child.try_wait().expect("try_wait").is_none() {
            if Instant::now() > deadline {
                let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
                panic!("`tug logs` did not stop within 10 s of an interrupt");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        reader.join().expect("reader")
    }
}

/// This machine's docker (where the lab's server containers run); its standard output.
pub fn host_docker(args: &[&str]) -> String {
    let mut cmd = Command::new("docker");
    cmd.args(args);
    let (status, out, err) =
        run_bounded(cmd, Duration::from_secs(60)).unwrap_or_else(|e| panic!("docker {}: {e}", args.join(" ")));
    assert_eq!(status, Some(0), "docker {} failed: {out}{err}", args.join(" "));
    out
}

/// The lock `tests/lab/up` takes.
const LAB_UP_LOCK: &str = "/run/lock/tug-lab.lock";

/// A lab server a scenario makes unreachable by pausing its container. Holds the lock
/// `tests/lab/up` takes meanwhile (`up`, run by other test processes before they wait for the
/// servers, would otherwise replace the paused server as broken), and unpauses the server when
/// dropped, even when the test fails.
pub struct PausedServer {
    pub container: String,
    _up: std::fs::File,
}

impl PausedServer {
    /// Takes the lock for `container`; the scenario pauses it ([`PausedServer::pause`], or a hook).
    pub fn hold(container: &str) -> PausedServer {
        let up =
            std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(LAB_UP_LOCK).expect(LAB_UP_LOCK);
        up.lock().expect("lab lock");
        PausedServer { container: container.to_string(), _up: up }
    }

    pub fn pause(&self) {
        host_docker(&["pause", &self.container]);
    }

    pub fn is_paused(&self) -> bool {
        host_docker(&["inspect", "-f", "{{.State.Paused}}", &self.container]).trim() == "true"
    }

    pub fn unpause(&self) {
        if self.is_paused() {
            host_docker(&["unpause", &self.container]);
        }
    }
}

impl Drop for PausedServer {
    fn drop(&mut self) {
        self.unpause();
    }
}
