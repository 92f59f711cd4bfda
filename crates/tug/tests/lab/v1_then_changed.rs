//! Scenarios that start from the shared "v1 serving" state and leave the servers changed.

mod broken_deploy_keeps_old_version;
mod deploy_lock;
mod docs_commands_run;
mod prune_keeps_retained_containers;
mod remove_leaves_servers_clean;
mod unreachable_host_mid_deploy;
