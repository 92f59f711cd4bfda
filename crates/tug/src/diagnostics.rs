//! Turns the outcome of a run into what the user sees on stderr and the exit status.
//!
//! One shape for every error: a lowercase `error: …` line, then `help: …` lines with an action.
//! Configuration errors are drawn by miette's graphical handler with the file, line and column
//! and the offending text underlined. No backtraces, no `Debug` output.

use std::fmt;
use std::io::{IsTerminal, Write};
use std::sync::Arc;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};
use tug_config::{ConfigError, ConfigErrors};

use crate::error::{Error, ExitStatus};

/// Width of reports when stderr is not a terminal (and when a terminal's width is unknown).
pub const DEFAULT_WIDTH: usize = 100;

/// How reports are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Whether to use colour.
    pub color: bool,
    /// The width reports are wrapped to.
    pub width: usize,
}

impl Style {
    /// Plain text at the default width: what pipes, logs and tests get.
    pub const PLAIN: Style = Style { color: false, width: DEFAULT_WIDTH };

    /// Colour only on a terminal and when `NO_COLOR` is unset; a fixed width off a terminal,
    /// `COLUMNS` (when set) on one.
    pub fn for_stderr() -> Style {
        let tty = std::io::stderr().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let width = if tty {
            std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).filter(|w| *w >= 40).unwrap_or(DEFAULT_WIDTH)
        } else {
            DEFAULT_WIDTH
        };
        Style { color: tty && !no_color, width }
    }
}

/// Reports the outcome of a run on stderr (help and clap's displays go to stdout) and returns
/// the exit status.
pub fn finish(outcome: Result<ExitStatus, Error>) -> ExitStatus {
    finish_as(outcome, false)
}

/// Whether the command line asks for JSON (`--json` before any `--`): then errors are JSON
/// events on stdout, as every other event of the run.
pub fn wants_json(argv: &[String]) -> bool {
    argv.iter().skip(1).take_while(|a| *a != "--").any(|a| a == "--json")
}

/// [`finish`], with errors as JSON events on stdout when `json` (see [`json_events`]).
pub fn finish_as(outcome: Result<ExitStatus, Error>, json: bool) -> ExitStatus {
    match outcome {
        Ok(status) => status,
        Err(error) => {
            let status = error.exit_status();
            if json && status != ExitStatus::Success {
                let mut out = std::io::stdout().lock();
                for event in json_events(&error) {
                    let _ = writeln!(out, "{event}");
                }
                let _ = out.flush();
            } else if let Error::Usage(clap_error) = &error {
                // clap draws its own errors and help, with its own colour handling.
                let _ = clap_error.print();
            } else {
                let text = render(&error, Style::for_stderr());
                let _ = std::io::stderr().lock().write_all(text.as_bytes());
            }
            status
        }
    }
}

/// The text shown for an error (ends with a newline).
pub fn render(error: &Error, style: Style) -> String {
    match error {
        Error::Usage(e) => e.render().to_string(),
        Error::Config(errors) => render_config(errors, style),
        Error::UnknownCommand { name: _, suggestion } => {
            let help = match suggestion {
                Some(s) => format!("did you mean `{s}`? `tug help` lists the commands"),
                None => "`tug help` lists the commands; other words are looked up in the \
                         `aliases:` of the configuration"
                    .to_string(),
            };
            lines(error, Some(&help))
        }
        Error::Alias { name, .. } => lines(error, Some(&format!("fix `aliases/{name}` in the configuration"))),
        Error::InvalidArgument { help, .. } => lines(error, help.as_deref()),
        Error::Missing { .. } | Error::Io { .. } | Error::Flow(_) => lines(error, None),
        Error::Secrets(_) => {
            lines(error, Some("`tug secrets print` shows what the secrets files give; `tug docs env` explains secrets"))
        }
    }
}

/// An error as JSON events, one per problem: `{"event": "error", "message", "help", "exit_status"}`,
/// with `file`, `line` and `column` for a located configuration error.
pub fn json_events(error: &Error) -> Vec<serde_json::Value> {
    let exit_status = error.exit_status().code();
    let event = |message: String, help: Option<String>| serde_json::json!({"event": "error", "message": message, "help": help, "exit_status": exit_status});
    match error {
        Error::Config(errors) => errors
            .0
            .iter()
            .map(|e| {
                let mut v = event(e.message.clone(), e.help.clone());
                if let (Some(l), Some(map)) = (&e.location, v.as_object_mut()) {
                    let (line, column) = l.line_col();
                    map.insert("file".into(), l.file.name.clone().into());
                    map.insert("line".into(), line.into());
                    map.insert("column".into(), column.into());
                }
                v
            })
            .collect(),
        Error::Usage(e) => {
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or_default().trim_start_matches("error: ").to_string();
            vec![event(first, Some("`tug help` lists the commands and options".into()))]
        }
        _ => {
            let text = render(error, Style::PLAIN);
            let mut message = String::new();
            let mut help = Vec::new();
            for line in text.lines() {
                if let Some(h) = line.strip_prefix("help: ") {
                    help.push(h.to_string());
                } else if message.is_empty() {
                    message = line.strip_prefix("error: ").unwrap_or(line).to_string();
                }
            }
            vec![event(message, (!help.is_empty()).then(|| help.join("; ")))]
        }
    }
}

