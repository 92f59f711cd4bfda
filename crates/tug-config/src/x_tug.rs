//! `x-tug:`, the root key that holds Tug's own settings (Kamal skips `x-` keys, so the same
//! file keeps working with Kamal). Its reference and schema is `x_tug.yml`: `tug docs x-tug`
//! prints it, and the validator checks the block against it like Kamal's own sections, so a
//! misspelt key is a located error with a "did you mean".

use std::sync::{Arc, OnceLock};

use crate::source::SourceFile;
use crate::suggest::did_you_mean;
use crate::validate::Checker;
use crate::yaml::{self, Node, Value};

/// The root key.
pub const KEY: &str = "x-tug";

/// The reference page of `x-tug:` (`tug docs x-tug`), which is also its schema.
pub const DOC: &str = include_str!("x_tug.yml");

/// The values `x-tug.cloudflare.ssl_mode` accepts.
pub const SSL_MODES: &[&str] = &["off", "flexible", "full", "full_strict"];

/// Cloudflare's SSL/TLS encryption mode, as the user says it is set in the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// No HTTPS at all.
    Off,
    /// HTTPS to visitors, plain HTTP to the origin.
    Flexible,
    /// HTTPS to the origin, any certificate.
    Full,
    /// HTTPS to the origin with a valid (public or Origin CA) certificate for the host.
    FullStrict,
}

impl SslMode {
    /// Reads `off`, `flexible`, `full`, `full_strict` (any case; `Full (strict)` too).
    pub fn parse(text: &str) -> Option<SslMode> {
        let t: String =
            text.trim().to_ascii_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
        let t: Vec<&str> = t.split('_').filter(|p| !p.is_empty()).collect();
        match t.as_slice() {
            ["off"] => Some(SslMode::Off),
            ["flexible"] => Some(SslMode::Flexible),
            ["full"] => Some(SslMode::Full),
            ["full", "strict"] | ["strict"] => Some(SslMode::FullStrict),
            _ => None,
        }
    }

    /// The name shown in Cloudflare's dashboard.
    pub fn label(self) -> &'static str {
        match self {
            SslMode::Off => "Off",
            SslMode::Flexible => "Flexible",
            SslMode::Full => "Full",
            SslMode::FullStrict => "Full (strict)",
        }
    }

    /// Whether Cloudflare connects to the origin over HTTPS in this mode.
    pub fn origin_https(self) -> bool {
        matches!(self, SslMode::Full | SslMode::FullStrict)
    }
}

/// Backups kept per database unless `x-tug.db.keep` says otherwise.
pub const DEFAULT_KEEP: i64 = 10;

/// The `x-tug:` block, typed, with Tug's defaults; read once when the configuration loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XTug {
    /// `rollback_on_failure`, default true: a failed boot switches the hosts that already
    /// switched back to the version they served before.
    pub rollback_on_failure: bool,
    /// `cloudflare`: present when Cloudflare is in front of the proxy hosts.
    pub cloudflare: Option<Cloudflare>,
    /// `db`: the app's SQLite database.
    pub db: DbSettings,
}

/// `x-tug.cloudflare`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cloudflare {
    /// `ssl_mode`.
    pub ssl_mode: Option<SslMode>,
}

/// `x-tug.db`, with Tug's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbSettings {
    /// Whether `x-tug.db` is there at all.
    pub configured: bool,
    /// `path`: the database's path inside the app's container (absolute).
    pub path: Option<String>,
    /// `backups`: the backup directory inside the app's container.
    pub backups: Option<String>,
    /// `keep`: retention, at least 1 (default [`DEFAULT_KEEP`]).
    pub keep: i64,
    /// `image`: the image holding `tug-db` (`None`: Tug's own of the same version).
    pub image: Option<String>,
    /// `host`: the host holding the database (`None`: the primary role's first host).
    pub host: Option<String>,
    /// `before_deploy`, default true: deploys take a backup first.
    pub before_deploy: bool,
    /// `copy_to`: servers that get a copy of every backup.
    pub copy_to: Vec<String>,
    /// `copy_dir`: where the copies go on them (default `/var/backups/<service>`).
    pub copy_dir: String,
}

