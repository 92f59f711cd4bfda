//! `x-tug:`, the root key that holds Tug's own settings (Kamal skips `x-` keys, so the same
//! file keeps working with Kamal). Its reference and schema is `x_tug.yml`: `tug docs x-tug`
//! prints it, and the validator checks the block against it like Kamal's own sections, so a
//! misspelt key is a located error with a "did you mean".

use std::sync::{Arc, OnceLock};

use crate::Config;
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

/// The parsed `x-tug:` block (absent keys are `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct XTug {
    /// `x-tug.cloudflare` is present: Cloudflare is in front of the proxy hosts.
    pub cloudflare: bool,
    /// `x-tug.cloudflare.ssl_mode`.
    pub ssl_mode: Option<SslMode>,
    /// `x-tug.db.path`.
    pub db_path: Option<String>,
}

impl XTug {
    /// Reads the block from a validated configuration.
    pub fn from_config(config: &Config) -> XTug {
        XTug::from_raw(&config.raw)
    }

    /// Reads the block from a configuration tree.
    pub fn from_raw(raw: &Node) -> XTug {
        let Some(block) = raw.get(KEY).filter(|b| b.as_map().is_some()) else { return XTug::default() };
        let cloudflare = block.get("cloudflare").filter(|c| !c.is_null());
        let text = |n: Option<&Node>| n.filter(|n| n.is_stringish() && !n.is_null()).map(Node::to_ruby_s);
        XTug {
            cloudflare: cloudflare.is_some(),
            ssl_mode: text(cloudflare.and_then(|c| c.get("ssl_mode"))).and_then(|m| SslMode::parse(&m)),
            db_path: text(block.get("db").and_then(|d| d.get("path"))).filter(|p| !p.trim().is_empty()),
        }
    }
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

/// Checks `x-tug:` against its schema: unknown keys (with "did you mean"), types, and the
/// value of `cloudflare.ssl_mode`.
pub fn check(c: &mut Checker, raw: &Node) {
    let Some(block) = raw.get(KEY).filter(|b| !b.is_null()) else { return };
    let Some(example) = example() else { return };
    let before = c.errors.len();
    c.against_example(KEY, block, example, false);
    if c.errors.len() > before {
        return;
    }
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
        let x = XTug::from_raw(&tree("x-tug:\n  cloudflare:\n    ssl_mode: full\n  db:\n    path: /data/app.db\n"));
        assert_eq!(x, XTug { cloudflare: true, ssl_mode: Some(SslMode::Full), db_path: Some("/data/app.db".into()) });
        assert_eq!(XTug::from_raw(&tree("service: a\n")), XTug::default());
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
