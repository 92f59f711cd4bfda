//! `tug config`: the merged configuration as Kamal shows it, secrets redacted.

pub mod psych_yaml;
pub mod show;
pub mod view;

pub use show::{ConfigArgs, advice_text, run};
