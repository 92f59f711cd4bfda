//! A service's set of targets: round-robin over the healthy writers (and readers), continuous
//! health checks, the wait for a new set to become healthy, and draining it when replaced.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;

use http::{HeaderMap, Method};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::ProxyError;
use crate::observe::log;
use crate::options::TargetOptions;
use crate::routing::health::HealthClient;
use crate::routing::target::{InflightGuard, Target, TargetState};

/// Cookie that pins a client to the writers after a write.
pub const WRITER_COOKIE: &str = "kamal-writer";
/// Response header with which an upstream opts out of writer affinity.
pub const AFFINITY_OPT_OUT_HEADER: &str = "x-writer-affinity";
/// Request header naming the chosen target.
pub const TARGET_HEADER: &str = "x-kamal-target";

#[derive(Debug, Default)]
struct Healthy {
    writers: Vec<Arc<Target>>,
    readers: Vec<Arc<Target>>,
}

/// A set of writer and reader targets.
#[derive(Debug)]
pub struct LoadBalancer {
    writers: Vec<Arc<Target>>,
    readers: Vec<Arc<Target>>,
    healthy: RwLock<Healthy>,
    next_writer: AtomicUsize,
    next_reader: AtomicUsize,
    writer_affinity_timeout: Duration,
    read_targets_accept_websockets: bool,
    health_changed: watch::Sender<u64>,
    checks: Mutex<Vec<JoinHandle<()>>>,
}

/// The target a request was given, and what it implies for the response.
#[derive(Debug)]
pub struct Claim {
    /// Keeps the request counted on its target.
    pub guard: InflightGuard,
    /// Set a `kamal-writer` cookie on the response (unless the upstream opts out).
    pub set_writer_cookie: Option<Duration>,
}

impl LoadBalancer {
    /// Builds targets from addresses; fails on an address kamal-proxy would refuse.
    pub fn new(
        writers: &[String],
        readers: &[String],
        options: &TargetOptions,
        writer_affinity_timeout: Duration,
        read_targets_accept_websockets: bool,
    ) -> Result<Arc<Self>, ProxyError> {
        let options = Arc::new(options.clone());
        let build = |list: &[String], ro: bool| -> Result<Vec<Arc<Target>>, ProxyError> {
            list.iter().map(|a| Target::new(a, ro, Arc::clone(&options))).collect()
        };
        Ok(Arc::new(Self {
            writers: build(writers, false)?,
            readers: build(readers, true)?,
            healthy: RwLock::new(Healthy::default()),
            next_writer: AtomicUsize::new(0),
            next_reader: AtomicUsize::new(0),
            writer_affinity_timeout,
            read_targets_accept_websockets,
            health_changed: watch::channel(0).0,
            checks: Mutex::new(Vec::new()),
        }))
    }

    /// Writer addresses.
    pub fn writer_names(&self) -> Vec<String> {
        self.writers.iter().map(|t| t.address().to_string()).collect()
    }

    /// Reader addresses.
    pub fn reader_names(&self) -> Vec<String> {
        self.readers.iter().map(|t| t.address().to_string()).collect()
    }

    fn all(&self) -> impl Iterator<Item = &Arc<Target>> {
        self.writers.iter().chain(&self.readers)
    }

    /// Marks every target healthy (restored state, `--force`).
    pub fn mark_all_healthy(&self) {
        for t in self.all() {
            t.mark_healthy();
        }
        self.update_healthy();
    }

    fn update_healthy(&self) {
        let pick = |list: &[Arc<Target>]| -> Vec<Arc<Target>> {
            list.iter().filter(|t| t.state() == TargetState::Healthy).cloned().collect()
        };
        let healthy = Healthy { writers: pick(&self.writers), readers: pick(&self.readers) };
        *self.healthy.write().unwrap_or_else(std::sync::PoisonError::into_inner) = healthy;
        self.health_changed.send_modify(|g| *g += 1);
    }

