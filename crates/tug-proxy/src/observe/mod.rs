//! What the proxy tells about itself: its JSON log, the access log and Prometheus metrics.

pub mod access_log;
pub mod log;
pub mod metrics;
