//! YAML → a tree of [`Node`]s that remember their file and span, loaded the way Ruby's Psych
//! loads `deploy.yml` for Kamal: YAML 1.1 scalars, anchors and aliases, `<<` merge keys with
//! Psych's precedence (a merged key overwrites the keys before it), duplicate keys last-wins.

use std::collections::HashMap;
use std::sync::Arc;

use granit_parser::{Event, Parser, ScalarStyle, ScanError};

use crate::error::{ConfigError, Location};
use crate::scalar::{self, Scalar};
use crate::source::{SourceFile, Span};

/// A value from a config file and where it was written.
#[derive(Debug, Clone)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where it was written, in the rendered text of `file`.
    pub span: Span,
    /// The file it came from (after a destination merge, values keep their own file).
    pub file: Arc<SourceFile>,
}

/// A YAML value typed as Ruby sees it.
#[derive(Debug, Clone)]
pub enum Value {
    /// `nil`.
    Null,
    /// `true`/`false`.
    Bool(bool),
    /// `Integer`.
    Int(i64),
    /// `Float`.
    Float(f64),
    /// `String`.
    Str(String),
    /// `Symbol` (`:name`).
    Symbol(String),
    /// `Date`/`Time`, kept as written.
    Time(String),
    /// `Array`.
    Seq(Vec<Node>),
    /// `Hash`, in insertion order.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// A node with no source position (defaults and values Tug makes up).
    pub fn synthetic(value: Value, file: &Arc<SourceFile>) -> Node {
        Node { value, span: Span::default(), file: file.clone() }
    }

    /// Where this node was written.
    pub fn location(&self) -> Location {
        Location { file: self.file.clone(), span: self.span }
    }

    /// The entries when this is a hash.
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The items when this is an array.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The text when this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value when this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The value when this is an integer.
    pub fn as_int(&self) -> Option<i64> {
        match self.value {
            Value::Int(i) => Some(i),
            _ => None,
        }
    }

    /// Looks up a string key in a hash (Ruby's `hash["key"]`).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key node and value node of a string key in a hash.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_map()?.iter().find(|(k, _)| k.key_str() == Some(key)).map(|(k, v)| (k, v))
    }

    /// Ruby's `hash.key?("key")`.
    pub fn has_key(&self, key: &str) -> bool {
        self.entry(key).is_some()
    }

    /// A hash key as text, when it is a string (Kamal's nested keys are strings).
    pub fn key_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// `nil`?
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// Kamal's "stringish": String, Symbol, Numeric, true, false.
    pub fn is_stringish(&self) -> bool {
        matches!(self.value, Value::Str(_) | Value::Symbol(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_))
    }

    /// ActiveSupport's `present?`: not nil, false, an empty or blank string, or an empty collection.
    pub fn is_present(&self) -> bool {
        match &self.value {
            Value::Null | Value::Bool(false) => false,
            Value::Str(s) => !s.trim().is_empty(),
            Value::Seq(s) => !s.is_empty(),
            Value::Map(m) => !m.is_empty(),
            _ => true,
        }
    }

    /// Ruby's `to_s` of a scalar (`nil` → "", `1.0` → "1.0", `:sym` → "sym").
    pub fn to_ruby_s(&self) -> String {
        match &self.value {
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => scalar::ruby_float(*f),
            Value::Str(s) | Value::Symbol(s) | Value::Time(s) => s.clone(),
            Value::Seq(_) | Value::Map(_) => self.to_json().to_string(),
        }
    }

    /// The value as JSON, as Kamal's `config` prints it (symbols as their names).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) | Value::Symbol(s) | Value::Time(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(entries.iter().map(|(k, v)| (k.to_ruby_s(), v.to_json())).collect()),
        }
    }

    /// The Ruby class name used in Kamal's type errors (`a string`, `an array`, …).
    pub fn ruby_kind(&self) -> &'static str {
        match self.value {
            Value::Null => "nil",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Str(_) => "a string",
            Value::Symbol(_) => "a symbol",
            Value::Time(_) => "a date",
            Value::Seq(_) => "an array",
            Value::Map(_) => "a hash",
        }
    }
}

/// Parses one rendered file into a tree. An empty file is an empty hash, as Kamal treats it
/// after `symbolize_keys` would fail on `false`… except Kamal then fails; callers decide.
pub fn parse(file: &Arc<SourceFile>) -> Result<Node, ConfigError> {
    parse_text(file, &file.rendered).map_err(|(e, _)| e)
}

