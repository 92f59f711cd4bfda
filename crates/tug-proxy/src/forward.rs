//! Forwarding one request to its target, with Go `ReverseProxy` semantics: hop-by-hop headers
//! dropped, `Host` kept, query passed through verbatim, `X-Forwarded-*` set, WebSocket upgrades
//! spliced, and errors mapped to kamal-proxy's status codes (413, 500, 502, 504).

use std::net::SocketAddr;
use std::sync::Arc;

use http::header::{self, HeaderName};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode, Uri, Version};
use hyper::body::{Body, Incoming};
use hyper_util::rt::TokioIo;

use crate::body::{GuardedBody, ProxyBody, boxed};
use crate::buffer::{BufferError, buffer};
use crate::client_ip::PeerTrust;
use crate::headers::added::insert_added;
use crate::headers::forwarded::{self, Origin};
use crate::headers::hop_by_hop::remove_hop_by_hop;
use crate::routing::load_balancer::{AFFINITY_OPT_OUT_HEADER, Claim, TARGET_HEADER, WRITER_COOKIE};

const TARGET: HeaderName = HeaderName::from_static(TARGET_HEADER);
const AFFINITY_OPT_OUT: HeaderName = HeaderName::from_static(AFFINITY_OPT_OUT_HEADER);
use crate::headers::request_id::Stamp;
use crate::observe::log;
use crate::options::TargetOptions;
use crate::pages::{ErrorPages, error_response};
use crate::trusted::TrustedProxies;
use crate::upstream::{UpstreamPool, send_for_upgrade};

/// What is known about the connection a request came in on.
#[derive(Debug, Clone)]
pub struct ConnInfo {
    /// TCP peer.
    pub peer: SocketAddr,
    /// Whether the connection is TLS.
    pub tls: bool,
    /// The listener's port.
    pub local_port: u16,
    /// The peer against the trusted ranges.
    pub trust: PeerTrust,
    /// The peer's address as an `X-Forwarded-For` value, made once per connection (a request
    /// then shares it instead of formatting and allocating it). Not made for a trusted peer,
    /// whose requests carry the client address they name instead.
    pub peer_value: Option<HeaderValue>,
}

impl ConnInfo {
    /// What is known about a connection from `peer` to a listener on `local_port`.
    pub fn new(peer: SocketAddr, tls: bool, local_port: u16, trust: PeerTrust) -> Self {
        let peer_value =
            (trust != PeerTrust::Trusted).then(|| forwarded::ip_value(crate::trusted::canonical(peer.ip()))).flatten();
        Self { peer, tls, local_port, trust, peer_value }
    }
}

/// Everything a forward needs besides the request.
pub struct ForwardContext<'a> {
    /// The worker's upstream connections.
    pub client: &'a Arc<UpstreamPool>,
    /// The connection.
    pub conn: ConnInfo,
    /// Matched prefix to strip, when stripping applies.
    pub strip_prefix: Option<&'a str>,
    /// Trusted proxy ranges.
    pub trusted: &'a TrustedProxies,
    /// The service's custom error pages.
    pub pages: Option<&'a ErrorPages>,
    /// What the request lacked of `X-Request-Start` and `X-Request-ID`, sent with it.
    pub stamp: Stamp,
    /// The request's host ([`request_host`]), found once per request.
    pub host: &'a str,
}

/// The path sent upstream: the prefix stripped (an empty result becomes `/`).
pub fn upstream_path(path: &str, strip_prefix: Option<&str>) -> String {
    let stripped = match strip_prefix {
        Some(prefix) if prefix != "/" => path.strip_prefix(prefix).unwrap_or(path),
        _ => path,
    };
    if stripped.is_empty() {
        "/".to_string()
    } else if stripped.starts_with('/') {
        stripped.to_string()
    } else {
        format!("/{stripped}")
    }
}

