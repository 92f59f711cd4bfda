//! Ruby expressions inside a tag: the AST and a recursive-descent parser for the subset.

mod literal;

use super::scan::Tag;
use super::{ErbError, MAX_DEPTH, SUPPORTED_HELP, is_ruby_space, slice};
use crate::source::Span;

/// A parsed Ruby expression.
#[derive(Debug)]
pub(super) struct Expr {
    pub(super) kind: Kind,
    /// Where the expression is in the template.
    pub(super) span: Span,
}

/// The expressions of the subset.
#[derive(Debug)]
pub(super) enum Kind {
    Nil,
    Bool(bool),
    /// Decimal digits with an optional `-`, as Ruby prints the integer.
    Int(String),
    Str(Vec<Part>),
    /// `%x(…)` or backticks.
    Command(Vec<Part>),
    EnvIndex(Box<Expr>),
    EnvFetch {
        key: Box<Expr>,
        default: Option<Box<Expr>>,
        block: Option<Box<Expr>>,
    },
    EnvKey(Box<Expr>),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Eq {
        left: Box<Expr>,
        right: Box<Expr>,
        negate: bool,
    },
    /// `c ? a : b`; also `a if c` (no else) and `a unless c` (no then).
    Cond {
        cond: Box<Expr>,
        then: Option<Box<Expr>>,
        otherwise: Option<Box<Expr>>,
    },
    Call {
        recv: Box<Expr>,
        method: Method,
        safe: bool,
    },
}

/// A piece of an interpolating literal.
#[derive(Debug)]
pub(super) enum Part {
    Lit(String),
    Interp(Expr),
}

/// The methods Tug evaluates on values.
#[derive(Debug, Clone, Copy)]
pub(super) enum Method {
    ToS,
    Strip,
    Lstrip,
    Rstrip,
    Chomp,
    Downcase,
    Upcase,
    IsNil,
    IsEmpty,
    Present,
    Blank,
}

impl Method {
    fn from_name(name: &str) -> Option<Method> {
        Some(match name {
            "to_s" => Method::ToS,
            "strip" => Method::Strip,
            "lstrip" => Method::Lstrip,
            "rstrip" => Method::Rstrip,
            "chomp" => Method::Chomp,
            "downcase" => Method::Downcase,
            "upcase" => Method::Upcase,
            "nil?" => Method::IsNil,
            "empty?" => Method::IsEmpty,
            "present?" => Method::Present,
            "blank?" => Method::Blank,
            _ => return None,
        })
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Method::ToS => "to_s",
            Method::Strip => "strip",
            Method::Lstrip => "lstrip",
            Method::Rstrip => "rstrip",
            Method::Chomp => "chomp",
            Method::Downcase => "downcase",
            Method::Upcase => "upcase",
            Method::IsNil => "nil?",
            Method::IsEmpty => "empty?",
            Method::Present => "present?",
            Method::Blank => "blank?",
        }
    }
}

/// Why parsing stopped: either outside the subset (the generic message) or a specific problem.
pub(super) struct Unsupported {
    pub(super) message: Option<String>,
    pub(super) help: Option<String>,
}

impl Unsupported {
    fn generic() -> Self {
        Unsupported { message: None, help: None }
    }

    fn specific(message: impl Into<String>, help: impl Into<String>) -> Self {
        Unsupported { message: Some(message.into()), help: Some(help.into()) }
    }
}

pub(super) type PResult<T> = Result<T, Unsupported>;

/// A recursive-descent parser over the code of one tag.
pub(super) struct Parser<'a> {
    pub(super) tag: &'a Tag,
    pub(super) src: &'a str,
    pub(super) pos: usize,
    pub(super) depth: usize,
}

impl<'a> Parser<'a> {
    pub(super) fn new(tag: &'a Tag, start: usize) -> Self {
        Parser { tag, src: &tag.code, pos: start, depth: 0 }
    }

    /// Turns a parse failure into an error about the whole tag's code.
    fn fail(&self, u: Unsupported) -> ErbError {
        let code = self.tag.code.trim_matches(is_ruby_space);
        ErbError {
            message: u.message.unwrap_or_else(|| format!("unsupported ERB expression `{code}`")),
            span: self.tag.code_span(),
            help: Some(u.help.unwrap_or_else(|| SUPPORTED_HELP.into())),
        }
    }

