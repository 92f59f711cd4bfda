//! One JSON line per request with kamal-proxy's field names, written when the response body is
//! done (so `resp_content_length` counts the bytes actually sent).

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use std::net::IpAddr;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Uri};
use hyper::body::{Body, Frame, SizeHint};
use serde_json::Value;

use crate::body::{BoxError, ProxyBody};

/// Where access log lines go.
pub type Sink = Arc<dyn Fn(String) + Send + Sync>;

/// A sink that prints to stdout.
pub fn stdout_sink() -> Sink {
    Arc::new(|mut line| {
        use std::io::Write;
        line.push('\n');
        let _ = std::io::stdout().lock().write_all(line.as_bytes());
    })
}

/// The client address as believed: a resolved address, or an `X-Forwarded-For` value as sent.
#[derive(Debug, Clone)]
pub enum RemoteAddr {
    /// An address (the peer, or the client behind a trusted proxy).
    Ip(IpAddr),
    /// The incoming `X-Forwarded-For` value (kamal-proxy logs it verbatim).
    Header(HeaderValue),
}

impl Default for RemoteAddr {
    fn default() -> Self {
        Self::Ip(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
    }
}

/// What is known about a request before its response body is sent. Header values are kept as
/// [`HeaderValue`]s (shared, not copied) and turned into text only when the line is written; a
/// value that is not visible ASCII logs as `""`.
#[derive(Debug, Clone, Default)]
pub struct Record {
    /// `Host` header.
    pub host: String,
    /// Listener port.
    pub port: u16,
    /// Request URI (path before stripping, and raw query).
    pub uri: Uri,
    /// `X-Request-ID`.
    pub request_id: Option<HeaderValue>,
    /// Response status.
    pub status: u16,
    /// Service name.
    pub service: String,
    /// Target address.
    pub target: String,
    /// Method.
    pub method: Method,
    /// Request `Content-Length`, -1 when unknown.
    pub req_content_length: i64,
    /// Request `Content-Type`.
    pub req_content_type: Option<HeaderValue>,
    /// Response `Content-Type`.
    pub resp_content_type: Option<HeaderValue>,
    /// Peer address (canonical: IPv4-mapped IPv6 as IPv4).
    pub client_addr: Option<IpAddr>,
    /// Peer port.
    pub client_port: u16,
    /// Client address as believed (`X-Forwarded-For` or trusted resolution), else the peer.
    pub remote_addr: RemoteAddr,
    /// `User-Agent`.
    pub user_agent: Option<HeaderValue>,
    /// `HTTP/1.1` or `HTTP/2.0`.
    pub proto: &'static str,
    /// `http` or `https`.
    pub scheme: &'static str,
    /// `req_<header>` fields.
    pub request_headers: Vec<(String, String)>,
    /// `resp_<header>` fields.
    pub response_headers: Vec<(String, String)>,
}

/// `req_cache_control` style field names with comma-joined values.
pub fn header_fields(prefix: &str, names: &[String], headers: &HeaderMap) -> Vec<(String, String)> {
    names
        .iter()
        .map(|name| {
            let key = format!("{prefix}_{}", name.to_ascii_lowercase().replace('-', "_"));
            let value: Vec<&str> = headers.get_all(name.as_str()).iter().filter_map(|v| v.to_str().ok()).collect();
            (key, value.join(","))
        })
        .collect()
}

/// The fields every line has, in order (after `time`, `level` and `msg`).
const FIELDS: [&str; 20] = [
    "host",
    "port",
    "path",
    "request_id",
    "status",
    "service",
    "target",
    "duration",
    "method",
    "req_content_length",
    "req_content_type",
    "resp_content_length",
    "resp_content_type",
    "client_addr",
    "client_port",
    "remote_addr",
    "user_agent",
    "proto",
    "scheme",
    "query",
];

/// One field's value, borrowed from the record.
enum Field<'a> {
    Str(&'a str),
    Unsigned(u64),
    Signed(i64),
    Ip(IpAddr),
    /// A number written as a JSON string.
    Port(u16),
}

fn text(value: Option<&HeaderValue>) -> &str {
    value.and_then(|v| v.to_str().ok()).unwrap_or("")
}

impl Record {
    fn values(&self, duration_ns: u64, bytes_written: u64) -> [Field<'_>; 20] {
        let remote: Field<'_> = match &self.remote_addr {
            RemoteAddr::Ip(ip) => Field::Ip(*ip),
            RemoteAddr::Header(v) => Field::Str(text(Some(v))),
        };
        let client_addr: Field<'_> = match &self.client_addr {
            Some(ip) => Field::Ip(*ip),
            None => Field::Str(""),
        };
        [
            Field::Str(&self.host),
            Field::Unsigned(u64::from(self.port)),
            Field::Str(self.uri.path()),
            Field::Str(text(self.request_id.as_ref())),
            Field::Unsigned(u64::from(self.status)),
            Field::Str(&self.service),
            Field::Str(&self.target),
            Field::Unsigned(duration_ns),
            Field::Str(self.method.as_str()),
            Field::Signed(self.req_content_length),
            Field::Str(text(self.req_content_type.as_ref())),
            Field::Unsigned(bytes_written),
            Field::Str(text(self.resp_content_type.as_ref())),
            client_addr,
            // kamal-proxy logs the port as a string.
            Field::Port(self.client_port),
            remote,
            Field::Str(text(self.user_agent.as_ref())),
            Field::Str(self.proto),
            Field::Str(self.scheme),
            Field::Str(self.uri.query().unwrap_or("")),
        ]
    }

    /// The JSON line for this record: `time`, `level`, `msg`, then the fields in kamal-proxy's
    /// order, then the logged request and response headers. Written directly (this runs once per
    /// request); the output is what [`crate::log::line`] gives for the same fields.
    pub fn line(&self, duration_ns: u128, bytes_written: u64) -> String {
        let duration_ns = u64::try_from(duration_ns).unwrap_or(u64::MAX);
        let values = self.values(duration_ns, bytes_written);
        let extra = || self.request_headers.iter().chain(&self.response_headers);
        // A logged header whose field name repeats an earlier one replaces that value in place
        // (a JSON object has each key once); leave that rare case to the general path.
        let repeats = extra().enumerate().any(|(i, (k, _))| {
            FIELDS.contains(&k.as_str()) || matches!(k.as_str(), "time" | "level" | "msg") || extra().take(i).any(|(e, _)| e == k)
        });
        if repeats {
            return self.line_via_values(values);
        }
        let mut out = String::with_capacity(512);
        out.push_str("{\"time\":\"");
        crate::log::push_now_rfc3339(&mut out);
        out.push_str("\",\"level\":\"INFO\",\"msg\":\"Request\"");
        let mut digits = itoa::Buffer::new();
        for (name, value) in FIELDS.iter().zip(&values) {
            out.push_str(",\"");
            out.push_str(name);
            out.push_str("\":");
            match value {
                Field::Str(s) => crate::log::push_json_str(&mut out, s),
                Field::Unsigned(n) => out.push_str(digits.format(*n)),
                Field::Signed(n) => out.push_str(digits.format(*n)),
                Field::Ip(ip) => {
                    out.push('"');
                    crate::log::push_ip(&mut out, *ip);
                    out.push('"');
                }
                Field::Port(port) => {
                    out.push('"');
                    out.push_str(digits.format(*port));
                    out.push('"');
                }
            }
        }
        for (k, v) in extra() {
            out.push(',');
            crate::log::push_json_str(&mut out, k);
            out.push(':');
            crate::log::push_json_str(&mut out, v);
        }
        out.push('}');
        out
    }

    fn line_via_values(&self, values: [Field<'_>; 20]) -> String {
        let mut fields: Vec<(&str, Value)> = FIELDS
            .iter()
            .zip(values)
            .map(|(name, value)| {
                let value = match value {
                    Field::Str(s) => Value::from(s),
                    Field::Unsigned(n) => Value::from(n),
                    Field::Signed(n) => Value::from(n),
                    Field::Ip(ip) => Value::from(ip.to_string()),
                    Field::Port(port) => Value::from(port.to_string()),
                };
                (*name, value)
            })
            .collect();
        for (k, v) in self.request_headers.iter().chain(&self.response_headers) {
            fields.push((k.as_str(), v.as_str().into()));
        }
        crate::log::line("INFO", "Request", &fields)
    }
}

