//! `tug-proxy`: a reverse proxy for zero-downtime deploys that answers kamal-proxy's command line.
//!
//! The server ([`server::Server`]) owns the listeners and a [`routing::router::Router`], which
//! maps each request by host and path prefix ([`routing::service_map::ServiceMap`]) to a
//! [`routing::service::Service`]. A service forwards ([`forward`]) to the targets of its
//! [`routing::load_balancer::LoadBalancer`] through the worker's own HTTP/1.1 client
//! ([`upstream`]); a deploy health-checks a new load balancer, swaps it in and drains the old one.
//! The command line ([`cli`]) talks to a running server over a unix socket ([`control`]); state
//! survives restarts ([`state`]). Certificates are chosen per SNI behind the
//! [`tls::source::CertificateSource`] trait, so that ACME can plug in beside static certificates.
//! Client IPs are trusted from Cloudflare and configured proxy ranges only ([`trusted`],
//! [`client_ip`]). The header fields the proxy removes and adds are in [`headers`]; its logs and
//! metrics in [`observe`].
#![warn(missing_docs)]

pub mod allocator;
pub mod body;
pub mod buffer;
pub mod cli;
pub mod client_ip;
pub mod config;
pub mod control;
pub mod duration;
pub mod error;
pub mod forward;
pub mod headers;
pub mod observe;
pub mod options;
pub mod pages;
pub mod routing;
pub mod server;
pub mod state;
pub mod tls;
pub mod trusted;
pub mod upstream;
