//! `pgo/train`, the workload the shipped binary's profile comes from (`pgo/build`), run against
//! this build of tug-proxy: every load it drives must reach the backend without errors (the
//! script checks each wrk run and that HTTP/2 is negotiated), or the profile would be of the
//! wrong paths. Needs nginx, wrk, curl and openssl: built only with the `system-tools` feature,
//! which .ci/run turns on after installing them.
use std::path::Path;
use std::process::Command;

#[test]
fn the_training_workload_runs_against_the_proxy() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("pgo/train");
    let output = Command::new(&script)
        .arg(env!("CARGO_BIN_EXE_tug-proxy"))
        // One second per load on two connections keeps the test short and light beside the
        // others; the profile run takes two seconds on eight.
        .env("PGO_RUN", "1s")
        .env("PGO_CONNECTIONS", "2")
        .output()
        .unwrap_or_else(|e| panic!("{} could not be run: {e}", script.display()));
    assert!(
        output.status.success(),
        "pgo/train failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
