//! Kamal's `test` adapter: no CLI; each value is its (prefixed) name reversed, with `LPAREN`
//! and `RPAREN` turned into parentheses first.

use indexmap::IndexMap;

use super::prefixed;

pub(super) fn fetch(from: Option<&str>, names: &[String]) -> IndexMap<String, String> {
    prefixed(names, from)
        .into_iter()
        .map(|name| {
            let value: String = name.replace("LPAREN", "(").replace("RPAREN", ")").chars().rev().collect();
            (name, value)
        })
        .collect()
}
