//! The `.kamal/secrets` file format: Ruby's `dotenv` gem (3.x) with Kamal's command
//! substitution, reproduced rule for rule so that a file reads the same in Tug as in Kamal.
//!
//! Reading a file has two steps:
//!
//! 1. [`scan`] finds the assignments exactly as dotenv's line pattern does: optional
//!    `export`, a key of `[A-Za-z0-9_.]`, `=` (or `: `), then a single-quoted, double-quoted
//!    (both may span lines) or unquoted value, trailing whitespace and an optional `# comment`.
//!    Lines that are not assignments are skipped.
//! 2. [`Evaluator::evaluate`] turns each raw value into its final value, in file order:
//!    surrounding quotes removed; in double quotes `\n`/`\r` kept as escaped text (or turned
//!    into line breaks when `DOTENV_LINEBREAK_MODE=legacy`); unless single-quoted, backslash
//!    escapes removed (except `\$`), then `$(command)` substituted, then `$VAR`/`${VAR}`.
//!
//! `$VAR` takes the value of a key set earlier (in this file or an earlier secrets file), else
//! the process environment, else the empty string; `\$` is a literal `$`. `$(command)` may nest
//! balanced parentheses; `\$(…)` stays literal. A command that starts with `kamal secrets ` (or
//! `tug secrets `) runs in-process through [`crate::secrets::cli`], with `--inline` output; any
//! other runs through `sh -c` in the project directory, trailing newline removed. Unlike
//! Kamal, a command that fails is an error naming the file, line and command.

use std::borrow::Cow;
use std::ops::Range;
use std::path::Path;

use indexmap::IndexMap;

use super::cli;
use super::error::SecretsError;
use super::ruby::{self, is_space};
use super::runner::{CommandRunner, Environment, Invocation};
use crate::sensitive::Sensitive;

/// One assignment as written, located by byte ranges in the normalized text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The key.
    pub key: Range<usize>,
    /// Whether the line started with `export`.
    pub export: bool,
    /// The raw value (quotes included), absent for `KEY` or `export KEY` alone.
    pub value: Option<Range<usize>>,
    /// The whole matched text (leading blank lines and a trailing comment included).
    pub matched: Range<usize>,
    /// 1-based line of the key.
    pub line: usize,
}

/// Converts `\r\n` and lone `\r` to `\n`, as dotenv does before anything else.
pub fn normalize_newlines(text: &str) -> Cow<'_, str> {
    if text.contains('\r') { Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n")) } else { Cow::Borrowed(text) }
}

/// Finds the assignments of a normalized text (see [`normalize_newlines`]), in order.
pub fn scan(text: &str) -> Vec<Assignment> {
    let b = text.as_bytes();
    let n = b.len();
    let mut out = Vec::new();
    let mut pos = 0;
    let mut line = 1;
    let mut line_counted_to = 0;
    while pos < n {
        // The pattern is anchored at a line start.
        let start = if pos == 0 || b[pos - 1] == b'\n' {
            pos
        } else {
            match b[pos..].iter().position(|&c| c == b'\n') {
                Some(i) => pos + i + 1,
                None => break,
            }
        };
        if start >= n {
            break;
        }
        match match_line(b, start) {
            Some(m) => {
                line += count_newlines(&b[line_counted_to..m.key.start]);
                line_counted_to = m.key.start;
                out.push(Assignment { line, ..m });
                pos = m_end(&out).max(start + 1);
            }
            None => pos = start + 1,
        }
    }
    out
}

fn m_end(out: &[Assignment]) -> usize {
    out.last().map_or(0, |a| a.matched.end)
}

fn count_newlines(b: &[u8]) -> usize {
    b.iter().filter(|&&c| c == b'\n').count()
}

fn count_while(b: &[u8], from: usize, f: impl Fn(u8) -> bool) -> usize {
    b.get(from..).map_or(0, |rest| rest.iter().take_while(|&&c| f(c)).count())
}

fn is_key_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'.'
}

/// dotenv's `LINE` pattern at `start`, with the regex engine's choice order. Only the choices
/// that can succeed are tried (a shorter key or export whitespace always fails, see the tests).
fn match_line(b: &[u8], start: usize) -> Option<Assignment> {
    let p0 = start + count_while(b, start, is_space);
    let mut candidates = Vec::with_capacity(2);
    if b[p0..].starts_with(b"export") {
        let ws = count_while(b, p0 + 6, is_space);
        if ws > 0 {
            candidates.push((true, p0 + 6 + ws));
        }
    }
    candidates.push((false, p0));
    for (export, key_start) in candidates {
        let key_len = count_while(b, key_start, is_key_byte);
        if key_len == 0 {
            continue;
        }
        let key_end = key_start + key_len;
        if let Some((value, end)) = match_after_key(b, key_end) {
            return Some(Assignment { key: key_start..key_end, export, value, matched: start..end, line: 0 });
        }
    }
    None
}

