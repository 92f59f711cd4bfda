//! Tug's helper image, made from the running tug executable: `tug-db` is built into `tug`
//! (run under the name `tug-db` it is the backup tool), so the image holds that executable and,
//! when it is dynamically linked, what it needs to start. Nothing is pulled or needs Docker
//! here: the flows stream the context to the server and build it there.

pub mod context;
pub mod elf;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tug_exec::{RunOptions, Runner, Target};

pub use self::context::{BuildContext, ToolFiles};

/// How long `ldd` may take.
const LDD_TIMEOUT: Duration = Duration::from_secs(30);

/// The helper image's makings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Helper {
    /// The executable's machine (`x86_64`, `aarch64`).
    pub machine: &'static str,
    /// The build context and its hash.
    pub context: BuildContext,
}

/// Where the helper image's makings come from: the running executable, or fixed bytes in
/// tests.
pub trait ToolSource: Send + Sync {
    /// The makings, or why this tug cannot be made into a Linux image (one line).
    fn helper(&self) -> Result<Arc<Helper>, String>;
}

/// Whether a process started under `argv0` is to be `tug-db` (as in the helper image).
pub fn runs_as_tool(argv0: Option<&std::ffi::OsStr>) -> bool {
    argv0.and_then(|a| std::path::Path::new(a).file_name()).is_some_and(|n| n == "tug-db")
}

/// The running executable, read once.
#[derive(Debug, Default)]
pub struct RunningTool {
    made: OnceLock<Result<Arc<Helper>, String>>,
}

impl ToolSource for RunningTool {
    fn helper(&self) -> Result<Arc<Helper>, String> {
        self.made.get_or_init(|| running().map(Arc::new)).clone()
    }
}

fn running() -> Result<Helper, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this tug's executable: {e}"))?;
    // The running file itself, even when it was replaced on disk since it started (Linux).
    let bytes = std::fs::read("/proc/self/exe")
        .or_else(|_| std::fs::read(&exe))
        .map_err(|e| format!("cannot read {}: {e}", exe.display()))?;
    let facts = elf::read(&bytes).map_err(|e| e.to_string())?;
    let mut libraries = Vec::new();
    if let Some(interpreter) = &facts.interpreter {
        let ldd = tug_commands::helper_image::shared_libraries(&exe.display().to_string());
        let out = tug_exec::LocalRunner
            .run(&Target::Local, &ldd, &RunOptions::with_timeout(LDD_TIMEOUT))
            .map_err(|e| format!("cannot list the shared libraries of {} with ldd: {e}", exe.display()))?;
        if !out.success() {
            return Err(format!("`ldd {}` failed: {}", exe.display(), out.tail(1)));
        }
        let mut paths = context::parse_ldd(&out.stdout)?;
        if !paths.contains(interpreter) {
            paths.push(interpreter.clone());
        }
        for p in paths {
            let lib = std::fs::read(&p).map_err(|e| format!("cannot read the shared library {p}: {e}"))?;
            libraries.push((p, lib));
        }
    }
    let context = context::build(&ToolFiles { executable: bytes, libraries })
        .map_err(|e| format!("cannot make the helper image's build context: {e}"))?;
    Ok(Helper { machine: facts.machine, context })
}

/// Fixed makings (tests and snapshots): a static executable of these bytes for `machine`, or
/// an executable that is not Linux's.
#[derive(Debug, Clone)]
pub struct FixedTool(pub Result<(Vec<u8>, &'static str), String>);

impl ToolSource for FixedTool {
    fn helper(&self) -> Result<Arc<Helper>, String> {
        let (bytes, machine) = self.0.clone()?;
        let context = context::build(&ToolFiles { executable: bytes, libraries: Vec::new() })
            .map_err(|e| format!("cannot make the helper image's build context: {e}"))?;
        Ok(Arc::new(Helper { machine, context }))
    }
}

impl FixedTool {
    /// A static x86_64 tug.
    pub fn x86_64() -> FixedTool {
        FixedTool(Ok((b"tug (a fixed test executable)".to_vec(), "x86_64")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tug_is_tug_db_under_that_name() {
        assert!(runs_as_tool(Some("tug-db".as_ref())));
        assert!(runs_as_tool(Some("/usr/local/bin/tug-db".as_ref())));
        assert!(!runs_as_tool(Some("/usr/local/bin/tug".as_ref())));
        assert!(!runs_as_tool(None));
    }

    #[test]
    fn the_running_test_binary_can_be_made_into_an_image() {
        let helper = RunningTool::default().helper().expect("a Linux test binary");
        assert!(elf::runs_on(helper.machine, std::env::consts::ARCH));
        assert_eq!(helper.context.hash.len(), 32);
    }
}
