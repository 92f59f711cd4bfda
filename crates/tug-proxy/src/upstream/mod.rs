//! Each accept worker's HTTP/1.1 client for targets, with its pool of keep-alive connections.
//!
//! The task serving the client writes the request and reads the response itself: no task per
//! connection, no channels, no wake-ups of another task (with hyper's client those were about a
//! quarter of the instructions per proxied request). The response head is parsed with
//! `httparse`; the body is framed as RFC 9112 §6.3 says ([`UpstreamBody`]).
//!
//! A worker's requests run on one thread, so its pool is a short list per target address
//! behind an uncontended lock. A connection goes back when its response body has been read to
//! the end and nothing is left over; an idle connection the target closed (or wrote to) is
//! noticed from the socket's readiness, without a system call when nothing happened.
//!
//! An upgrade (WebSocket) goes over a connection of its own with hyper's client
//! ([`send_for_upgrade`]); health checks have theirs ([`crate::routing::health`]).

mod body;
mod chunked;
mod conn;
mod pool;
mod request;
mod response;
mod upgrade;

use std::sync::Arc;

use http::{HeaderName, HeaderValue, Method, Request, Response};

pub use body::UpstreamBody;
pub use pool::UpstreamPool;
pub use response::ChunkedFromTarget;
pub use upgrade::send_for_upgrade;

use crate::body::ProxyBody;
use conn::{Conn, Failure};
use request::{encode_head, request_framing, write_request};
use response::{Head, read_head};

impl UpstreamPool {
    /// Sends `req` (`Host` set; of its URI the path and query are written) to `authority` over
    /// an idle connection or a new one, with the `added` headers (those with a value) after its
    /// own. The response comes without hop-by-hop fields; one the target sent chunked is marked
    /// with [`ChunkedFromTarget`]. A request that a reused connection closed before answering is
    /// sent again on another when none of its body had been taken and it was not written or is
    /// safe to repeat. The connection returns to the pool when the response body has been read
    /// to its end.
    pub async fn send(
        self: &Arc<Self>,
        authority: &str,
        req: Request<ProxyBody>,
        added: &[(HeaderName, Option<HeaderValue>)],
    ) -> Result<Response<UpstreamBody>, String> {
        let (mut parts, mut body) = req.into_parts();
        let framing = request_framing(&parts.method, &mut parts.headers, &body);
        let head = encode_head(&parts.method, &parts.uri, &parts.headers, added);
        let head_request = parts.method == Method::HEAD;
        let replayable = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE);
        loop {
            let (mut conn, reused) = match self.checkout(authority) {
                Some(conn) => (conn, true),
                None => (Conn::connect(authority).await?, false),
            };
            let mut body_taken = false;
            let sent = write_request(&mut conn, &head, &mut body, framing, &mut body_taken).await;
            let answer = match sent {
                Ok(whole) => read_head(&mut conn, head_request).await.map(|answer| (answer, whole)),
                // The target may have answered before it stopped reading (a refusal).
                Err(Failure::Write(e)) => match read_head(&mut conn, head_request).await {
                    Ok(answer) => Ok((answer, false)),
                    Err(_) => Err(Failure::Write(e)),
                },
                Err(e) => Err(e),
            };
            match answer {
                Ok((Head { response, framing, keep_alive }, whole)) => {
                    let home = (keep_alive && whole).then(|| (Arc::clone(self), authority.to_string()));
                    return Ok(response.map(|()| UpstreamBody::new(conn, framing, home)));
                }
                // A reused connection the target had closed: nothing of the request was taken
                // in (a failed write), or it is safe to send again (as Go's transport decides).
                Err(Failure::Write(_)) if reused && !body_taken => {}
                Err(Failure::Closed | Failure::Read(_))
                    if reused && !body_taken && replayable && conn.buf.is_empty() => {}
                Err(e) => return Err(e.message()),
            }
        }
    }
}