/// `(?:(?:\s*=\s*?|:\s+?)(?<value>…)?)? \s* (?:#.*)? $`
fn match_after_key(b: &[u8], k: usize) -> Option<(Option<Range<usize>>, usize)> {
    // `\s*=\s*?`
    let ws = count_while(b, k, is_space);
    if b.get(k + ws) == Some(&b'=') {
        let e = k + ws + 1;
        let lazy_max = count_while(b, e, is_space);
        for lazy in 0..=lazy_max {
            if let Some(r) = match_value_then_tail(b, e + lazy) {
                return Some(r);
            }
        }
    }
    // `:\s+?`
    if b.get(k) == Some(&b':') {
        let lazy_max = count_while(b, k + 1, is_space);
        for lazy in 1..=lazy_max {
            if let Some(r) = match_value_then_tail(b, k + 1 + lazy) {
                return Some(r);
            }
        }
    }
    tail(b, k).map(|end| (None, end))
}

fn match_value_then_tail(b: &[u8], v: usize) -> Option<(Option<Range<usize>>, usize)> {
    let q = v + count_while(b, v, is_space);
    for quote in [b'\'', b'"'] {
        if b.get(q) == Some(&quote) {
            for close in quoted_closes(b, q + 1, quote) {
                if let Some(end) = tail(b, close + 1) {
                    return Some((Some(v..close + 1), end));
                }
            }
        }
    }
    // `[^#\n]+`, greedy: at its longest the tail always matches.
    let len = count_while(b, v, |c| c != b'#' && c != b'\n');
    if len > 0
        && let Some(end) = tail(b, v + len)
    {
        return Some((Some(v..v + len), end));
    }
    tail(b, v).map(|end| (None, end))
}

/// Where `(?:\\Q|[^Q])*Q` can close, in the order the regex engine tries them: the first
/// unescaped quote, then each escaped quote seen before it, latest first.
fn quoted_closes(b: &[u8], from: usize, quote: u8) -> Vec<usize> {
    let mut fallbacks = Vec::new();
    let mut i = from;
    let mut first = None;
    while i < b.len() {
        if b[i] == b'\\' && b.get(i + 1) == Some(&quote) {
            fallbacks.push(i + 1);
            i += 2;
        } else if b[i] == quote {
            first = Some(i);
            break;
        } else {
            i += 1;
        }
    }
    first.into_iter().chain(fallbacks.into_iter().rev()).collect()
}

/// `\s* (?:#.*)? (?:$|\z)` at `t`; returns the end of the match.
fn tail(b: &[u8], t: usize) -> Option<usize> {
    let ws = count_while(b, t, is_space);
    for k in (0..=ws).rev() {
        let q = t + k;
        if b.get(q) == Some(&b'#') {
            return Some(q + count_while(b, q, |c| c != b'\n'));
        }
        if q == b.len() || b[q] == b'\n' {
            return Some(q);
        }
    }
    None
}

/// Evaluates secrets files: substitution context shared by all files of one [`super::Secrets`].
pub struct Evaluator<'a> {
    /// Directory `$(command)`s run in (the project root).
    pub dir: &'a Path,
    /// Runs `sh -c` for commands and vault CLIs for in-process `kamal secrets fetch`.
    pub runner: &'a dyn CommandRunner,
    /// The process environment `$VAR` falls back to.
    pub env: &'a dyn Environment,
}