fn lines(error: &Error, help: Option<&str>) -> String {
    let mut out = format!("error: {error}\n");
    if let Some(help) = help {
        out.push_str(&format!("help: {help}\n"));
    }
    out
}

/// Each configuration error as a graphical report, then a count when there are several.
pub fn render_config(errors: &ConfigErrors, style: Style) -> String {
    let theme = if style.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler =
        GraphicalReportHandler::new_themed(theme).with_width(style.width).with_links(false).with_break_words(false);
    let mut out = String::new();
    for error in &errors.0 {
        let located = Located::new(error);
        if handler.render_report(&mut out, &located).is_err() {
            // Rendering into a String only fails if a Display impl does; fall back to the line.
            out.push_str(&format!("error: {error}\n"));
        }
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    if errors.0.len() > 1 {
        out.push_str(&format!("error: {} problems in the configuration\n", errors.0.len()));
    }
    out
}

/// A configuration error with its file named, so the report frame shows `file:line:col`.
struct Located<'a> {
    error: &'a ConfigError,
    source: Option<NamedSource<Arc<str>>>,
}

impl<'a> Located<'a> {
    fn new(error: &'a ConfigError) -> Self {
        let source = error.location.as_ref().map(|l| tug_config::error::named_source(&l.file));
        Located { error, source }
    }
}

impl fmt::Debug for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.error, f)
    }
}

impl fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.error, f)
    }
}

impl std::error::Error for Located<'_> {}

impl Diagnostic for Located<'_> {
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.error.help()
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.error.labels()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tug_config::{Location, SourceFile, Span};

    fn error_at(text: &str, needle: &str, message: &str) -> ConfigError {
        let file = Arc::new(SourceFile::plain("config/deploy.yml", text));
        let start = text.find(needle).expect("needle in text");
        ConfigError::new(message)
            .at(Some(Location { file, span: Span::new(start, needle.len()) }))
            .label("not a `proxy` setting")
            .help("did you mean `healthcheck`?")
    }

    #[test]
    fn config_error_names_file_line_and_column_without_colour() {
        let text = "service: app\nproxy:\n  helthcheck:\n    path: /up\n";
        let errors = ConfigErrors(vec![error_at(text, "helthcheck", "unknown key `helthcheck` in `proxy`")]);
        let out = render_config(&errors, Style::PLAIN);
        assert!(out.contains("× unknown key `helthcheck` in `proxy`"), "{out}");
        assert!(out.contains("config/deploy.yml:3:3"), "{out}");
        assert!(out.contains("not a `proxy` setting"), "{out}");
        assert!(out.contains("help: did you mean `healthcheck`?"), "{out}");
        assert!(!out.contains('\u{1b}'), "no escape codes: {out}");
        assert!(!out.contains("problems in the configuration"), "{out}");
    }

    #[test]
    fn several_config_errors_end_with_a_count() {
        let text = "service: app\nimage: x\n";
        let errors = ConfigErrors(vec![
            error_at(text, "service", "first"),
            ConfigError::new("second without a location").at_key("registry"),
        ]);
        let out = render_config(&errors, Style::PLAIN);
        assert!(out.contains("× first"), "{out}");
        assert!(out.contains("× second without a location"), "{out}");
        assert!(out.ends_with("error: 2 problems in the configuration\n"), "{out}");
    }

    #[test]
    fn what_tug_does_not_do_is_one_line() {
        let e = Error::kamal_1_migration("proxy upgrade");
        assert_eq!(
            render(&e, Style::PLAIN),
            "error: `tug proxy upgrade` is Kamal's migration from 1.x (Traefik) to 2.0, which Tug does not do: migrate those servers with Kamal 2 first, then use Tug\n"
        );
        assert_eq!(e.exit_status(), ExitStatus::Failure);
    }

    #[test]
    fn errors_as_json_events() {
        let e = Error::UnknownCommand { name: "deplyo".into(), suggestion: Some("deploy".into()) };
        let events = json_events(&e);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["event"], "error");
        assert_eq!(events[0]["message"], "unknown command `deplyo`");
        assert_eq!(events[0]["exit_status"], 2);
        assert!(events[0]["help"].as_str().is_some_and(|h| h.contains("did you mean `deploy`")));
        let text = "service: app\nproxy:\n  helthcheck:\n";
        let errors = ConfigErrors(vec![error_at(text, "helthcheck", "unknown key")]);
        let events = json_events(&Error::Config(errors));
        assert_eq!((events[0]["file"].as_str(), events[0]["line"].as_u64()), (Some("config/deploy.yml"), Some(3)));
        assert!(wants_json(&["tug".into(), "config".into(), "--json".into()]));
        assert!(!wants_json(&["tug".into(), "app".into(), "exec".into(), "--".into(), "--json".into()]));
    }

    #[test]
    fn unknown_command_suggests() {
        let e = Error::UnknownCommand { name: "deplyo".into(), suggestion: Some("deploy".into()) };
        assert_eq!(
            render(&e, Style::PLAIN),
            "error: unknown command `deplyo`\nhelp: did you mean `deploy`? `tug help` lists the commands\n"
        );
        assert_eq!(e.exit_status(), ExitStatus::Invalid);
    }
}
