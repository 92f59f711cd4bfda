//! String literals: single- and double-quoted strings, backticks and `%x(…)`, with Ruby's
//! escapes and `#{…}` interpolation.

use super::{Expr, Kind, PResult, Parser, Part, Unsupported};
use crate::erb::is_ruby_space;

impl Parser<'_> {
    fn unterminated(&self) -> Unsupported {
        Unsupported::specific(
            format!("unterminated string in ERB expression `{}`", self.code_trimmed()),
            "close the string before the `%>` that ends the tag",
        )
    }

    /// A single-quoted string after its opening quote: only `\\` and `\'` are escapes.
    pub(super) fn single_quoted(&mut self) -> PResult<String> {
        let mut s = String::new();
        loop {
            match self.bump() {
                None => return Err(self.unterminated()),
                Some('\'') => return Ok(s),
                Some('\\') => match self.peek() {
                    Some(c @ ('\\' | '\'')) => {
                        self.pos += 1;
                        s.push(c);
                    }
                    _ => s.push('\\'),
                },
                Some(c) => s.push(c),
            }
        }
    }

    /// The body of a double-quoted string, backtick command or `%x` literal after its opening
    /// delimiter: escapes and `#{…}` interpolation; `nest` is the opening bracket when brackets
    /// nest.
    pub(super) fn interpolated(&mut self, nest: Option<char>, close: char) -> PResult<Vec<Part>> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut level = 0usize;
        loop {
            let Some(c) = self.bump() else {
                return Err(self.unterminated());
            };
            match c {
                '\\' => self.escape(&mut lit)?,
                '#' if self.peek() == Some('{') => {
                    self.pos += 1;
                    if !lit.is_empty() {
                        parts.push(Part::Lit(std::mem::take(&mut lit)));
                    }
                    let saved = self.depth;
                    self.enter()?;
                    self.skip_space();
                    let expr = if self.rest().starts_with('}') {
                        Expr { kind: Kind::Nil, span: self.span_from(self.pos) }
                    } else {
                        self.modified()?
                    };
                    self.skip_space();
                    if !self.eat("}") {
                        return Err(Unsupported::generic());
                    }
                    self.depth = saved;
                    parts.push(Part::Interp(expr));
                }
                '#' if self.interpolates_variable() => {
                    return Err(Unsupported::specific(
                        format!(
                            "`#{}` in a string interpolates a Ruby variable in ERB expression `{}`",
                            self.peek().unwrap_or('$'),
                            self.code_trimmed()
                        ),
                        "escape the `#` as `\\#` to keep it literal",
                    ));
                }
                c if c == close && level == 0 => {
                    if !lit.is_empty() {
                        parts.push(Part::Lit(lit));
                    }
                    return Ok(parts);
                }
                c if c == close => {
                    level -= 1;
                    lit.push(c);
                }
                c if Some(c) == nest => {
                    level += 1;
                    lit.push(c);
                }
                c => lit.push(c),
            }
        }
    }

    /// After `#`: is this `#$var`, `#@var` or `#@@var`, which Ruby interpolates?
    fn interpolates_variable(&self) -> bool {
        let ident_start = |c: Option<char>| c.is_some_and(|c| c.is_alphabetic() || c == '_');
        match self.peek() {
            Some('$') => self.peek_at(1).is_some_and(|c| !is_ruby_space(c)),
            Some('@') => ident_start(self.peek_at(1)) || self.peek_at(1) == Some('@'),
            _ => false,
        }
    }

    /// One escape sequence in a double-quoted string, after the backslash.
    fn escape(&mut self, out: &mut String) -> PResult<()> {
        let Some(c) = self.bump() else {
            return Err(self.unterminated());
        };
        let simple = match c {
            'n' => Some('\n'),
            't' => Some('\t'),
            's' => Some(' '),
            'r' => Some('\r'),
            'a' => Some('\x07'),
            'b' => Some('\x08'),
            'e' => Some('\x1b'),
            'f' => Some('\x0c'),
            'v' => Some('\x0b'),
            _ => None,
        };
        if let Some(s) = simple {
            out.push(s);
            return Ok(());
        }
        match c {
            '\n' => {} // line continuation
            '0'..='7' => {
                let mut value = c.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match self.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            value = value * 8 + d;
                            self.pos += 1;
                        }
                        None => break,
                    }
                }
                self.push_byte(out, value & 0xff)?;
            }
            'x' => {
                let mut value = None;
                for _ in 0..2 {
                    match self.peek().and_then(|d| d.to_digit(16)) {
                        Some(d) => {
                            value = Some(value.unwrap_or(0) * 16 + d);
                            self.pos += 1;
                        }
                        None => break,
                    }
                }
                let value = value.ok_or_else(Unsupported::generic)?;
                self.push_byte(out, value)?;
            }
            'u' => {
                if self.eat("{") {
                    let mut any = false;
                    loop {
                        while matches!(self.peek(), Some(' ' | '\t')) {
                            self.pos += 1;
                        }
                        if self.eat("}") {
                            break;
                        }
                        let hex = self.hex_digits(6);
                        if hex.is_empty() {
                            return Err(Unsupported::generic());
                        }
                        out.push(self.code_point(&hex)?);
                        any = true;
                    }
                    if !any {
                        return Err(Unsupported::generic());
                    }
                } else {
                    let hex = self.hex_digits(4);
                    if hex.len() != 4 {
                        return Err(Unsupported::generic());
                    }
                    out.push(self.code_point(&hex)?);
                }
            }
            'c' | 'C' | 'M' => return Err(Unsupported::generic()),
            other => out.push(other),
        }
        Ok(())
    }

    fn hex_digits(&mut self, max: usize) -> String {
        let mut hex = String::new();
        while hex.len() < max {
            match self.peek() {
                Some(d) if d.is_ascii_hexdigit() => {
                    hex.push(d);
                    self.pos += 1;
                }
                _ => break,
            }
        }
        hex
    }

    fn code_point(&self, hex: &str) -> PResult<char> {
        u32::from_str_radix(hex, 16).ok().and_then(char::from_u32).ok_or_else(Unsupported::generic)
    }

    /// A byte from `\NNN` or `\xHH`: ASCII only, since the result must stay UTF-8.
    fn push_byte(&self, out: &mut String, value: u32) -> PResult<()> {
        match u8::try_from(value) {
            Ok(b) if b.is_ascii() => {
                out.push(char::from(b));
                Ok(())
            }
            _ => Err(Unsupported::specific(
                format!("escape for a non-ASCII byte in ERB expression `{}`", self.code_trimmed()),
                "write the character itself, or use `\\u{…}`",
            )),
        }
    }
}
