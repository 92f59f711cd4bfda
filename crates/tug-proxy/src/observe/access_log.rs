//! One JSON line per request with kamal-proxy's field names, written when the response body is
//! done (so `resp_content_length` counts the bytes actually sent).

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use std::net::IpAddr;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Uri};
use hyper::body::{Body, Frame, SizeHint};
use serde_json::Value;

use crate::body::{BoxError, ProxyBody};

/// A batch is written once it holds this many bytes (whole lines only).
pub const FLUSH_BYTES: usize = 32 * 1024;
/// Lines wait at most this long (plus the time to the next tick) before they are written.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(100);

/// A function that receives each access log line (without its newline) as it is made.
pub type LineFn = Arc<dyn Fn(String) + Send + Sync>;
/// A function that writes a batch of whole lines, each ending in a newline.
pub type BatchFn = Arc<dyn Fn(&[u8]) + Send + Sync>;

/// Where access log lines go.
#[derive(Clone)]
pub enum Sink {
    /// Every line, as it is made, to a function.
    Lines(LineFn),
    /// Lines gathered per accept worker and written in batches of whole lines: when a batch
    /// passes `limit` bytes, every `interval`, and when the worker stops (so a graceful
    /// shutdown loses nothing), as nginx's `access_log … buffer= flush=` does.
    Batched {
        /// Writes one batch.
        out: BatchFn,
        /// Bytes after which a batch is written at once.
        limit: usize,
        /// The longest a line waits otherwise.
        interval: Duration,
    },
}

impl Sink {
    /// Every line to `f`, as it is made.
    pub fn lines(f: impl Fn(String) + Send + Sync + 'static) -> Self {
        Self::Lines(Arc::new(f))
    }

    /// Batches of whole lines to `out`, written after [`FLUSH_BYTES`] or [`FLUSH_INTERVAL`].
    pub fn batched(out: impl Fn(&[u8]) + Send + Sync + 'static) -> Self {
        Self::Batched { out: Arc::new(out), limit: FLUSH_BYTES, interval: FLUSH_INTERVAL }
    }

    /// A writer for one accept worker (a buffer of its own when batched).
    pub fn writer(&self) -> AccessLog {
        match self {
            Self::Lines(f) => AccessLog::Lines(Arc::clone(f)),
            Self::Batched { out, limit, interval } => AccessLog::Batched(Arc::new(LineBuffer {
                pending: Mutex::new(String::new()),
                out: Arc::clone(out),
                limit: *limit,
                interval: *interval,
            })),
        }
    }
}

impl std::fmt::Debug for Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Lines(_) => f.write_str("Sink::Lines"),
            Self::Batched { limit, interval, .. } => f
                .debug_struct("Sink::Batched")
                .field("limit", limit)
                .field("interval", interval)
                .finish_non_exhaustive(),
        }
    }
}

/// The access log on stdout, batched: one `write` per [`FLUSH_BYTES`] of lines (or per
/// [`FLUSH_INTERVAL`]) instead of one per request. Each batch is written under stdout's lock,
/// so operational log lines never land inside an access log line.
pub fn stdout_sink() -> Sink {
    Sink::batched(|batch| {
        use std::io::Write;
        let _ = std::io::stdout().lock().write_all(batch);
    })
}

/// One accept worker's access log writer.
#[derive(Clone)]
pub enum AccessLog {
    /// Each line to a function.
    Lines(LineFn),
    /// The worker's buffer of whole lines.
    Batched(Arc<LineBuffer>),
}

impl AccessLog {
    /// Logs `record`.
    pub fn write(&self, record: &Record, duration_ns: u128, bytes_written: u64) {
        match self {
            Self::Lines(f) => f(record.line(duration_ns, bytes_written)),
            Self::Batched(buffer) => buffer.push(|out| record.write_line(out, duration_ns, bytes_written)),
        }
    }

    /// Writes out whatever is buffered.
    pub fn flush(&self) {
        if let Self::Batched(buffer) = self {
            buffer.flush();
        }
    }

    /// How often [`AccessLog::flush`] should be called, when lines are buffered.
    pub fn flush_interval(&self) -> Option<Duration> {
        match self {
            Self::Lines(_) => None,
            Self::Batched(buffer) => Some(buffer.interval),
        }
    }
}

/// Whole lines waiting to be written. Written out when they pass the limit, on
/// [`LineBuffer::flush`], and when the buffer is dropped.
pub struct LineBuffer {
    pending: Mutex<String>,
    out: BatchFn,
    limit: usize,
    interval: Duration,
}

impl LineBuffer {
    fn pending(&self) -> std::sync::MutexGuard<'_, String> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends one line (`write` adds its text; the newline is added here).
    fn push(&self, write: impl FnOnce(&mut String)) {
        let mut pending = self.pending();
        if pending.capacity() == 0 {
            pending.reserve(self.limit.saturating_add(1024).min(1 << 20));
        }
        write(&mut pending);
        pending.push('\n');
        if pending.len() >= self.limit {
            (self.out)(pending.as_bytes());
            pending.clear();
        }
    }

