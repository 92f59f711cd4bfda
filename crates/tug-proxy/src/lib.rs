//! `tug-proxy`: a reverse proxy for zero-downtime deploys that answers kamal-proxy's command line.
//!
//! The server ([`server::Server`]) owns the listeners and a [`router::Router`], which maps each
//! request by host and path prefix ([`service_map::ServiceMap`]) to a [`service::Service`]. A
//! service forwards to the targets of its [`load_balancer::LoadBalancer`]; a deploy health-checks
//! a new load balancer, swaps it in and drains the old one. The command line ([`cli`]) talks to a
//! running server over a unix socket ([`control`]); state survives restarts ([`state`]).
//! Certificates are chosen per SNI behind the [`tls::CertificateSource`] trait, so that ACME can
//! plug in beside static certificates. Client IPs are trusted from Cloudflare and configured
//! proxy ranges only ([`trusted`], [`client_ip`]).
#![warn(missing_docs)]

pub mod access_log;
pub mod acme;
pub mod allocator;
pub mod body;
pub mod buffer;
pub mod chunked;
pub mod cli;
pub mod client_ip;
pub mod config;
pub mod control;
pub mod der;
pub mod duration;
pub mod error;
pub mod forwarded;
pub mod generation;
pub mod header_names;
pub mod headers;
pub mod health;
pub mod load_balancer;
pub mod log;
pub mod metrics;
pub mod options;
pub mod pages;
pub mod pause;
pub mod proxy;
pub mod request_id;
pub mod rollout;
pub mod router;
pub mod server;
pub mod service;
pub mod service_map;
pub mod state;
pub mod target;
pub mod tls;
pub mod trusted;
pub mod upstream;