/// A response body that writes the access log line when it ends or is dropped.
pub struct LoggedBody {
    inner: ProxyBody,
    record: Option<Box<Record>>,
    started: Instant,
    written: u64,
    sink: Sink,
    metrics: Option<Arc<crate::metrics::Metrics>>,
    in_flight: Option<crate::metrics::InFlight>,
}

impl LoggedBody {
    /// Wraps `inner`.
    pub fn new(inner: ProxyBody, record: Record, started: Instant, sink: Sink) -> Self {
        Self { inner, record: Some(Box::new(record)), started, written: 0, sink, metrics: None, in_flight: None }
    }

    /// Also counts the request in `metrics` when done, and holds `in_flight` until then.
    pub fn with_metrics(mut self, metrics: Arc<crate::metrics::Metrics>, in_flight: Option<crate::metrics::InFlight>) -> Self {
        self.metrics = Some(metrics);
        self.in_flight = in_flight;
        self
    }

    fn finish(&mut self) {
        if let Some(record) = self.record.take() {
            let elapsed = self.started.elapsed();
            (self.sink)(record.line(elapsed.as_nanos(), self.written));
            if let Some(m) = self.metrics.take() {
                m.track_request(&record.service, record.method.as_str(), record.status, elapsed);
            }
            self.in_flight = None;
        }
    }
}

