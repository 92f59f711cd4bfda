//! The app image's names: `repository`, `repository:version` and the `latest` tag (which
//! carries the destination, `latest-staging`, so destinations never share it).

use tug_config::Config;

/// `latest` or `latest-<destination>`.
pub fn latest_tag(config: &Config) -> String {
    match &config.destination {
        Some(d) => format!("latest-{d}"),
        None => "latest".to_string(),
    }
}

/// `[registry/]image:version`.
pub fn absolute_image(config: &Config, version: &str) -> String {
    format!("{}:{version}", config.repository())
}

/// `[registry/]image:latest[-destination]`.
pub fn latest_image(config: &Config) -> String {
    format!("{}:{}", config.repository(), latest_tag(config))
}
