//! Advice about a valid configuration: setups that load fine but will not work, or will lose
//! data, in ways Tug can see from the files alone. `tug config` prints these as warnings on
//! stderr, `tug doctor` as check lines, and deploy plans show the SQLite ones.
//!
//! - **Cloudflare**: the origin must serve what Cloudflare's SSL/TLS mode expects. `proxy.ssl:
//!   false` serves plain HTTP, which only Flexible accepts; Full and Full (strict) connect over
//!   HTTPS. Let's Encrypt behind the orange cloud can only pass HTTP-01. The mode is not in the
//!   files unless stated as `x-tug.cloudflare.ssl_mode`; without it Tug reminds, with it Tug
//!   checks.
//! - **SQLite**: a volume lives on one server, so a role with a SQLite volume on several hosts
//!   gives each host its own database. And a copy of the live database file (`cp`, `rsync`,
//!   `scp`, `tar` of a `*.sqlite3` in an alias or hook) can be torn: committed rows may still
//!   be in the `-wal` file, pages change while they are read.

use crate::Config;
use crate::proxy::Proxy;
use crate::role::Role;
use crate::x_tug::{SslMode, XTug};
use crate::yaml::{Node, Value};

/// How serious a piece of advice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// It may work, but probably not as intended.
    Warning,
    /// It cannot work as configured (`tug doctor` fails on it).
    Error,
}

/// One piece of advice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advice {
    /// Warning or error.
    pub level: Level,
    /// What it is about: `cloudflare` or `sqlite`.
    pub topic: &'static str,
    /// The role concerned.
    pub role: String,
    /// What is wrong (lowercase start, no trailing period).
    pub message: String,
    /// How to fix it.
    pub help: String,
}

/// Every piece of advice for `config`, Cloudflare first, in role order.
pub fn advise(config: &Config) -> Vec<Advice> {
    let x = &config.x_tug;
    let mut out: Vec<Advice> = Vec::new();
    for role in &config.roles {
        if let Some(proxy) = &role.proxy {
            for a in cloudflare(role, proxy, x) {
                if !out.iter().any(|o| o.message == a.message) {
                    out.push(a);
                }
            }
        }
    }
    for role in &config.roles {
        out.extend(sqlite(config, role, x));
    }
    out.extend(live_copies(config));
    out
}

/// Programs that copy a file byte by byte, which tears a SQLite database being written.
const COPIERS: [&str; 4] = ["cp", "rsync", "scp", "tar"];

/// Whether a shell line copies a SQLite file: a copier word and a `*.sqlite3`/`*.sqlite`
/// word (or `x-tug.db.path`) in the same command.
fn copies_sqlite(line: &str, db_path: Option<&str>) -> bool {
    line.split(['\n', ';', '&', '|']).any(|command| {
        let words: Vec<&str> = command
            .split(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '`' || c == '(' || c == ')')
            .filter(|w| !w.is_empty())
            .collect();
        let copier = words.iter().any(|w| COPIERS.contains(&w.rsplit('/').next().unwrap_or(w)));
        let sqlite = words.iter().any(|w| {
            let w = w.to_ascii_lowercase();
            let file = w.trim_end_matches('*').trim_end_matches("-wal").trim_end_matches("-shm");
            file.ends_with(".sqlite3") || file.ends_with(".sqlite") || db_path.is_some_and(|p| w.contains(p))
        });
        copier && sqlite
    })
}

/// The lines of a hook script that are not comments.
fn script_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter(|l| !l.trim_start().starts_with('#'))
}

