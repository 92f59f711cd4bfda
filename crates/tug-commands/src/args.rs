//! Kamal's two ways of turning settings into docker arguments: `argumentize` (`--env K="v"`,
//! one flag per pair) and `optionize` (`--memory "512m"`, or `--key=value` with `with: "="`).

use crate::shell::escape_shell_value;

/// A setting's value as Kamal sees it: `true` makes a bare flag, `false` an explicit
/// `=false`, nothing a bare key.
#[derive(Debug, Clone, PartialEq)]
pub enum ArgValue {
    /// A present value.
    Text(String),
    /// `true`.
    True,
    /// `false`.
    False,
    /// `nil` or blank.
    Absent,
}

impl ArgValue {
    /// Ruby's `present?` applied to a text value.
    pub fn text(s: impl Into<String>) -> ArgValue {
        let s = s.into();
        if s.trim().is_empty() { ArgValue::Absent } else { ArgValue::Text(s) }
    }
}

/// `argumentize(argument, {key => value})`: `[argument, key="escaped"]` per pair; a bare key
/// when the value is absent; `key=false` for false.
pub fn argumentize(argument: &str, pairs: &[(String, ArgValue)]) -> Vec<String> {
    pairs
        .iter()
        .flat_map(|(key, value)| {
            let attr = match value {
                ArgValue::Text(v) => format!("{key}={}", escape_shell_value(v)),
                ArgValue::True => format!("{key}={}", escape_shell_value("true")),
                ArgValue::False => format!("{key}=false"),
                ArgValue::Absent => key.clone(),
            };
            [argument.to_string(), attr]
        })
        .collect()
}

/// `argumentize(argument, [items])`: each item as is, after its flag.
pub fn argumentize_list(argument: &str, items: &[String]) -> Vec<String> {
    items.iter().flat_map(|i| [argument.to_string(), i.clone()]).collect()
}

/// `optionize(args)`: `--key "escaped"`, or a bare `--key` for `true`.
pub fn optionize(pairs: &[(String, ArgValue)]) -> Vec<String> {
    let mut out = Vec::new();
    for (key, value) in pairs {
        out.push(format!("--{key}"));
        match value {
            ArgValue::True => {}
            ArgValue::Text(v) => out.push(escape_shell_value(v)),
            ArgValue::False => out.push(escape_shell_value("false")),
            ArgValue::Absent => out.push(escape_shell_value("")),
        }
    }
    out
}

/// `optionize(args, with: "=")`: `--key="escaped"`, or a bare `--key` for `true`.
pub fn optionize_with_equals(pairs: &[(String, ArgValue)]) -> Vec<String> {
    pairs
        .iter()
        .map(|(key, value)| match value {
            ArgValue::True => format!("--{key}"),
            ArgValue::Text(v) => format!("--{key}={}", escape_shell_value(v)),
            ArgValue::False => format!("--{key}={}", escape_shell_value("false")),
            ArgValue::Absent => format!("--{key}={}", escape_shell_value("")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(k: &str, v: &str) -> (String, ArgValue) {
        (k.to_string(), ArgValue::text(v))
    }

    #[test]
    fn kamal_argument_shapes() {
        assert_eq!(argumentize("--log-opt", &[t("max-size", "10m")]).join(" "), "--log-opt max-size=\"10m\"");
        assert_eq!(
            argumentize("--label", &[t("service", "app"), t("destination", "")]).join(" "),
            "--label service=\"app\" --label destination"
        );
        assert_eq!(optionize(&[t("log-driver", "local")]).join(" "), "--log-driver \"local\"");
        assert_eq!(
            optionize(&[t("mount", "somewhere"), ("cap-add".into(), ArgValue::True)]).join(" "),
            "--mount \"somewhere\" --cap-add"
        );
        assert_eq!(
            optionize_with_equals(&[t("target", "c:80"), ("tls".into(), ArgValue::True)]).join(" "),
            "--target=\"c:80\" --tls"
        );
    }
}
