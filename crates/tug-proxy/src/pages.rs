//! Error pages: built-in pages for 404, 413, 502, 503 and 504, a per-service directory of
//! `<status>.html` pages (`--error-pages`) that takes precedence, and `<h1>CODE Text</h1>` for
//! any other status. The only template value is the stop message (`{{ .Message }}`).

use std::collections::HashMap;
use std::path::Path;

use http::{HeaderValue, Response, StatusCode, header};

use crate::body::{ProxyBody, full};
use crate::error::ProxyError;

/// Content type of every error page.
pub const CONTENT_TYPE: &str = "text/html; charset=utf-8";

/// Per-service custom pages, keyed by status code.
#[derive(Debug, Clone, Default)]
pub struct ErrorPages {
    pages: HashMap<u16, String>,
}

impl ErrorPages {
    /// Loads every `<status>.html` of `dir`; fails when the directory holds no page.
    pub fn load(dir: &Path) -> Result<Self, ProxyError> {
        let entries = std::fs::read_dir(dir).map_err(|_| ProxyError::UnableToLoadErrorPages)?;
        let mut pages = HashMap::new();
        let mut any_html = false;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("html") {
                continue;
            }
            any_html = true;
            let Some(code) = path.file_stem().and_then(|s| s.to_str()).and_then(|s| s.parse::<u16>().ok()) else {
                continue;
            };
            let text = std::fs::read_to_string(&path).map_err(|_| ProxyError::UnableToLoadErrorPages)?;
            pages.insert(code, text);
        }
        if !any_html {
            return Err(ProxyError::UnableToLoadErrorPages);
        }
        Ok(Self { pages })
    }

    /// The custom page for `status`, if any, rendered with `message`.
    pub fn render(&self, status: u16, message: &str) -> Option<String> {
        self.pages.get(&status).map(|t| fill(t, message))
    }
}

fn fill(template: &str, message: &str) -> String {
    let escaped = escape_html(message);
    let mut out = template.to_string();
    for placeholder in ["{{ .Message }}", "{{.Message}}", "{{ .Message}}", "{{.Message }}"] {
        out = out.replace(placeholder, &escaped);
    }
    out
}

/// Escapes text for HTML.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn builtin(status: u16, message: &str) -> Option<String> {
    let (title, text) = match status {
        404 => ("404 — Not Found", "There is nothing at this address."),
        413 => ("413 — Request Entity Too Large", "The request was too large to be processed."),
        502 => ("502 — Bad Gateway", "The application could not be reached. Please try again shortly."),
        503 => {
            ("503 — Service Temporarily Unavailable", "The service is unavailable right now. Please try again shortly.")
        }
        504 => ("504 — Gateway Timeout", "The application took too long to respond. Please try again shortly."),
        _ => return None,
    };
    let body = if status == 503 && !message.is_empty() { escape_html(message) } else { text.to_string() };
    Some(format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"robots\" content=\"noindex, nofollow\">\n<title>{title}</title>\n<style>body{{margin:0;min-height:100vh;display:grid;place-items:center;font-family:system-ui,sans-serif;background:#0b5cad;color:#fff}}main{{max-width:40rem;padding:2rem}}h1{{font-size:1.5rem}}</style>\n</head>\n<body>\n<main>\n<h1>{title}</h1>\n<p>{body}</p>\n</main>\n</body>\n</html>\n"
    ))
}

/// The body of an error response: the service's custom page, else the built-in page, else
/// `<h1>CODE Text</h1>`.
pub fn page_text(custom: Option<&ErrorPages>, status: StatusCode, message: &str) -> String {
    let code = status.as_u16();
    custom
        .and_then(|p| p.render(code, message))
        .or_else(|| builtin(code, message))
        .unwrap_or_else(|| format!("<h1>{} {}</h1>", code, status.canonical_reason().unwrap_or("")))
}

/// A complete error response.
pub fn error_response(custom: Option<&ErrorPages>, status: StatusCode, message: &str) -> Response<ProxyBody> {
    let text = page_text(custom, status, message);
    let mut response = Response::new(full(text));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}
