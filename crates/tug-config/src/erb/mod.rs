//! The ERB subset that real `deploy.yml` files use, evaluated before YAML parsing.
//!
//! Kamal renders every config file with Ruby's ERB in `trim_mode: "-"`. Tug has no Ruby, so this
//! module implements the part of ERB and Ruby that deploy configs actually contain, with Ruby's
//! results, and refuses everything else with an error that names the expression and its place in
//! the template (never a silent empty string).
//!
//! Tags: `<%= expr %>` writes a value, `<% code %>` runs code, `<%# … %>` is a comment, `-%>` drops
//! the newline that follows the tag, `<%-` at the start of a line drops the indentation before it,
//! and `<%%` writes a literal `<%`.
//!
//! Code: `ENV["X"]`, `ENV.fetch("X")` with an optional default argument or `{ block }`,
//! `ENV.key?("X")`, string literals (double-quoted ones with escapes and `#{…}`), `nil`, `true`,
//! `false`, integers, `( … )`, `!`, `==`, `!=`, `&&`, `||`, `c ? a : b`, `a if c`, `a unless c`,
//! the methods `.to_s`, `.strip`, `.lstrip`, `.rstrip`, `.chomp`, `.downcase`, `.upcase`, `.nil?`,
//! `.empty?`, `.present?`, `.blank?` (also through `&.`), command output through `%x(…)` and
//! backticks, and `if`/`elsif`/`else`/`unless`/`end` across tags. Truthiness is Ruby's: only `nil`
//! and `false` are false, so an empty string is true.
//!
//! [`render`] returns the text together with a line map, so that a YAML error in the rendered
//! text can be reported at the template line the user wrote.

mod eval;
mod parse;
mod scan;

use crate::source::Span;
use eval::Eval;
use parse::{Expr, Parser};
use scan::{Segment, Tag, TagKind, scan};

/// What ERB code may reach outside the template: environment variables and shell commands.
pub struct ErbEnv<'a> {
    /// Environment lookup (the loader overlays KAMAL_DESTINATION on the process env).
    pub var: &'a dyn Fn(&str) -> Option<String>,
    /// Runs a shell command for %x()/backticks; Ok(stdout) or Err(message).
    pub run: &'a dyn Fn(&str) -> Result<String, String>,
}

/// A rendered template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The text after ERB, ready for the YAML parser.
    pub text: String,
    /// For each 0-based line of `text` (split on `\n`, so a final newline yields a last, empty
    /// line), the 0-based template line it came from.
    pub line_map: Vec<usize>,
}

/// Why a template could not be rendered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ErbError {
    /// What went wrong: lowercase, no trailing period, expressions in backticks.
    pub message: String,
    /// byte range in the template of the offending tag or expression
    pub span: Span,
    /// What the user can do about it.
    pub help: Option<String>,
}

/// Fast path: true when the text contains `<%`, that is when [`render`] has work to do; without
/// it the text is its own rendering, line for line.
pub fn has_erb(template: &str) -> bool {
    template.contains("<%")
}

/// Renders `template` as Ruby's `ERB.new(template, trim_mode: "-").result` would, for the
/// supported subset.
///
/// The whole template is parsed before anything runs, so an unsupported expression is reported
/// even inside a branch that would not be taken. Environment lookups and commands run only where
/// Ruby would run them (taken branches, the right side of `||`/`&&` only when needed).
pub fn render(template: &str, env: &ErbEnv) -> Result<Rendered, ErbError> {
    let segments = scan(template)?;
    let lines = LineIndex::new(template);
    let nodes = build(&lines, segments)?;
    let mut out = Out::default();
    let eval = Eval { env, template, lines: &lines };
    eval.nodes(&nodes, &mut out)?;
    Ok(out.finish(lines.last_line()))
}

/// Said for every expression outside the subset.
const SUPPORTED_HELP: &str = "Tug evaluates ENV[...], ENV.fetch(...), string literals, ||, &&, \
     %x(...)/backticks and if/unless/else/end; move other logic into an environment variable";

/// How deep expressions and `if` blocks may nest; keeps recursion bounded on any input.
const MAX_DEPTH: usize = 48;

// ---------------------------------------------------------------------------------------------
// The template tree: text, outputs and `if` blocks.

#[derive(Debug)]
enum Node {
    Text(usize, usize),
    Percent(usize),
    /// `<%= expr %>`; the line of the tag is where its output lines come from.
    Output(Expr, usize),
    /// `<% expr %>`: evaluated for its errors (e.g. a required `ENV.fetch`), output dropped.
    Run(Expr),
    If(Vec<Branch>, Option<Vec<Node>>),
}

#[derive(Debug)]
struct Branch {
    cond: Expr,
    /// `unless`: the body runs when the condition is false.
    negate: bool,
    body: Vec<Node>,
}

