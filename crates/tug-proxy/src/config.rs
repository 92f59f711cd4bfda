//! Paths and ports, with kamal-proxy's defaults: the state file and certificate cache under
//! `$HOME/.config/kamal-proxy`, the control socket in `$XDG_RUNTIME_DIR` or the temp dir.

use std::path::PathBuf;

/// Default `--http-port`.
pub const DEFAULT_HTTP_PORT: u16 = 80;
/// Default `--https-port`.
pub const DEFAULT_HTTPS_PORT: u16 = 443;
/// Environment prefix that overrides unprefixed variables (`KAMAL_PROXY_HTTP_PORT`).
pub const ENV_PREFIX: &str = "KAMAL_PROXY_";

/// Reads `KAMAL_PROXY_<key>`, else `<key>`.
pub fn env(key: &str) -> Option<String> {
    std::env::var(format!("{ENV_PREFIX}{key}")).ok().or_else(|| std::env::var(key).ok())
}

/// The control socket: `$KAMAL_PROXY_SOCKET`, else `$XDG_RUNTIME_DIR/kamal-proxy.sock`, else
/// `<tmp>/kamal-proxy.sock`.
pub fn socket_path() -> PathBuf {
    if let Some(p) = std::env::var_os("KAMAL_PROXY_SOCKET").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let dir =
        std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()).map_or_else(std::env::temp_dir, PathBuf::from);
    dir.join("kamal-proxy.sock")
}

/// The data directory: `$HOME/.config/kamal-proxy`.
pub fn data_dir() -> PathBuf {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty()).map_or_else(std::env::temp_dir, PathBuf::from);
    home.join(".config").join("kamal-proxy")
}

/// The state file in the data directory.
pub fn state_path() -> PathBuf {
    data_dir().join("kamal-proxy.state")
}

/// The ACME certificate cache in the data directory.
pub fn certificate_path() -> PathBuf {
    data_dir().join("certs")
}
