//! The control channel between the command line and a running server: one JSON request and
//! one JSON reply per connection, each a single line, over a unix socket. (kamal-proxy uses Go
//! RPC here; both ends are ours, so only the command line has to match.)

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use crate::error::ProxyError;
use crate::options::{DeploymentOptions, nanos};
use crate::routing::router::{DeployArgs, Router, ServiceDescription};

/// A command for the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", content = "params")]
pub enum Command {
    /// `deploy`.
    Deploy(Box<DeployArgs>),
    /// `remove`.
    Remove {
        /// Service name.
        service: String,
    },
    /// `pause`.
    Pause {
        /// Service name.
        service: String,
        /// `--drain-timeout`.
        #[serde(with = "nanos")]
        drain_timeout: Duration,
        /// `--max-pause`.
        #[serde(with = "nanos")]
        pause_timeout: Duration,
    },
    /// `stop`.
    Stop {
        /// Service name.
        service: String,
        /// `--drain-timeout`.
        #[serde(with = "nanos")]
        drain_timeout: Duration,
        /// `--message`.
        message: String,
    },
    /// `resume`.
    Resume {
        /// Service name.
        service: String,
    },
    /// `list`.
    List,
    /// `rollout deploy`.
    RolloutDeploy {
        /// Service name.
        service: String,
        /// Writer targets.
        target_urls: Vec<String>,
        /// Reader targets.
        reader_urls: Vec<String>,
        /// Waiting behaviour.
        deployment_options: DeploymentOptions,
    },
    /// `rollout set`.
    RolloutSet {
        /// Service name.
        service: String,
        /// `--percent`.
        percentage: i64,
        /// `--list`.
        allowlist: Vec<String>,
    },
    /// `rollout stop`.
    RolloutStop {
        /// Service name.
        service: String,
    },
}

/// The server's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Reply {
    /// The error text, when the command failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// For `list`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub services: Option<BTreeMap<String, ServiceDescription>>,
}

/// Runs one command against the router.
pub async fn execute(router: &Router, command: Command) -> Reply {
    let result = match command {
        Command::Deploy(args) => router.deploy(*args).await,
        Command::Remove { service } => router.remove(&service),
        Command::Pause { service, drain_timeout, pause_timeout } => {
            router.pause(&service, drain_timeout, pause_timeout).await
        }
        Command::Stop { service, drain_timeout, message } => router.stop(&service, drain_timeout, &message).await,
        Command::Resume { service } => router.resume(&service),
        Command::List => return Reply { error: None, services: Some(router.list()) },
        Command::RolloutDeploy { service, target_urls, reader_urls, deployment_options } => {
            router.rollout_deploy(&service, &target_urls, &reader_urls, &deployment_options).await
        }
        Command::RolloutSet { service, percentage, allowlist } => router.rollout_set(&service, percentage, allowlist),
        Command::RolloutStop { service } => router.rollout_stop(&service),
    };
    Reply { error: result.err().map(|e| e.to_string()), services: None }
}

/// Binds the control socket, replacing a stale one.
pub fn bind(path: &Path) -> std::io::Result<UnixListener> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    UnixListener::bind(path)
}

/// Serves commands until the listener is dropped (the task is aborted).
pub async fn serve(listener: UnixListener, router: Arc<Router>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let router = Arc::clone(&router);
        tokio::spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut line = String::new();
            if BufReader::new(read).read_line(&mut line).await.is_err() {
                return;
            }
            let reply = match serde_json::from_str::<Command>(&line) {
                Ok(command) => execute(&router, command).await,
                Err(e) => Reply { error: Some(format!("invalid command: {e}")), services: None },
            };
            let mut text = serde_json::to_string(&reply).unwrap_or_else(|_| "{}".into());
            text.push('\n');
            let _ = write.write_all(text.as_bytes()).await;
        });
    }
}

/// Sends a command to the server at `socket` and waits for the reply.
pub async fn call(socket: &Path, command: &Command) -> Result<Reply, ProxyError> {
    let stream = UnixStream::connect(socket)
        .await
        .map_err(|e| ProxyError::Other(format!("dial unix {}: {}", socket.display(), connect_reason(&e))))?;
    let (read, mut write) = stream.into_split();
    let mut text = serde_json::to_string(command).map_err(|e| ProxyError::Other(e.to_string()))?;
    text.push('\n');
    write.write_all(text.as_bytes()).await.map_err(|e| ProxyError::Other(e.to_string()))?;
    let mut line = String::new();
    BufReader::new(read).read_line(&mut line).await.map_err(|e| ProxyError::Other(e.to_string()))?;
    let reply: Reply = serde_json::from_str(&line)
        .map_err(|_| ProxyError::Other("the server closed the connection without replying".into()))?;
    match reply.error {
        Some(e) => Err(ProxyError::Other(e)),
        None => Ok(reply),
    }
}

fn connect_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "connect: no such file or directory".into(),
        std::io::ErrorKind::ConnectionRefused => "connect: connection refused".into(),
        _ => e.to_string(),
    }
}