    /// Writes out the buffered lines, if any.
    pub fn flush(&self) {
        let mut pending = self.pending();
        if !pending.is_empty() {
            (self.out)(pending.as_bytes());
            pending.clear();
        }
    }
}

impl Drop for LineBuffer {
    fn drop(&mut self) {
        self.flush();
    }
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
    pub service: Arc<str>,
    /// Target address.
    pub target: Arc<str>,
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

/// The fields every line has, in order (after `time`, `level` and `msg`), each with its value:
/// one list makes [`FIELDS`], [`Record::values`] (for the general path) and
/// [`Record::write_fields`], which is straight-line code whose keys are literals (each copied
/// without a table lookup, and inlined as a few stores).
macro_rules! fields {
    ($r:ident, $duration:ident, $written:ident; $($name:literal => $value:expr),* $(,)?) => {
        const FIELDS: [&str; 20] = [$($name),*];

        impl Record {
            fn values(&self, $duration: u64, $written: u64) -> [Field<'_>; 20] {
                let $r = self;
                [$($value),*]
            }

            fn write_fields(&self, out: &mut String, $duration: u64, $written: u64) {
                let $r = self;
                let mut digits = itoa::Buffer::new();
                $(push_field(out, &mut digits, concat!(",\"", $name, "\":"), concat!(",\"", $name, "\":\""), $value);)*
            }
        }
    };
}

fields!(r, duration, written;
    "host" => Field::Str(&r.host),
    "port" => Field::Unsigned(u64::from(r.port)),
    "path" => Field::Str(r.uri.path()),
    "request_id" => Field::Str(text(r.request_id.as_ref())),
    "status" => Field::Unsigned(u64::from(r.status)),
    "service" => Field::Str(&r.service),
    "target" => Field::Str(&r.target),
    "duration" => Field::Unsigned(duration),
    "method" => Field::Str(r.method.as_str()),
    "req_content_length" => Field::Signed(r.req_content_length),
    "req_content_type" => Field::Str(text(r.req_content_type.as_ref())),
    "resp_content_length" => Field::Unsigned(written),
    "resp_content_type" => Field::Str(text(r.resp_content_type.as_ref())),
    "client_addr" => r.client_addr.map_or(Field::Str(""), Field::Ip),
    // kamal-proxy logs the port as a string.
    "client_port" => Field::Port(r.client_port),
    "remote_addr" => match &r.remote_addr {
        RemoteAddr::Ip(ip) => Field::Ip(*ip),
        RemoteAddr::Header(v) => Field::Str(text(Some(v))),
    },
    "user_agent" => Field::Str(text(r.user_agent.as_ref())),
    "proto" => Field::Str(r.proto),
    "scheme" => Field::Str(r.scheme),
    "query" => Field::Str(r.uri.query().unwrap_or("")),
);

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

/// Appends `key` (`,"name":`) and the value as JSON; `quoted_key` is `key` with the string's
/// opening quote, so it costs no push of its own. Inlined where the variant is known, so the
/// `match` and the unused key fold away.
#[inline(always)]
fn push_field(out: &mut String, digits: &mut itoa::Buffer, key: &str, quoted_key: &str, value: Field<'_>) {
    match value {
        Field::Unsigned(n) => {
            out.push_str(key);
            out.push_str(digits.format(n));
        }
        Field::Signed(n) => {
            out.push_str(key);
            out.push_str(digits.format(n));
        }
        Field::Str(s) => {
            out.push_str(quoted_key);
            crate::observe::log::push_json_text(out, s);
            out.push('"');
        }
        Field::Ip(ip) => {
            out.push_str(quoted_key);
            crate::observe::log::push_ip(out, ip);
            out.push('"');
        }
        Field::Port(port) => {
            out.push_str(quoted_key);
            out.push_str(digits.format(port));
            out.push('"');
        }
    }
}

impl Record {
    /// The JSON line for this record: `time`, `level`, `msg`, then the fields in kamal-proxy's
    /// order, then the logged request and response headers. Written directly (this runs once per
    /// request); the output is what [`crate::observe::log::line`] gives for the same fields.
    pub fn line(&self, duration_ns: u128, bytes_written: u64) -> String {
        let mut out = String::with_capacity(512);
        self.write_line(&mut out, duration_ns, bytes_written);
        out
    }

