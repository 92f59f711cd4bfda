//! Prometheus metrics on `--metrics-port`, with kamal-proxy's names and labels:
//! `kamal_proxy_http_requests_total` and `kamal_proxy_http_request_duration_seconds` by
//! `service`, `method` and `status`, and `kamal_proxy_http_in_flight_requests` by `service`.
//! Every path of the metrics listener answers with the whole registry (OpenMetrics text).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderValue, Request, Response, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;

/// Prometheus client_golang's default histogram buckets.
const DEFAULT_BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    service: String,
    method: String,
    status: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ServiceLabels {
    service: String,
}

fn new_histogram() -> Histogram {
    Histogram::new(DEFAULT_BUCKETS)
}

/// The proxy's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RequestLabels, Histogram, fn() -> Histogram>,
    in_flight: Family<ServiceLabels, Gauge>,
}

/// Counts one in-flight request of a service until dropped.
#[derive(Debug)]
pub struct InFlight {
    gauge: Gauge,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}

/// kamal-proxy's method label: the nine standard methods, else `OTHER`.
pub fn normalize_method(method: &str) -> &str {
    match method {
        "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "CONNECT" | "OPTIONS" | "TRACE" => method,
        _ => "OTHER",
    }
}

impl Metrics {
    /// Registers the three metrics.
    pub fn new() -> Arc<Self> {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let durations = Family::<RequestLabels, Histogram, fn() -> Histogram>::new_with_constructor(new_histogram);
        let in_flight = Family::<ServiceLabels, Gauge>::default();
        registry.register(
            "kamal_proxy_http_requests",
            "HTTP requests processed, labeled by service, status code and method.",
            requests.clone(),
        );
        registry.register(
            "kamal_proxy_http_request_duration_seconds",
            "Duration of HTTP requests, labeled by service, status code and method.",
            durations.clone(),
        );
        registry.register(
            "kamal_proxy_http_in_flight_requests",
            "Number of in-flight HTTP requests, labeled by service.",
            in_flight.clone(),
        );
        Arc::new(Self { registry, requests, durations, in_flight })
    }

    /// Counts a finished request.
    pub fn track_request(&self, service: &str, method: &str, status: u16, duration: Duration) {
        let labels = RequestLabels {
            service: service.to_string(),
            method: normalize_method(method).to_string(),
            status: status.to_string(),
        };
        self.durations.get_or_create(&labels).observe(duration.as_secs_f64());
        self.requests.get_or_create(&labels).inc();
    }

    /// Starts counting an in-flight request of `service`.
    pub fn in_flight(&self, service: &str) -> InFlight {
        let gauge = self.in_flight.get_or_create(&ServiceLabels { service: service.to_string() }).clone();
        gauge.inc();
        InFlight { gauge }
    }

    /// The registry in the OpenMetrics text format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

/// Serves the metrics on every path of `listener` until the task is aborted.
pub async fn serve(listener: TcpListener, metrics: Arc<Metrics>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let metrics = Arc::clone(&metrics);
        tokio::spawn(async move {
            let service = service_fn(move |_req: Request<Incoming>| {
                let metrics = Arc::clone(&metrics);
                async move {
                    let mut response = Response::new(Full::new(bytes::Bytes::from(metrics.encode())));
                    response.headers_mut().insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
                    );
                    Ok::<_, Infallible>(response)
                }
            });
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_methods_are_other() {
        assert_eq!(normalize_method("GET"), "GET");
        assert_eq!(normalize_method("PROPFIND"), "OTHER");
    }

    #[test]
    fn encodes_kamal_proxy_names() {
        let m = Metrics::new();
        m.track_request("app", "GET", 200, Duration::from_millis(3));
        let guard = m.in_flight("app");
        let text = m.encode();
        assert!(
            text.contains("kamal_proxy_http_requests_total{service=\"app\",method=\"GET\",status=\"200\"} 1"),
            "{text}"
        );
        assert!(text.contains("kamal_proxy_http_request_duration_seconds_bucket{le=\"0.005\",service=\"app\",method=\"GET\",status=\"200\"} 1"), "{text}");
        assert!(text.contains("kamal_proxy_http_in_flight_requests{service=\"app\"} 1"), "{text}");
        drop(guard);
        assert!(m.encode().contains("kamal_proxy_http_in_flight_requests{service=\"app\"} 0"));
    }
}
