//! Names that become part of container names, image references, file names and commands
//! (roles, accessories, the destination, hosts, the version): checked against what Docker and
//! SSH accept, so that none needs quoting, none can read as an option, and none can end a
//! shell word. Tug refuses the rest instead of escaping it.

use std::ops::ControlFlow::{self, Break, Continue};

use super::Config;
use crate::loader::LoadOptions;
use crate::validate::Checker;
use crate::version;
use crate::yaml::Node;

/// The longest role, accessory or destination name.
pub const MAX_NAME_LEN: usize = 64;

/// What a role, accessory or destination name may hold, for messages.
pub const NAME_RULE: &str =
    "letters, digits, `_`, `.` and `-`, starting with a letter or digit, at most 64 characters, no `..`";

/// What a host may hold, for messages.
pub const HOST_RULE: &str =
    "a host name or IP address (letters, digits, `.`, `-`, `_`, `:`, `[`, `]`, `%`, `@`), not starting with `-`";

/// Why `name` cannot be a role, accessory or destination name (the characters of a Docker
/// container name: `[A-Za-z0-9][A-Za-z0-9_.-]*`, no `..`). `None` when it can.
pub fn name_problem(name: &str) -> Option<String> {
    let Some(first) = name.chars().next() else {
        return Some("it is empty".into());
    };
    if name.len() > MAX_NAME_LEN {
        return Some(format!("it is {} characters long; at most {MAX_NAME_LEN}", name.len()));
    }
    if !first.is_ascii_alphanumeric() {
        return Some(format!("it starts with `{}`", first.escape_default()));
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))) {
        return Some(format!("`{}` is not allowed", bad.escape_default()));
    }
    name.contains("..").then(|| "`..` is not allowed".into())
}

/// Why `host` cannot be a server: it must be a host name or an IP address (IPv6 in brackets
/// or not, with a zone), optionally `user@`; nothing an `ssh` could read as an option or a
/// shell could split. `None` when it can.
pub fn host_problem(host: &str) -> Option<String> {
    let Some(first) = host.chars().next() else {
        return Some("it is empty".into());
    };
    if host.len() > 255 {
        return Some(format!("it is {} characters long; a host name has at most 253", host.len()));
    }
    if !(first.is_ascii_alphanumeric() || matches!(first, '[' | '_')) {
        return Some(format!("it starts with `{}`", first.escape_default()));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']' | '%' | '@');
    host.chars().find(|c| !allowed(*c)).map(|bad| format!("`{}` is not allowed", bad.escape_default()))
}

/// Why `reference` cannot be an image or registry: Docker references hold letters, digits and
/// `._/:@-` only (`registry:5000/user/app@sha256:…`). `None` when it can.
pub fn reference_problem(reference: &str) -> Option<String> {
    let first = reference.chars().next()?;
    if matches!(first, '-' | '.' | '/') {
        return Some(format!("it starts with `{first}`"));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | ':' | '@' | '-');
    reference.chars().find(|c| !allowed(*c)).map(|bad| format!("`{}` is not allowed", bad.escape_default()))
}

/// For `-d DESTINATION`: the name, or what is wrong and what is allowed.
pub fn parse_destination(name: &str) -> Result<String, String> {
    match name_problem(name) {
        None => Ok(name.to_string()),
        Some(why) => Err(format!("{why}; a destination is {NAME_RULE}")),
    }
}

/// Roles, accessories and hosts are names Docker and SSH accept, and so are the destination and
/// a version given by `--version` or `$VERSION` (a git commit always is). Every problem is
/// reported, each where it was written.
pub(super) fn ensure_safe_names(c: &mut Checker, config: &Config, opts: &LoadOptions) -> ControlFlow<()> {
    let before = c.errors.len();
    let raw = &config.raw;
    if let Some(d) = opts.destination.as_deref()
        && let Err(why) = parse_destination(d)
    {
        c.error("", None, &format!("invalid destination {d:?}"), format!("invalid destination {d:?}: {why}")).help =
            Some("pass `-d NAME` with the part of `config/deploy.NAME.yml` after `deploy.`".into());
    }
    if let Some(servers) = raw.get("servers").filter(|s| !s.is_null()) {
        match servers.as_map() {
            Some(roles) => {
                for (name, role) in roles {
                    check_name(c, "servers", "role", name);
                    let hosts = role.as_seq().or_else(|| role.get("hosts").and_then(Node::as_seq)).unwrap_or(&[]);
                    check_hosts(c, &format!("servers/{}", name.to_ruby_s()), hosts);
                }
            }
            None => check_hosts(c, "servers", servers.as_seq().unwrap_or(&[])),
        }
    }
    for (name, accessory) in raw.get("accessories").and_then(Node::as_map).unwrap_or(&[]) {
        check_name(c, "accessories", "accessory", name);
        let ctx = format!("accessories/{}", name.to_ruby_s());
        // `service:` replaces `<service>-<name>` as the container's name.
        if let Some(service) = accessory.get("service").filter(|s| s.is_present()) {
            check_name(c, &ctx, "accessory service", service);
        }
        if let Some(h) = accessory.get("host").filter(|h| h.is_present()) {
            check_host(c, &ctx, h, &h.to_ruby_s());
        }
        check_hosts(c, &ctx, accessory.get("hosts").and_then(Node::as_seq).unwrap_or(&[]));
    }
    for (key, node) in
        [("image", raw.get("image")), ("registry/server", raw.get("registry").and_then(|r| r.get("server")))]
    {
        let Some(node) = node.filter(|n| n.is_present()) else { continue };
        let value = node.to_ruby_s();
        if let Some(why) = reference_problem(&value) {
            c.error(
                key,
                Some(node),
                &format!("invalid {key} {value:?}"),
                format!("invalid `{key}` {value:?}: {why}"),
            )
            .help = Some(
                "a Docker reference holds letters, digits and `._/:@-`, e.g. `registry.example.com:5000/me/app`".into(),
            );
        }
    }
    let declared = opts.version.as_deref().filter(|v| !v.trim().is_empty());
    let from_env = std::env::var("VERSION").ok();
    let (given, from) = match (declared, from_env.as_deref()) {
        (Some(v), _) => (Some(v), "`--version`"),
        (None, Some(v)) => (Some(v), "`VERSION` in the environment"),
        (None, None) => (None, ""),
    };
    if let Some(v) = given
        && let Err(e) = version::checked(v, from)
    {
        c.errors.push(e);
    }
    if c.errors.len() > before { Break(()) } else { Continue(()) }
}