impl XTug {
    /// Reads the block from the configuration tree (checked by [`check`]; what does not fit
    /// is left at its default).
    pub fn read(raw: &Node, service: &str) -> XTug {
        let block = raw.get(KEY).filter(|b| b.as_map().is_some());
        let get = |key: &str| block.and_then(|b| b.get(key)).filter(|n| !n.is_null());
        let cloudflare = get("cloudflare")
            .map(|c| Cloudflare { ssl_mode: text(c.get("ssl_mode")).and_then(|m| SslMode::parse(&m)) });
        XTug {
            rollback_on_failure: get("rollback_on_failure").and_then(Node::as_bool).unwrap_or(true),
            cloudflare,
            db: DbSettings::read(get("db").filter(|d| d.as_map().is_some()), service),
        }
    }

    /// `cloudflare.ssl_mode`, when stated.
    pub fn ssl_mode(&self) -> Option<SslMode> {
        self.cloudflare.as_ref().and_then(|c| c.ssl_mode)
    }

    /// Whether `x-tug.cloudflare` says Cloudflare is in front.
    pub fn behind_cloudflare(&self) -> bool {
        self.cloudflare.is_some()
    }
}

impl DbSettings {
    fn read(db: Option<&Node>, service: &str) -> DbSettings {
        let get = |key: &str| db.and_then(|d| d.get(key)).filter(|n| !n.is_null());
        DbSettings {
            configured: db.is_some(),
            path: text(get("path")),
            backups: text(get("backups")),
            keep: get("keep").and_then(Node::as_int).unwrap_or(DEFAULT_KEEP),
            image: text(get("image")),
            host: text(get("host")),
            before_deploy: get("before_deploy").and_then(Node::as_bool).unwrap_or(true),
            copy_to: get("copy_to")
                .and_then(Node::as_seq)
                .map(|items| items.iter().map(Node::to_ruby_s).collect())
                .unwrap_or_default(),
            copy_dir: text(get("copy_dir")).unwrap_or_else(|| format!("/var/backups/{service}")),
        }
    }
}

fn text(node: Option<&Node>) -> Option<String> {
    node.filter(|n| n.is_stringish() && !n.is_null()).map(Node::to_ruby_s)
}

/// The schema tree of `x_tug.yml`, parsed once.
fn example() -> Option<&'static Node> {
    static EXAMPLE: OnceLock<Option<Node>> = OnceLock::new();
    EXAMPLE
        .get_or_init(|| {
            let file = Arc::new(SourceFile::plain("x_tug.yml", DOC));
            yaml::parse(&file).ok()
        })
        .as_ref()
        .and_then(|n| n.get(KEY))
}

/// Checks `x-tug:` against its schema: unknown keys (with "did you mean"), types, the value
/// of `cloudflare.ssl_mode`, and the values of `db` the schema cannot say (absolute paths,
/// retention of at least one).
pub fn check(c: &mut Checker, raw: &Node) {
    let Some(block) = raw.get(KEY).filter(|b| !b.is_null()) else { return };
    let Some(example) = example() else { return };
    let before = c.errors.len();
    c.against_example(KEY, block, example, false);
    if c.errors.len() > before {
        return;
    }
    check_ssl_mode(c, block);
    if let Some(db) = block.get("db").filter(|d| !d.is_null()) {
        check_db(c, db);
    }
}

fn check_ssl_mode(c: &mut Checker, block: &Node) {
    let Some(mode) = block.get("cloudflare").and_then(|cf| cf.get("ssl_mode")).filter(|m| !m.is_null()) else { return };
    let text = mode.to_ruby_s();
    if matches!(mode.value, Value::Str(_) | Value::Symbol(_)) && SslMode::parse(&text).is_some() {
        return;
    }
    let ctx = "x-tug/cloudflare/ssl_mode";
    let suggestion = did_you_mean(&text, SSL_MODES.iter().copied());
    let e = c.error(
        ctx,
        Some(mode),
        &format!("unknown Cloudflare SSL mode: {text}"),
        format!("`{text}` is not a Cloudflare SSL/TLS mode"),
    );
    e.label = Some("not a Cloudflare SSL/TLS mode".into());
    e.help = Some(match suggestion {
        Some(s) => format!("did you mean `{s}`? use one of: {}", SSL_MODES.join(", ")),
        None => format!("use one of: {} (as set under SSL/TLS > Overview in Cloudflare)", SSL_MODES.join(", ")),
    });
}

