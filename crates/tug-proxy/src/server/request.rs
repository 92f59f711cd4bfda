//! One request as the server handles it: stamped with its ID and start, routed, handed to its
//! service, and logged (access log, metrics) when its response body ends.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Instant;

use http::{HeaderMap, HeaderValue, Request, Response, StatusCode, header};
use hyper::body::Incoming;

use super::{Local, Shared};
use crate::body::{ProxyBody, boxed};
use crate::client_ip::{PeerTrust, client_ip_from_trusted};
use crate::forward::{ConnInfo, ForwardContext, request_host};
use crate::headers::forwarded::X_FORWARDED_FOR;
use crate::headers::request_id::Stamp;
use crate::observe::access_log::{LoggedBody, Record, RemoteAddr, header_fields};
use crate::observe::log;
use crate::pages::error_response;
use crate::routing::service::{Served, TlsFlags};

pub(super) async fn handle(
    local: Arc<Local>,
    conn: ConnInfo,
    req: Request<Incoming>,
) -> Result<Response<ProxyBody>, Infallible> {
    let started = Instant::now();
    let shared = &local.shared;
    // What the proxy adds to the request travels beside its header map (see `Stamp`).
    let stamp = shared.ids.stamp(req.headers(), log::unix_millis());
    let host = request_host(&req).to_string();

    let snapshot = shared.router.snapshot();
    let route = snapshot.map.lookup(&host, req.uri().path());
    let mut record = base_record(shared, &conn, &req, host, &stamp);
    let mut served = Served::default();
    let mut track = shared.metrics.is_some();
    let mut in_flight = None;
    let response = match route {
        None => error_response(None, StatusCode::NOT_FOUND, ""),
        Some((service, prefix)) => {
            let config = service.config();
            let strip = (config.options.strip_prefix && prefix != "/").then_some(prefix);
            if let Some(metrics) = &shared.metrics {
                let excluded = !config.options.exclude_metrics_paths.is_empty()
                    && config
                        .options
                        .exclude_metrics_paths
                        .iter()
                        .any(|p| *p == crate::forward::upstream_path(req.uri().path(), strip));
                track = !excluded;
                in_flight = track.then(|| metrics.in_flight(service.name()));
            }
            let tls = snapshot
                .tls
                .get(service.name())
                .copied()
                .unwrap_or(TlsFlags { enabled: config.options.tls_enabled, redirect: config.options.tls_redirect });
            let ctx = ForwardContext {
                client: &local.client,
                conn,
                strip_prefix: strip,
                trusted: &shared.trusted,
                pages: None,
                stamp,
                host: &record.host,
            };
            // Boxed: awaited in place, the service's future would be stored twice in this one
            // (rustc lays out the call's result and the awaited value apart), and hyper moves
            // this one on every request (31 KB unboxed; 1.5 KB boxed).
            Box::pin(service.handle(req, ctx, tls, &mut served)).await
        }
    };
    record.status = response.status().as_u16();
    record.service = served.service;
    record.target = served.target;
    record.resp_content_type = response.headers().get(header::CONTENT_TYPE).cloned();
    record.request_headers = served.request_headers;
    if !served.log_response_headers.is_empty() {
        record.response_headers = header_fields("resp", &served.log_response_headers, response.headers());
    }
    let log = local.log.clone();
    let metrics = shared.metrics.clone().filter(|_| track);
    Ok(response.map(|body| {
        let logged = LoggedBody::new(body, record, started, log);
        boxed(match metrics {
            Some(m) => logged.with_metrics(m, in_flight),
            None => logged,
        })
    }))
}

fn base_record(shared: &Shared, conn: &ConnInfo, req: &Request<Incoming>, host: String, stamp: &Stamp) -> Record {
    let headers = req.headers();
    let logged = LoggedFields::of(headers);
    let req_content_length = match logged.content_length.and_then(|v| v.to_str().ok()) {
        Some(v) => v.trim().parse().unwrap_or(-1),
        None if logged.transfer_encoding => -1,
        None => 0,
    };
    let peer_ip = crate::trusted::canonical(conn.peer.ip());
    let remote_addr = match conn.trust {
        PeerTrust::Trusted => RemoteAddr::Ip(client_ip_from_trusted(headers, peer_ip, &shared.trusted)),
        PeerTrust::Untrusted => RemoteAddr::Ip(peer_ip),
        PeerTrust::Unconfigured => match logged.forwarded_for {
            Some(xff) if xff.to_str().is_ok_and(|v| !v.is_empty()) => RemoteAddr::Header(xff.clone()),
            _ => RemoteAddr::Ip(peer_ip),
        },
    };
    Record {
        host,
        port: conn.local_port,
        uri: req.uri().clone(),
        request_id: stamp.id_of(headers).cloned(),
        method: req.method().clone(),
        req_content_length,
        req_content_type: logged.content_type.cloned(),
        client_addr: Some(peer_ip),
        client_port: conn.peer.port(),
        remote_addr,
        user_agent: logged.user_agent.cloned(),
        proto: match req.version() {
            http::Version::HTTP_2 => "HTTP/2.0",
            http::Version::HTTP_10 => "HTTP/1.0",
            _ => "HTTP/1.1",
        },
        scheme: if conn.tls { "https" } else { "http" },
        ..Record::default()
    }
}

/// The first values of the request fields the access log reads, found in one pass over the
/// fields (a hashed lookup each cost ~120 instructions, ~200 for `X-Forwarded-For`).
#[derive(Default)]
struct LoggedFields<'a> {
    content_length: Option<&'a HeaderValue>,
    transfer_encoding: bool,
    forwarded_for: Option<&'a HeaderValue>,
    content_type: Option<&'a HeaderValue>,
    user_agent: Option<&'a HeaderValue>,
}

impl<'a> LoggedFields<'a> {
    fn of(headers: &'a HeaderMap) -> Self {
        let mut found = Self::default();
        for (name, value) in headers {
            let slot = if *name == header::CONTENT_LENGTH {
                &mut found.content_length
            } else if *name == header::CONTENT_TYPE {
                &mut found.content_type
            } else if *name == header::USER_AGENT {
                &mut found.user_agent
            } else if *name == X_FORWARDED_FOR {
                &mut found.forwarded_for
            } else {
                found.transfer_encoding |= *name == header::TRANSFER_ENCODING;
                continue;
            };
            slot.get_or_insert(value);
        }
        found
    }
}

#[cfg(test)]
mod logged_fields_tests {
    use super::*;

    #[test]
    fn each_field_is_its_first_value_as_a_lookup_would_give() {
        let mut headers = HeaderMap::new();
        headers.append(header::USER_AGENT, HeaderValue::from_static("first"));
        headers.append(X_FORWARDED_FOR, HeaderValue::from_static("1.2.3.4"));
        headers.append(header::USER_AGENT, HeaderValue::from_static("second"));
        headers.append(X_FORWARDED_FOR, HeaderValue::from_static("5.6.7.8"));
        headers.append(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        headers.append(header::TRANSFER_ENCODING, HeaderValue::from_static("chunked"));
        let found = LoggedFields::of(&headers);
        assert_eq!(found.user_agent, headers.get(header::USER_AGENT));
        assert_eq!(found.forwarded_for, headers.get(X_FORWARDED_FOR));
        assert_eq!(found.content_type, headers.get(header::CONTENT_TYPE));
        assert_eq!(found.content_length, None);
        assert!(found.transfer_encoding);

        let none = HeaderMap::new();
        let empty = LoggedFields::of(&none);
        assert!(empty.user_agent.is_none() && empty.forwarded_for.is_none() && !empty.transfer_encoding);
    }
}
