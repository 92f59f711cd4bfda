//! The router: the registry of services, the routing snapshot built from it, and the commands
//! that change it (deploy, remove, pause, stop, resume, rollout), each saved to the state file.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use rustls::sign::CertifiedKey;
use serde::{Deserialize, Serialize};

use crate::error::ProxyError;
use crate::observe::log;
use crate::options::{DeploymentOptions, ServiceOptions, TargetOptions};
use crate::routing::health::HealthClient;
use crate::routing::load_balancer::LoadBalancer;
use crate::routing::pause::PauseController;
use crate::routing::rollout::RolloutController;
use crate::routing::service::{Service, ServiceConfig, Slot, TlsFlags};
use crate::routing::service_map::{FastMap, Route, ServiceMap};
use crate::state::{self, ServiceState};
use crate::tls::acme::{AcmeContext, AcmeSettings};
use crate::tls::source::{CertificateLookup, Preparation};

/// A routing snapshot: the table plus derived TLS facts.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Host/prefix → service.
    pub map: ServiceMap<Arc<Service>>,
    /// Effective TLS flags per service name.
    pub tls: FastMap<String, TlsFlags>,
    /// Host whose certificate answers a ClientHello without SNI.
    pub default_tls_host: Option<String>,
}

/// One row of `list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceDescription {
    /// Hosts, comma-joined, `*` for none.
    pub host: String,
    /// Prefixes, comma-joined.
    pub path: String,
    /// TLS on.
    pub tls: bool,
    /// Writer targets, comma-joined.
    pub target: String,
    /// `running`, `paused` or `stopped`.
    pub state: String,
}

/// Everything a deploy carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeployArgs {
    /// Service name.
    pub service: String,
    /// Writer targets.
    pub target_urls: Vec<String>,
    /// Reader targets.
    pub reader_urls: Vec<String>,
    /// Waiting behaviour.
    pub deployment_options: DeploymentOptions,
    /// Service options.
    pub service_options: ServiceOptions,
    /// Target options.
    pub target_options: TargetOptions,
}

/// The router.
#[derive(Debug)]
pub struct Router {
    state_path: Option<PathBuf>,
    services: Mutex<BTreeMap<String, Arc<Service>>>,
    snapshot: RwLock<Arc<Snapshot>>,
    health_client: HealthClient,
    acme: Arc<AcmeContext>,
}

/// Validates service options as kamal-proxy does, with its messages.
pub fn validate(options: &ServiceOptions) -> Result<(), ProxyError> {
    if options.tls_enabled {
        if options.hosts.is_empty() || options.hosts.iter().any(String::is_empty) {
            return Err(ProxyError::Invalid("host must be set when using TLS".into()));
        }
        if !options.serves_root_path() {
            return Err(ProxyError::Invalid("TLS settings must be specified on the root path service".into()));
        }
    }
    let hosts_set = options.hosts.first().is_some_and(|h| !h.is_empty());
    if !options.canonical_host.is_empty() && hosts_set && !options.hosts.contains(&options.canonical_host) {
        return Err(ProxyError::Invalid(format!(
            "canonical-host '{}' must be present in the hosts list: [{}]",
            options.canonical_host,
            options.hosts.join(" ")
        )));
    }
    Ok(())
}

impl Router {
    /// A router saving to `state_path` (none: in memory only).
    pub fn new(state_path: Option<PathBuf>, health_client: HealthClient) -> Arc<Self> {
        Self::with_acme(state_path, health_client, AcmeContext::new(AcmeSettings::default()))
    }

    /// A router whose ACME services share `acme`.
    pub fn with_acme(state_path: Option<PathBuf>, health_client: HealthClient, acme: Arc<AcmeContext>) -> Arc<Self> {
        Arc::new(Self {
            state_path,
            services: Mutex::new(BTreeMap::new()),
            snapshot: RwLock::new(Arc::new(Snapshot::default())),
            health_client,
            acme,
        })
    }

    /// The shared ACME state.
    pub fn acme(&self) -> &Arc<AcmeContext> {
        &self.acme
    }

    /// The client of health checks.
    pub fn health_client(&self) -> &HealthClient {
        &self.health_client
    }

