//! Header fields the proxy removes or adds on the way through.

pub mod added;
pub mod hop_by_hop;
