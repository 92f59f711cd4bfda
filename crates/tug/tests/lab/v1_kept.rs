//! Scenarios that start from the shared "v1 serving" state and leave v1 serving.

mod app_commands_show_what_runs;
mod db_backup_from_installed_binary;
mod doctor;
mod hooks_run_in_order;