    /// The current routing snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.snapshot.read().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    fn services(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Arc<Service>>> {
        self.services.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn rebuild(&self, services: &BTreeMap<String, Arc<Service>>) {
        let configs: Vec<(Arc<Service>, Arc<ServiceConfig>)> =
            services.values().map(|s| (Arc::clone(s), s.config())).collect();
        let map = ServiceMap::build(configs.iter().map(|(s, c)| Route {
            name: s.name(),
            hosts: &c.options.hosts,
            prefixes: &c.options.path_prefixes,
            service: Arc::clone(s),
        }));
        let mut tls = FastMap::default();
        for (s, c) in &configs {
            let flags = if c.options.serves_root_path() {
                TlsFlags { enabled: c.options.tls_enabled, redirect: c.options.tls_redirect }
            } else {
                let host = c.options.hosts.first().map_or("", String::as_str);
                match map.service_for_host(host) {
                    Some(root) => {
                        let rc = root.config();
                        TlsFlags { enabled: rc.options.tls_enabled, redirect: rc.options.tls_redirect }
                    }
                    None => TlsFlags { enabled: false, redirect: true },
                }
            };
            tls.insert(s.name().to_string(), flags);
        }
        let default_tls_host = configs
            .iter()
            .find(|(_, c)| c.options.tls_enabled && c.options.hosts.first().is_some_and(|h| !h.is_empty()))
            .and_then(|(_, c)| c.options.hosts.first().cloned());
        *self.snapshot.write().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Arc::new(Snapshot { map, tls, default_tls_host });
    }

    /// Deploys: health-checks the new targets (unless forced), swaps them in, saves, then
    /// drains the old targets. A failure leaves the service as it was.
    pub async fn deploy(&self, mut args: DeployArgs) -> Result<(), ProxyError> {
        args.service_options.normalize();
        validate(&args.service_options)?;
        let opts = &args.service_options;
        log::info(
            "Deploying",
            &[
                ("service", args.service.as_str().into()),
                ("targets", args.target_urls.clone().into()),
                ("hosts", opts.hosts.clone().into()),
                ("paths", opts.path_prefixes.clone().into()),
                ("tls", opts.tls_enabled.into()),
            ],
        );
        let config = ServiceConfig::build(args.service_options.clone(), args.target_options.clone(), &self.acme)?;
        let lb = self
            .create_load_balancer(
                &args.target_urls,
                &args.reader_urls,
                &args.service_options,
                &args.target_options,
                &args.deployment_options,
            )
            .await?;

        let replaced = {
            let mut services = self.services();
            let conflict =
                self.snapshot().map.conflict(&args.service, &opts.hosts, &opts.path_prefixes).map(str::to_string);
            if let Some(other) = conflict {
                lb.dispose();
                log::error("Host settings conflict with another service", &[("service", other.into())]);
                return Err(ProxyError::HostInUse);
            }
            let service = match services.get(&args.service) {
                Some(s) => {
                    s.set_config(config);
                    Arc::clone(s)
                }
                None => Service::new(&args.service, config),
            };
            let replaced = service.install(Arc::clone(&lb), Slot::Active);
            services.insert(args.service.clone(), service);
            self.rebuild(&services);
            self.save_locked(&services);
            replaced
        };
        if let Some(old) = replaced {
            old.dispose();
            old.drain_all(args.deployment_options.drain_timeout).await;
        }
        log::info(
            "Deployed",
            &[
                ("service", args.service.as_str().into()),
                ("targets", args.target_urls.clone().into()),
                ("hosts", opts.hosts.clone().into()),
                ("paths", opts.path_prefixes.clone().into()),
                ("tls", opts.tls_enabled.into()),
            ],
        );
        Ok(())
    }

    async fn create_load_balancer(
        &self,
        writers: &[String],
        readers: &[String],
        options: &ServiceOptions,
        target_options: &TargetOptions,
        deployment: &DeploymentOptions,
    ) -> Result<Arc<LoadBalancer>, ProxyError> {
        let lb = LoadBalancer::new(
            writers,
            readers,
            target_options,
            options.writer_affinity_timeout,
            options.read_targets_accept_websockets,
        )?;
        lb.begin_health_checks(&self.health_client);
        if !deployment.force
            && let Err(e) = lb.wait_until_healthy(deployment.deploy_timeout).await
        {
            lb.dispose();
            return Err(e);
        }
        Ok(lb)
    }