/// The absolute URI a request is sent to: the target's authority, the path with the prefix
/// stripped, and the query verbatim. Without a prefix to strip the request's own path and query
/// are reused as they are (no copy, no parse); `None` when the result is not a valid URI.
fn upstream_uri(uri: &Uri, strip_prefix: Option<&str>, target: &crate::routing::target::Target) -> Option<Uri> {
    let strips = strip_prefix.is_some_and(|p| p != "/");
    if let (false, Some(path_and_query), Some(authority)) = (strips, uri.path_and_query(), target.parsed_authority())
        && path_and_query.path().starts_with('/')
    {
        let mut parts = http::uri::Parts::default();
        parts.scheme = Some(http::uri::Scheme::HTTP);
        parts.authority = Some(authority.clone());
        parts.path_and_query = Some(path_and_query.clone());
        return Uri::from_parts(parts).ok();
    }
    let path = upstream_path(uri.path(), strip_prefix);
    let text = match uri.query() {
        Some(q) => format!("http://{}{path}?{q}", target.authority()),
        None => format!("http://{}{path}", target.authority()),
    };
    text.parse::<Uri>().ok()
}

/// The request's host: the `Host` header, else the URI authority (HTTP/2).
pub fn request_host<B>(req: &Request<B>) -> &str {
    match req.headers().get(header::HOST).and_then(|v| v.to_str().ok()) {
        Some(host) => host,
        None => req.uri().authority().map_or("", |a| a.as_str()),
    }
}

fn error(ctx: &ForwardContext<'_>, status: StatusCode) -> Response<ProxyBody> {
    error_response(ctx.pages, status, "")
}

