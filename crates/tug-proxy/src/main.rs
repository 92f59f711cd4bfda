//! `tug-proxy` (also installed as `kamal-proxy`; both names behave the same).

use std::io::Write;

/// mimalloc instead of glibc's malloc: the proxy allocates and frees many small buffers per
/// request across worker threads, where glibc's arenas (statically linked) cost a fifth of the CPU.
#[global_allocator]
static ALLOCATOR: tug_proxy::allocator::Allocator = tug_proxy::allocator::Allocator;

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Error: unable to start the runtime: {e}");
            std::process::exit(1);
        }
    };
    let outcome = runtime.block_on(tug_proxy::cli::main(args));
    let _ = std::io::stdout().write_all(outcome.stdout.as_bytes());
    let _ = std::io::stderr().write_all(outcome.stderr.as_bytes());
    drop(runtime);
    std::process::exit(outcome.code);
}
