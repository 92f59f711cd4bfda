//! An upgrade request (WebSocket) sent over a connection of its own with hyper's client, whose
//! upgraded stream the proxy then splices to the client's; the pooled client does not upgrade.

use http::{Request, Response};
use hyper_util::rt::TokioIo;

use crate::body::{ProxyBody, boxed};

/// Sends an upgrade request to `authority` on a new connection, kept for the upgraded stream.
pub async fn send_for_upgrade(authority: &str, req: Request<ProxyBody>) -> Result<Response<ProxyBody>, String> {
    let stream = tokio::net::TcpStream::connect(authority).await.map_err(|e| e.to_string())?;
    let _ = stream.set_nodelay(true);
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = conn.with_upgrades().await;
    });
    let response = sender.send_request(req).await.map_err(|e| e.to_string())?;
    Ok(response.map(boxed))
}