/// Forwards `req` to the claimed target and returns the response for the client.
pub async fn forward(mut ctx: ForwardContext<'_>, mut req: Request<Incoming>, claim: Claim) -> Response<ProxyBody> {
    let target = Arc::clone(claim.guard.target());
    let options: &TargetOptions = target.options();
    let upgrade_requested = crate::routing::load_balancer::is_websocket(req.headers());
    let client_upgrade = upgrade_requested.then(|| hyper::upgrade::on(&mut req));

    let (parts, body) = req.into_parts();
    let host = ctx.host;
    let Some(uri) = upstream_uri(&parts.uri, ctx.strip_prefix, &target) else {
        return error(&ctx, StatusCode::BAD_REQUEST);
    };
    let path = || upstream_path(parts.uri.path(), ctx.strip_prefix);
    let mut headers = parts.headers;
    let upgrade_value = upgrade_requested.then(|| headers.get(header::UPGRADE).cloned()).flatten();
    remove_hop_by_hop(&mut headers);
    if upgrade_requested && let Some(v) = upgrade_value {
        headers.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
        headers.insert(header::UPGRADE, v);
    }
    if !headers.contains_key(header::HOST)
        && let Ok(v) = HeaderValue::from_str(host)
    {
        headers.insert(header::HOST, v);
    }
    let origin = Origin {
        peer: ctx.conn.peer.ip(),
        host,
        tls: ctx.conn.tls,
        trust: ctx.conn.trust,
        peer_value: ctx.conn.peer_value.as_ref(),
    };
    let fwd = forwarded::compute(&headers, origin, options.forward_headers, ctx.trusted);
    // Without --forward-headers an incoming target header is replaced: it goes with the
    // incoming forwarding headers.
    forwarded::remove_incoming(&mut headers, ctx.conn.trust, (!options.forward_headers).then_some(&TARGET));
    // The target's address as a ready header value, unless earlier values are to be kept.
    let keep_prior = options.forward_headers && headers.contains_key(TARGET);
    let target_value = match target.address_header().filter(|_| !keep_prior) {
        Some(value) => Some(value.clone()),
        None => {
            set_target_header(&mut headers, target.address(), options.forward_headers);
            None
        }
    };
    // The headers the proxy adds: the pooled client writes them after the request's own
    // (where inserting them would have put them), without a map insertion each.
    let [start, id] = std::mem::take(&mut ctx.stamp).into_fields();
    let [xff, xfh, xfp] = fwd.into_fields();
    let added = [start, id, xff, xfh, xfp, (TARGET, target_value)];

    let had_body = !body.is_end_stream();
    // A request without a body (most) has nothing to buffer: it goes on as it came.
    let body = if options.buffer_requests && !upgrade_requested && had_body {
        let memory = u64::try_from(options.max_memory_buffer_size).unwrap_or(0);
        let max = u64::try_from(options.max_request_body_size).unwrap_or(0);
        match Box::pin(buffer(body, memory, max)).await {
            Ok(buffered) => {
                // The body goes with its length (it may have come chunked: `Transfer-Encoding`
                // went with the hop-by-hop headers).
                headers.insert(header::CONTENT_LENGTH, HeaderValue::from(buffered.len()));
                buffered.into_body()
            }
            Err(BufferError::TooLarge) => return error(&ctx, StatusCode::PAYLOAD_TOO_LARGE),
            Err(BufferError::Read(e)) if e.downcast_ref::<hyper::Error>().is_some_and(hyper::Error::is_parse) => {
                return error(&ctx, StatusCode::BAD_REQUEST);
            }
            Err(BufferError::Read(_)) => return error(&ctx, StatusCode::BAD_REQUEST),
            Err(BufferError::Io(_)) => return error(&ctx, StatusCode::INTERNAL_SERVER_ERROR),
        }
    } else {
        boxed(body)
    };

    let mut out = Request::new(body);
    *out.method_mut() = parts.method;
    *out.uri_mut() = uri;
    *out.version_mut() = Version::HTTP_11;
    *out.headers_mut() = headers;

    // The exchanges are boxed: awaited in place, each would be stored twice in this future,
    // which the timeout and the select then move.
    let send = async {
        if upgrade_requested {
            insert_added(out.headers_mut(), added);
            Box::pin(send_for_upgrade(target.authority(), out)).await
        } else {
            Box::pin(ctx.client.send(target.authority(), out, &added)).await.map(|r| r.map(boxed))
        }
    };
    let cancelled = claim.guard.cancelled();
    // Biased: the exchange first, so that the drain's generation is read only while it waits
    // (and no random number is drawn per request).
    let outcome = tokio::select! {
        biased;
        r = tokio::time::timeout(options.response_timeout, send) => r,
        () = cancelled => {
            log::info("Request cancelled due to draining", &[("target", target.address().into()), ("path", path().into())]);
            return error(&ctx, StatusCode::GATEWAY_TIMEOUT);
        }
    };
    let mut response = match outcome {
        Err(_) => return error(&ctx, StatusCode::GATEWAY_TIMEOUT),
        Ok(Err(e)) => {
            log::error(
                "Error while proxying",
                &[("target", target.address().into()), ("path", path().into()), ("error", e.into())],
            );
            return error(&ctx, StatusCode::BAD_GATEWAY);
        }
        Ok(Ok(r)) => r,
    };

    if response.status() == StatusCode::SWITCHING_PROTOCOLS {
        if let Some(client_upgrade) = client_upgrade {
            let upstream_upgrade = hyper::upgrade::on(&mut response);
            let guard = claim.guard;
            tokio::spawn(async move {
                let tunnel_cancelled = guard.tunnel_cancelled();
                let splice = async {
                    let (Ok(client), Ok(upstream)) = (client_upgrade.await, upstream_upgrade.await) else { return };
                    let mut client = TokioIo::new(client);
                    let mut upstream = TokioIo::new(upstream);
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                };
                tokio::select! {
                    () = splice => {}
                    () = tunnel_cancelled => {}
                }
                drop(guard);
            });
        }
        let (parts, _) = response.into_parts();
        return Response::from_parts(parts, crate::body::empty());
    }

    let (mut parts, body) = response.into_parts();
    // The pooled client leaves hop-by-hop fields out as it reads them.
    if upgrade_requested {
        remove_hop_by_hop(&mut parts.headers);
    }
    apply_writer_affinity(&mut parts.headers, claim.set_writer_cookie);

    let body = if options.buffer_responses && !is_streaming(&parts) {
        let memory = u64::try_from(options.max_memory_buffer_size).unwrap_or(0);
        let max = u64::try_from(options.max_response_body_size).unwrap_or(0);
        let cancelled = claim.guard.cancelled();
        // Biased: a body already read (most small ones) is taken without registering as a
        // waiter for the drain.
        let buffered = tokio::select! {
            biased;
            b = Box::pin(buffer(body, memory, max)) => b,
            () = cancelled => return error(&ctx, StatusCode::GATEWAY_TIMEOUT),
        };
        match buffered {
            Ok(b) => {
                parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(b.len()));
                b.into_body()
            }
            Err(_) => return error(&ctx, StatusCode::INTERNAL_SERVER_ERROR),
        }
    } else {
        body
    };
    Response::from_parts(parts, boxed(GuardedBody::new(body, claim.guard)))
}

