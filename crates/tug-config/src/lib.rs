//! Reads a Kamal 2 project's configuration exactly as Kamal 2.12 does, and says precisely what
//! is wrong when it is wrong.
//!
//! The pipeline is `loader` (files, `-d` destinations, ERB, YAML with spans, deep merge) →
//! `validate` (Kamal's rules, every error at once, each located) → [`Config`] (typed sections
//! with Kamal's defaults and derived values). Secrets are read lazily through [`secrets`].

#![warn(missing_docs)]
// Config errors are rare and carry their source location; boxing them buys nothing.
#![allow(clippy::result_large_err)]

pub mod accessory;
pub mod advice;
pub mod boot;
pub mod builder;
pub mod cloudflare;
pub mod config;
pub mod docs;
pub mod env;
pub mod erb;
pub mod error;
pub mod init;
pub mod loader;
pub mod logging;
pub mod proxy;
pub mod registry;
pub mod role;
pub mod scalar;
pub mod secrets;
pub mod sensitive;
pub mod source;
pub mod ssh;
pub mod suggest;
pub mod validate;
pub mod version;
pub mod x_tug;
pub mod yaml;

pub use config::{Config, load};
pub use error::{ConfigError, ConfigErrors, Location};
pub use loader::LoadOptions;
pub use sensitive::Sensitive;
pub use source::{SourceFile, Span};

/// The Kamal release whose behaviour Tug follows (`minimum_version` compares against it).
pub const KAMAL_COMPAT_VERSION: &str = "2.12.0";