fn check_name(c: &mut Checker, ctx: &str, what: &str, key: &Node) {
    let name = key.to_ruby_s();
    if let Some(why) = name_problem(&name) {
        c.error(
            ctx,
            Some(key),
            &format!("invalid {what} name {name:?}"),
            format!("invalid {what} name {name:?}: {why}"),
        )
        .help = Some(format!("a {what} name becomes part of container names: use {NAME_RULE}"));
    }
}

/// Each entry of a host list: `host` or `{host: tags}`.
fn check_hosts(c: &mut Checker, ctx: &str, hosts: &[Node]) {
    for entry in hosts {
        match entry.as_map() {
            Some(tagged) => {
                for (host, _) in tagged {
                    check_host(c, ctx, host, &host.to_ruby_s());
                }
            }
            None if entry.as_seq().is_none() => check_host(c, ctx, entry, &entry.to_ruby_s()),
            None => {}
        }
    }
}

fn check_host(c: &mut Checker, ctx: &str, node: &Node, host: &str) {
    if let Some(why) = host_problem(host) {
        c.error(ctx, Some(node), &format!("invalid host {host:?}"), format!("invalid host {host:?}: {why}")).help =
            Some(format!("a host is {HOST_RULE}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_docker_accepts_pass_and_the_rest_is_refused() {
        for ok in ["web", "workers", "job_2", "db.primary", "Staging-EU", "7"] {
            assert_eq!(name_problem(ok), None, "{ok}");
        }
        for bad in ["-x", ".hidden", "a b", "a;b", "a$b", "a`b", "a/b", "a..b", "a\nb", "é", &"a".repeat(65)] {
            assert!(name_problem(bad).is_some(), "{bad:?}");
        }
        assert!(parse_destination("").is_err());
        assert!(parse_destination("a/b").expect_err("slash").contains("a destination is letters"));
    }

    #[test]
    fn hosts_are_host_names_or_addresses() {
        for ok in ["web1", "10.0.0.1", "app.example.com", "[::1]", "fe80::1%eth0", "deploy@10.0.0.1", "h_1"] {
            assert_eq!(host_problem(ok), None, "{ok}");
        }
        assert_eq!(reference_problem("registry.example.com:5000/me/app@sha256:ab"), None);
        for bad in ["me/app;id", "-x", "me/$(id)", "me app", "me/`id`"] {
            assert!(reference_problem(bad).is_some(), "{bad:?}");
        }
        for bad in ["-oProxyCommand=touch /tmp/x", "a b", "a;b", "$(id)", "`id`", "a'b", "", "a\nb", "a/b"] {
            assert!(host_problem(bad).is_some(), "{bad:?}");
        }
    }

    /// Characters a POSIX shell treats specially anywhere in a word.
    fn needs_quoting(s: &str) -> bool {
        s.chars().any(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | ':' | '@' | '%' | '[' | ']')))
    }

    proptest! {
        /// Anything accepted stands unquoted in a shell word: the shell's own quoting of it is
        /// the same text, and it cannot start an option.
        #[test]
        fn accepted_names_need_no_quoting(s in "\\PC{0,80}") {
            if name_problem(&s).is_none() {
                prop_assert!(!needs_quoting(&s) && !s.starts_with('-') && !s.contains(".."));
                prop_assert_eq!(shell_words::quote(&s).into_owned(), s.clone());
            }
            if host_problem(&s).is_none() {
                prop_assert!(!needs_quoting(&s) && !s.starts_with('-'));
                prop_assert_eq!(shell_words::split(&s).expect("one word"), vec![s.clone()]);
            }
        }

        #[test]
        fn accepted_name_shaped_strings_round_trip(s in "[A-Za-z0-9][A-Za-z0-9_.-]{0,63}") {
            if name_problem(&s).is_none() {
                prop_assert_eq!(shell_words::split(&s).expect("one word"), vec![s.clone()]);
            } else {
                prop_assert!(s.contains(".."));
            }
        }
    }
}
