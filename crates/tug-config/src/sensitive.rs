//! A value that must never be shown: secrets from `.kamal/secrets`, registry passwords, keys.

use std::fmt;

/// Wraps a secret value. `Display` and `Debug` print `[REDACTED]`; only [`Sensitive::expose`]
/// gives the value, so every place that reveals a secret is easy to find.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Sensitive<T>(T);

/// What a redacted value prints as, everywhere (logs, plans, JSON, `tug config`).
pub const REDACTED: &str = "[REDACTED]";

impl<T> Sensitive<T> {
    /// Wraps a value read from a secret source.
    pub fn new(value: T) -> Self {
        Sensitive(value)
    }

    /// The secret itself: call only where the value must reach a server or a child process.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the secret, for the same uses as [`Sensitive::expose`].
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<T> serde::Serialize for Sensitive<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_shows_the_value() {
        let s = Sensitive::new("hunter2".to_string());
        assert_eq!(s.to_string(), "[REDACTED]");
        assert_eq!(format!("{s:?}"), "[REDACTED]");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"[REDACTED]\"");
        assert_eq!(s.expose(), "hunter2");
    }
}
