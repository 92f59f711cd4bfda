//! Health checks: `GET http://target[:port]/path` with `User-Agent: kamal-proxy` (and an
//! optional `Host`), healthy on any 2xx. Redirects are followed, as Go's default client does.

use std::time::Duration;

use http::{Request, StatusCode, header};

use crate::body::{ProxyBody, empty};
use crate::proxy::UpstreamClient;

/// The `User-Agent` of health checks.
pub const USER_AGENT: &str = "kamal-proxy";

const MAX_REDIRECTS: usize = 10;

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
pub async fn check(client: &UpstreamClient, url: &str, host: &str, timeout: Duration) -> Result<(), String> {
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
