//! `run`: start the server. Flags fall back to `KAMAL_PROXY_<NAME>`, then `<NAME>` in the
//! environment (`DEBUG`, `HTTP_PORT`, `HTTPS_PORT`, `METRICS_PORT`), as in kamal-proxy; a bad
//! value is an error rather than silently ignored.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use super::{Outcome, go_bool, go_port};
use crate::config;
use crate::server::{Server, ServerConfig};
use crate::tls::acme::AcmeSettings;
use crate::trusted::TrustedProxies;

/// Arguments of `run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Include debugging logs
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool)]
    pub debug: Option<bool>,
    /// Port to serve HTTP traffic on (default 80)
    #[arg(long, value_parser = go_port)]
    pub http_port: Option<u16>,
    /// Port to serve HTTPS traffic on (default 443)
    #[arg(long, value_parser = go_port)]
    pub https_port: Option<u16>,
    /// Publish metrics on the specified port (default zero to disable)
    #[arg(long, value_parser = go_port)]
    pub metrics_port: Option<u16>,
    /// Enable HTTP/3 (accepted for compatibility; not served by tug-proxy)
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool)]
    pub http3: Option<bool>,
    /// Trusted proxy CIDRs whose client-IP headers are believed; `cloudflare` adds Cloudflare's
    /// published ranges (env `TRUSTED_PROXIES`)
    #[arg(long, value_delimiter = ',')]
    pub trusted_proxies: Vec<String>,
    /// File of trusted proxy CIDRs, one per line, `#` comments (env `TRUSTED_PROXIES_FILE`)
    #[arg(long)]
    pub trusted_proxies_file: Option<PathBuf>,
    /// Refuse connections from outside the trusted proxy ranges
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool)]
    pub only_trusted_proxies: Option<bool>,
    /// Require TLS clients to present a certificate signed by this CA, e.g. Cloudflare's
    /// Authenticated Origin Pulls CA (env `TLS_CLIENT_CA`)
    #[arg(long)]
    pub tls_client_ca: Option<PathBuf>,
    /// Extra CA certificates (PEM) trusted when talking to the ACME directory, for a private
    /// ACME server (env `TLS_ACME_CA`)
    #[arg(long)]
    pub tls_acme_ca: Option<PathBuf>,
}

fn env_or<T>(flag: Option<T>, key: &str, parse: impl Fn(&str) -> Result<T, String>, default: T) -> Result<T, String> {
    if let Some(v) = flag {
        return Ok(v);
    }
    match config::env(key) {
        Some(text) => parse(&text).map_err(|e| format!("invalid value \"{text}\" for environment variable {key}: {e}")),
        None => Ok(default),
    }
}

/// The server configuration a `run` asks for.
pub fn server_config(args: &RunArgs) -> Result<(ServerConfig, bool), String> {
    let debug = env_or(args.debug, "DEBUG", go_bool, false)?;
    let http_port = env_or(args.http_port, "HTTP_PORT", go_port, config::DEFAULT_HTTP_PORT)?;
    let https_port = env_or(args.https_port, "HTTPS_PORT", go_port, config::DEFAULT_HTTPS_PORT)?;
    let metrics_port = env_or(args.metrics_port, "METRICS_PORT", go_port, 0)?;
    let path_flag = |flag: &Option<PathBuf>, key: &str| {
        flag.clone().or_else(|| config::env(key).filter(|f| !f.is_empty()).map(PathBuf::from))
    };
    let tls_client_ca = path_flag(&args.tls_client_ca, "TLS_CLIENT_CA");
    let mut acme = AcmeSettings::default();
    if let Some(path) = path_flag(&args.tls_acme_ca, "TLS_ACME_CA") {
        acme.extra_roots = AcmeSettings::load_roots(&path)?;
    }
    let mut trusted = TrustedProxies::none();
    let mut list = args.trusted_proxies.join(",");
    if list.is_empty() {
        list = config::env("TRUSTED_PROXIES").unwrap_or_default();
    }
    trusted.extend(&TrustedProxies::parse_list(&list).map_err(|e| e.to_string())?);
    let file = args
        .trusted_proxies_file
        .clone()
        .or_else(|| config::env("TRUSTED_PROXIES_FILE").filter(|f| !f.is_empty()).map(PathBuf::from));
    if let Some(file) = file {
        let text = std::fs::read_to_string(&file)
            .map_err(|e| format!("unable to read trusted proxies file `{}`: {e}", file.display()))?;
        trusted.extend(&TrustedProxies::parse_file_text(&text).map_err(|e| format!("{}: {e}", file.display()))?);
    }
    let refuse_untrusted = env_or(args.only_trusted_proxies, "ONLY_TRUSTED_PROXIES", go_bool, false)?;
    if refuse_untrusted && trusted.is_empty() {
        return Err("--only-trusted-proxies needs --trusted-proxies or --trusted-proxies-file".into());
    }
    let data_dir = config::data_dir();
    if let Err(e) = std::fs::create_dir_all(&data_dir) {
        crate::observe::log::warn(
            "Unable to create config directory",
            &[("path", data_dir.display().to_string().into()), ("error", e.to_string().into())],
        );
    }
    Ok((
        ServerConfig {
            http_addr: SocketAddr::from((Ipv4Addr::UNSPECIFIED, http_port)),
            https_addr: Some(SocketAddr::from((Ipv4Addr::UNSPECIFIED, https_port))),
            socket_path: config::socket_path(),
            state_path: Some(config::state_path()),
            trusted,
            refuse_untrusted,
            access_log: crate::observe::access_log::stdout_sink(),
            acme,
            tls_client_ca,
            metrics_addr: (metrics_port != 0).then(|| SocketAddr::from((Ipv4Addr::UNSPECIFIED, metrics_port))),
        },
        debug,
    ))
}

/// Runs the server until SIGTERM or SIGINT.
pub async fn run(args: RunArgs) -> Outcome {
    let (config, debug) = match server_config(&args) {
        Ok(c) => c,
        Err(e) => return Outcome::error(e),
    };
    crate::observe::log::set_debug(debug);
    if args.http3.unwrap_or(false) {
        crate::observe::log::warn("HTTP/3 is not supported by tug-proxy; serving HTTP/1.1 and HTTP/2 only", &[]);
    }
    let server = match Server::start(config).await {
        Ok(s) => s,
        Err(e) => return Outcome::error(e),
    };
    wait_for_signal().await;
    server.shutdown().await;
    Outcome { code: 0, stdout: String::new(), stderr: String::new() }
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