/// Like [`parse`], but after the commonest mistake (a role that lists hosts *and* has
/// settings) it blanks the listed hosts and reads on, so that the rest of the file can be
/// checked in the same run. Returns the tree it could read and every error met.
pub fn parse_recovering(file: &Arc<SourceFile>) -> (Option<Node>, Vec<ConfigError>) {
    let mut errors = Vec::new();
    let mut text = file.rendered.to_string();
    for _ in 0..8 {
        match parse_text(file, &text) {
            Ok(node) => return (Some(node), errors),
            Err((e, recovery)) => {
                errors.push(e);
                match recovery {
                    Some(patched) => text = patched,
                    None => return (None, errors),
                }
            }
        }
    }
    (None, errors)
}

type Failure = (ConfigError, Option<String>);

fn parse_text(file: &Arc<SourceFile>, text: &str) -> Result<Node, Failure> {
    let mut b = Builder { file: file.clone(), stack: Vec::new(), anchors: HashMap::new(), root: None };
    for event in Parser::new_from_str(text) {
        match event {
            Ok((ev, span)) => {
                let start = span.start.byte_offset().unwrap_or(span.start.index());
                let end = span.end.byte_offset().unwrap_or(span.end.index());
                b.event(ev, Span::new(start, end.saturating_sub(start)));
            }
            Err(e) => return Err(b.syntax_error(&e, text)),
        }
        if b.root.is_some() {
            break;
        }
    }
    Ok(b.root.unwrap_or_else(|| Node::synthetic(Value::Null, file)))
}

/// Replaces the `- item` lines of the sequence that starts at `seq_start` (up to `until`) with
/// spaces, keeping every byte offset, so the rest of the file parses as the user meant it.
fn blank_sequence_items(text: &str, seq_start: usize, until: usize) -> String {
    let (_, indent) = crate::source::line_col(text, seq_start);
    let mut out = String::with_capacity(text.len());
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let in_range = offset + line.len() > seq_start && offset < until;
        let body = line.trim_start();
        let this_indent = line.len() - body.len();
        let item = body.starts_with('-') && this_indent == indent;
        let continuation = this_indent > indent && !body.trim().is_empty();
        if in_range && (item || continuation || body.starts_with('#')) {
            out.extend(line.chars().map(|c| if c == '\n' { '\n' } else { ' ' }));
        } else {
            out.push_str(line);
        }
        offset += line.len();
    }
    out
}

enum Frame {
    Seq { items: Vec<Node>, start: usize, anchor: usize },
    Map { entries: Vec<(Node, Node, bool)>, key: Option<(Node, bool)>, start: usize, anchor: usize },
}

struct Builder {
    file: Arc<SourceFile>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
}

