//! The env file of secrets uploaded next to each container (`--env-file`), in Docker's env-file
//! format as Kamal writes it: `KEY=value` lines, the value escaped like Ruby's `String#dump`
//! without the outer quotes, with `\"` and `\#` turned back into `"` and `#` (Docker reads
//! quotes literally), and non-ASCII text kept as is. An empty file is a single newline.

use std::fmt;

use tug_config::Sensitive;

use crate::shell::ruby_dump;

/// The file mode env files are uploaded with.
pub const ENV_FILE_MODE: u32 = 0o600;

/// An env file's contents. Every value in it may be a secret, so it prints as `[REDACTED]`;
/// only [`EnvFile::expose`] gives the text, for the upload.
#[derive(Clone, PartialEq, Eq)]
pub struct EnvFile {
    content: Sensitive<String>,
}

impl EnvFile {
    /// The file for these variables, in order.
    pub fn new<I, K>(vars: I) -> EnvFile
    where
        I: IntoIterator<Item = (K, Sensitive<String>)>,
        K: AsRef<str>,
    {
        let mut content = String::new();
        for (key, value) in vars {
            content.push_str(key.as_ref());
            content.push('=');
            content.push_str(&escape_value(value.expose()));
            content.push('\n');
        }
        if content.is_empty() {
            content.push('\n');
        }
        EnvFile { content: Sensitive::new(content) }
    }

    /// The text to upload.
    pub fn expose(&self) -> &str {
        self.content.expose()
    }

    /// The contents as a sensitive value.
    pub fn into_sensitive(self) -> Sensitive<String> {
        self.content
    }
}

impl fmt::Display for EnvFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.content, f)
    }
}

impl fmt::Debug for EnvFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EnvFile({:?})", self.content)
    }
}

fn escape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut run = String::new();
    let mut run_ascii = true;
    for ch in value.chars() {
        if ch.is_ascii() != run_ascii && !run.is_empty() {
            push_run(&mut out, &run, run_ascii);
            run.clear();
        }
        run_ascii = ch.is_ascii();
        run.push(ch);
    }
    if !run.is_empty() {
        push_run(&mut out, &run, run_ascii);
    }
    out
}

fn push_run(out: &mut String, run: &str, ascii: bool) {
    if !ascii {
        out.push_str(run);
        return;
    }
    let dumped = ruby_dump(run);
    let inner = &dumped[1..dumped.len() - 1];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && matches!(chars.peek(), Some('"' | '#')) {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
}
