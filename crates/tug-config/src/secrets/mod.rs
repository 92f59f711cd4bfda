//! Secrets: `.kamal/secrets*` files read as Kamal 2 reads them, and the vault adapters behind
//! `kamal secrets fetch`.
//!
//! - [`Secrets`] finds the files for a destination and evaluates them lazily, on the first
//!   lookup; values are [`Sensitive`](crate::Sensitive) from the moment they are read.
//! - [`dotenv`] is the file format (Ruby dotenv rules plus Kamal's `$(command)` handling,
//!   including in-process `$(kamal secrets fetch …)`).
//! - [`adapters`] and [`cli`] are `secrets fetch`, `extract` and `print`, calling vendor CLIs
//!   through a [`CommandRunner`] ([`SystemRunner`] for real, [`ScriptedRunner`] in tests).
//!
//! ```no_run
//! use tug_config::secrets::Secrets;
//!
//! let secrets = Secrets::new(".", Secrets::DEFAULT_PATH, Some("staging".into()));
//! let password = secrets.get("KAMAL_REGISTRY_PASSWORD")?; // the files are read here
//! assert_eq!(password.to_string(), "[REDACTED]");
//! # Ok::<(), tug_config::secrets::SecretsError>(())
//! ```

pub mod adapters;
pub mod cli;
pub mod dotenv;
mod error;
pub mod ruby;
mod runner;
mod store;

pub use adapters::Adapter;
pub use cli::{extract, fetch, fetch_with_env, print, to_inline_json, to_json};
pub use error::SecretsError;
pub use runner::{
    CommandRunner, Environment, Invocation, Output, ProcessEnv, ScriptedRunner, StderrMode, SystemRunner,
};
pub use store::Secrets;