impl Builder {
    fn event(&mut self, ev: Event<'_>, span: Span) {
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let is_merge = style == ScalarStyle::Plain && text == "<<";
                let forced_str = tag.as_ref().is_some_and(|t| t.to_string().ends_with(":str"));
                let value = if style != ScalarStyle::Plain || forced_str {
                    Value::Str(text.into_owned())
                } else {
                    match scalar::resolve_plain(&text) {
                        Scalar::Null => Value::Null,
                        Scalar::Bool(b) => Value::Bool(b),
                        Scalar::Int(i) => Value::Int(i),
                        Scalar::Float(f) => Value::Float(f),
                        Scalar::Symbol(s) => Value::Symbol(s),
                        Scalar::Time(s) => Value::Time(s),
                        Scalar::Str(s) => Value::Str(s),
                    }
                };
                let node = Node { value, span, file: self.file.clone() };
                if anchor != 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.push(node, is_merge);
            }
            Event::SequenceStart(_, anchor, _) => {
                self.stack.push(Frame::Seq { items: Vec::new(), start: span.start, anchor })
            }
            Event::MappingStart(_, anchor, _) => {
                self.stack.push(Frame::Map { entries: Vec::new(), key: None, start: span.start, anchor })
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq { items, start, anchor }) = self.stack.pop() {
                    let end = span.start + span.len;
                    let node = Node {
                        value: Value::Seq(items),
                        span: Span::new(start, end.saturating_sub(start)),
                        file: self.file.clone(),
                    };
                    if anchor != 0 {
                        self.anchors.insert(anchor, node.clone());
                    }
                    self.push(node, false);
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map { entries, start, anchor, .. }) = self.stack.pop() {
                    let end = span.start + span.len;
                    let node = Node {
                        value: Value::Map(resolve_merges(entries)),
                        span: Span::new(start, end.saturating_sub(start)),
                        file: self.file.clone(),
                    };
                    if anchor != 0 {
                        self.anchors.insert(anchor, node.clone());
                    }
                    self.push(node, false);
                }
            }
            Event::Alias(id) => {
                let node = self.anchors.get(&id).cloned().unwrap_or_else(|| Node {
                    value: Value::Null,
                    span,
                    file: self.file.clone(),
                });
                self.push(node, false);
            }
            _ => {}
        }
    }

    fn push(&mut self, node: Node, is_merge_key: bool) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some((node, is_merge_key)),
                Some((k, merge)) => entries.push((k, node, merge)),
            },
        }
    }

    /// The key path (`servers/web`) of the collection being read when parsing stopped.
    fn path(&self) -> Vec<String> {
        let mut path = Vec::new();
        for frame in &self.stack {
            match frame {
                Frame::Map { key: Some((k, _)), .. } => path.push(k.to_ruby_s()),
                Frame::Seq { items, .. } => path.push(items.len().to_string()),
                _ => {}
            }
        }
        path
    }

    fn syntax_error(&self, e: &ScanError, text: &str) -> Failure {
        let m = e.marker();
        let offset = m.byte_offset().unwrap_or(m.index());
        let line_end = text[offset.min(text.len())..].find('\n').map_or(text.len(), |i| offset + i);
        let found = text[offset.min(text.len())..line_end].trim_end();
        let span = Span::new(offset, found.len().max(1));
        let location = Some(Location { file: self.file.clone(), span });
        let kamal = format!("(<unknown>): {} at line {} column {}", e.kind_message(), m.line(), m.col() + 1);
        // A sequence of hosts followed by `key:` lines at the same indent: the commonest
        // mistake in Kamal configs (a role lists hosts directly *and* has settings).
        let in_seq = matches!(self.stack.last(), Some(Frame::Seq { .. }));
        let looks_like_key = found
            .split_once(':')
            .is_some_and(|(k, _)| !k.is_empty() && !k.starts_with('-') && !k.contains(' ') && !k.starts_with('#'));
        if in_seq && looks_like_key {
            let mut path = self.path();
            path.pop();
            let role = path.join("/");
            let key = found.split_once(':').map_or(found, |(k, _)| k);
            let col = m.col();
            let (seq_start, hosts) = match self.stack.last() {
                Some(Frame::Seq { start, items, .. }) => {
                    (*start, items.iter().map(Node::to_ruby_s).collect::<Vec<_>>())
                }
                _ => (offset, Vec::new()),
            };
            let recovery = Some(blank_sequence_items(text, seq_start, offset));
            let role_name = path.last().cloned().unwrap_or_else(|| "web".into());
            let pad = " ".repeat(col.saturating_sub(2));
            let inner = " ".repeat(col);
            let mut shape = format!("{pad}{role_name}:\n{inner}hosts:\n");
            for h in if hosts.is_empty() { vec!["10.0.0.1".to_string()] } else { hosts } {
                shape.push_str(&format!("{inner}  - {h}\n"));
            }
            if key != "hosts" {
                shape.push_str(&format!("{inner}{found}\n"));
            }
            let error = ConfigError::new(format!("`{role}` mixes a host list with role settings"))
                .kamal(kamal)
                .at_key(role.clone())
                .at(location)
                .label(format!("expected `- <host>`; found the key `{key}`"))
                .help(format!(
                    "a role with settings lists its hosts under `hosts:` (per-host values are host tags, `- 10.0.0.2: [primary]`):\n\n{}",
                    shape.trim_end()
                ));
            return (error, recovery);
        }
        let error = ConfigError::new(format!("invalid YAML: {}", e.kind_message()))
            .kamal(kamal)
            .at(location)
            .label(e.kind_message())
            .help("check the indentation and quoting of this line and the one above it");
        (error, None)
    }
}

