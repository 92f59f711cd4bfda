//! TLS: certificates chosen per SNI through [`source::CertificateSource`], so that static
//! certificates ([`static_cert`]) and ACME ([`acme`]) plug in the same way; the rustls server
//! configuration of the HTTPS listener ([`server_config`]), with Cloudflare's client certificates
//! when asked ([`client_auth`]).

pub mod acme;
pub mod client_auth;
pub mod der;
pub mod server_config;
pub mod source;
pub mod static_cert;
