//! The checks of one host, over SSH with a timeout each: SSH and Docker (`docker version`),
//! then the ports (see [`super::ports`]), free disk where Docker keeps images and volumes,
//! and clock skew against this machine.

use tug_commands::probe;
use tug_config::{Config, advice};
use tug_exec::{ExecError, Output, Target};

use super::ports::ports;
use super::{Check, Options, World};

/// Free space under which the disk check fails (bytes).
const DISK_FAIL: u64 = 1 << 30;
/// Free space under which the disk check warns (bytes).
const DISK_WARN: u64 = 5 << 30;
/// Clock skew above which the clock check warns (seconds).
const SKEW_WARN: i64 = 5;

/// The checks of one host: SSH and Docker first; the others only when SSH works.
pub(super) fn host(config: &Config, world: &dyn World, options: &Options, h: &str) -> Vec<Check> {
    let target = Target::Host(h.to_string());
    let t = Some(h);
    let mut out = Vec::new();
    let version = probe::docker_version();
    match world.run(&target, &version, &[], options.timeout) {
        Err(ExecError::Unreachable { message, .. }) => {
            out.push(Check::fail(
                "ssh",
                t,
                format!("cannot connect as {}: {message}", config.ssh.user()),
                format!("check that `ssh {}@{h}` works from here (address, port {}, key in the agent or `ssh.keys`, sshd running)", config.ssh.user(), config.ssh.port()),
            ));
            out.push(Check::skip("docker", t, "no SSH connection (also ports, disk, clock)"));
            return out;
        }
        Err(e) => {
            out.push(Check::fail(
                "ssh",
                t,
                e.to_string(),
                format!(
                    "check that `ssh {}@{h} docker version` answers within {}s",
                    config.ssh.user(),
                    options.timeout.as_secs()
                ),
            ));
            out.push(Check::skip("docker", t, "no SSH connection (also ports, disk, clock)"));
            return out;
        }
        Ok(o) => {
            out.push(Check::pass("ssh", t, format!("connected as {}", config.ssh.user())));
            out.push(docker_line(h, &o));
        }
    }
    if let Some(line) = ports(config, world, options, h) {
        out.push(line);
    }
    out.push(disk(config, world, options, h));
    out.push(clock(world, options, h));
    out
}

fn docker_line(h: &str, o: &Output) -> Check {
    let t = Some(h);
    if o.success() {
        let v = o.stdout.trim().to_string();
        let major = v.split('.').next().and_then(|m| m.parse::<u32>().ok()).unwrap_or(0);
        if major > 0 && major < 24 {
            return Check::warn(
                "docker",
                t,
                format!("Docker {v} is older than 24"),
                "upgrade Docker on the host (Tug and kamal-proxy are tested with Docker 24 and newer)",
            );
        }
        return Check::pass("docker", t, format!("Docker {v} is running"));
    }
    let said = o.tail(1);
    let lower = said.to_ascii_lowercase();
    if o.status == Some(127)
        || lower.contains("command not found")
        || lower.contains("not found") && !lower.contains("daemon")
    {
        Check::fail(
            "docker",
            t,
            "Docker is not installed",
            "`tug server bootstrap` installs it (`tug setup` does too), or install docker.io/docker-ce yourself",
        )
    } else if lower.contains("permission denied") {
        Check::fail(
            "docker",
            t,
            format!("the SSH user may not use Docker: {said}"),
            "add the user to the `docker` group (`sudo usermod -aG docker USER`), or deploy as root",
        )
    } else if lower.contains("cannot connect to the docker daemon") || lower.contains("is the docker daemon running") {
        Check::fail(
            "docker",
            t,
            "the Docker daemon is not running",
            "start it on the host: `sudo systemctl enable --now docker`",
        )
    } else {
        Check::fail(
            "docker",
            t,
            format!("`docker version` failed: {said}"),
            "run `docker version` on the host to see why",
        )
    }
}

/// The host paths of bind-mounted volumes (named volumes live under Docker's root).
fn bind_paths(config: &Config, h: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for role in config.roles.iter().filter(|r| r.tagged_hosts.contains_key(h)) {
        for v in advice::role_volumes(config, role) {
            if let Some(src) = v.split(':').next().filter(|s| s.starts_with('/'))
                && !out.iter().any(|o| o == src)
            {
                out.push(src.to_string());
            }
        }
    }
    out
}

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / f64::from(1u32 << 30))
}

fn disk(config: &Config, world: &dyn World, options: &Options, h: &str) -> Check {
    let t = Some(h);
    let paths = bind_paths(config, h);
    let cmd = probe::disk(paths.iter().map(String::as_str));
    let out = match world.run(&Target::Host(h.to_string()), &cmd, &[], options.timeout) {
        Ok(o) => o,
        Err(e) => return Check::skip("disk", t, e.to_string()),
    };
    // POSIX df -P: Filesystem 1024-blocks Used Available Capacity Mounted-on.
    let mut worst: Option<(u64, u64, String)> = None;
    for line in out.stdout.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let (Some(total), Some(avail), Some(mount)) =
            (f.get(1).and_then(|x| x.parse::<u64>().ok()), f.get(3).and_then(|x| x.parse::<u64>().ok()), f.get(5))
        else {
            continue;
        };
        let (total, avail) = (total * 1024, avail * 1024);
        if worst.as_ref().is_none_or(|w| avail < w.0) {
            worst = Some((avail, total, (*mount).to_string()));
        }
    }
    let Some((avail, total, mount)) = worst else {
        return Check::warn(
            "disk",
            t,
            format!("could not read free space (`df` said: {})", out.tail(1)),
            "check free space on the host with `df -h`",
        );
    };
    let found = format!("{} free of {} on {mount} (Docker's images and volumes)", gib(avail), gib(total));
    let fix = "free space: `tug prune all` removes old images and containers; grow the disk for the database volume";
    if avail < DISK_FAIL {
        Check::fail("disk", t, found, fix)
    } else if avail < DISK_WARN || (total > 0 && avail * 10 < total) {
        Check::warn("disk", t, found, fix)
    } else {
        Check::pass("disk", t, found)
    }
}

fn clock(world: &dyn World, options: &Options, h: &str) -> Check {
    let t = Some(h);
    let before = world.now();
    let out = world.run(&Target::Host(h.to_string()), &probe::clock(), &[], options.timeout);
    let after = world.now();
    let remote = match out {
        Ok(o) if o.success() => o.stdout.trim().parse::<i64>().ok(),
        Ok(_) => None,
        Err(e) => return Check::skip("clock", t, e.to_string()),
    };
    let Some(remote) = remote else {
        return Check::warn("clock", t, "`date +%s` gave no time", "check the host's clock with `date`");
    };
    let skew = remote - (before + after) / 2;
    let slack = (after - before) / 2 + 1;
    let found = match skew {
        0 => "in step with this machine".to_string(),
        s if s > 0 => format!("{s} s ahead of this machine"),
        s => format!("{} s behind this machine", -s),
    };
    if skew.abs() > SKEW_WARN + slack {
        Check::warn(
            "clock",
            t,
            found,
            "turn on time sync on the host (`timedatectl set-ntp true`, or chrony); skewed clocks break TLS, registry tokens and log order",
        )
    } else {
        Check::pass("clock", t, found)
    }
}
