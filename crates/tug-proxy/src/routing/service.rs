//! A deployed service: its options, its active (and rollout) load balancer, its pause state,
//! and the per-request steps before forwarding (TLS checks, redirects, pause, target choice).

use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use http::{HeaderValue, Request, Response, StatusCode, header};
use hyper::body::Incoming;

use crate::body::{ProxyBody, empty, full};
use crate::error::ProxyError;
use crate::forward::{ForwardContext, request_host, upstream_path};
use crate::options::{ServiceOptions, TargetOptions};
use crate::pages::{ErrorPages, error_response};
use crate::routing::load_balancer::LoadBalancer;
use crate::routing::pause::{PauseController, PauseState, WaitAction};
use crate::routing::rollout::{ROLLOUT_COOKIE, RolloutController, cookie_value};
use crate::routing::service_map::strip_port;
use crate::tls::acme::{AcmeCertificates, AcmeContext, HTTP01_PREFIX};
use crate::tls::source::CertificateSource;
use crate::tls::static_cert::StaticCertificate;

/// A service's settings and what was loaded from them (pages, certificate).
#[derive(Debug)]
pub struct ServiceConfig {
    /// Service options.
    pub options: ServiceOptions,
    /// Target options.
    pub target_options: TargetOptions,
    /// Custom error pages.
    pub pages: Option<ErrorPages>,
    /// Certificates, when TLS is on and one is available.
    pub certificates: Option<Arc<dyn CertificateSource>>,
    /// Set when certificates come from ACME: HTTP-01 challenges are answered from here.
    pub acme: Option<Arc<AcmeContext>>,
}

impl ServiceConfig {
    /// Loads error pages and certificates; fails as kamal-proxy does on bad paths.
    pub fn build(
        options: ServiceOptions,
        target_options: TargetOptions,
        acme: &Arc<AcmeContext>,
    ) -> Result<Self, ProxyError> {
        let pages = if options.error_page_path.is_empty() {
            None
        } else {
            Some(ErrorPages::load(Path::new(&options.error_page_path))?)
        };
        let mut acme_context = None;
        let certificates: Option<Arc<dyn CertificateSource>> = if !options.tls_enabled {
            None
        } else if !options.tls_certificate_path.is_empty() && !options.tls_private_key_path.is_empty() {
            Some(Arc::new(StaticCertificate::load(
                Path::new(&options.tls_certificate_path),
                Path::new(&options.tls_private_key_path),
            )?))
        } else {
            if options.hosts.iter().any(|h| h.contains('*')) {
                return Err(ProxyError::AutomaticTlsDoesNotSupportWildcards);
            }
            acme_context = Some(Arc::clone(acme));
            Some(Arc::new(AcmeCertificates::new(
                Arc::clone(acme),
                &options.hosts,
                &options.acme_directory,
                &options.acme_cache_path,
            )))
        };
        Ok(Self { options, target_options, pages, certificates, acme: acme_context })
    }
}

/// Which load balancer slot a deploy fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The live targets.
    Active,
    /// The canary targets.
    Rollout,
}

#[derive(Debug, Default)]
struct Slots {
    active: Option<Arc<LoadBalancer>>,
    rollout: Option<Arc<LoadBalancer>>,
    rollout_controller: Option<RolloutController>,
}

/// Effective TLS settings of a route (non-root services follow their host's root service).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlsFlags {
    /// TLS on.
    pub enabled: bool,
    /// Redirect HTTP to HTTPS.
    pub redirect: bool,
}

/// A deployed service.
#[derive(Debug)]
pub struct Service {
    /// Shared with every access log record of the service.
    name: Arc<str>,
    config: RwLock<Arc<ServiceConfig>>,
    slots: RwLock<Slots>,
    pause: PauseController,
}

/// Per-request facts the access log wants from the service.
#[derive(Debug, Default, Clone)]
pub struct Served {
    /// Service name.
    pub service: Arc<str>,
    /// Target address, when one was chosen.
    pub target: Arc<str>,
    /// Logged request headers (`req_<name>` fields), taken before the request is forwarded.
    pub request_headers: Vec<(String, String)>,
    /// Extra response headers to log.
    pub log_response_headers: Vec<String>,
}

