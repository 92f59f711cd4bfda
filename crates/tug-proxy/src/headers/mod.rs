//! Header fields the proxy removes or adds on the way through: hop-by-hop fields,
//! `X-Forwarded-*`, `X-Request-ID`/`-Start`, and the field names reused between responses.

pub mod added;
pub mod forwarded;
pub mod header_names;
pub mod hop_by_hop;
pub mod request_id;
