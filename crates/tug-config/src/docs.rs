//! The configuration reference that `tug docs [SECTION]` prints, one YAML file per section.
//!
//! Each file under `src/docs/` is an annotated example of one part of `config/deploy.yml`. The
//! files have exactly the key structure and example value types of Kamal 2.12's own section
//! examples, because Kamal derives its validation rules from those examples and Tug's validator
//! does the same with these files. Only the comments are Tug's own.
//!
//! [`SECTIONS`] lists the sections, [`section`] returns a file by its exact name, and [`lookup`]
//! resolves a `docs` command argument the way `kamal docs` does.
//!
//! ```
//! let text = tug_config::docs::lookup("Proxy").expect("proxy is a section");
//! assert!(text.starts_with('#'));
//! assert!(tug_config::docs::lookup("proxies").is_none());
//! ```

/// The section names, `configuration` (the whole file) first, then the others alphabetically.
pub const SECTIONS: &[&str] = &[
    "configuration",
    "accessory",
    "alias",
    "boot",
    "builder",
    "env",
    "logging",
    "output",
    "proxy",
    "registry",
    "role",
    "servers",
    "ssh",
    "sshkit",
];

/// Returns the documentation file of the section with exactly this name (one of [`SECTIONS`]).
#[must_use]
pub fn section(name: &str) -> Option<&'static str> {
    let text = match name {
        "configuration" => include_str!("docs/configuration.yml"),
        "accessory" => include_str!("docs/accessory.yml"),
        "alias" => include_str!("docs/alias.yml"),
        "boot" => include_str!("docs/boot.yml"),
        "builder" => include_str!("docs/builder.yml"),
        "env" => include_str!("docs/env.yml"),
        "logging" => include_str!("docs/logging.yml"),
        "output" => include_str!("docs/output.yml"),
        "proxy" => include_str!("docs/proxy.yml"),
        "registry" => include_str!("docs/registry.yml"),
        "role" => include_str!("docs/role.yml"),
        "servers" => include_str!("docs/servers.yml"),
        "ssh" => include_str!("docs/ssh.yml"),
        "sshkit" => include_str!("docs/sshkit.yml"),
        _ => return None,
    };
    Some(text)
}

/// Resolves the argument of `tug docs SECTION` to a section file, accepting what `kamal docs`
/// accepts; `None` means the CLI should print `No documentation found for <argument>`.
///
/// Kamal title-cases the argument (Active Support's `titleize`) and looks up a configuration
/// class of that name, so `proxy`, `Proxy`, `PROXY`, `sshkit` and even `proxy_id` or `proxyId`
/// find the proxy section, while `SSHKit` (titleized to `Ssh Kit`), `proxy ` (trailing space)
/// and `configuration` (not a class of its own) find nothing. The whole-file reference, which
/// `docs` prints when no section is given, is `section("configuration")`.
#[must_use]
pub fn lookup(user_input: &str) -> Option<&'static str> {
    let class = titleize(user_input);
    let name = match class.as_str() {
        "Accessory" => "accessory",
        "Alias" => "alias",
        "Boot" => "boot",
        "Builder" => "builder",
        "Env" => "env",
        "Logging" => "logging",
        "Output" => "output",
        "Proxy" => "proxy",
        "Registry" => "registry",
        "Role" => "role",
        "Servers" => "servers",
        "Ssh" => "ssh",
        "Sshkit" => "sshkit",
        _ => return None,
    };
    section(name)
}

/// Active Support's `titleize`: `humanize(underscore(word))`, then every word capitalised.
fn titleize(word: &str) -> String {
    let human: Vec<char> = humanize(&underscore(word)).chars().collect();
    let mut out = String::with_capacity(word.len());
    for (i, &c) in human.iter().enumerate() {
        let after_word_char = i > 0 && is_word_char(human[i - 1]);
        // A word char, then an apostrophe, backtick or parenthesis, does not start a new word.
        let after_quote =
            i >= 2 && matches!(human[i - 1], '\'' | '\u{2019}' | '`' | '(' | ')') && is_word_char(human[i - 2]);
        if c.is_ascii_lowercase() && !after_word_char && !after_quote {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Active Support's `underscore`: `::` → `/`, `_` at case boundaries, `-` → `_`, lowercase.
fn underscore(word: &str) -> String {
    if !word.chars().any(|c| c.is_ascii_uppercase() || c == '-') && !word.contains("::") {
        return word.to_owned();
    }
    let chars: Vec<char> = word.replace("::", "/").chars().collect();
    let mut out = String::with_capacity(chars.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 && c.is_ascii_uppercase() {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            let acronym_end = prev.is_ascii_uppercase() && next_is_lower;
            let camel_hump = prev.is_ascii_lowercase() || prev.is_ascii_digit();
            if acronym_end || camel_hump {
                out.push('_');
            }
        }
        out.push(if c == '-' { '_' } else { c });
    }
    out.to_lowercase()
}

/// Active Support's `humanize`: `_` → space, leading whitespace and a trailing `_id` dropped,
/// first letter capitalised.
fn humanize(underscored: &str) -> String {
    let spaced = underscored.replace('_', " ");
    let mut result = spaced.trim_start_matches([' ', '\t', '\n', '\u{b}', '\u{c}', '\r']).to_owned();
    if underscored.ends_with("_id") && result.ends_with(" id") {
        result.truncate(result.len() - " id".len());
    }
    let mut chars = result.chars();
    match chars.next() {
        Some(first) if is_word_char(first) => first.to_uppercase().chain(chars).collect(),
        _ => result,
    }
}

/// Ruby's `\w` in a regexp without the Unicode flag: ASCII letters, digits and `_`.
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}
