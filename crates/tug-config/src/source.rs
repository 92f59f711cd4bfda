//! Source files and positions: every value read from a config file remembers where it came from,
//! so that diagnostics can point at the line the user wrote.

use std::sync::Arc;

/// One configuration file as read from disk, and as rendered by ERB when it had any.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user would type it (e.g. `config/deploy.yml`).
    pub name: String,
    /// The file as written (the ERB template).
    pub text: Arc<str>,
    /// The text YAML was parsed from (equal to `text` when the file has no ERB).
    pub rendered: Arc<str>,
    /// For each line of `rendered` (0-based), the 0-based template line it came from.
    pub line_map: Vec<usize>,
}

impl SourceFile {
    /// A file without ERB: rendered text and template are the same.
    pub fn plain(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = text.into();
        let lines = text.split('\n').count();
        SourceFile { name: name.into(), rendered: text.clone(), text, line_map: (0..lines).collect() }
    }

    /// Maps a byte range of the rendered text to a byte range of the template, so that a
    /// diagnostic points at what the user wrote. A line that ERB left unchanged keeps its
    /// columns; a line ERB changed is pointed at from its start.
    pub fn template_span(&self, rendered: Span) -> Span {
        if Arc::ptr_eq(&self.text, &self.rendered) || *self.text == *self.rendered {
            return rendered;
        }
        let (line, col) = line_col(&self.rendered, rendered.start);
        let template_line = self.line_map.get(line).copied().unwrap_or(line);
        let rendered_line = nth_line(&self.rendered, line).unwrap_or("");
        let Some(start) = line_start(&self.text, template_line) else {
            return Span::new(self.text.len(), 0);
        };
        let template_text = nth_line(&self.text, template_line).unwrap_or("");
        if template_text == rendered_line {
            Span::new(start + col, rendered.len)
        } else {
            let indent = template_text.len() - template_text.trim_start().len();
            Span::new(start + indent, template_text.trim().len())
        }
    }
}

/// A byte range in a source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Length in bytes.
    pub len: usize,
}

impl Span {
    /// A span from a start offset and a length.
    pub fn new(start: usize, len: usize) -> Self {
        Span { start, len }
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(s: Span) -> Self {
        (s.start, s.len).into()
    }
}

/// 0-based line and column (in bytes) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|b| **b == b'\n').count();
    let col = offset - before.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1);
    (line, col)
}

/// Byte offset where a 0-based line starts.
pub fn line_start(text: &str, line: usize) -> Option<usize> {
    if line == 0 {
        return Some(0);
    }
    text.bytes().enumerate().filter(|(_, b)| *b == b'\n').nth(line - 1).map(|(i, _)| i + 1)
}

fn nth_line(text: &str, line: usize) -> Option<&str> {
    text.split('\n').nth(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column() {
        let t = "a: 1\nbb: 2\n";
        assert_eq!(line_col(t, 0), (0, 0));
        assert_eq!(line_col(t, 5), (1, 0));
        assert_eq!(line_col(t, 8), (1, 3));
        assert_eq!(line_start(t, 1), Some(5));
    }

    #[test]
    fn maps_rendered_lines_back_to_the_template() {
        let mut f = SourceFile::plain("d.yml", "<% if true %>\nimage: x\n<% end %>\nbad: [\n");
        f.rendered = "image: x\nbad: [\n".into();
        f.line_map = vec![1, 3, 4];
        let s = f.template_span(Span::new(9, 3));
        assert_eq!(line_col(&f.text, s.start), (3, 0));
    }
}