    /// Deploys rollout targets with the service's options.
    pub async fn rollout_deploy(
        &self,
        name: &str,
        writers: &[String],
        readers: &[String],
        deployment: &DeploymentOptions,
    ) -> Result<(), ProxyError> {
        let service = self.service(name)?;
        let config = service.config();
        let lb =
            self.create_load_balancer(writers, readers, &config.options, &config.target_options, deployment).await?;
        let replaced = {
            let services = self.services();
            let replaced = service.install(lb, Slot::Rollout);
            self.save_locked(&services);
            replaced
        };
        if let Some(old) = replaced {
            old.dispose();
            old.drain_all(deployment.drain_timeout).await;
        }
        log::info("Deployed for rollout", &[("service", name.into()), ("targets", writers.to_vec().into())]);
        Ok(())
    }

    /// Sets the rollout split.
    pub fn rollout_set(&self, name: &str, percentage: i64, allowlist: Vec<String>) -> Result<(), ProxyError> {
        let service = self.service(name)?;
        let result = service.set_rollout_split(Some(RolloutController::new(percentage, allowlist)), true);
        self.save();
        result
    }

    /// Stops sending traffic to the rollout.
    pub fn rollout_stop(&self, name: &str) -> Result<(), ProxyError> {
        let service = self.service(name)?;
        let result = service.set_rollout_split(None, false);
        self.save();
        result
    }

    fn service(&self, name: &str) -> Result<Arc<Service>, ProxyError> {
        self.services().get(name).cloned().ok_or(ProxyError::ServiceNotFound)
    }

    /// Removes a service.
    pub fn remove(&self, name: &str) -> Result<(), ProxyError> {
        let mut services = self.services();
        let service = services.remove(name).ok_or(ProxyError::ServiceNotFound)?;
        service.dispose();
        self.rebuild(&services);
        self.save_locked(&services);
        Ok(())
    }

    /// Pauses a service.
    pub async fn pause(&self, name: &str, drain_timeout: Duration, max_pause: Duration) -> Result<(), ProxyError> {
        let service = self.service(name)?;
        service.pause(drain_timeout, max_pause).await;
        self.save();
        Ok(())
    }

    /// Stops a service.
    pub async fn stop(&self, name: &str, drain_timeout: Duration, message: &str) -> Result<(), ProxyError> {
        let service = self.service(name)?;
        service.stop(drain_timeout, message).await;
        self.save();
        Ok(())
    }

    /// Resumes a service.
    pub fn resume(&self, name: &str) -> Result<(), ProxyError> {
        self.service(name)?.resume();
        self.save();
        Ok(())
    }

    /// Describes every service with active targets.
    pub fn list(&self) -> BTreeMap<String, ServiceDescription> {
        self.services()
            .iter()
            .filter_map(|(name, s)| {
                let active = s.active()?;
                let c = s.config();
                let host = c.options.hosts.join(",");
                Some((
                    name.clone(),
                    ServiceDescription {
                        host: if host.is_empty() { "*".into() } else { host },
                        path: c.options.path_prefixes.join(","),
                        tls: c.options.tls_enabled,
                        target: active.writer_names().join(","),
                        state: s.pause_controller().state().as_str().into(),
                    },
                ))
            })
            .collect()
    }

    fn states(services: &BTreeMap<String, Arc<Service>>) -> Vec<ServiceState> {
        services
            .values()
            .map(|s| {
                let c = s.config();
                let active = s.active();
                let rollout = s.rollout();
                ServiceState {
                    name: s.name().to_string(),
                    options: c.options.clone(),
                    target_options: c.target_options.clone(),
                    active_targets: Some(active.as_ref().map(|l| l.writer_names()).unwrap_or_default()),
                    active_readers: Some(active.as_ref().map(|l| l.reader_names()).unwrap_or_default()),
                    rollout_targets: rollout.as_ref().map(|l| l.writer_names()),
                    rollout_readers: rollout.as_ref().map(|l| l.reader_names()),
                    pause_controller: Some(s.pause_controller().snapshot()),
                    rollout_controller: s.rollout_controller(),
                    ..ServiceState::default()
                }
            })
            .collect()
    }

