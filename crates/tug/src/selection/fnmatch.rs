//! Ruby's `File.fnmatch(pattern, text, File::FNM_EXTGLOB)`, as Kamal applies it to `--hosts`
//! and `--roles`: `*` (any text, `/` included), `?`, `[…]` classes (`[!…]`/`[^…]` negated,
//! ranges), `{a,b}` alternatives and `\` escapes.

/// Whether `text` matches `pattern`.
pub fn fnmatch(pattern: &str, text: &str) -> bool {
    expand_braces(pattern).iter().any(|p| glob(&p.chars().collect::<Vec<_>>(), &text.chars().collect::<Vec<_>>()))
}

/// `a{b,c}d` → `abd`, `acd` (nested braces expand too).
fn expand_braces(pattern: &str) -> Vec<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut depth = 0;
    let mut open = None;
    let mut commas = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '{' => {
                if depth == 0 {
                    open = Some(i);
                    commas.clear();
                }
                depth += 1;
            }
            ',' if depth == 1 => commas.push(i),
            '}' if depth > 0 => {
                depth -= 1;
                if depth == 0
                    && let Some(o) = open
                {
                    {
                        let prefix: String = chars[..o].iter().collect();
                        let suffix: String = chars[i + 1..].iter().collect();
                        let mut bounds = vec![o];
                        bounds.extend(&commas);
                        bounds.push(i);
                        let mut out = Vec::new();
                        for w in bounds.windows(2) {
                            let alt: String = chars[w[0] + 1..w[1]].iter().collect();
                            out.extend(expand_braces(&format!("{prefix}{alt}{suffix}")));
                        }
                        return out;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    vec![pattern.to_string()]
}

fn glob(p: &[char], t: &[char]) -> bool {
    match p.first() {
        None => t.is_empty(),
        Some('*') => (0..=t.len()).any(|i| glob(&p[1..], &t[i..])),
        Some('?') => !t.is_empty() && glob(&p[1..], &t[1..]),
        Some('[') => match (class(&p[1..]), t.first()) {
            (Some((matches, len)), Some(c)) => matches(*c) && glob(&p[1 + len..], &t[1..]),
            (None, Some(c)) => *c == '[' && glob(&p[1..], &t[1..]),
            (_, None) => false,
        },
        Some('\\') if p.len() > 1 => t.first() == Some(&p[1]) && glob(&p[2..], &t[1..]),
        Some(c) => t.first() == Some(c) && glob(&p[1..], &t[1..]),
    }
}

/// A `[…]` class after its `[`: a matcher and how many pattern characters it used.
#[allow(clippy::type_complexity)]
fn class(p: &[char]) -> Option<(Box<dyn Fn(char) -> bool>, usize)> {
    let mut i = 0;
    let negate = matches!(p.first(), Some('!' | '^'));
    if negate {
        i += 1;
    }
    let mut ranges: Vec<(char, char)> = Vec::new();
    let mut first = true;
    while i < p.len() {
        let c = p[i];
        if c == ']' && !first {
            let f = move |x: char| ranges.iter().any(|(a, b)| *a <= x && x <= *b) != negate;
            return Some((Box::new(f), i + 1));
        }
        first = false;
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            ranges.push((c, p[i + 2]));
            i += 3;
        } else {
            ranges.push((c, c));
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::fnmatch;

    #[test]
    fn kamal_filters() {
        assert!(fnmatch("1.1.1.*", "1.1.1.2"));
        assert!(fnmatch("*", "web"));
        assert!(!fnmatch("web", "workers"));
        assert!(fnmatch("w{eb,orkers}", "workers"));
        assert!(fnmatch("1.1.1.[12]", "1.1.1.2"));
        assert!(!fnmatch("1.1.1.[!12]", "1.1.1.2"));
        assert!(fnmatch("app-?", "app-1"));
        assert!(!fnmatch("1.1.1.1", "1.1.1.10"));
    }
}
