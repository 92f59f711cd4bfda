//! The verbs: each flow runs Kamal's steps in Kamal's order against a [`crate::flows::context::Context`],
//! emitting events and never printing. The same code runs for real (SSH) and for plans
//! (`--dry-run`), thanks to the primitives in [`step`].

pub mod accessory;
pub mod app;
pub mod audit;
pub mod build;
pub mod context;
pub mod db;
pub mod deploy;
pub mod doctor;
pub mod error;
pub mod hooks;
pub mod image_delivery;
pub mod lock;
pub mod memo;
pub mod proxy;
pub mod prune;
pub mod registry;
pub mod server;
pub mod step;
pub mod terminal;

pub use error::{FlowError, FlowResult};