    /// Starts health checks. With a single target they stop once it is healthy, as in
    /// kamal-proxy; several targets are checked for as long as the set lives.
    pub fn begin_health_checks(self: &Arc<Self>, client: &HealthClient) {
        let single = self.writers.len() + self.readers.len() == 1;
        let mut handles = Vec::new();
        for target in self.all() {
            let weak: Weak<Self> = Arc::downgrade(self);
            let target = Arc::clone(target);
            let client = client.clone();
            handles.push(tokio::spawn(async move {
                let hc = target.options().health_check_config.clone();
                let url = crate::routing::health::check_url(target.authority(), hc.port, &hc.path);
                let mut interval = tokio::time::interval(hc.interval.max(Duration::from_millis(1)));
                interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    interval.tick().await;
                    let result = crate::routing::health::check(&client, &url, &hc.host, hc.timeout).await;
                    if let Err(e) = &result {
                        log::info("Healthcheck failed", &[("url", url.as_str().into()), ("error", e.as_str().into())]);
                    }
                    let Some(lb) = weak.upgrade() else { return };
                    if let Some((was, now)) = target.health_check_completed(result.is_ok()) {
                        log::info(
                            "Target health updated",
                            &[
                                ("target", target.address().into()),
                                ("state", now.as_str().into()),
                                ("was", was.as_str().into()),
                            ],
                        );
                        lb.update_healthy();
                    }
                    if single && target.state() == TargetState::Healthy {
                        return;
                    }
                }
            }));
        }
        self.checks.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend(handles);
    }

    /// Stops health checks.
    pub fn dispose(&self) {
        for handle in self.checks.lock().unwrap_or_else(std::sync::PoisonError::into_inner).drain(..) {
            handle.abort();
        }
    }

    /// Waits until every target has passed a check.
    pub async fn wait_until_healthy(&self, timeout: Duration) -> Result<(), ProxyError> {
        let mut rx = self.health_changed.subscribe();
        let all_healthy = || self.all().all(|t| t.state() == TargetState::Healthy);
        let wait = async {
            loop {
                if all_healthy() {
                    return;
                }
                if rx.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::time::timeout(timeout, wait).await.map_err(|_| ProxyError::TargetFailedToBecomeHealthy(timeout))
    }

    /// Drains every target at once.
    pub async fn drain_all(&self, timeout: Duration) {
        let drains: Vec<_> = self
            .all()
            .map(|t| {
                let t = Arc::clone(t);
                tokio::spawn(async move { t.drain(timeout).await })
            })
            .collect();
        for d in drains {
            let _ = d.await;
        }
    }

    /// Picks a target for a request: readers for reads (GET/HEAD, not WebSocket unless allowed)
    /// when any is healthy and no `kamal-writer` cookie is live; writers otherwise.
    pub fn claim(&self, method: &Method, headers: &HeaderMap, now_ms: i64) -> Option<Claim> {
        // Without read targets (the usual case) the headers are not looked at.
        let has_readers = !self.readers.is_empty();
        let read = has_readers
            && (method == Method::GET || method == Method::HEAD)
            && (self.read_targets_accept_websockets || !is_websocket(headers));
        let healthy = self.healthy.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let treat_as_read = read && !healthy.readers.is_empty() && !has_live_writer_cookie(headers, now_ms);
        let (list, counter) =
            if treat_as_read { (&healthy.readers, &self.next_reader) } else { (&healthy.writers, &self.next_writer) };
        if list.is_empty() {
            return None;
        }
        let start = counter.fetch_add(1, Ordering::Relaxed);
        let guard = (0..list.len()).find_map(|i| list[(start + i) % list.len()].start_request())?;
        let set_writer_cookie =
            (has_readers && !self.writer_affinity_timeout.is_zero() && !read).then_some(self.writer_affinity_timeout);
        Some(Claim { guard, set_writer_cookie })
    }
}

/// Whether a request asks for a WebSocket upgrade.
pub fn is_websocket(headers: &HeaderMap) -> bool {
    let upgrade = headers
        .get(http::header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    // Most requests have no `Upgrade`: `Connection` is not looked at then.
    upgrade
        && headers
            .get_all(http::header::CONNECTION)
            .iter()
            .filter(|v| v.to_str().is_ok())
            .any(|v| v.as_bytes().windows(7).any(|w| w.eq_ignore_ascii_case(b"upgrade")))
}

fn has_live_writer_cookie(headers: &HeaderMap, now_ms: i64) -> bool {
    crate::routing::rollout::cookie_value(headers, WRITER_COOKIE)
        .and_then(|v| v.parse::<i64>().ok())
        .is_some_and(|expires| expires > now_ms)
}