/// An `if`/`unless` being read.
struct Frame {
    done: Vec<Branch>,
    /// The condition of the branch being read; `None` once `else` is reached.
    cond: Option<(Expr, bool)>,
    body: Vec<Node>,
    is_unless: bool,
    open: Span,
}

impl Frame {
    /// Ends the branch being read (not the `else` body); false when already in `else`.
    fn close_branch(&mut self) -> bool {
        let Some((cond, negate)) = self.cond.take() else {
            return false;
        };
        let body = std::mem::take(&mut self.body);
        self.done.push(Branch { cond, negate, body });
        true
    }
}

/// A code tag, classified.
enum Stmt {
    Nothing,
    Run(Expr),
    If(Expr, bool),
    Elsif(Expr),
    Else,
    End,
}

fn build(lines: &LineIndex, segments: Vec<Segment>) -> Result<Vec<Node>, ErbError> {
    let mut root = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    for segment in segments {
        let body = match stack.last_mut() {
            Some(frame) => &mut frame.body,
            None => &mut root,
        };
        let tag = match segment {
            Segment::Text(s, e) => {
                body.push(Node::Text(s, e));
                continue;
            }
            Segment::Percent(at) => {
                body.push(Node::Percent(at));
                continue;
            }
            Segment::Tag(tag) => tag,
        };
        match tag.kind {
            TagKind::Comment => {}
            TagKind::Output => {
                let expr = parse_tag_expr(&tag)?;
                let line = lines.line_of(tag.span.start);
                body.push(Node::Output(expr, line));
            }
            TagKind::Code => match classify(&tag)? {
                Stmt::Nothing => {}
                Stmt::Run(expr) => body.push(Node::Run(expr)),
                Stmt::If(cond, negate) => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(ErbError {
                            message: "ERB `if`/`unless` blocks are nested too deeply".into(),
                            span: tag.span,
                            help: Some(SUPPORTED_HELP.into()),
                        });
                    }
                    stack.push(Frame {
                        done: Vec::new(),
                        cond: Some((cond, negate)),
                        body: Vec::new(),
                        is_unless: negate,
                        open: tag.span,
                    });
                }
                Stmt::Elsif(cond) => {
                    let Some(frame) = stack.last_mut() else {
                        return Err(stray(&tag, "elsif"));
                    };
                    if frame.is_unless {
                        return Err(ErbError {
                            message: "`elsif` cannot follow `unless`".into(),
                            span: tag.span,
                            help: Some("use `if` with a negated condition, or nest another `if`".into()),
                        });
                    }
                    if !frame.close_branch() {
                        return Err(ErbError {
                            message: "`elsif` after `else`".into(),
                            span: tag.span,
                            help: Some("move the `elsif` branch before `<% else %>`".into()),
                        });
                    }
                    frame.cond = Some((cond, false));
                }
                Stmt::Else => {
                    let Some(frame) = stack.last_mut() else {
                        return Err(stray(&tag, "else"));
                    };
                    if !frame.close_branch() {
                        return Err(ErbError {
                            message: "second `else` in the same `if`".into(),
                            span: tag.span,
                            help: Some("an `if` takes one `<% else %>`; remove one of them".into()),
                        });
                    }
                }
                Stmt::End => {
                    let Some(mut frame) = stack.pop() else {
                        return Err(stray(&tag, "end"));
                    };
                    let in_else = !frame.close_branch();
                    let else_body = in_else.then(|| std::mem::take(&mut frame.body));
                    let parent = match stack.last_mut() {
                        Some(frame) => &mut frame.body,
                        None => &mut root,
                    };
                    parent.push(Node::If(frame.done, else_body));
                }
            },
        }
    }
    if let Some(frame) = stack.last() {
        let keyword = if frame.is_unless { "unless" } else { "if" };
        return Err(ErbError {
            message: format!("`{keyword}` without a matching `<% end %>`"),
            span: frame.open,
            help: Some("add `<% end %>` after the lines it should guard".into()),
        });
    }
    Ok(root)
}

fn stray(tag: &Tag, keyword: &str) -> ErbError {
    ErbError {
        message: format!("`{keyword}` without a matching `<% if %>` or `<% unless %>`"),
        span: tag.span,
        help: Some("remove it, or open the block with `<% if … %>`".into()),
    }
}

