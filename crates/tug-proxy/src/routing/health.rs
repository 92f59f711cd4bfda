//! Health checks: `GET http://target[:port]/path` with `User-Agent: kamal-proxy` (and an
//! optional `Host`), healthy on any 2xx. Redirects are followed, as Go's default client does.

use std::time::Duration;

use http::{Request, StatusCode, header};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::body::{ProxyBody, empty};

/// The `User-Agent` of health checks.
pub const USER_AGENT: &str = "kamal-proxy";

const MAX_REDIRECTS: usize = 10;

/// The pooled HTTP/1.1 client of health checks (hyper-util's); forwarding has its own,
/// [`UpstreamPool`](crate::upstream::UpstreamPool).
pub type HealthClient = Client<HttpConnector, ProxyBody>;

/// Builds the health-check client (HTTP/1.1, keep-alive, up to 100 idle connections per target).
pub fn health_client() -> HealthClient {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.enforce_http(true);
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(100)
        .pool_idle_timeout(Duration::from_secs(90))
        .pool_timer(hyper_util::rt::TokioTimer::new())
        .build(connector)
}

/// The URL to check for a target address, health port and path.
pub fn check_url(authority: &str, port: u16, path: &str) -> String {
    let authority = if port > 0 {
        let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
        format!("{host}:{port}")
    } else {
        authority.to_string()
    };
    let path = if path.starts_with('/') { path.to_string() } else { format!("/{path}") };
    format!("http://{authority}{path}")
}

/// Runs one check; `Err` says why it failed.
pub async fn check(client: &HealthClient, url: &str, host: &str, timeout: Duration) -> Result<(), String> {
    let attempt = async {
        let mut url = url.to_string();
        for _ in 0..=MAX_REDIRECTS {
            let mut builder = Request::get(&url).header(header::USER_AGENT, USER_AGENT);
            if !host.is_empty() {
                builder = builder.header(header::HOST, host);
            }
            let request: Request<ProxyBody> = builder.body(empty()).map_err(|e| e.to_string())?;
            let response = client.request(request).await.map_err(|e| describe(&e))?;
            let status = response.status();
            if status.is_redirection()
                && let Some(location) = response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok())
            {
                url = resolve(&url, location);
                continue;
            }
            return if status.is_success() { Ok(()) } else { Err(format!("unexpected status ({})", status.as_u16())) };
        }
        Err(format!("stopped after {MAX_REDIRECTS} redirects ({})", StatusCode::FOUND))
    };
    match tokio::time::timeout(timeout, attempt).await {
        Ok(result) => result,
        Err(_) => Err("context deadline exceeded".to_string()),
    }
}

fn describe(e: &hyper_util::client::legacy::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}

fn resolve(base: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        return location.to_string();
    }
    let origin_end =
        base.strip_prefix("http://").and_then(|rest| rest.find('/')).map_or(base.len(), |i| i + "http://".len());
    let origin = &base[..origin_end];
    if location.starts_with('/') { format!("{origin}{location}") } else { format!("{origin}/{location}") }
}