/// Applies Psych's `<<` semantics: a merged hash overwrites keys set before it; later keys
/// overwrite both; an overwritten key keeps its first position (Ruby `Hash#[]=`).
fn resolve_merges(entries: Vec<(Node, Node, bool)>) -> Vec<(Node, Node)> {
    let mut out: Vec<(Node, Node)> = Vec::new();
    fn set(out: &mut Vec<(Node, Node)>, k: Node, v: Node) {
        let same = |a: &Node| match (&a.value, &k.value) {
            (Value::Str(x), Value::Str(y)) | (Value::Symbol(x), Value::Symbol(y)) => x == y,
            (Value::Int(x), Value::Int(y)) => x == y,
            (Value::Bool(x), Value::Bool(y)) => x == y,
            (Value::Null, Value::Null) => true,
            _ => false,
        };
        match out.iter_mut().find(|(ek, _)| same(ek)) {
            Some(slot) => slot.1 = v,
            None => out.push((k, v)),
        }
    }
    for (k, v, is_merge) in entries {
        if is_merge {
            match &v.value {
                Value::Map(m) => {
                    for (mk, mv) in m.clone() {
                        set(&mut out, mk, mv);
                    }
                    continue;
                }
                Value::Seq(items) if items.iter().all(|i| matches!(i.value, Value::Map(_))) => {
                    // Earlier hashes in the list win over later ones.
                    let mut merged: Vec<(Node, Node)> = Vec::new();
                    for item in items.iter().rev() {
                        if let Value::Map(m) = &item.value {
                            for (mk, mv) in m.clone() {
                                set(&mut merged, mk, mv);
                            }
                        }
                    }
                    for (mk, mv) in merged {
                        set(&mut out, mk, mv);
                    }
                    continue;
                }
                _ => {}
            }
        }
        set(&mut out, k, v);
    }
    out
}

trait KindMessage {
    fn kind_message(&self) -> String;
}

impl KindMessage for ScanError {
    fn kind_message(&self) -> String {
        let full = self.to_string();
        // granit appends " at char N line L column C"; we give the position ourselves.
        match full.find(" at char ") {
            Some(i) => full[..i].to_string(),
            None => full,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Node, ConfigError> {
        parse(&Arc::new(SourceFile::plain("config/deploy.yml", text)))
    }

    #[test]
    fn scalars_and_structure() {
        let n = load("a: yes\nb: [1, '2']\nc:\n  d: 0755\n").unwrap();
        assert_eq!(n.get("a").unwrap().as_bool(), Some(true));
        let b = n.get("b").unwrap().as_seq().unwrap();
        assert_eq!(b[0].as_int(), Some(1));
        assert_eq!(b[1].as_str(), Some("2"));
        assert_eq!(n.get("c").unwrap().get("d").unwrap().as_int(), Some(493));
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let n = load("x-web: &web\n  cmd: a\n  hosts: [h]\nservers:\n  web:\n    <<: *web\n    cmd: b\n").unwrap();
        let web = n.get("servers").unwrap().get("web").unwrap();
        assert_eq!(web.get("cmd").unwrap().as_str(), Some("b"));
        assert_eq!(web.get("hosts").unwrap().as_seq().unwrap().len(), 1);
    }

    #[test]
    fn psych_merge_overwrites_earlier_keys() {
        let n = load("base: &b {a: 1}\nx:\n  a: 2\n  <<: *b\n").unwrap();
        assert_eq!(n.get("x").unwrap().get("a").unwrap().as_int(), Some(1));
    }

    #[test]
    fn duplicate_keys_last_wins() {
        let n = load("a: 1\na: 2\n").unwrap();
        assert_eq!(n.get("a").unwrap().as_int(), Some(2));
        assert_eq!(n.as_map().unwrap().len(), 1);
    }

    #[test]
    fn host_list_mixed_with_settings_is_explained() {
        let e = load("servers:\n  web:\n    - 1.1.1.1\n    hosts:\n      - 1.1.1.2\n").unwrap_err();
        assert_eq!(e.message, "`servers/web` mixes a host list with role settings");
        assert_eq!(e.position().unwrap(), "config/deploy.yml:4:5");
        assert!(e.kamal_message.contains("did not find expected '-' indicator"), "{}", e.kamal_message);
    }

    #[test]
    fn recovers_after_a_mixed_role_to_find_more() {
        let file = Arc::new(SourceFile::plain(
            "d.yml",
            "servers:\n  web:\n    - 1.1.1.1 # a\n    # - 2\n    hosts:\n      - 1.1.1.2\n    cmd: x\n",
        ));
        let (node, errors) = parse_recovering(&file);
        assert_eq!(errors.len(), 1);
        let web = node.unwrap().get("servers").unwrap().get("web").unwrap().clone();
        assert_eq!(web.get("cmd").unwrap().as_str(), Some("x"));
        assert_eq!(web.get("hosts").unwrap().location().line_col(), (6, 7));
    }

    #[test]
    fn spans_point_at_values() {
        let n = load("service: app\nimage: x\n").unwrap();
        let (l, c) = n.get("image").unwrap().location().line_col();
        assert_eq!((l, c), (2, 8));
    }
}
