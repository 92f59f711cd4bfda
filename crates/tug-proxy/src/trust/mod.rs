//! Which peers are trusted proxies, and the client address found through them.

pub mod client_ip;
pub mod trusted;
