//! The execution layer: it will run the commands built by `tug-commands` on hosts, over SSH
//! through the system OpenSSH client (so `~/.ssh/config`, the agent, ProxyJump and known_hosts
//! all apply) with one multiplexed connection per host, bounded fan-out, a timeout on every
//! remote call, uploads, remote port forwards for a local registry, and local commands.
//!
//! It will also provide a recording runner with scripted replies, used by `--dry-run` plans and
//! by flow tests.
//!
//! This crate holds no runner yet; it arrives with the exec layer.

#![warn(missing_docs)]
