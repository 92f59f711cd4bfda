//! Kamal's shell escaping of values: `escape_shell_value` in Kamal's utils, which wraps a value
//! in double quotes the way Ruby's `String#dump` does, then escapes backticks and every `$`
//! that does not start a `${…}` expansion. Non-ASCII runs are passed through unquoted between
//! quoted ASCII runs, as Kamal does.

/// Escapes a value for a remote shell exactly as Kamal does (`"10m"` for `10m`).
pub fn escape_shell_value(value: &str) -> String {
    let mut out = String::new();
    let mut ascii = String::new();
    let mut other = String::new();
    for ch in value.chars() {
        if ch.is_ascii() {
            if !other.is_empty() {
                out.push_str(&other);
                other.clear();
            }
            ascii.push(ch);
        } else {
            if !ascii.is_empty() {
                out.push_str(&escape_ascii(&ascii));
                ascii.clear();
            }
            other.push(ch);
        }
    }
    if !ascii.is_empty() {
        out.push_str(&escape_ascii(&ascii));
    }
    out.push_str(&other);
    if value.is_empty() {
        out.push_str("\"\"");
    }
    out
}

fn escape_ascii(s: &str) -> String {
    let dumped = ruby_dump(s);
    let bytes: Vec<char> = dumped.chars().collect();
    let mut out = String::with_capacity(dumped.len() + 4);
    for (i, &c) in bytes.iter().enumerate() {
        match c {
            '`' => out.push_str("\\`"),
            '$' if !starts_expansion(&bytes[i + 1..]) => out.push_str("\\$"),
            _ => out.push(c),
        }
    }
    out
}

/// `${…}` with a closing brace and no `}` inside: left for the shell to expand.
fn starts_expansion(rest: &[char]) -> bool {
    rest.first() == Some(&'{') && rest[1..].contains(&'}')
}

/// Ruby's `String#dump` for ASCII text.
pub(crate) fn ruby_dump(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::from("\"");
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            '\u{8}' => out.push_str("\\b"),
            '\u{7}' => out.push_str("\\a"),
            '\u{1b}' => out.push_str("\\e"),
            '#' if matches!(chars.get(i + 1), Some('{' | '$' | '@')) => out.push_str("\\#"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kamal_escaping() {
        assert_eq!(escape_shell_value("10m"), "\"10m\"");
        assert_eq!(escape_shell_value("a\"b"), "\"a\\\"b\"");
        assert_eq!(escape_shell_value("$HOME ${HOME}"), "\"\\$HOME ${HOME}\"");
        assert_eq!(escape_shell_value("`id`"), "\"\\`id\\`\"");
        assert_eq!(escape_shell_value("a\nb"), "\"a\\nb\"");
        assert_eq!(escape_shell_value("#{x}"), "\"\\#{x}\"");
        assert_eq!(escape_shell_value("héllo"), "\"h\"é\"llo\"");
    }
}

/// POSIX single quoting, for handing a whole command to `sh -c` or to `ssh HOST '…'`:
/// `'` becomes `'\''` (Kamal's `run_over_ssh` and `sh -c` wrappers).
pub fn single_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// A word for a local command line: as is when the shell would read it unchanged (letters,
/// digits and `-_=./:@,+`), else [`single_quote`]d.
pub fn shell_word(text: &str) -> String {
    if text.chars().all(|c| c.is_ascii_alphanumeric() || "-_=./:@,+".contains(c)) {
        text.to_string()
    } else {
        single_quote(text)
    }
}

#[cfg(test)]
mod single_quote_tests {
    use super::*;

    #[test]
    fn wraps_for_sh_c() {
        assert_eq!(single_quote("echo ID321"), "'echo ID321'");
        assert_eq!(single_quote("it's"), "'it'\\''s'");
    }

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(shell_word("-o"), "-o");
        assert_eq!(shell_word("BatchMode=yes"), "BatchMode=yes");
        assert_eq!(shell_word("/tmp/tug ssh/config"), "'/tmp/tug ssh/config'");
        assert_eq!(shell_word(""), "");
    }
}
