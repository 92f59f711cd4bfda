//! What a real deploy prints, through the real renderers, on a scripted `RecordingRunner`:
//! per-host progress lines for the waits (image pulls, health checks, the barrier), a closing
//! summary with the stages' and hosts' timings, the same as JSON lines with `--json`, nothing
//! but errors and requested output with `-q`, and every command with `-v`.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tug::events::EventSink;
use tug::flows;
use tug::flows::context::{Context, ContextParts, Mode, Options, SecretAccess};
use tug::flows::deploy::DeployOptions;
use tug::render::json::JsonRenderer;
use tug::render::progress::ProgressRenderer;
use tug::render::{Verbosity, stream};
use tug::selection::Selection;
use tug::world::Inputs;
use tug_config::secrets::Secrets;
use tug_config::{Config, LoadOptions};
use tug_exec::{Output, RecordingRunner};

const CONFIG: &str = "service: app\nimage: dhh/app\nservers:\n  web: [1.1.1.1, 1.1.1.2]\n  workers: [1.1.1.3]\nregistry:\n  username: dhh\n  password: [KAMAL_REGISTRY_PASSWORD]\nbuilder:\n  arch: amd64\nreadiness_delay: 0\n";

/// A writer whose bytes the test reads afterwards.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("buffer")).into_owned()
    }
}

fn project() -> (tempfile::TempDir, Config) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("config")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join(".kamal")).expect("mkdir");
    std::fs::write(dir.path().join("config/deploy.yml"), CONFIG).expect("write");
    std::fs::write(dir.path().join(".kamal/secrets"), "KAMAL_REGISTRY_PASSWORD=pw\n").expect("write");
    let opts = LoadOptions {
        root: dir.path().to_path_buf(),
        config_file: "config/deploy.yml".into(),
        destination: None,
        version: Some("999".into()),
    };
    (dir, tug_config::load(&opts).unwrap_or_else(|e| panic!("config: {e:?}")))
}

/// A scripted runner on which `deploy -P --version 999` over 998 succeeds.
fn servers() -> RecordingRunner {
    let runner = RecordingRunner::new();
    runner.reply(None, "name=^app-web-999$' --quiet", Output::ok("cid999\n"));
    runner.reply(None, "name=^app-workers-999$' --quiet | xargs docker inspect", Output::ok("healthy\n"));
    runner.reply(None, "while read line; do echo ${line#app-web-}; done", Output::ok("998\n"));
    runner.reply(None, "while read line; do echo ${line#app-workers-}; done", Output::ok("998\n"));
    runner
}

/// Runs `deploy -P --skip-backup` with `sink`; the flow's result.
fn deploy(runner: &RecordingRunner, sink: &dyn EventSink) -> flows::FlowResult<()> {
    let (_dir, config) = project();
    let secrets = Secrets::new(config.root.clone(), config.secrets_path(), None);
    let ctx = Context::new(ContextParts {
        config: &config,
        selection: Selection::new(&config, None, None, false).expect("selection"),
        events: sink,
        inputs: Inputs::fixed(),
        options: Options { version_given: true, ..Options::default() },
        command: ("deploy".into(), None),
        secrets: SecretAccess::Read(&secrets),
        runner,
        queries: None,
        mode: Mode::Run,
        version: Some("999".into()),
    });
    flows::deploy::deploy(
        &ctx,
        &DeployOptions { skip_push: true, skip_backup: true, ..DeployOptions::default() },
        false,
    )
}

fn text_run(verbosity: Verbosity) -> (String, String) {
    let (out, err) = (Buffer::default(), Buffer::default());
    let sink = ProgressRenderer::new(stream(out.clone()), stream(err.clone()), verbosity);
    deploy(&servers(), &sink).expect("deploys");
    (out.text(), err.text())
}