/// Reads the code of a `<% %>` tag as a statement.
fn classify(tag: &Tag) -> Result<Stmt, ErbError> {
    let code = tag.code.as_str();
    let lead = code.len() - code.trim_start_matches(is_ruby_space).len();
    let rest = &code[lead..];
    if rest.trim_end_matches(is_ruby_space).is_empty() {
        return Ok(Stmt::Nothing);
    }
    if rest.starts_with('#') {
        // A Ruby comment in a code tag. Ruby ends it at the next newline of the code it
        // generates, which after `-%>` is right there; otherwise it silently swallows the text
        // that follows on the line, which Tug refuses to guess at.
        if tag.trimmed_newline && !rest.contains('\n') {
            return Ok(Stmt::Nothing);
        }
        return Err(ErbError {
            message: format!("Ruby comment `{}` inside `<% %>`", code.trim()),
            span: tag.code_span(),
            help: Some("in Ruby such a comment also hides the text after it; write comments as `<%# … %>`".into()),
        });
    }
    let word_len = rest.bytes().take_while(|c| c.is_ascii_alphanumeric() || *c == b'_').count();
    let word = &rest[..word_len];
    let after = lead + word_len;
    match word {
        "if" | "unless" | "elsif" => {
            let mut p = Parser::new(tag, after);
            let cond = p.statement_condition()?;
            Ok(match word {
                "if" => Stmt::If(cond, false),
                "unless" => Stmt::If(cond, true),
                _ => Stmt::Elsif(cond),
            })
        }
        "else" | "end" if code[after..].trim_matches(is_ruby_space).is_empty() => {
            Ok(if word == "else" { Stmt::Else } else { Stmt::End })
        }
        _ => parse_tag_expr(tag).map(Stmt::Run),
    }
}

/// Parses the code of a tag as one expression, with `if`/`unless` modifiers.
fn parse_tag_expr(tag: &Tag) -> Result<Expr, ErbError> {
    Parser::new(tag, 0).statement_expr()
}

/// `s[start..end]`, or `""` if that is not a valid range (it always is for our callers).
fn slice(s: &str, start: usize, end: usize) -> &str {
    s.get(start..end).unwrap_or_default()
}

fn is_ruby_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

// ---------------------------------------------------------------------------------------------
// Output with its line map.

/// Start offsets of template lines.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).saturating_sub(1)
    }

    fn last_line(&self) -> usize {
        self.starts.len() - 1
    }
}

#[derive(Default)]
struct Out {
    text: String,
    line_map: Vec<usize>,
    /// The current output line has no byte yet, so its origin is still unknown.
    started: bool,
}

impl Out {
    /// Appends `s`, whose first byte comes from template line `line`; with `advance`, each
    /// newline in `s` moves to the next template line (template text), otherwise all of `s` maps
    /// to `line` (an expression's value).
    fn push(&mut self, s: &str, mut line: usize, advance: bool) {
        for (i, piece) in s.split('\n').enumerate() {
            if i > 0 {
                if !self.started {
                    self.line_map.push(line);
                }
                self.text.push('\n');
                self.started = false;
                if advance {
                    line += 1;
                }
            }
            if !piece.is_empty() {
                if !self.started {
                    self.line_map.push(line);
                    self.started = true;
                }
                self.text.push_str(piece);
            }
        }
    }

    fn finish(mut self, last_line: usize) -> Rendered {
        if !self.started {
            self.line_map.push(last_line);
        }
        Rendered { text: self.text, line_map: self.line_map }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_finds_lines() {
        let lines = LineIndex::new("ab\ncd\n");
        assert_eq!(lines.line_of(0), 0);
        assert_eq!(lines.line_of(2), 0);
        assert_eq!(lines.line_of(3), 1);
        assert_eq!(lines.line_of(6), 2);
        assert_eq!(lines.line_of(99), 2);
        assert_eq!(lines.last_line(), 2);
    }

    #[test]
    fn out_maps_each_line_once() {
        let mut out = Out::default();
        out.push("a\nb", 0, true);
        out.push("x\ny\n", 7, false);
        out.push("\n", 3, true);
        let r = out.finish(9);
        assert_eq!(r.text, "a\nbx\ny\n\n");
        assert_eq!(r.line_map, vec![0, 1, 7, 3, 9]);
    }

    #[test]
    fn tag_code_maps_back_across_escapes() {
        let template = "<%= \"<%%\" + x %>";
        let segments = scan(template).expect("scans");
        let Some(Segment::Tag(tag)) = segments.first() else {
            panic!("expected a tag, got {segments:?}");
        };
        assert_eq!(tag.code, " \"<%\" + x ");
        // `x` is at code offset 8 and template offset 12.
        assert_eq!(tag.to_template(8), 12);
        assert_eq!(tag.code_span(), Span::new(4, 9));
    }

    #[test]
    fn dash_open_trims_only_at_line_start() {
        let segments = scan("a\n \t<%- x %>").expect("scans");
        assert!(matches!(segments.first(), Some(Segment::Text(0, 2))));
        let segments = scan("a \t<%- x %>").expect("scans");
        assert!(matches!(segments.first(), Some(Segment::Text(0, 3))));
    }
}
