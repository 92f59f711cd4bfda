//! A small YAML writer for `tug config`, shaped like Ruby's `to_yaml` of Kamal's config hash:
//! top-level keys as symbols (`:roles:`), strings quoted only when YAML would read them as
//! something else.

use serde_json::Value as J;

/// Renders Kamal's config view as Psych would (`---` document, `:symbol` top-level keys).
pub fn kamal_yaml(view: &J) -> String {
    let mut out = String::from("---\n");
    if let J::Object(map) = view {
        for (k, v) in map {
            write_entry(&mut out, 0, &format!(":{k}"), v);
        }
    }
    out
}

fn write_entry(out: &mut String, indent: usize, key: &str, v: &J) {
    let pad = " ".repeat(indent);
    match v {
        J::Object(m) if !m.is_empty() => {
            out.push_str(&format!("{pad}{key}:\n"));
            for (k, v) in m {
                write_entry(out, indent + 2, &scalar(&J::String(k.clone())), v);
            }
        }
        J::Array(items) if !items.is_empty() => {
            out.push_str(&format!("{pad}{key}:\n"));
            for item in items {
                write_item(out, indent, item);
            }
        }
        _ => out.push_str(&format!("{pad}{key}: {}\n", scalar(v))),
    }
}

fn write_item(out: &mut String, indent: usize, v: &J) {
    let pad = " ".repeat(indent);
    match v {
        J::Object(m) if !m.is_empty() => {
            let mut first = true;
            for (k, val) in m {
                let key = scalar(&J::String(k.clone()));
                if first {
                    let mut tmp = String::new();
                    write_entry(&mut tmp, indent + 2, &key, val);
                    out.push_str(&format!("{pad}- {}", tmp.trim_start()));
                    first = false;
                } else {
                    write_entry(out, indent + 2, &key, val);
                }
            }
        }
        J::Array(items) if !items.is_empty() => {
            out.push_str(&format!("{pad}-\n"));
            for item in items {
                write_item(out, indent + 2, item);
            }
        }
        _ => out.push_str(&format!("{pad}- {}\n", scalar(v))),
    }
}

fn scalar(v: &J) -> String {
    match v {
        J::Null => String::new(),
        J::Bool(b) => b.to_string(),
        J::Number(n) => n.to_string(),
        J::String(s) => quote_if_needed(s),
        J::Array(_) => "[]".into(),
        J::Object(_) => "{}".into(),
    }
}

fn quote_if_needed(s: &str) -> String {
    let plain_typed = !matches!(tug_config::scalar::resolve_plain(s), tug_config::scalar::Scalar::Str(_));
    let special = s.is_empty()
        || s.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@`".contains(c) || c.is_whitespace())
        || s.ends_with(char::is_whitespace)
        || s.contains(": ")
        || s.contains(" #")
        || s.contains('\n');
    if plain_typed || special { serde_json::to_string(s).unwrap_or_default() } else { s.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_kamal_shaped_yaml() {
        let v = serde_json::json!({"roles": ["web"], "version": "123", "sshkit": {}, "logging": ["--log-opt", "max-size=\"10m\""]});
        assert_eq!(
            kamal_yaml(&v),
            "---\n:roles:\n- web\n:version: \"123\"\n:sshkit: {}\n:logging:\n- \"--log-opt\"\n- max-size=\"10m\"\n"
        );
    }
}