    /// The condition of `if`/`unless`/`elsif`, with an optional `then`; nothing may follow.
    pub(super) fn statement_condition(&mut self) -> Result<Expr, ErbError> {
        let run = |p: &mut Self| -> PResult<Expr> {
            p.skip_space();
            let cond = p.ternary()?;
            p.skip_space();
            if p.peek_word() == Some("then") {
                p.pos += 4;
            }
            p.expect_end()?;
            Ok(cond)
        };
        run(self).map_err(|u| self.fail(u))
    }

    /// An expression with `if`/`unless` modifiers, filling the rest of the tag.
    pub(super) fn statement_expr(&mut self) -> Result<Expr, ErbError> {
        let run = |p: &mut Self| -> PResult<Expr> {
            p.skip_space();
            if p.at_end() {
                let at = p.tag.code_span();
                return Ok(Expr { kind: Kind::Nil, span: Span::new(at.start, 0) });
            }
            let expr = p.modified()?;
            p.expect_end()?;
            Ok(expr)
        };
        run(self).map_err(|u| self.fail(u))
    }

    fn expect_end(&mut self) -> PResult<()> {
        self.skip_space();
        if self.at_end() { Ok(()) } else { Err(Unsupported::generic()) }
    }

    // -- characters

    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or_default()
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.rest().chars().nth(n)
    }

    fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    /// Skips whitespace (and `\` line continuations); true if a newline was crossed, which in
    /// Ruby may end the statement.
    fn skip_space(&mut self) -> bool {
        let mut newline = false;
        loop {
            match self.peek() {
                Some('\n') => {
                    newline = true;
                    self.pos += 1;
                }
                Some(c) if is_ruby_space(c) => self.pos += 1,
                Some('\\') if self.peek_at(1) == Some('\n') => self.pos += 2,
                _ => return newline,
            }
        }
    }

    /// Consumes the whitespace and one of `ops` when they come next on the same line (after a
    /// newline Ruby starts a new statement); otherwise consumes nothing.
    fn next_op(&mut self, ops: &[&'static str]) -> Option<&'static str> {
        let save = self.pos;
        if !self.skip_space() {
            let rest = self.rest();
            if let Some(op) = ops.iter().copied().find(|op| rest.starts_with(op)) {
                self.pos += op.len();
                return Some(op);
            }
        }
        self.pos = save;
        None
    }

    fn peek_word(&self) -> Option<&'a str> {
        let rest = self.rest();
        let len = rest.bytes().take_while(|c| c.is_ascii_alphanumeric() || *c == b'_').count();
        let first = rest.bytes().next()?;
        if len == 0 || first.is_ascii_digit() { None } else { rest.get(..len) }
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            Err(Unsupported::specific(
                "ERB expression nested too deeply",
                "simplify the expression, or compute the value in an environment variable",
            ))
        } else {
            Ok(())
        }
    }

    fn span_from(&self, start: usize) -> Span {
        self.tag.span_of(start, self.pos)
    }

    fn node(&self, kind: Kind, start: usize) -> Box<Expr> {
        Box::new(Expr { kind, span: self.span_from(start) })
    }

    // -- grammar, loosest binding first

    /// `expr if cond`, `expr unless cond` (repeatable).
    fn modified(&mut self) -> PResult<Expr> {
        let saved = self.depth;
        let start = self.pos;
        let mut expr = self.ternary()?;
        loop {
            let save = self.pos;
            if self.skip_space() {
                self.pos = save;
                break;
            }
            let negate = match self.peek_word() {
                Some("if") => false,
                Some("unless") => true,
                _ => {
                    self.pos = save;
                    break;
                }
            };
            self.pos += if negate { 6 } else { 2 };
            self.enter()?;
            self.skip_space();
            let cond = self.ternary()?;
            let body = Some(Box::new(expr));
            let (then, otherwise) = if negate { (None, body) } else { (body, None) };
            expr = *self.node(Kind::Cond { cond: Box::new(cond), then, otherwise }, start);
        }
        self.depth = saved;
        Ok(expr)
    }

    /// `cond ? a : b` (with spaces around `?` and `:`, so that Ruby's `?c` and `:sym` literals
    /// never come into it).
    fn ternary(&mut self) -> PResult<Expr> {
        let saved = self.depth;
        self.enter()?;
        let start = self.pos;
        let cond = self.or()?;
        let save = self.pos;
        if self.skip_space() || !self.rest().starts_with('?') {
            self.pos = save;
            self.depth = saved;
            return Ok(cond);
        }
        if !self.peek_at(1).is_some_and(is_ruby_space) {
            return Err(Unsupported::generic());
        }
        self.pos += 1;
        self.skip_space();
        let then = self.ternary()?;
        if self.skip_space() || !self.eat(":") || !self.peek().is_some_and(is_ruby_space) {
            return Err(Unsupported::generic());
        }
        self.skip_space();
        let otherwise = self.ternary()?;
        self.depth = saved;
        Ok(*self.node(
            Kind::Cond { cond: Box::new(cond), then: Some(Box::new(then)), otherwise: Some(Box::new(otherwise)) },
            start,
        ))
    }

    fn or(&mut self) -> PResult<Expr> {
        self.left_assoc("||", Self::and, Kind::Or)
    }

    fn and(&mut self) -> PResult<Expr> {
        self.left_assoc("&&", Self::equality, Kind::And)
    }

    /// `operand (op operand)*`, grouped to the left.
    fn left_assoc(
        &mut self,
        op: &'static str,
        operand: fn(&mut Self) -> PResult<Expr>,
        make: fn(Box<Expr>, Box<Expr>) -> Kind,
    ) -> PResult<Expr> {
        let saved = self.depth;
        let start = self.pos;
        let mut left = operand(self)?;
        while self.next_op(&[op]).is_some() {
            self.enter()?;
            self.skip_space();
            let right = operand(self)?;
            left = *self.node(make(Box::new(left), Box::new(right)), start);
        }
        self.depth = saved;
        Ok(left)
    }

    /// `==` and `!=`; like Ruby, `a == b == c` is refused.
    fn equality(&mut self) -> PResult<Expr> {
        let start = self.pos;
        let left = self.unary()?;
        let negate = match self.next_op(&["==", "!="]) {
            Some("!=") => true,
            Some(_) => false,
            None => return Ok(left),
        };
        if matches!(self.peek(), Some('=' | '~')) {
            return Err(Unsupported::generic());
        }
        self.skip_space();
        let right = self.unary()?;
        if self.next_op(&["==", "!="]).is_some() {
            return Err(Unsupported::generic());
        }
        Ok(*self.node(Kind::Eq { left: Box::new(left), right: Box::new(right), negate }, start))
    }

    fn unary(&mut self) -> PResult<Expr> {
        let start = self.pos;
        if self.rest().starts_with('!') && !matches!(self.peek_at(1), Some('=' | '~')) {
            let saved = self.depth;
            self.enter()?;
            self.pos += 1;
            self.skip_space();
            let inner = self.unary()?;
            self.depth = saved;
            return Ok(*self.node(Kind::Not(Box::new(inner)), start));
        }
        self.postfix()
    }

    /// A primary followed by `.method` / `&.method` calls.
    fn postfix(&mut self) -> PResult<Expr> {
        let saved = self.depth;
        let start = self.pos;
        let mut expr = self.primary()?;
        loop {
            let save = self.pos;
            self.skip_space(); // Ruby lets a chain continue with `.method` on the next line
            let safe = if self.eat("&.") {
                true
            } else if self.rest().starts_with('.') && self.peek_at(1) != Some('.') {
                self.pos += 1;
                false
            } else {
                self.pos = save;
                break;
            };
            self.enter()?;
            let name = self.method_name()?;
            let method = Method::from_name(name).ok_or_else(|| {
                Unsupported::specific(
                    format!("unsupported method `{name}` in ERB expression `{}`", self.code_trimmed()),
                    "the methods Tug evaluates are `to_s`, `strip`, `lstrip`, `rstrip`, `chomp`, \
                     `downcase`, `upcase`, `nil?`, `empty?`, `present?` and `blank?`; move other \
                     logic into an environment variable",
                )
            })?;
            // `.strip()` is allowed; arguments and blocks are not.
            if self.eat("(") {
                self.skip_space();
                if !self.eat(")") {
                    return Err(Unsupported::generic());
                }
            }
            let save = self.pos;
            self.skip_space();
            if self.rest().starts_with('{') {
                return Err(Unsupported::generic());
            }
            self.pos = save;
            expr = *self.node(Kind::Call { recv: Box::new(expr), method, safe }, start);
        }
        self.depth = saved;
        Ok(expr)
    }

    fn code_trimmed(&self) -> &'a str {
        self.src.trim_matches(is_ruby_space)
    }

    /// A method name after `.`: an identifier with an optional `?` or `!`.
    fn method_name(&mut self) -> PResult<&'a str> {
        let start = self.pos;
        let len = self.rest().bytes().take_while(|c| c.is_ascii_alphanumeric() || *c == b'_').count();
        if len == 0 || self.rest().as_bytes()[0].is_ascii_digit() {
            return Err(Unsupported::generic());
        }
        self.pos += len;
        if matches!(self.peek(), Some('?' | '!')) && self.peek_at(1) != Some('=') {
            self.pos += 1;
        }
        Ok(slice(self.src, start, self.pos))
    }

    fn primary(&mut self) -> PResult<Expr> {
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Err(Unsupported::generic());
        };
        match c {
            '"' => {
                self.pos += 1;
                let parts = self.interpolated(None, '"')?;
                Ok(*self.node(Kind::Str(parts), start))
            }
            '\'' => {
                self.pos += 1;
                let s = self.single_quoted()?;
                Ok(*self.node(Kind::Str(vec![Part::Lit(s)]), start))
            }
            '`' => {
                self.pos += 1;
                let parts = self.interpolated(None, '`')?;
                Ok(*self.node(Kind::Command(parts), start))
            }
            '%' if self.peek_at(1) == Some('x') => {
                self.pos += 2;
                let open = self.bump().ok_or_else(Unsupported::generic)?;
                let close = match open {
                    '(' => ')',
                    '[' => ']',
                    '{' => '}',
                    '<' => '>',
                    c if c.is_ascii_punctuation() => c,
                    _ => return Err(Unsupported::generic()),
                };
                let nest = (open != close).then_some(open);
                let parts = self.interpolated(nest, close)?;
                Ok(*self.node(Kind::Command(parts), start))
            }
            '(' => {
                self.pos += 1;
                self.skip_space();
                if self.eat(")") {
                    return Ok(*self.node(Kind::Nil, start));
                }
                let saved = self.depth;
                self.enter()?;
                let inner = self.modified()?;
                self.skip_space();
                if !self.eat(")") {
                    return Err(Unsupported::generic());
                }
                self.depth = saved;
                // The parentheses belong to the expression's span.
                Ok(Expr { kind: inner.kind, span: self.span_from(start) })
            }
            '-' if self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) => {
                self.pos += 1;
                self.integer(start, true)
            }
            '0'..='9' => self.integer(start, false),
            _ => match self.peek_word() {
                Some("nil") => self.keyword(3, Kind::Nil, start),
                Some("true") => self.keyword(4, Kind::Bool(true), start),
                Some("false") => self.keyword(5, Kind::Bool(false), start),
                Some("ENV") => {
                    self.pos += 3;
                    self.env(start)
                }
                _ => Err(Unsupported::generic()),
            },
        }
    }

    fn keyword(&mut self, len: usize, kind: Kind, start: usize) -> PResult<Expr> {
        self.pos += len;
        // A bare `nil?` or `true!` would be a method call on Ruby's `main` object.
        let suffix = match self.peek() {
            Some('?') => true,
            Some('!') => self.peek_at(1) != Some('='),
            _ => false,
        };
        if suffix {
            return Err(Unsupported::generic());
        }
        Ok(*self.node(kind, start))
    }

    /// Decimal integers (`1_000` included); octal, hex, binary and floats are outside the subset.
    fn integer(&mut self, start: usize, negative: bool) -> PResult<Expr> {
        let digits_start = self.pos;
        let mut digits = String::new();
        let mut last_underscore = false;
        while let Some(c) = self.peek() {
            match c {
                '0'..='9' => {
                    digits.push(c);
                    last_underscore = false;
                }
                '_' if !last_underscore && !digits.is_empty() => last_underscore = true,
                _ => break,
            }
            self.pos += 1;
        }
        let leading_zero = digits.len() > 1 && digits.starts_with('0');
        let bad_tail = match self.peek() {
            Some('.') => self.peek_at(1).is_some_and(|c| c.is_ascii_digit()),
            Some(c) => c.is_alphanumeric() || c == '_',
            None => false,
        };
        if last_underscore || leading_zero || bad_tail || self.pos == digits_start {
            return Err(Unsupported::generic());
        }
        let text = if negative && digits != "0" { format!("-{digits}") } else { digits };
        Ok(*self.node(Kind::Int(text), start))
    }

    /// After `ENV`: `[key]`, `.fetch(…)`, `.key?(…)` and its aliases.
    fn env(&mut self, start: usize) -> PResult<Expr> {
        if self.eat("[") {
            self.skip_space();
            let key = self.ternary()?;
            self.skip_space();
            if !self.eat("]") {
                return Err(Unsupported::generic());
            }
            return Ok(*self.node(Kind::EnvIndex(Box::new(key)), start));
        }
        self.skip_space();
        if !self.eat(".") {
            return Err(Unsupported::generic());
        }
        let name = self.method_name()?;
        let (args, parenthesized) = self.args()?;
        match (name, args.len()) {
            ("fetch", 1 | 2) => {
                let save = self.pos;
                if !parenthesized {
                    // `ENV.fetch "X" { … }` gives the block to nothing Tug understands.
                    return self.fetch_node(args, None, start);
                }
                self.skip_space();
                let block = if self.eat("{") {
                    self.skip_space();
                    if self.rest().starts_with('|') {
                        return Err(Unsupported::generic());
                    }
                    let body = if self.eat("}") {
                        let at = self.span_from(self.pos);
                        Expr { kind: Kind::Nil, span: at }
                    } else {
                        let body = self.modified()?;
                        self.skip_space();
                        if !self.eat("}") {
                            return Err(Unsupported::generic());
                        }
                        body
                    };
                    Some(Box::new(body))
                } else {
                    self.pos = save;
                    None
                };
                self.fetch_node(args, block, start)
            }
            ("key?" | "has_key?" | "include?" | "member?", 1) => {
                let Some(key) = args.into_iter().next() else {
                    return Err(Unsupported::generic());
                };
                Ok(*self.node(Kind::EnvKey(Box::new(key)), start))
            }
            _ => Err(Unsupported::specific(
                format!("unsupported ERB expression `{}`", self.code_trimmed()),
                "Tug reads the environment through ENV[\"X\"], ENV.fetch(\"X\"), \
                 ENV.fetch(\"X\", \"default\"), ENV.fetch(\"X\") { \"default\" } and ENV.key?(\"X\")",
            )),
        }
    }

    fn fetch_node(&self, args: Vec<Expr>, block: Option<Box<Expr>>, start: usize) -> PResult<Expr> {
        let mut args = args.into_iter();
        let (Some(key), default) = (args.next(), args.next()) else {
            return Err(Unsupported::generic());
        };
        let kind = Kind::EnvFetch { key: Box::new(key), default: default.map(Box::new), block };
        Ok(*self.node(kind, start))
    }

    /// The arguments of an `ENV` method: `(a, b)` right after the name, or Ruby's command-call
    /// form `fetch "X", "d"` (a space, then a string or `ENV`); true when parenthesised.
    fn args(&mut self) -> PResult<(Vec<Expr>, bool)> {
        if !self.eat("(") {
            let save = self.pos;
            while matches!(self.peek(), Some(' ' | '\t')) {
                self.pos += 1;
            }
            let rest = self.rest();
            let starts_arg = self.pos > save
                && (rest.starts_with(['"', '\'', '`']) || rest.starts_with("%x") || self.peek_word() == Some("ENV"));
            if !starts_arg {
                self.pos = save;
                return Ok((Vec::new(), false));
            }
            let mut args = vec![self.ternary()?];
            if self.next_op(&[","]).is_some() {
                self.skip_space();
                args.push(self.ternary()?);
            }
            return Ok((args, false));
        }
        let mut args = Vec::new();
        loop {
            self.skip_space();
            if self.eat(")") {
                return Ok((args, true));
            }
            if args.len() >= 2 {
                return Err(Unsupported::generic());
            }
            args.push(self.ternary()?);
            self.skip_space();
            if !self.eat(",") {
                self.skip_space();
                if !self.eat(")") {
                    return Err(Unsupported::generic());
                }
                return Ok((args, true));
            }
        }
    }
}