impl Evaluator<'_> {
    /// Evaluates `text` (the contents of `file`), adding its keys to `values` in order. Keys
    /// already in `values` (from earlier files) are visible to `$VAR` and overwritten by
    /// reassignment.
    pub fn evaluate(
        &self,
        file: &str,
        text: &str,
        values: &mut IndexMap<String, Sensitive<String>>,
    ) -> Result<(), SecretsError> {
        let text = normalize_newlines(text);
        for a in scan(&text) {
            let key = &text[a.key.clone()];
            match &a.value {
                None if a.export => {
                    if !values.contains_key(key) {
                        return Err(SecretsError::UnsetVariable {
                            file: file.to_string(),
                            line: a.line,
                            text: ruby::inspect(&text[a.matched.clone()]),
                        });
                    }
                }
                raw => {
                    let raw = raw.as_ref().map_or("", |r| &text[r.clone()]);
                    let value = self.parse_value(file, a.line, raw, values)?;
                    values.insert(key.to_string(), Sensitive::new(value));
                }
            }
        }
        Ok(())
    }

    fn parse_value(
        &self,
        file: &str,
        line: usize,
        raw: &str,
        values: &IndexMap<String, Sensitive<String>>,
    ) -> Result<String, SecretsError> {
        let stripped = ruby::strip(raw);
        let sb = stripped.as_bytes();
        let quote = match (sb.first(), sb.last()) {
            (Some(&f), Some(&l)) if sb.len() >= 2 && (f == b'"' || f == b'\'') && f == l => Some(f),
            _ => None,
        };
        let mut value = match quote {
            Some(_) => stripped[1..stripped.len() - 1].to_string(),
            None => stripped.to_string(),
        };
        if quote == Some(b'"') {
            let legacy = lookup(values, self.env, "DOTENV_LINEBREAK_MODE").as_deref() == Some("legacy");
            value = if legacy {
                value.replace("\\n", "\n").replace("\\r", "\r")
            } else {
                value.replace("\\n", "\\\\n").replace("\\r", "\\\\r")
            };
        }
        if quote != Some(b'\'') {
            value = unescape(&value);
            value = substitute_commands(&value, values, self.env, &mut |written, command| {
                self.run_command(file, line, written, command)
            })?;
            value = substitute_variables(&value, values, self.env);
        }
        Ok(value)
    }

    fn run_command(&self, file: &str, line: usize, written: &str, command: &str) -> Result<String, SecretsError> {
        if is_secrets_command(command) {
            let inline = || -> Result<String, SecretsError> {
                let words = ruby::shellsplit(command).map_err(SecretsError::Usage)?;
                let out = cli::run_inline(words.get(1..).unwrap_or(&[]), self.runner, self.env)?;
                Ok(ruby::chomp(out.expose()).to_string())
            };
            return inline().map_err(|e| SecretsError::InlineCommand {
                file: file.to_string(),
                line,
                command: written.to_string(),
                inner: Box::new(e),
            });
        }
        let inv = Invocation::new("sh", ["-c", command]).in_dir(self.dir);
        match self.runner.run(&inv) {
            Ok(out) if out.success => Ok(ruby::chomp(&out.stdout).to_string()),
            Ok(out) => Err(SecretsError::CommandFailed {
                file: file.to_string(),
                line,
                command: written.to_string(),
                status: out.code,
            }),
            Err(e) => Err(SecretsError::CommandSpawn {
                file: file.to_string(),
                line,
                command: written.to_string(),
                reason: e.to_string(),
            }),
        }
    }
}

/// Kamal's `/\A\s*kamal\s*secrets\s+/`, also accepting `tug`.
fn is_secrets_command(command: &str) -> bool {
    let b = command.as_bytes();
    let mut i = count_while(b, 0, is_space);
    let rest = &b[i..];
    if rest.starts_with(b"kamal") {
        i += 5;
    } else if rest.starts_with(b"tug") {
        i += 3;
    } else {
        return false;
    }
    i += count_while(b, i, is_space);
    if !b[i..].starts_with(b"secrets") {
        return false;
    }
    count_while(b, i + 7, is_space) > 0
}

fn lookup(values: &IndexMap<String, Sensitive<String>>, env: &dyn Environment, name: &str) -> Option<String> {
    values.get(name).map(|v| v.expose().clone()).or_else(|| env.var(name))
}

/// dotenv's `gsub(/\\([^$])/, '\1')`: drops a backslash before anything but `$`.
fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&next) = chars.peek()
            && next != '$'
        {
            out.push(next);
            chars.next();
            continue;
        }
        out.push(c);
    }
    out
}