#[test]
fn progress_per_host_for_the_waits_and_a_closing_summary() {
    let (out, err) = text_run(Verbosity::Normal);
    assert!(out.is_empty(), "progress goes to stderr, stdout is for requested output: {out}");
    for h in ["1.1.1.1", "1.1.1.2", "1.1.1.3"] {
        assert!(
            err.contains(&format!("  [{h}] wait: pull dhh/app:999 (up to 300s)\n")),
            "a pull starts on {h}:\n{err}"
        );
        assert!(
            err.lines().any(|l| l.starts_with(&format!("  [{h}] pull dhh/app:999: done in ")) && l.ends_with('s')),
            "and ends with its time on {h}:\n{err}"
        );
    }
    for h in ["1.1.1.1", "1.1.1.2"] {
        assert!(
            err.contains(&format!(
                "  [{h}] wait: the new container's health check, then the switch of traffic to it (up to 30s)\n"
            )),
            "{err}"
        );
        assert!(
            err.lines().any(|l| l.starts_with(&format!(
                "  [{h}] the new container's health check, then the switch of traffic to it: done in "
            ))),
            "{err}"
        );
    }
    // The workers (no proxy) wait for the first healthy web container, then poll their own health.
    assert!(err.contains("  [1.1.1.3] wait: the first healthy web container before booting workers\n"), "{err}");
    assert!(
        err.lines()
            .any(|l| l.starts_with("  [1.1.1.3] the first healthy web container before booting workers: done in ")),
        "{err}"
    );
    assert!(err.lines().any(|l| l.starts_with("  [1.1.1.3] the new container to be healthy: done in ")), "{err}");
    // No command lines without -v.
    assert!(!err.contains("docker run"), "{err}");

    let summary = err.split("  Finished all in ").nth(1).expect("a final line");
    let lines: Vec<&str> = summary.lines().collect();
    assert_eq!(lines.get(1), Some(&"Summary:"), "{err}");
    for stage in [
        "Acquiring the deploy lock",
        "Pull app image, and meanwhile ensure kamal-proxy is running and detect stale containers",
        "Start container with version 999 (or reboot if already running)",
        "Prune old containers and images",
        "Releasing the deploy lock",
    ] {
        assert!(
            lines.iter().any(|l| l
                .trim_start()
                .split_once("s  ")
                .is_some_and(|(t, name)| t.parse::<f64>().is_ok() && name == stage)),
            "stage {stage:?} with its time in the summary:\n{summary}"
        );
    }
    for h in ["1.1.1.1", "1.1.1.2", "1.1.1.3"] {
        let line = lines
            .iter()
            .find(|l| l.starts_with(&format!("  [{h}] ")))
            .unwrap_or_else(|| panic!("{h} in the summary:\n{summary}"));
        let n: usize = line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0);
        assert!(n > 10 && line.contains(" commands in ") && line.ends_with("s in all"), "{line}");
    }
}

#[test]
fn quiet_says_nothing_verbose_shows_every_command_with_its_time() {
    let (out, err) = text_run(Verbosity::Quiet);
    assert_eq!((out.as_str(), err.as_str()), ("", ""), "a successful quiet deploy prints nothing");

    let (_, err) = text_run(Verbosity::Verbose);
    assert!(err.contains("  [1.1.1.1] docker run --detach --restart unless-stopped --name app-web-999"), "{err}");
    assert!(
        err.lines().any(|l| l.starts_with("  [1.1.1.1] finished in ") && l.ends_with("with exit status 0")),
        "{err}"
    );
    assert!(err.contains("Summary:"), "{err}");
}

#[test]
fn json_one_object_per_line_with_waits_and_a_summary() {
    let out = Buffer::default();
    let sink = JsonRenderer::new(stream(out.clone()));
    deploy(&servers(), &sink).expect("deploys");
    let events: Vec<serde_json::Value> = out
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not one JSON object ({e}): {l}")))
        .collect();
    let kind = |e: &serde_json::Value| e["event"].as_str().unwrap_or("").to_string();
    let waited: Vec<&serde_json::Value> = events.iter().filter(|e| kind(e) == "waited").collect();
    for h in ["1.1.1.1", "1.1.1.2", "1.1.1.3"] {
        assert!(
            waited.iter().any(|e| e["target"] == h
                && e["what"] == "pull dhh/app:999"
                && e["ok"] == true
                && e["millis"].is_u64()),
            "{waited:#?}"
        );
    }
    assert_eq!(kind(&events[events.len() - 2]), "done");
    let summary = events.last().expect("events");
    assert_eq!(kind(summary), "summary");
    assert_eq!(summary["seconds"], events[events.len() - 2]["seconds"]);
    let stages: Vec<&str> =
        summary["stages"].as_array().expect("stages").iter().filter_map(|s| s["stage"].as_str()).collect();
    // No pre-deploy hook: the lock first, then the pull alongside the proxy and stale checks.
    assert_eq!(stages.first(), Some(&"Acquiring the deploy lock"), "{summary}");
    assert_eq!(
        stages.get(1),
        Some(&"Pull app image, and meanwhile ensure kamal-proxy is running and detect stale containers"),
        "{summary}"
    );
    assert!(stages.contains(&"Start container with version 999 (or reboot if already running)"), "{summary}");
    let hosts: Vec<&str> =
        summary["hosts"].as_array().expect("hosts").iter().filter_map(|h| h["target"].as_str()).collect();
    assert_eq!(hosts, ["1.1.1.1", "1.1.1.2", "1.1.1.3"], "per host, in order (nothing ran locally with -P): {summary}");
}

#[test]
fn a_failed_health_check_is_shown_as_a_failed_wait() {
    let runner = servers();
    runner.reply(Some("1.1.1.2"), "kamal-proxy deploy", Output::failed(1, "Error: target failed to become healthy"));
    let err = Buffer::default();
    let sink = ProgressRenderer::new(stream(Buffer::default()), stream(err.clone()), Verbosity::Normal);
    deploy(&runner, &sink).expect_err("fails");
    let err = err.text();
    assert!(
        err.lines().any(|l| l.starts_with(
            "  [1.1.1.2] the new container's health check, then the switch of traffic to it: failed after "
        )),
        "{err}"
    );
    assert!(!err.contains("Summary:"), "no summary for a failed run (the error says what failed): {err}");
}
