//! Splits a template into text and tags, as Ruby's ERB scanner does in trim mode `-`.

use super::{ErbError, is_ruby_space, slice};
use crate::source::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TagKind {
    /// `<%= %>`
    Output,
    /// `<% %>` and `<%- %>`
    Code,
    /// `<%# %>`
    Comment,
}

#[derive(Debug)]
pub(super) struct Tag {
    pub(super) kind: TagKind,
    /// The whole tag, from `<%` to `%>`.
    pub(super) span: Span,
    /// The Ruby code between the delimiters, with `<%%`/`%%>` already unescaped.
    pub(super) code: String,
    /// Maps offsets in `code` to template offsets: `(code offset, template offset)` at the start
    /// of each stretch copied verbatim.
    pub(super) map: Vec<(usize, usize)>,
    /// The tag ended with `-%>` and swallowed the newline after it.
    pub(super) trimmed_newline: bool,
}

impl Tag {
    /// Template offset of an offset in `code`.
    pub(super) fn to_template(&self, offset: usize) -> usize {
        let idx = self.map.partition_point(|&(c, _)| c <= offset);
        match idx.checked_sub(1).and_then(|i| self.map.get(i)) {
            Some(&(c, t)) => t + (offset - c),
            None => self.span.start,
        }
    }

    /// Template span of a range of `code`.
    pub(super) fn span_of(&self, start: usize, end: usize) -> Span {
        let s = self.to_template(start);
        let e = self.to_template(end).max(s);
        Span::new(s, e - s)
    }

    /// Template span of the code without surrounding whitespace (the tag itself when empty).
    pub(super) fn code_span(&self) -> Span {
        let start = self.code.len() - self.code.trim_start_matches(is_ruby_space).len();
        let end = self.code.trim_end_matches(is_ruby_space).len();
        if end <= start { self.span } else { self.span_of(start, end) }
    }
}

#[derive(Debug)]
pub(super) enum Segment {
    /// Template text copied as is: `start..end`.
    Text(usize, usize),
    /// `<%%` at this offset, written as `<%`.
    Percent(usize),
    Tag(Tag),
}

/// Splits the template into text and tags, as Ruby's ERB scanner does in trim mode `-`.
pub(super) fn scan(template: &str) -> Result<Vec<Segment>, ErbError> {
    let b = template.as_bytes();
    let mut segments = Vec::new();
    let mut text_start = 0;
    let mut i = 0;
    while i + 1 < b.len() {
        if !(b[i] == b'<' && b[i + 1] == b'%') {
            i += 1;
            continue;
        }
        let third = b.get(i + 2).copied();
        if third == Some(b'%') {
            push_text(&mut segments, text_start, i);
            segments.push(Segment::Percent(i));
            i += 3;
            text_start = i;
            continue;
        }
        let (kind, open_len) = match third {
            Some(b'=') => (TagKind::Output, 3),
            Some(b'#') => (TagKind::Comment, 3),
            Some(b'-') => (TagKind::Code, 3),
            _ => (TagKind::Code, 2),
        };
        // `<%-` that starts a line (after spaces and tabs only) drops that indentation.
        let mut text_end = i;
        if third == Some(b'-') {
            let mut j = i;
            while j > text_start && matches!(b[j - 1], b' ' | b'\t') {
                j -= 1;
            }
            if j == 0 || b[j - 1] == b'\n' {
                text_end = j;
            }
        }
        push_text(&mut segments, text_start, text_end);
        let tag = scan_tag(template, i, kind, open_len)?;
        i = tag.span.start + tag.span.len;
        text_start = i;
        segments.push(Segment::Tag(tag));
    }
    push_text(&mut segments, text_start, b.len());
    Ok(segments)
}

pub(super) fn push_text(segments: &mut Vec<Segment>, start: usize, end: usize) {
    if end > start {
        segments.push(Segment::Text(start, end));
    }
}

/// Reads one tag that opens at `open`, up to and including its `%>` (and the newline a `-%>`
/// swallows).
pub(super) fn scan_tag(template: &str, open: usize, kind: TagKind, open_len: usize) -> Result<Tag, ErbError> {
    let b = template.as_bytes();
    let content = open + open_len;
    let mut code = String::new();
    let mut map = vec![(0, content)];
    let mut copied = content;
    let mut j = content;
    // Copies the verbatim stretch before `j`, then `replacement` for the `skip` bytes at `j`.
    let splice = |code: &mut String,
                  map: &mut Vec<(usize, usize)>,
                  copied: &mut usize,
                  j: usize,
                  skip: usize,
                  replacement: &str| {
        code.push_str(slice(template, *copied, j));
        code.push_str(replacement);
        *copied = j + skip;
        map.push((code.len(), *copied));
    };
    loop {
        let rest = b.get(j..).unwrap_or_default();
        if rest.is_empty() {
            let what = match kind {
                TagKind::Output => "<%=",
                TagKind::Comment => "<%#",
                TagKind::Code => "<%",
            };
            return Err(ErbError {
                message: format!("ERB tag `{what}` is never closed"),
                span: Span::new(open, open_len),
                help: Some("close it with `%>`".into()),
            });
        }
        if rest.starts_with(b"<%%") {
            splice(&mut code, &mut map, &mut copied, j, 3, "<%");
            j += 3;
        } else if rest.starts_with(b"<%") {
            // Ruby's scanner takes `<%=`, `<%#` and `<%-` as one token, so a `%>` right after
            // them does not close the tag.
            j += if matches!(rest.get(2), Some(b'=' | b'#' | b'-')) { 3 } else { 2 };
        } else if rest.starts_with(b"%%>") {
            splice(&mut code, &mut map, &mut copied, j, 3, "%>");
            j += 3;
        } else if rest.starts_with(b"-%>") || rest.starts_with(b"%>") {
            code.push_str(slice(template, copied, j));
            let mut end = j + if rest[0] == b'-' { 3 } else { 2 };
            let mut trimmed_newline = false;
            if rest[0] == b'-' {
                let after = b.get(end..).unwrap_or_default();
                if after.starts_with(b"\n") {
                    end += 1;
                    trimmed_newline = true;
                } else if after.starts_with(b"\r\n") {
                    end += 2;
                    trimmed_newline = true;
                }
            }
            return Ok(Tag { kind, span: Span::new(open, end - open), code, map, trimmed_newline });
        } else {
            j += 1;
        }
    }
}
