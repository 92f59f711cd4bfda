//! Where Kamal keeps things on a server, relative to the SSH user's home (Kamal's
//! `run_directory`, `app_directory`, `env_directory`, `assets_directory` and the proxy's
//! `apps-config` tree). Tug must use the same paths so Kamal can take servers back.

use tug_config::Config;

/// The run directory. Kamal documents `run_directory` but always uses `.kamal`.
pub const RUN_DIRECTORY: &str = ".kamal";

/// Where the proxy's per-app files are mounted inside the kamal-proxy container.
pub const PROXY_APPS_CONTAINER_DIRECTORY: &str = "/home/kamal-proxy/.apps-config";

/// `<service>[-<destination>]`.
pub fn service_and_destination(config: &Config) -> String {
    match &config.destination {
        Some(d) => format!("{}-{d}", config.service),
        None => config.service.clone(),
    }
}

/// `.kamal/apps`.
pub fn apps_directory() -> String {
    format!("{RUN_DIRECTORY}/apps")
}

/// `.kamal/apps/<service>[-<destination>]`.
pub fn app_directory(config: &Config) -> String {
    format!("{}/{}", apps_directory(), service_and_destination(config))
}

/// `.kamal/apps/<service>[-<destination>]/env`.
pub fn env_directory(config: &Config) -> String {
    format!("{}/env", app_directory(config))
}

/// `.kamal/apps/<service>[-<destination>]/assets`.
pub fn assets_directory(config: &Config) -> String {
    format!("{}/assets", app_directory(config))
}

/// `.kamal/proxy`.
pub fn proxy_directory() -> String {
    format!("{RUN_DIRECTORY}/proxy")
}

/// `.kamal/proxy/apps-config`, mounted into kamal-proxy.
pub fn proxy_apps_directory() -> String {
    format!("{}/apps-config", proxy_directory())
}

/// `.kamal/proxy/apps-config/<service>[-<destination>]`.
pub fn proxy_app_directory(config: &Config) -> String {
    format!("{}/{}", proxy_apps_directory(), service_and_destination(config))
}

/// The same directory as kamal-proxy sees it.
pub fn proxy_app_container_directory(config: &Config) -> String {
    format!("{PROXY_APPS_CONTAINER_DIRECTORY}/{}", service_and_destination(config))
}

/// `…/apps-config/<service_dest>/error_pages` on the host.
pub fn error_pages_directory(config: &Config) -> String {
    format!("{}/error_pages", proxy_app_directory(config))
}

/// `…/error_pages` inside kamal-proxy.
pub fn error_pages_container_directory(config: &Config) -> String {
    format!("{}/error_pages", proxy_app_container_directory(config))
}

/// `…/apps-config/<service_dest>/tls` on the host.
pub fn tls_directory(config: &Config) -> String {
    format!("{}/tls", proxy_app_directory(config))
}

/// `…/tls` inside kamal-proxy.
pub fn tls_container_directory(config: &Config) -> String {
    format!("{}/tls", proxy_app_container_directory(config))
}