/// Whether a response must stream even with buffering on (SSE, chunked). `Transfer-Encoding`
/// itself never gets here: the pooled client leaves it out as it reads (marking the response
/// [`ChunkedFromTarget`](crate::upstream::ChunkedFromTarget)), and the upgrade path removes it
/// with the other hop-by-hop fields before this is asked.
pub fn is_streaming(parts: &http::response::Parts) -> bool {
    parts.extensions.get::<crate::upstream::ChunkedFromTarget>().is_some()
        || parts.headers.get(header::CONTENT_TYPE).is_some_and(|v| {
            let media_type = v.as_bytes().split(|&b| b == b';').next().unwrap_or_default();
            media_type.trim_ascii().eq_ignore_ascii_case(b"text/event-stream")
        })
}

fn set_target_header(headers: &mut HeaderMap, address: &str, forward_headers: bool) {
    let value = if forward_headers {
        let prior: Vec<&str> = headers.get_all(TARGET).iter().filter_map(|v| v.to_str().ok()).collect();
        if prior.is_empty() { address.to_string() } else { format!("{}, {address}", prior.join(", ")) }
    } else {
        address.to_string()
    };
    if let Ok(v) = HeaderValue::from_str(&value) {
        headers.insert(TARGET, v);
    }
}

fn apply_writer_affinity(headers: &mut HeaderMap, cookie: Option<std::time::Duration>) {
    let opted_out = match headers.remove(AFFINITY_OPT_OUT) {
        Some(first) => first.to_str().is_ok_and(|v| v == "false"),
        None => false,
    };
    if let Some(timeout) = cookie
        && !opted_out
    {
        let now = log::unix_millis();
        let expires_ms = now.saturating_add(i64::try_from(timeout.as_millis()).unwrap_or(i64::MAX));
        let expires_secs = u64::try_from(expires_ms / 1000).unwrap_or(0) + 1;
        let cookie =
            format!("{WRITER_COOKIE}={expires_ms}; Path=/; Expires={}; HttpOnly", log::http_date(expires_secs));
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            headers.append(header::SET_COOKIE, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response_parts(content_type: Option<&'static str>, chunked: bool) -> http::response::Parts {
        let mut response = Response::new(());
        if let Some(v) = content_type {
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(v));
        }
        if chunked {
            response.extensions_mut().insert(crate::upstream::ChunkedFromTarget);
        }
        response.into_parts().0
    }

    #[test]
    fn event_streams_and_chunked_responses_stream_with_buffering_on() {
        assert!(is_streaming(&response_parts(Some("text/event-stream"), false)));
        assert!(is_streaming(&response_parts(Some(" Text/Event-Stream ; charset=utf-8"), false)));
        assert!(is_streaming(&response_parts(Some("text/html"), true)));
        assert!(is_streaming(&response_parts(None, true)));
        assert!(!is_streaming(&response_parts(Some("text/html; charset=utf-8"), false)));
        assert!(!is_streaming(&response_parts(Some("text/event-stream-not"), false)));
        assert!(!is_streaming(&response_parts(None, false)));
    }
}
