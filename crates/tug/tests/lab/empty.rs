//! Scenarios that start from cleared servers: a first `setup` with a config of their own, or
//! what empty servers show.

mod cloudflare_client_ip;
mod cloudflare_origin_certificate;
mod first_deploy_then_update_under_load_then_rollback;
mod kamal_and_tug_take_turns;
mod sqlite_backups_under_writes;
mod user_spec_commands;