impl Body for LoggedBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        let result = Pin::new(&mut this.inner).poll_frame(cx);
        match &result {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.written += data.len() as u64;
                }
                if this.inner.is_end_stream() {
                    this.finish();
                }
            }
            Poll::Ready(None) | Poll::Ready(Some(Err(_))) => this.finish(),
            Poll::Pending => {}
        }
        result
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for LoggedBody {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        Record {
            host: "app\"\u{e9}\\.test:8080".into(),
            port: 80,
            uri: "/a%20b/c?q=x&y=1".parse().unwrap(),
            request_id: Some(HeaderValue::from_static("0f3e-id")),
            status: 200,
            service: "app".into(),
            target: "127.0.0.1:3000".into(),
            method: Method::GET,
            req_content_length: -1,
            req_content_type: None,
            resp_content_type: Some(HeaderValue::from_static("text/plain; charset=\"utf-8\"")),
            client_addr: Some("::1".parse().unwrap_or(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST))),
            client_port: 51234,
            remote_addr: RemoteAddr::Header(HeaderValue::from_static("203.0.113.7, 10.0.0.1")),
            user_agent: Some(HeaderValue::from_bytes(b"probe\t\xff").unwrap_or(HeaderValue::from_static(""))),
            proto: "HTTP/1.1",
            scheme: "http",
            request_headers: vec![("req_cache_control".into(), "no-cache\n".into())],
            response_headers: vec![("resp_x_a".into(), "\\".into())],
        }
    }

    fn without_time(line: &str) -> serde_json::Map<String, Value> {
        let mut v: serde_json::Map<String, Value> = serde_json::from_str(line).unwrap_or_default();
        assert!(v.shift_remove("time").is_some(), "{line}");
        v
    }

    #[test]
    fn direct_line_matches_the_general_json_path() {
        let r = record();
        let direct = r.line(1_234_567, 42);
        let general = r.line_via_values(r.values(1_234_567, 42));
        // Same keys in the same order with the same values; only the time differs.
        let (a, b) = (without_time(&direct), without_time(&general));
        assert_eq!(a, b);
        assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
        assert_eq!(direct.split_once(",\"level\"").map(|p| p.1), general.split_once(",\"level\"").map(|p| p.1));
        assert_eq!(a["client_port"], "51234");
        assert_eq!(a["user_agent"], "");
        assert_eq!(a["query"], "q=x&y=1");
        assert_eq!(a["path"], "/a%20b/c");
        assert_eq!(a["host"], "app\"\u{e9}\\.test:8080");
        assert_eq!(a["remote_addr"], "203.0.113.7, 10.0.0.1");
    }

    #[test]
    fn a_logged_header_named_like_a_field_replaces_it_in_place() {
        let mut r = record();
        r.request_headers = vec![("req_content_length".into(), "5".into()), ("req_a".into(), "1".into()), ("req_a".into(), "2".into())];
        let v = without_time(&r.line(1, 2));
        assert_eq!(v["req_content_length"], "5");
        assert_eq!(v["req_a"], "2");
        let keys: Vec<_> = v.keys().map(String::as_str).collect();
        assert_eq!(keys.iter().position(|k| *k == "req_content_length"), Some(11));
    }
}
