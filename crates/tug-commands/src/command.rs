//! A command to run on a server or locally: a list of shell words, some of them secret.
//!
//! Kamal builds commands as arrays of words joined with spaces; values from the config are
//! escaped when they are put in (see [`crate::shell`]), so joining is all that is left to do.
//! A secret word carries the text to show instead (`-p [REDACTED]`), so a command can be
//! printed, logged and planned without revealing it; only [`Command::to_shell`] has the value.

use std::fmt;

/// One word of a command.
#[derive(Clone, PartialEq, Eq)]
enum Word {
    /// Shown as is.
    Plain(String),
    /// Run with `value`, shown as `shown`.
    Secret { value: String, shown: String },
}

/// What a command waits for, when it is one of the waits a deploy is made of that lie outside
/// Tug's control: set by the builder that makes it, shown as progress while it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wait {
    /// An image download (`docker pull`): the image as the command names it.
    Pull(String),
    /// kamal-proxy's deploy: the new container's health check, then the switch of traffic.
    ProxyDeploy,
}

/// A command: words joined with spaces when run.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Command {
    words: Vec<Word>,
    /// Kamal wrote the first word as a Ruby symbol (`:mkdir`), so SSHKit runs it through
    /// `/usr/bin/env`; docker commands are mapped to plain `docker`.
    env_prefixed: bool,
    /// What running it waits for (`None` for the quick ones).
    wait: Option<Wait>,
}

impl Command {
    /// A command from plain words.
    pub fn new<I, S>(words: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Command { words: words.into_iter().map(|w| Word::Plain(w.into())).collect(), env_prefixed: false, wait: None }
    }

    /// Marks a command as one of a deploy's long waits (see [`Wait`]).
    pub fn waits_for(mut self, wait: Wait) -> Self {
        self.wait = Some(wait);
        self
    }

    /// What the command waits for, if it is one of a deploy's long waits.
    pub fn wait(&self) -> Option<&Wait> {
        self.wait.as_ref()
    }

    /// Marks a command whose first word SSHKit runs through `/usr/bin/env` (`mkdir`, `rm`, …).
    pub fn via_env(mut self) -> Self {
        self.env_prefixed = true;
        self
    }

    /// Appends a plain word.
    pub fn arg(mut self, word: impl Into<String>) -> Self {
        self.words.push(Word::Plain(word.into()));
        self
    }

    /// Appends plain words.
    pub fn args<I, S>(mut self, words: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.words.extend(words.into_iter().map(|w| Word::Plain(w.into())));
        self
    }

    /// Appends a secret word, shown as `shown` everywhere but when run.
    pub fn secret(mut self, value: impl Into<String>, shown: impl Into<String>) -> Self {
        self.words.push(Word::Secret { value: value.into(), shown: shown.into() });
        self
    }

    /// Appends the words of another command (keeping its secrets secret; the wait stays
    /// the first command's).
    pub fn extend(mut self, other: Command) -> Self {
        self.words.extend(other.words);
        self
    }

    /// `self && other` (Kamal's `combine`).
    pub fn and(self, other: Command) -> Self {
        self.arg("&&").extend(other)
    }

    /// `self || other`.
    pub fn or(self, other: Command) -> Self {
        self.arg("||").extend(other)
    }

    /// `self | other` (Kamal's `pipe`).
    pub fn pipe(self, other: Command) -> Self {
        self.arg("|").extend(other)
    }

    /// `self ; other` (Kamal's `chain`).
    pub fn then(self, other: Command) -> Self {
        self.arg(";").extend(other)
    }

    /// Whether SSHKit would prefix `/usr/bin/env`.
    pub fn is_env_prefixed(&self) -> bool {
        self.env_prefixed
    }

    /// The shell text to run, secrets included. Only the executor calls this.
    pub fn to_shell(&self) -> String {
        self.render(|w| match w {
            Word::Plain(s) => s,
            Word::Secret { value, .. } => value,
        })
    }

    /// The shell text as SSHKit sends it (`/usr/bin/env mkdir …` for symbol commands).
    pub fn to_remote_shell(&self) -> String {
        if self.env_prefixed { format!("/usr/bin/env {}", self.to_shell()) } else { self.to_shell() }
    }

    /// The text to show: secrets redacted. Same as `Display`.
    pub fn to_redacted(&self) -> String {
        self.render(|w| match w {
            Word::Plain(s) => s,
            Word::Secret { shown, .. } => shown,
        })
    }

    /// Whether any word is secret.
    pub fn has_secrets(&self) -> bool {
        self.words.iter().any(|w| matches!(w, Word::Secret { .. }))
    }

    /// The secret values, so output from running the command can be scrubbed of them.
    pub fn secret_values(&self) -> Vec<&str> {
        self.words
            .iter()
            .filter_map(|w| match w {
                Word::Secret { value, .. } => Some(value.as_str()),
                Word::Plain(_) => None,
            })
            .collect()
    }

    fn render<'a>(&'a self, pick: impl Fn(&'a Word) -> &'a str) -> String {
        let mut out = String::new();
        for (i, w) in self.words.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(pick(w));
        }
        out
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_redacted())
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Command({:?})", self.to_redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_and_redacts() {
        let c = Command::new(["docker", "login", "hub.docker.com", "-u"])
            .secret("\"dhh\"", "[REDACTED]")
            .arg("-p")
            .secret("\"secret\"", "[REDACTED]");
        assert_eq!(c.to_shell(), "docker login hub.docker.com -u \"dhh\" -p \"secret\"");
        assert_eq!(c.to_string(), "docker login hub.docker.com -u [REDACTED] -p [REDACTED]");
        assert_eq!(format!("{c:?}"), "Command(\"docker login hub.docker.com -u [REDACTED] -p [REDACTED]\")");
    }

    #[test]
    fn combinators() {
        let c = Command::new(["mkdir", ".kamal/lock-app"]).via_env().and(Command::new(["echo", "x"]));
        assert_eq!(c.to_remote_shell(), "/usr/bin/env mkdir .kamal/lock-app && echo x");
        let p = Command::new(["docker", "ps"]).pipe(Command::new(["head", "-1"]));
        assert_eq!(p.to_shell(), "docker ps | head -1");
    }
}