impl Service {
    /// A new, running service with no targets yet.
    pub fn new(name: &str, config: ServiceConfig) -> Arc<Self> {
        Arc::new(Self {
            name: Arc::from(name),
            config: RwLock::new(Arc::new(config)),
            slots: RwLock::new(Slots::default()),
            pause: PauseController::new(),
        })
    }

    /// The service name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Current configuration.
    pub fn config(&self) -> Arc<ServiceConfig> {
        Arc::clone(&self.config.read().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// Replaces the configuration.
    pub fn set_config(&self, config: ServiceConfig) {
        *self.config.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(config);
    }

    /// The pause controller.
    pub fn pause_controller(&self) -> &PauseController {
        &self.pause
    }

    fn slots_read(&self) -> std::sync::RwLockReadGuard<'_, Slots> {
        self.slots.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn slots_write(&self) -> std::sync::RwLockWriteGuard<'_, Slots> {
        self.slots.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Installs a load balancer in a slot; returns the one it replaced.
    pub fn install(&self, lb: Arc<LoadBalancer>, slot: Slot) -> Option<Arc<LoadBalancer>> {
        let mut slots = self.slots_write();
        match slot {
            Slot::Active => slots.active.replace(lb),
            Slot::Rollout => slots.rollout.replace(lb),
        }
    }

    /// The active load balancer.
    pub fn active(&self) -> Option<Arc<LoadBalancer>> {
        self.slots_read().active.clone()
    }

    /// The rollout load balancer.
    pub fn rollout(&self) -> Option<Arc<LoadBalancer>> {
        self.slots_read().rollout.clone()
    }

    /// The rollout split.
    pub fn rollout_controller(&self) -> Option<RolloutController> {
        self.slots_read().rollout_controller.clone()
    }

    /// Sets the rollout split; fails before `rollout deploy`.
    pub fn set_rollout_split(
        &self,
        controller: Option<RolloutController>,
        require_rollout: bool,
    ) -> Result<(), ProxyError> {
        let mut slots = self.slots_write();
        if require_rollout && slots.rollout.is_none() {
            return Err(ProxyError::RolloutTargetNotSet);
        }
        slots.rollout_controller = controller;
        Ok(())
    }

    /// Stops health checks of every load balancer.
    pub fn dispose(&self) {
        let slots = self.slots_read();
        for lb in slots.active.iter().chain(slots.rollout.iter()) {
            lb.dispose();
        }
    }

    /// Drains the active and rollout targets.
    pub async fn drain(&self, timeout: Duration) {
        let (active, rollout) = {
            let s = self.slots_read();
            (s.active.clone(), s.rollout.clone())
        };
        let a = async {
            if let Some(lb) = active {
                lb.drain_all(timeout).await;
            }
        };
        let r = async {
            if let Some(lb) = rollout {
                lb.drain_all(timeout).await;
            }
        };
        tokio::join!(a, r);
    }

    /// Pauses, then drains.
    pub async fn pause(&self, drain_timeout: Duration, max_pause: Duration) {
        self.pause.pause(max_pause);
        crate::observe::log::info("Service paused", &[("service", (&*self.name).into())]);
        self.drain(drain_timeout).await;
        crate::observe::log::info("Service drained", &[("service", (&*self.name).into())]);
    }

    /// Stops, then drains.
    pub async fn stop(&self, drain_timeout: Duration, message: &str) {
        self.pause.stop(message);
        crate::observe::log::info("Service stopped", &[("service", (&*self.name).into())]);
        self.drain(drain_timeout).await;
        crate::observe::log::info("Service drained", &[("service", (&*self.name).into())]);
    }

    /// Resumes.
    pub fn resume(&self) {
        self.pause.resume();
        crate::observe::log::info("Service resumed", &[("service", (&*self.name).into())]);
    }

    /// Handles a request routed here.
    pub async fn handle(
        &self,
        req: Request<Incoming>,
        mut ctx: ForwardContext<'_>,
        tls: TlsFlags,
        served: &mut Served,
    ) -> Response<ProxyBody> {
        let config = self.config();
        served.service = Arc::clone(&self.name);
        if !config.target_options.log_request_headers.is_empty() {
            // The headers as the target gets them, with the request ID and start added.
            let seen = ctx.stamp.applied_to(req.headers());
            served.request_headers =
                crate::observe::access_log::header_fields("req", &config.target_options.log_request_headers, &seen);
        }
        served.log_response_headers.clone_from(&config.target_options.log_response_headers);
        ctx.pages = config.pages.as_ref();
        let pages = config.pages.as_ref();

        if let Some(acme) = &config.acme
            && !ctx.conn.tls
            && let Some(token) = req.uri().path().strip_prefix(HTTP01_PREFIX)
        {
            return match acme.http01_response(token) {
                Some(answer) => {
                    let mut ok = Response::new(full(answer));
                    ok.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
                    ok
                }
                None => error_response(pages, StatusCode::NOT_FOUND, ""),
            };
        }
        if !tls.enabled && ctx.conn.tls {
            return error_response(pages, StatusCode::SERVICE_UNAVAILABLE, "");
        }
        if let Some(location) = redirect_location(&req, ctx.conn.tls, tls, &config.options.canonical_host) {
            return redirect(&location);
        }
        if self.pause.state() != PauseState::Running {
            let path = upstream_path(req.uri().path(), ctx.strip_prefix);
            if config.target_options.is_health_check_request(req.method(), &path) {
                let mut ok = Response::new(empty());
                *ok.status_mut() = StatusCode::OK;
                return ok;
            }
            match self.pause.wait().await {
                WaitAction::Proceed => {}
                WaitAction::TimedOut => {
                    crate::observe::log::warn(
                        "Rejecting request due to expired pause",
                        &[("service", (&*self.name).into()), ("path", req.uri().path().into())],
                    );
                    return error_response(pages, StatusCode::GATEWAY_TIMEOUT, "");
                }
                WaitAction::Stopped(message) => {
                    return error_response(pages, StatusCode::SERVICE_UNAVAILABLE, &message);
                }
            }
        }

        let now = crate::observe::log::unix_millis();
        let claim = {
            let slots = self.slots_read();
            let use_rollout = slots.rollout.is_some()
                && slots
                    .rollout_controller
                    .as_ref()
                    .is_some_and(|c| c.uses_rollout(cookie_value(req.headers(), ROLLOUT_COOKIE)));
            let lb = if use_rollout { slots.rollout.as_ref() } else { slots.active.as_ref() };
            lb.and_then(|lb| lb.claim(req.method(), req.headers(), now))
        };
        let Some(claim) = claim else {
            return error_response(pages, StatusCode::SERVICE_UNAVAILABLE, "");
        };
        served.target = claim.guard.target().address_shared();
        // Boxed, as this future would otherwise hold the forward's twice (see `server::handle`).
        Box::pin(crate::forward::forward(ctx, req, claim)).await
    }
}

fn redirect(location: &str) -> Response<ProxyBody> {
    let body = format!("<a href=\"{}\">Moved Permanently</a>.\n\n", crate::pages::escape_html(location));
    let mut response = Response::new(full(body));
    *response.status_mut() = StatusCode::MOVED_PERMANENTLY;
    if let Ok(v) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    response
}

/// Where to redirect for `--tls-redirect` or `--canonical-host`, if anywhere. The port is
/// dropped, as in kamal-proxy.
pub fn redirect_location<B>(req: &Request<B>, is_tls: bool, tls: TlsFlags, canonical_host: &str) -> Option<String> {
    let host_header = request_host(req);
    let host = strip_port(host_header);
    let current = if is_tls { "https" } else { "http" };
    let scheme = if tls.enabled && tls.redirect && !is_tls { "https" } else { current };
    let desired_host = if !canonical_host.is_empty() && host != canonical_host { canonical_host } else { host };
    if scheme == current && desired_host == host {
        return None;
    }
    let path_and_query = req.uri().path_and_query().map_or("/", |p| p.as_str());
    Some(format!("{scheme}://{desired_host}{path_and_query}"))
}