/// Aliases and hooks that copy the live SQLite file instead of taking a backup.
fn live_copies(config: &Config) -> Vec<Advice> {
    let db = config.x_tug.db.path.as_deref();
    let mut places: Vec<String> = config
        .aliases
        .iter()
        .filter(|(_, command)| copies_sqlite(command, db))
        .map(|(name, _)| format!("the alias `{name}`"))
        .collect();
    let hooks_dir = config.root.join(config.hooks_path());
    let mut hooks: Vec<(String, String)> = std::fs::read_dir(&hooks_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_file())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let text = std::fs::read(e.path()).ok()?;
            (!name.ends_with(".sample")).then(|| (name, String::from_utf8_lossy(&text).into_owned()))
        })
        .collect();
    hooks.sort();
    for (name, text) in hooks {
        if script_lines(&text).any(|l| copies_sqlite(l, db)) {
            places.push(format!("the hook `{}/{name}`", config.hooks_path()));
        }
    }
    places
        .into_iter()
        .map(|place| Advice {
            level: Level::Warning,
            topic: "sqlite",
            role: String::new(),
            message: format!(
                "{place} copies a live SQLite file: a copy taken while the app writes can be torn, and rows committed in WAL mode may still be in the `-wal` file, so the copy may miss them or not open"
            ),
            help: "take a consistent snapshot instead: `tug db backup` (as an alias: `backup: db backup`), or `sqlite3 DB \".backup TARGET\"` inside the container. See docs/RUNBOOK.md".into(),
        })
        .collect()
}

const ORIGIN_CA: &str = "`ssl: {certificate_pem: CLOUDFLARE_ORIGIN_CERT, private_key_pem: CLOUDFLARE_ORIGIN_KEY}` (secrets holding a Cloudflare Origin CA certificate and key)";

fn cloudflare(role: &Role, proxy: &Proxy, x: &XTug) -> Vec<Advice> {
    let hosts = proxy.hosts();
    if hosts.is_empty() {
        return Vec::new();
    }
    let names = hosts.join(", ");
    let advice = |level, message: String, help: String| Advice {
        level,
        topic: "cloudflare",
        role: role.name.clone(),
        message,
        help,
    };
    let custom = proxy.custom_ssl_certificate();
    match (proxy.ssl(), x.ssl_mode()) {
        (false, Some(mode)) if mode.origin_https() => vec![advice(
            Level::Error,
            format!(
                "Cloudflare's SSL/TLS mode is {} but `proxy.ssl` is false for {names}: in {} mode Cloudflare connects to your servers over HTTPS, which the proxy does not serve without TLS, so visitors get Cloudflare's error 525 (SSL handshake failed)",
                mode.label(),
                mode.label()
            ),
            format!(
                "serve HTTPS at the origin: set {ORIGIN_CA} and keep Full (strict), which works on every server; or switch Cloudflare to Flexible (plain HTTP to your servers) and say `ssl_mode: flexible`. See docs/cloudflare.md"
            ),
        )],
        (false, None) => vec![advice(
            Level::Warning,
            format!(
                "`proxy.ssl` is false for {names}: if Cloudflare is in front, its SSL/TLS mode must be Flexible (plain HTTP to your servers); Full and Full (strict) connect over HTTPS, which the proxy does not serve this way (error 525)"
            ),
            format!(
                "prefer Full (strict) with {ORIGIN_CA}; then say which mode you use with `x-tug: {{cloudflare: {{ssl_mode: full_strict}}}}` (or `flexible`) and Tug checks it. See docs/cloudflare.md"
            ),
        )],
        (true, Some(SslMode::Flexible)) => vec![advice(
            Level::Error,
            format!(
                "Cloudflare's SSL/TLS mode is Flexible but `proxy.ssl` is on for {names}: Cloudflare sends plain HTTP, the proxy redirects it to HTTPS, and visitors get a redirect loop (ERR_TOO_MANY_REDIRECTS)"
            ),
            "set Cloudflare's mode to Full (strict) (and `ssl_mode: full_strict`), or turn `proxy.ssl` off".into(),
        )],
        (true, Some(mode)) if !custom && mode != SslMode::Off => vec![advice(
            Level::Warning,
            format!(
                "Let's Encrypt (`proxy.ssl: true`) behind Cloudflare's proxy for {names}: Cloudflare ends TLS at its edge, so the TLS-ALPN-01 challenge never reaches your server; only HTTP-01 can, and only if http://{}/.well-known/acme-challenge/ reaches the server over plain HTTP",
                hosts[0]
            ),
            format!(
                "use {ORIGIN_CA} instead: no challenge, valid for up to 15 years, and the same certificate serves every server. See docs/cloudflare.md"
            ),
        )],
        _ => Vec::new(),
    }
}

