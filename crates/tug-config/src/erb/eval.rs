//! Evaluates parsed templates with Ruby's values and truthiness.

use super::parse::{Expr, Kind, Method, Part};
use super::{ErbEnv, ErbError, LineIndex, Node, Out, is_ruby_space, slice};
use crate::source::Span;

/// A Ruby value of the subset.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Nil,
    Bool(bool),
    Str(String),
    Int(String),
}

impl Value {
    /// Ruby truthiness: only `nil` and `false` are false.
    fn truthy(&self) -> bool {
        !matches!(self, Value::Nil | Value::Bool(false))
    }

    /// Ruby's `to_s`.
    fn into_string(self) -> String {
        match self {
            Value::Nil => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Str(s) | Value::Int(s) => s,
        }
    }

    /// How Ruby names the receiver in a `NoMethodError`.
    fn describe(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Bool(true) => "true",
            Value::Bool(false) => "false",
            Value::Str(_) => "a string",
            Value::Int(_) => "an integer",
        }
    }
}

/// Evaluates a template tree against the environment.
pub(super) struct Eval<'a> {
    pub(super) env: &'a ErbEnv<'a>,
    pub(super) template: &'a str,
    pub(super) lines: &'a LineIndex,
}

impl Eval<'_> {
    pub(super) fn nodes(&self, nodes: &[Node], out: &mut Out) -> Result<(), ErbError> {
        for node in nodes {
            match node {
                Node::Text(s, e) => {
                    out.push(slice(self.template, *s, *e), self.lines.line_of(*s), true);
                }
                Node::Percent(at) => out.push("<%", self.lines.line_of(*at), false),
                Node::Output(expr, line) => {
                    let text = self.eval(expr)?.into_string();
                    out.push(&text, *line, false);
                }
                Node::Run(expr) => {
                    self.eval(expr)?;
                }
                Node::If(branches, else_body) => {
                    let mut taken = false;
                    for branch in branches {
                        if self.eval(&branch.cond)?.truthy() != branch.negate {
                            self.nodes(&branch.body, out)?;
                            taken = true;
                            break;
                        }
                    }
                    if let (false, Some(body)) = (taken, else_body) {
                        self.nodes(body, out)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn text(&self, span: Span) -> &str {
        slice(self.template, span.start, span.start + span.len).trim_matches(is_ruby_space)
    }

    fn eval(&self, e: &Expr) -> Result<Value, ErbError> {
        Ok(match &e.kind {
            Kind::Nil => Value::Nil,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Int(s) => Value::Int(s.clone()),
            Kind::Str(parts) => Value::Str(self.parts(parts)?),
            Kind::Command(parts) => {
                let cmd = self.parts(parts)?;
                match (self.env.run)(&cmd) {
                    Ok(stdout) => Value::Str(stdout),
                    Err(why) => {
                        return Err(ErbError {
                            message: format!("command `{cmd}` in ERB failed: {why}"),
                            span: e.span,
                            help: Some(
                                "the command runs while the config is read; fix it, or pass its \
                                 result in an environment variable"
                                    .into(),
                            ),
                        });
                    }
                }
            }
            Kind::EnvIndex(key) => {
                let name = self.env_key(key)?;
                (self.env.var)(&name).map_or(Value::Nil, Value::Str)
            }
            Kind::EnvKey(key) => {
                let name = self.env_key(key)?;
                Value::Bool((self.env.var)(&name).is_some())
            }
            Kind::EnvFetch { key, default, block } => {
                let name = self.env_key(key)?;
                // Ruby evaluates an argument before the call, but a block only when needed; a
                // block wins over a default argument.
                let default = match default {
                    Some(d) => Some(self.eval(d)?),
                    None => None,
                };
                match (self.env.var)(&name) {
                    Some(v) => Value::Str(v),
                    None => match (block, default) {
                        (Some(b), _) => self.eval(b)?,
                        (None, Some(d)) => d,
                        (None, None) => {
                            return Err(ErbError {
                                message: format!(
                                    "environment variable `{name}` is not set (ENV.fetch without a default)"
                                ),
                                span: e.span,
                                help: Some(format!(
                                    "set it (`export {name}=…`) before running Tug, or give a default: `ENV.fetch(\"{name}\", \"…\")`"
                                )),
                            });
                        }
                    },
                }
            }
            Kind::Not(inner) => Value::Bool(!self.eval(inner)?.truthy()),
            Kind::And(l, r) => {
                let left = self.eval(l)?;
                if left.truthy() { self.eval(r)? } else { left }
            }
            Kind::Or(l, r) => {
                let left = self.eval(l)?;
                if left.truthy() { left } else { self.eval(r)? }
            }
            Kind::Eq { left, right, negate } => {
                let l = self.eval(left)?;
                let r = self.eval(right)?;
                Value::Bool((l == r) != *negate)
            }
            Kind::Cond { cond, then, otherwise } => {
                let branch = if self.eval(cond)?.truthy() { then } else { otherwise };
                match branch {
                    Some(b) => self.eval(b)?,
                    None => Value::Nil,
                }
            }
            Kind::Call { recv, method, safe } => {
                let value = self.eval(recv)?;
                if *safe && value == Value::Nil {
                    return Ok(Value::Nil);
                }
                self.call(value, *method, e)?
            }
        })
    }

    fn parts(&self, parts: &[Part]) -> Result<String, ErbError> {
        let mut s = String::new();
        for part in parts {
            match part {
                Part::Lit(l) => s.push_str(l),
                Part::Interp(e) => s.push_str(&self.eval(e)?.into_string()),
            }
        }
        Ok(s)
    }

    fn env_key(&self, key: &Expr) -> Result<String, ErbError> {
        match self.eval(key)? {
            Value::Str(s) => Ok(s),
            other => Err(ErbError {
                message: format!(
                    "environment variable name in `{}` is {}, not a string",
                    self.text(key.span),
                    other.describe()
                ),
                span: key.span,
                help: Some("name the variable with a string, e.g. `ENV[\"VERSION\"]`".into()),
            }),
        }
    }

    fn call(&self, value: Value, method: Method, e: &Expr) -> Result<Value, ErbError> {
        let blank = |v: &Value| match v {
            Value::Nil | Value::Bool(false) => true,
            Value::Str(s) => s.chars().all(char::is_whitespace),
            Value::Bool(true) | Value::Int(_) => false,
        };
        Ok(match (method, value) {
            (Method::ToS, v) => Value::Str(v.into_string()),
            (Method::IsNil, v) => Value::Bool(v == Value::Nil),
            (Method::Present, v) => Value::Bool(!blank(&v)),
            (Method::Blank, v) => Value::Bool(blank(&v)),
            (Method::Strip, Value::Str(s)) => Value::Str(s.trim_matches(is_strip_space).to_string()),
            (Method::Lstrip, Value::Str(s)) => Value::Str(s.trim_start_matches(is_strip_space).to_string()),
            (Method::Rstrip, Value::Str(s)) => Value::Str(s.trim_end_matches(is_strip_space).to_string()),
            (Method::Chomp, Value::Str(s)) => Value::Str(chomp(&s).to_string()),
            (Method::Downcase, Value::Str(s)) => Value::Str(s.to_lowercase()),
            (Method::Upcase, Value::Str(s)) => Value::Str(s.to_uppercase()),
            (Method::IsEmpty, Value::Str(s)) => Value::Bool(s.is_empty()),
            (method, v) => {
                let receiver = match &e.kind {
                    Kind::Call { recv, .. } => self.text(recv.span),
                    _ => self.text(e.span),
                };
                let hint = if v == Value::Nil {
                    format!(
                        "`{receiver}` is nil (an unset variable?); use `&.{}`, `.to_s` first, or \
                         `ENV.fetch` with a default",
                        method.name()
                    )
                } else {
                    format!("`.{}` works on strings only", method.name())
                };
                return Err(ErbError {
                    message: format!(
                        "undefined method `{}` for {} in `{}`",
                        method.name(),
                        v.describe(),
                        self.text(e.span)
                    ),
                    span: e.span,
                    help: Some(hint),
                });
            }
        })
    }
}

/// Ruby's `String#strip` set: whitespace and NUL.
pub(super) fn is_strip_space(c: char) -> bool {
    is_ruby_space(c) || c == '\0'
}

/// Ruby's `String#chomp` without arguments: drops one `\r\n`, `\n` or `\r` at the end.
pub(super) fn chomp(s: &str) -> &str {
    s.strip_suffix("\r\n").or_else(|| s.strip_suffix('\n')).or_else(|| s.strip_suffix('\r')).unwrap_or(s)
}
