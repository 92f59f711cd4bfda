//! Configuration errors: what is wrong, where the user wrote it, and how to fix it.
//!
//! Every error keeps Kamal's own wording (`kamal_message`, e.g. `proxy: unknown key: helthcheck`)
//! beside Tug's fuller one, so that tests can check we reject exactly what Kamal rejects.

use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode};

use crate::source::{SourceFile, Span};

/// Where in which file a value was written.
#[derive(Debug, Clone)]
pub struct Location {
    /// The file (with its template text and ERB line map).
    pub file: Arc<SourceFile>,
    /// The span in the file's *rendered* text (mapped to the template when shown).
    pub span: Span,
}

impl Location {
    /// 1-based line and column in the file as the user wrote it.
    pub fn line_col(&self) -> (usize, usize) {
        let span = self.file.template_span(self.span);
        let (l, c) = crate::source::line_col(&self.file.text, span.start);
        (l + 1, c + 1)
    }
}

/// One problem with the configuration.
#[derive(Debug, Clone)]
pub struct ConfigError {
    /// What is wrong, in Tug's words (lowercase, no trailing period).
    pub message: String,
    /// The message Kamal 2.12 gives for the same problem (key path prefix included).
    pub kamal_message: String,
    /// Kamal's key path (`servers/web/hosts/0`), when the problem belongs to a key.
    pub key_path: Option<String>,
    /// Where the offending value was written, when known.
    pub location: Option<Location>,
    /// Text shown under the pointed-at span.
    pub label: Option<String>,
    /// How to fix it.
    pub help: Option<String>,
}

impl ConfigError {
    /// An error whose Tug and Kamal messages are the same text.
    pub fn new(message: impl Into<String>) -> Self {
        let message = message.into();
        ConfigError { kamal_message: message.clone(), message, key_path: None, location: None, label: None, help: None }
    }

    /// Sets Kamal's wording when it differs from Tug's.
    pub fn kamal(mut self, kamal_message: impl Into<String>) -> Self {
        self.kamal_message = kamal_message.into();
        self
    }

    /// Sets the key path.
    pub fn at_key(mut self, path: impl Into<String>) -> Self {
        self.key_path = Some(path.into());
        self
    }

    /// Sets the location.
    pub fn at(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }

    /// Sets the label shown under the span.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Sets the help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// `file:line:col` of the problem, when known.
    pub fn position(&self) -> Option<String> {
        self.location.as_ref().map(|l| {
            let (line, col) = l.line_col();
            format!("{}:{}:{}", l.file.name, line, col)
        })
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

impl Diagnostic for ConfigError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        None
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.location.as_ref().map(|l| &l.file.text as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let loc = self.location.as_ref()?;
        let span = loc.file.template_span(loc.span);
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(self.label.clone(), span))))
    }
}

/// The problems found in one run (Tug reports them all, not just the first).
#[derive(Debug, Clone, Default)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [one] => write!(f, "{one}"),
            many => write!(f, "{} problems in the configuration", many.len()),
        }
    }
}

impl std::error::Error for ConfigErrors {}

impl From<ConfigError> for ConfigErrors {
    fn from(e: ConfigError) -> Self {
        ConfigErrors(vec![e])
    }
}

/// miette needs a named source to print the file name in the report frame.
pub fn named_source(file: &SourceFile) -> NamedSource<Arc<str>> {
    NamedSource::new(file.name.clone(), file.text.clone())
}