fn check_db(c: &mut Checker, db: &Node) {
    let absolute = [
        ("path", "an absolute path inside the app's container", "e.g. /rails/storage/production.sqlite3"),
        ("copy_dir", "an absolute path on the servers that get copies", "e.g. /var/backups/my-app"),
    ];
    for (key, what, example) in absolute {
        let Some(node) = db.get(key).filter(|n| !n.is_null()) else { continue };
        let value = node.to_ruby_s();
        if !value.starts_with('/') {
            let ctx = format!("x-tug/db/{key}");
            let e = c.error(&ctx, Some(node), &format!("must be {what}"), format!("`{ctx}` ({value}) must be {what}"));
            e.label = Some("not an absolute path".into());
            e.help = Some(format!("write it from the root, {example}"));
        }
    }
    if let Some(keep) = db.get("keep").filter(|k| k.as_int().is_some_and(|k| k < 1)) {
        let ctx = "x-tug/db/keep";
        let value = keep.to_ruby_s();
        let e = c.error(
            ctx,
            Some(keep),
            "must be a whole number of at least 1",
            format!("`{ctx}` ({value}) must be a whole number of at least 1"),
        );
        e.label = Some("keeps no backup".into());
        e.help = Some(format!("keep at least one backup (the default is {DEFAULT_KEEP})"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(text: &str) -> Node {
        yaml::parse(&Arc::new(SourceFile::plain("deploy.yml", text))).unwrap()
    }

    fn errors(text: &str) -> Vec<crate::ConfigError> {
        let mut c = Checker::new();
        check(&mut c, &tree(text));
        c.errors
    }

    #[test]
    fn modes() {
        assert_eq!(SslMode::parse("Full (strict)"), Some(SslMode::FullStrict));
        assert_eq!(SslMode::parse("full_strict"), Some(SslMode::FullStrict));
        assert_eq!(SslMode::parse("FULL"), Some(SslMode::Full));
        assert_eq!(SslMode::parse("flexible"), Some(SslMode::Flexible));
        assert_eq!(SslMode::parse("fullish"), None);
    }

    #[test]
    fn reads_the_block() {
        let x = XTug::read(&tree("x-tug:\n  cloudflare:\n    ssl_mode: full\n  db:\n    path: /data/app.db\n"), "a");
        assert_eq!(x.ssl_mode(), Some(SslMode::Full));
        assert!(x.behind_cloudflare() && x.rollback_on_failure);
        assert_eq!(x.db.path.as_deref(), Some("/data/app.db"));
        assert!(x.db.configured && x.db.before_deploy);
        assert_eq!((x.db.keep, x.db.copy_dir.as_str()), (DEFAULT_KEEP, "/var/backups/a"));
        let none = XTug::read(&tree("service: a\n"), "a");
        assert!(none.cloudflare.is_none() && !none.db.configured && none.db.path.is_none());
        let off = XTug::read(&tree("x-tug:\n  rollback_on_failure: false\n  db:\n    keep: 3\n"), "a");
        assert!(!off.rollback_on_failure);
        assert_eq!(off.db.keep, 3);
    }

    #[test]
    fn valid_blocks_pass() {
        assert!(
            errors(
                "x-tug:\n  cloudflare:\n    ssl_mode: full_strict\n  db:\n    path: /rails/storage/production.sqlite3\n"
            )
            .is_empty()
        );
        assert!(errors("service: a\nx-other:\n  anything: 1\n").is_empty());
        assert!(errors("x-tug:\n").is_empty());
    }

    #[test]
    fn unknown_keys_are_located_with_did_you_mean() {
        let e = errors("x-tug:\n  cloudflair:\n    ssl_mode: full\n");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].message, "unknown key `cloudflair` in `x-tug`");
        assert_eq!(e[0].position().as_deref(), Some("deploy.yml:2:3"));
        assert_eq!(e[0].help.as_deref(), Some("did you mean `cloudflare`? `tug docs x-tug` lists every setting"));

        let e = errors("x-tug:\n  cloudflare:\n    ssl_mod: full\n");
        assert_eq!(e[0].message, "unknown key `ssl_mod` in `x-tug/cloudflare`");
        assert_eq!(e[0].position().as_deref(), Some("deploy.yml:3:5"));
        assert!(e[0].help.as_deref().unwrap().starts_with("did you mean `ssl_mode`?"));
    }

    #[test]
    fn bad_ssl_mode_and_types() {
        let e = errors("x-tug:\n  cloudflare:\n    ssl_mode: ful_strict\n");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].position().as_deref(), Some("deploy.yml:3:15"));
        assert!(e[0].help.as_deref().unwrap().starts_with("did you mean `full_strict`?"), "{:?}", e[0].help);

        let e = errors("x-tug:\n  db: /rails/storage\n");
        assert_eq!(e[0].message, "`x-tug/db` should be a hash");
    }
}