/// dotenv's variable substitution: `$NAME`, `${NAME}` (name `[A-Za-z0-9_]+`) become the value
/// of an earlier key, else the environment, else nothing; `\$…` drops the backslash; a `$`
/// followed by `(` is left alone.
pub fn substitute_variables(
    value: &str,
    values: &IndexMap<String, Sensitive<String>>,
    env: &dyn Environment,
) -> String {
    let b = value.as_bytes();
    let mut out = String::with_capacity(value.len());
    let mut i = 0;
    let mut copied = 0;
    while i < b.len() {
        let escaped = b[i] == b'\\' && b.get(i + 1) == Some(&b'$');
        let dollar = if escaped { i + 1 } else { i };
        if b[dollar] != b'$' || b.get(dollar + 1) == Some(&b'(') {
            i += 1;
            continue;
        }
        // `\{?([A-Z0-9_]+)?\}?`
        let mut j = dollar + 1;
        if b.get(j) == Some(&b'{') {
            j += 1;
        }
        let name_len = count_while(b, j, |c| c.is_ascii_alphanumeric() || c == b'_');
        let name = &value[j..j + name_len];
        j += name_len;
        if b.get(j) == Some(&b'}') {
            j += 1;
        }
        out.push_str(&value[copied..i]);
        if escaped {
            out.push_str(&value[i + 1..j]);
        } else if name_len > 0 {
            out.push_str(&lookup(values, env, name).unwrap_or_default());
        } else {
            out.push_str(&value[i..j]);
        }
        i = j;
        copied = j;
    }
    out.push_str(&value[copied..]);
    out
}

/// Kamal's command substitution: each `$(…)` (balanced, backslash escapes allowed) is replaced
/// by `run(written, expanded)`, where `expanded` has had `$VAR`s substituted; `\$(…)` loses
/// its backslash and stays.
fn substitute_commands(
    value: &str,
    values: &IndexMap<String, Sensitive<String>>,
    env: &dyn Environment,
    run: &mut dyn FnMut(&str, &str) -> Result<String, SecretsError>,
) -> Result<String, SecretsError> {
    let b = value.as_bytes();
    let mut out = String::with_capacity(value.len());
    let mut i = 0;
    let mut copied = 0;
    while i < b.len() {
        let escaped = b[i] == b'\\' && b.get(i + 1) == Some(&b'$');
        let dollar = if escaped { i + 1 } else { i };
        if b[dollar] != b'$' {
            i += 1;
            continue;
        }
        let Some(end) = command_end(b, dollar + 1) else {
            i += 1;
            continue;
        };
        out.push_str(&value[copied..i]);
        if escaped {
            out.push_str(&value[i + 1..end]);
        } else {
            let written = &value[dollar + 2..end - 1];
            let command = substitute_variables(written, values, env);
            out.push_str(&run(written, &command)?);
        }
        i = end;
        copied = end;
    }
    out.push_str(&value[copied..]);
    Ok(out)
}

/// The end (after `)`) of `(?<cmd>\((?:\\.|[^()\\]|\g<cmd>)+\))` starting at `open`, if it
/// matches. Every group must be non-empty; `\.` cannot escape a newline.
fn command_end(b: &[u8], open: usize) -> Option<usize> {
    if b.get(open) != Some(&b'(') {
        return None;
    }
    // One flag per open group: has it any content yet?
    let mut groups = vec![false];
    let mut i = open + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                let next = *b.get(i + 1)?;
                if next == b'\n' {
                    return None;
                }
                *groups.last_mut()? = true;
                i += 1 + utf8_len(next);
            }
            b'(' => {
                groups.push(false);
                i += 1;
            }
            b')' => {
                if !groups.pop()? {
                    return None;
                }
                match groups.last_mut() {
                    Some(parent) => *parent = true,
                    None => return Some(i + 1),
                }
                i += 1;
            }
            _ => {
                *groups.last_mut()? = true;
                i += 1;
            }
        }
    }
    None
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_end_balances_and_escapes() {
        let end = |s: &str| command_end(s.as_bytes(), 0);
        assert_eq!(end("(echo hi)x"), Some(9));
        assert_eq!(end("(a (b) c)"), Some(9));
        assert_eq!(end("()"), None);
        assert_eq!(end("(a ())"), None);
        assert_eq!(end("(a \\) b)"), Some(8));
        assert_eq!(end("(a"), None);
        assert_eq!(end("(a\\\n)"), None);
    }

    #[test]
    fn secrets_commands_are_recognized() {
        assert!(is_secrets_command("kamal secrets fetch"));
        assert!(is_secrets_command("  kamalsecrets x"));
        assert!(is_secrets_command("tug secrets extract"));
        assert!(!is_secrets_command("kamal secretsfetch"));
        assert!(!is_secrets_command("echo kamal secrets x"));
        assert!(!is_secrets_command("kamal secrets"));
    }
}