/// The container side of a volume (`name:/path[:ro]` or `/host:/path`).
fn container_path(volume: &str) -> Option<&str> {
    let mut parts = volume.split(':');
    let _source = parts.next()?;
    parts.next().filter(|p| p.starts_with('/'))
}

/// A directory where apps usually keep SQLite files (`/rails/storage`, `/data`, `/app/db`…).
fn looks_like_sqlite_dir(path: &str) -> bool {
    let p = path.trim_end_matches('/').to_ascii_lowercase();
    let last = p.rsplit('/').next().unwrap_or("");
    p.contains("sqlite") || matches!(last, "storage" | "db" | "data" | "database" | "databases")
}

fn strings(node: Option<&Node>) -> Vec<String> {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items.iter().map(Node::to_ruby_s).collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(_) => node.map(|n| vec![n.to_ruby_s()]).unwrap_or_default(),
    }
}

/// The volumes a role's containers get: the root `volumes`, and the role's `options.volume`.
pub fn role_volumes(config: &Config, role: &Role) -> Vec<String> {
    let mut v = config.volumes();
    if let Some(options) = role.setting("options") {
        v.extend(strings(options.get("volume")));
        v.extend(strings(options.get("v")));
    }
    v
}

/// The volume of `role` that holds its SQLite database, if any: the one containing
/// `x-tug.db.path`, else one mounted at a directory where apps keep SQLite files.
pub fn sqlite_volume(config: &Config, role: &Role, x: &XTug) -> Option<String> {
    let volumes = role_volumes(config, role);
    if let Some(db) = &x.db.path {
        return volumes.into_iter().find(|v| {
            container_path(v).is_some_and(|c| {
                let dir = c.trim_end_matches('/');
                db.starts_with(&format!("{dir}/"))
            })
        });
    }
    volumes.into_iter().find(|v| container_path(v).is_some_and(looks_like_sqlite_dir))
}

fn sqlite(config: &Config, role: &Role, x: &XTug) -> Option<Advice> {
    let volume = sqlite_volume(config, role, x)?;
    let n = role.tagged_hosts.len();
    if n < 2 {
        return None;
    }
    Some(Advice {
        level: Level::Warning,
        topic: "sqlite",
        role: role.name.clone(),
        message: format!(
            "SQLite on a volume is per server: the {n} `{}` hosts ({}) would each have their own database in `{volume}`, and writes on one are never seen by the others",
            role.name,
            role.hosts().join(", ")
        ),
        help: format!(
            "keep the database on one primary server: leave only it in `servers.{}` (add the other servers under a role without the volume), and send traffic for the database to it; tug-proxy can route writes to a primary and reads elsewhere (`--read-target`, `kamal-writer` cookie), but other servers need a replica to read from. See docs/DEPLOYMENT.md, \"SQLite on one primary\"",
            role.name
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_paths_and_sqlite_dirs() {
        assert_eq!(container_path("zen_miner_storage:/rails/storage"), Some("/rails/storage"));
        assert_eq!(container_path("/srv/data:/data:ro"), Some("/data"));
        assert_eq!(container_path("justaname"), None);
        assert!(looks_like_sqlite_dir("/rails/storage"));
        assert!(looks_like_sqlite_dir("/app/db/"));
        assert!(looks_like_sqlite_dir("/var/lib/sqlite"));
        assert!(!looks_like_sqlite_dir("/rails/public/assets"));
        assert!(!looks_like_sqlite_dir("/tmp"));
    }

    #[test]
    fn copies_of_sqlite_files_are_seen() {
        assert!(copies_sqlite("app exec cp /rails/storage/production.sqlite3 /tmp/x", None));
        assert!(copies_sqlite("server exec 'docker cp app:/data/app.sqlite /backup/'", None));
        assert!(copies_sqlite("set -e; rsync -a /data/db.sqlite3-wal host:/b", None));
        assert!(copies_sqlite("cp /data/app.db /b", Some("/data/app.db")));
        assert!(!copies_sqlite("db backup", None));
        assert!(!copies_sqlite("cp config/a.yml /tmp", None));
        assert!(!copies_sqlite("echo production.sqlite3; ls", None));
    }
}
