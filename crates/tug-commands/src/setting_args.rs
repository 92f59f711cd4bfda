//! YAML settings turned into Kamal's argument pairs: a hash such as `options: {cpus: 4}` or
//! `labels: {cache: true}` becomes `(key, ArgValue)` pairs in file order, an array value
//! repeating its key (Kamal's `flatten_args`).

use tug_config::yaml::{Node, Value};

use crate::args::ArgValue;

/// One value as `optionize` sees it: `true` → bare flag, `false` → `"false"`, `nil` →
/// `""`, anything else its Ruby `to_s`.
pub fn option_value(node: &Node) -> ArgValue {
    match &node.value {
        Value::Bool(true) => ArgValue::True,
        Value::Bool(false) => ArgValue::False,
        Value::Null => ArgValue::Absent,
        _ => ArgValue::Text(node.to_ruby_s()),
    }
}

/// One value as `argumentize` sees it: blank values (Ruby's `present?` is false) give a bare
/// key, `false` gives `key=false`.
pub fn argument_value(node: &Node) -> ArgValue {
    match &node.value {
        Value::Bool(true) => ArgValue::True,
        Value::Bool(false) => ArgValue::False,
        Value::Null => ArgValue::Absent,
        Value::Seq(s) if s.is_empty() => ArgValue::Absent,
        Value::Map(m) if m.is_empty() => ArgValue::Absent,
        _ => ArgValue::text(node.to_ruby_s()),
    }
}

/// The pairs of a hash for `optionize`, an array value repeating its key.
pub fn option_pairs(map: Option<&Node>) -> Vec<(String, ArgValue)> {
    pairs(map, option_value)
}

/// The pairs of a hash for `argumentize`.
pub fn argument_pairs(map: Option<&Node>) -> Vec<(String, ArgValue)> {
    pairs(map, argument_value)
}

fn pairs(map: Option<&Node>, value: fn(&Node) -> ArgValue) -> Vec<(String, ArgValue)> {
    let Some(entries) = map.and_then(Node::as_map) else { return Vec::new() };
    let mut out = Vec::new();
    for (k, v) in entries {
        let key = k.to_ruby_s();
        match &v.value {
            Value::Seq(items) => out.extend(items.iter().map(|i| (key.clone(), value(i)))),
            _ => out.push((key, value(v))),
        }
    }
    out
}

/// The items of an array setting (or a lone scalar) as strings.
pub fn string_list(node: Option<&Node>) -> Vec<String> {
    match node.map(|n| &n.value) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Seq(items)) => items.iter().map(Node::to_ruby_s).collect(),
        Some(_) => node.map(|n| vec![n.to_ruby_s()]).unwrap_or_default(),
    }
}
