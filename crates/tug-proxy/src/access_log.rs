//! One JSON line per request with kamal-proxy's field names, written when the response body is
//! done (so `resp_content_length` counts the bytes actually sent).

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use http::HeaderMap;
use hyper::body::{Body, Frame, SizeHint};
use serde_json::Value;

use crate::body::{BoxError, ProxyBody};

/// Where access log lines go.
pub type Sink = Arc<dyn Fn(String) + Send + Sync>;

/// A sink that prints to stdout.
pub fn stdout_sink() -> Sink {
    Arc::new(|line| {
        use std::io::Write;
        let _ = writeln!(std::io::stdout().lock(), "{line}");
    })
}

/// What is known about a request before its response body is sent.
#[derive(Debug, Clone, Default)]
pub struct Record {
    /// `Host` header.
    pub host: String,
    /// Listener port.
    pub port: u16,
    /// Request path (before stripping).
    pub path: String,
    /// `X-Request-ID`.
    pub request_id: String,
    /// Response status.
    pub status: u16,
    /// Service name.
    pub service: String,
    /// Target address.
    pub target: String,
    /// Method.
    pub method: String,
    /// Request `Content-Length`, -1 when unknown.
    pub req_content_length: i64,
    /// Request `Content-Type`.
    pub req_content_type: String,
    /// Response `Content-Type`.
    pub resp_content_type: String,
    /// Peer address.
    pub client_addr: String,
    /// Peer port.
    pub client_port: String,
    /// Client address as believed (`X-Forwarded-For` or trusted resolution), else the peer.
    pub remote_addr: String,
    /// `User-Agent`.
    pub user_agent: String,
    /// `HTTP/1.1` or `HTTP/2.0`.
    pub proto: String,
    /// `http` or `https`.
    pub scheme: String,
    /// Raw query.
    pub query: String,
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

impl Record {
    /// The JSON line for this record.
    pub fn line(&self, duration_ns: u128, bytes_written: u64) -> String {
        let mut fields: Vec<(&str, Value)> = vec![
            ("host", self.host.as_str().into()),
            ("port", self.port.into()),
            ("path", self.path.as_str().into()),
            ("request_id", self.request_id.as_str().into()),
            ("status", self.status.into()),
            ("service", self.service.as_str().into()),
            ("target", self.target.as_str().into()),
            ("duration", u64::try_from(duration_ns).unwrap_or(u64::MAX).into()),
            ("method", self.method.as_str().into()),
            ("req_content_length", self.req_content_length.into()),
            ("req_content_type", self.req_content_type.as_str().into()),
            ("resp_content_length", bytes_written.into()),
            ("resp_content_type", self.resp_content_type.as_str().into()),
            ("client_addr", self.client_addr.as_str().into()),
            ("client_port", self.client_port.as_str().into()),
            ("remote_addr", self.remote_addr.as_str().into()),
            ("user_agent", self.user_agent.as_str().into()),
            ("proto", self.proto.as_str().into()),
            ("scheme", self.scheme.as_str().into()),
            ("query", self.query.as_str().into()),
        ];
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
                m.track_request(&record.service, &record.method, record.status, elapsed);
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