    fn save(&self) {
        let services = self.services();
        self.save_locked(&services);
    }

    fn save_locked(&self, services: &BTreeMap<String, Arc<Service>>) {
        let Some(path) = &self.state_path else { return };
        match state::save(path, &Self::states(services)) {
            Ok(()) => log::debug("Saved state", &[("path", path.display().to_string().into())]),
            Err(e) => log::error("Unable to save state", &[("error", e.to_string().into())]),
        }
    }

    /// Restores the saved state: targets count as healthy at once; checks keep running.
    pub fn restore(&self) {
        let Some(path) = &self.state_path else { return };
        let saved = match state::load(path) {
            Ok(s) => s,
            Err(e) => {
                log::error("Failed to restore saved state", &[("error", e.to_string().into())]);
                return;
            }
        };
        let mut services = self.services();
        for s in saved {
            match self.restore_one(s) {
                Ok(service) => {
                    services.insert(service.name().to_string(), service);
                }
                Err((name, e)) => log::error(
                    "Failed to restore service",
                    &[("service", name.into()), ("error", e.to_string().into())],
                ),
            }
        }
        self.rebuild(&services);
        log::info("Restored saved state", &[("path", path.display().to_string().into())]);
    }

    fn restore_one(&self, s: ServiceState) -> Result<Arc<Service>, (String, ProxyError)> {
        let name = s.name.clone();
        let err = |e| (name.clone(), e);
        let config = ServiceConfig::build(s.options.clone(), s.target_options.clone(), &self.acme).map_err(err)?;
        let service = Service::new(&s.name, config);
        let make =
            |w: &Option<Vec<String>>, r: &Option<Vec<String>>| -> Result<Option<Arc<LoadBalancer>>, ProxyError> {
                let w = w.clone().unwrap_or_default();
                let r = r.clone().unwrap_or_default();
                if w.is_empty() && r.is_empty() {
                    return Ok(None);
                }
                let lb = LoadBalancer::new(
                    &w,
                    &r,
                    &s.target_options,
                    s.options.writer_affinity_timeout,
                    s.options.read_targets_accept_websockets,
                )?;
                lb.mark_all_healthy();
                lb.begin_health_checks(&self.health_client);
                Ok(Some(lb))
            };
        if let Some(lb) = make(&s.active_targets, &s.active_readers).map_err(err)? {
            service.install(lb, Slot::Active);
        }
        if let Some(lb) = make(&s.rollout_targets, &s.rollout_readers).map_err(err)? {
            service.install(lb, Slot::Rollout);
        }
        if let Some(p) = &s.pause_controller {
            let restored = PauseController::from_snapshot(p);
            match restored.state() {
                crate::routing::pause::PauseState::Paused => service.pause_controller().pause(p.fail_after),
                crate::routing::pause::PauseState::Stopped => service.pause_controller().stop(&p.stop_message),
                crate::routing::pause::PauseState::Running => {}
            }
        }
        let _ = service.set_rollout_split(s.rollout_controller.clone(), false);
        Ok(service)
    }

    /// Shuts down every health check.
    pub fn dispose_all(&self) {
        for s in self.services().values() {
            s.dispose();
        }
    }
}

impl Router {
    fn tls_config_for(&self, server_name: &str) -> Option<Arc<ServiceConfig>> {
        let service = self.snapshot().map.service_for_host(server_name).cloned()?;
        let config = service.config();
        config.options.tls_enabled.then_some(config)
    }
}

impl CertificateLookup for Router {
    fn certificate_for(&self, server_name: Option<&str>) -> Option<Arc<CertifiedKey>> {
        let name = match server_name {
            Some(n) => n.to_string(),
            None => self.snapshot().default_tls_host.clone()?,
        };
        self.tls_config_for(&name)?.certificates.as_ref()?.certificate(&name)
    }

    fn prepare(&self, server_name: &str) -> Option<Preparation> {
        self.tls_config_for(server_name)?.certificates.as_ref()?.prepare(server_name)
    }

    fn acme_challenge_certificate(&self, server_name: &str) -> Option<Arc<CertifiedKey>> {
        self.acme.alpn_certificate(server_name)
    }
}
