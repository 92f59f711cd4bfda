//! The execution layer: runs the commands built by `tug-commands` on hosts and locally.
//!
//! [`Runner`] is the one interface flows use. [`LocalRunner`] runs on the deploying machine,
//! [`ssh::SshRunner`] runs on servers through the system OpenSSH client (so `~/.ssh/config`,
//! the agent, ProxyJump and known_hosts all apply) with one multiplexed connection per host,
//! and [`RecordingRunner`] records what would run and answers from a script: `--dry-run` plans
//! and flow tests use it. [`fanout::for_each_host`] runs per-host work with bounded
//! parallelism. Every call has a timeout.

#![warn(missing_docs)]

pub mod error;
pub mod fanout;
pub mod local;
pub mod output;
pub mod record;
pub mod run_dir;
pub mod runner;
pub mod ssh;

pub use error::ExecError;
pub use local::LocalRunner;
pub use output::Output;
pub use record::{RecordingRunner, Step};
pub use runner::{RunOptions, Runner, Target, Upload};
