//! The few Ruby string operations whose exact output Kamal's secrets depend on: `shellescape`
//! (the `--inline` JSON), `shellsplit` (in-process `kamal secrets …` commands), `inspect`
//! (error messages and Passbolt filters), `strip`, `chomp` and `blank?`.
//!
//! These mirror Ruby's behaviour for compatibility with files and outputs Kamal produces; they
//! are not the workspace's remote-shell quoting (that lives in `tug-commands`).

/// Ruby's `\s`: ASCII whitespace only.
pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Ruby's `Shellwords.escape`: backslash before every character outside
/// `[A-Za-z0-9_\-.,:+/@\n]`, a newline becomes `'\n'`, and the empty string becomes `''`.
pub fn shellescape(s: &str) -> String {
    if s.is_empty() {
        return "''".to_string();
    }
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '_' | '-' | '.' | ',' | ':' | '+' | '/' | '@' => out.push(c),
            '\n' => out.push_str("'\n'"),
            _ => {
                out.push('\\');
                out.push(c);
            }
        }
    }
    out
}

/// Ruby's `Shellwords.split`: words separated by whitespace, with single quotes, double quotes
/// (where a backslash escapes only `` $ ` " \ `` and newline) and backslash escapes.
///
/// Errors like Ruby: `Unmatched quote at N: …` or `Nul character at N: …`.
pub fn shellsplit(line: &str) -> Result<Vec<String>, String> {
    let b = line.as_bytes();
    let n = b.len();
    let mut words = Vec::new();
    let mut field = String::new();
    let mut i = 0;
    loop {
        let start = i;
        while i < n && is_space(b[i]) {
            i += 1;
        }
        if i >= n {
            break;
        }
        let c = b[i];
        if c != 0 && c != b'\\' && c != b'\'' && c != b'"' {
            let s = i;
            while i < n && !matches!(b[i], 0 | b'\\' | b'\'' | b'"') && !is_space(b[i]) {
                i += 1;
            }
            field.push_str(&line[s..i]);
        } else if c == b'\''
            && let Some(len) = b[i + 1..].iter().position(|&x| x == b'\'' || x == 0)
            && b[i + 1 + len] == b'\''
        {
            field.push_str(&line[i + 1..i + 1 + len]);
            i += len + 2;
        } else if c == b'"'
            && let Some(end) = double_quoted_end(b, i + 1)
        {
            let inner = &line[i + 1..end];
            let mut chars = inner.chars().peekable();
            while let Some(ch) = chars.next() {
                if ch == '\\'
                    && let Some(&next) = chars.peek()
                    && matches!(next, '$' | '`' | '"' | '\\' | '\n')
                {
                    field.push(next);
                    chars.next();
                    continue;
                }
                field.push(ch);
            }
            i = end + 1;
        } else if c == b'\\' {
            // `\\[^\0]?` then `\\(.)` → `\1` (`.` excludes newline)
            let rest = &line[i + 1..];
            match rest.chars().next() {
                Some(ch) if ch != '\0' => {
                    if ch == '\n' {
                        field.push('\\');
                    }
                    field.push(ch);
                    i += 1 + ch.len_utf8();
                }
                _ => {
                    field.push('\\');
                    i += 1;
                }
            }
        } else {
            let what = if c == 0 { "Nul character" } else { "Unmatched quote" };
            // Ruby shows the failed match: from its start through the bad character and one
            // following whitespace character.
            let mut end = i + 1;
            if end < n && is_space(b[end]) {
                end += 1;
            }
            let matched = &line[start..end];
            let shown = if start > 0 { format!("...{matched}") } else { matched.to_string() };
            return Err(format!("{what} at {start}: {shown}"));
        }
        // separator: whitespace or end of string ends the word
        if i >= n {
            words.push(std::mem::take(&mut field));
            break;
        }
        if is_space(b[i]) {
            words.push(std::mem::take(&mut field));
            i += 1;
        }
    }
    Ok(words)
}

/// The index of the closing quote of a double-quoted word starting at `from`, if any.
fn double_quoted_end(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'"' => return Some(i),
            0 => return None,
            b'\\' => {
                if i + 1 >= b.len() || b[i + 1] == 0 {
                    return None;
                }
                i += 2;
            }
            _ => i += 1,
        }
    }
    None
}