    /// Appends [`Record::line`]'s text to `out`.
    pub fn write_line(&self, out: &mut String, duration_ns: u128, bytes_written: u64) {
        let duration_ns = u64::try_from(duration_ns).unwrap_or(u64::MAX);
        let extra = || self.request_headers.iter().chain(&self.response_headers);
        // A logged header whose field name repeats an earlier one replaces that value in place
        // (a JSON object has each key once); leave that rare case to the general path.
        let repeats = extra().enumerate().any(|(i, (k, _))| {
            FIELDS.contains(&k.as_str())
                || matches!(k.as_str(), "time" | "level" | "msg")
                || extra().take(i).any(|(e, _)| e == k)
        });
        if repeats {
            out.push_str(&self.line_via_values(self.values(duration_ns, bytes_written)));
            return;
        }
        out.push_str("{\"time\":\"");
        crate::observe::log::push_now_rfc3339(out);
        out.push_str("\",\"level\":\"INFO\",\"msg\":\"Request\"");
        self.write_fields(out, duration_ns, bytes_written);
        for (k, v) in extra() {
            out.push(',');
            crate::observe::log::push_json_str(out, k);
            out.push(':');
            crate::observe::log::push_json_str(out, v);
        }
        out.push('}');
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
        crate::observe::log::line("INFO", "Request", &fields)
    }
}

/// A response body that writes the access log line when it ends or is dropped.
pub struct LoggedBody {
    inner: ProxyBody,
    record: Option<Box<Record>>,
    started: Instant,
    written: u64,
    log: AccessLog,
    metrics: Option<Arc<crate::observe::metrics::Metrics>>,
    in_flight: Option<crate::observe::metrics::InFlight>,
}

impl LoggedBody {
    /// Wraps `inner`.
    pub fn new(inner: ProxyBody, record: Record, started: Instant, log: AccessLog) -> Self {
        Self { inner, record: Some(Box::new(record)), started, written: 0, log, metrics: None, in_flight: None }
    }

    /// Also counts the request in `metrics` when done, and holds `in_flight` until then.
    pub fn with_metrics(
        mut self,
        metrics: Arc<crate::observe::metrics::Metrics>,
        in_flight: Option<crate::observe::metrics::InFlight>,
    ) -> Self {
        self.metrics = Some(metrics);
        self.in_flight = in_flight;
        self
    }

    fn finish(&mut self) {
        if let Some(record) = self.record.take() {
            let elapsed = self.started.elapsed();
            self.log.write(&record, elapsed.as_nanos(), self.written);
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
        r.request_headers =
            vec![("req_content_length".into(), "5".into()), ("req_a".into(), "1".into()), ("req_a".into(), "2".into())];
        let v = without_time(&r.line(1, 2));
        assert_eq!(v["req_content_length"], "5");
        assert_eq!(v["req_a"], "2");
        let keys: Vec<_> = v.keys().map(String::as_str).collect();
        assert_eq!(keys.iter().position(|k| *k == "req_content_length"), Some(11));
    }

    fn collecting(limit: usize) -> (AccessLog, Arc<Mutex<Vec<String>>>) {
        let batches = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&batches);
        let out: BatchFn = Arc::new(move |b: &[u8]| sink.lock().unwrap().push(String::from_utf8(b.to_vec()).unwrap()));
        (Sink::Batched { out, limit, interval: Duration::from_secs(1) }.writer(), batches)
    }

    fn numbered(n: usize) -> Record {
        Record { uri: format!("/n{n}").parse().unwrap(), ..record() }
    }

    #[test]
    fn batches_hold_whole_lines_in_order_and_go_out_past_the_limit_on_flush_and_drop() {
        let (log, batches) = collecting(1000);
        let mut expected = Vec::new();
        for n in 0..10 {
            let r = numbered(n);
            log.write(&r, 5, 7);
            expected.push(r.line(5, 7));
        }
        let written = batches.lock().unwrap().clone();
        assert!(!written.is_empty() && written.iter().all(|b| b.len() >= 1000 && b.ends_with('\n')), "{written:?}");
        log.flush();
        log.write(&numbered(10), 5, 7);
        expected.push(numbered(10).line(5, 7));
        let before_drop = batches.lock().unwrap().len();
        drop(log);
        let written = batches.lock().unwrap().clone();
        assert_eq!(written.len(), before_drop + 1, "dropping the last handle flushes");
        let lines: Vec<&str> = written.iter().flat_map(|b| b.lines()).collect();
        assert_eq!(lines.len(), expected.len());
        for (line, want) in lines.iter().zip(&expected) {
            // Equal but for the time.
            assert_eq!(without_time(line), without_time(want));
        }
        let paths: Vec<String> =
            lines.iter().map(|l| without_time(l)["path"].as_str().unwrap_or("").to_string()).collect();
        assert_eq!(paths, (0..=10).map(|n| format!("/n{n}")).collect::<Vec<_>>());
        assert_eq!(written.iter().filter(|b| b.is_empty()).count(), 0);
    }

    #[test]
    fn flush_without_lines_writes_nothing_and_lines_sink_writes_each_line() {
        let (log, batches) = collecting(1000);
        log.flush();
        drop(log);
        assert!(batches.lock().unwrap().is_empty());
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        let log = Sink::lines(move |l| sink.lock().unwrap().push(l)).writer();
        assert_eq!(log.flush_interval(), None);
        log.write(&record(), 1, 2);
        assert_eq!(lines.lock().unwrap().len(), 1);
        assert!(!lines.lock().unwrap()[0].ends_with('\n'));
    }
}