/// Ruby's `String#inspect` for a UTF-8 string: double quotes, backslash escapes for quotes,
/// backslashes, control characters and `#{`, `#$`, `#@`.
pub fn inspect(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\x0c' => out.push_str("\\f"),
            '\x0b' => out.push_str("\\v"),
            '\x08' => out.push_str("\\b"),
            '\x07' => out.push_str("\\a"),
            '\x1b' => out.push_str("\\e"),
            '\x7f' => out.push_str("\\x7F"),
            '#' => {
                if matches!(chars.peek(), Some('{' | '$' | '@')) {
                    out.push('\\');
                }
                out.push('#');
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Ruby's `Array#inspect` for a list of strings: `["a", "b"]`.
pub fn inspect_list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| inspect(s)).collect();
    format!("[{}]", inner.join(", "))
}

/// Ruby's `String#strip`: removes leading and trailing whitespace and NUL.
pub fn strip(s: &str) -> &str {
    s.trim_matches(|c: char| matches!(c, '\0' | ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r'))
}

/// Ruby's `String#chomp`: removes one trailing `\n`, `\r\n` or `\r`.
pub fn chomp(s: &str) -> &str {
    if let Some(t) = s.strip_suffix("\r\n") {
        t
    } else if let Some(t) = s.strip_suffix('\n') {
        t
    } else if let Some(t) = s.strip_suffix('\r') {
        t
    } else {
        s
    }
}

/// ActiveSupport's `blank?` for strings: empty or only whitespace.
pub fn is_blank(s: &str) -> bool {
    s.chars().all(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shellescape_matches_ruby() {
        assert_eq!(shellescape(""), "''");
        assert_eq!(shellescape("abc/def-1.2,x:y+z@w_"), "abc/def-1.2,x:y+z@w_");
        assert_eq!(shellescape(r#"{"a":"b c"}"#), r#"\{\"a\":\"b\ c\"\}"#);
        assert_eq!(shellescape("a\nb"), "a'\n'b");
        assert_eq!(shellescape("é"), "\\é");
    }

    #[test]
    fn shellsplit_matches_ruby() {
        let split = |s: &str| shellsplit(s).unwrap();
        assert_eq!(split("a b  c"), ["a", "b", "c"]);
        assert_eq!(split(r#"x \{\"a\":\"b\ c\"\}"#), ["x", r#"{"a":"b c"}"#]);
        assert_eq!(split(r#"'a b'"c\"d\e" f"#), [r#"a bc"d\e"#, "f"]);
        assert_eq!(split(""), Vec::<String>::new());
        assert_eq!(split("a "), ["a"]);
        assert_eq!(split("''"), [""]);
        assert_eq!(shellsplit("a 'b").unwrap_err(), "Unmatched quote at 2: ...'");
        assert_eq!(shellsplit("\"b").unwrap_err(), "Unmatched quote at 0: \"");
    }

    #[test]
    fn shellescape_then_shellsplit_round_trips() {
        for s in ["", "a b", "{\"k\":\"v$x`y\\\"\"}", "multi\nline", "ünï ©"] {
            assert_eq!(shellsplit(&shellescape(s)).unwrap(), [s]);
        }
    }

    #[test]
    fn inspect_matches_ruby() {
        assert_eq!(inspect("a\"b\\c\n"), r#""a\"b\\c\n""#);
        assert_eq!(inspect("#{x} #y"), r#""\#{x} #y""#);
        assert_eq!(inspect("\u{1}"), r#""\u0001""#);
        assert_eq!(inspect_list(&["a".into(), "b/c".into()]), r#"["a", "b/c"]"#);
    }

    #[test]
    fn strip_chomp_blank() {
        assert_eq!(strip(" \t a b \n\0"), "a b");
        assert_eq!(chomp("a\n\n"), "a\n");
        assert_eq!(chomp("a\r\n"), "a");
        assert!(is_blank(" \n"));
        assert!(!is_blank(" x"));
    }
}
