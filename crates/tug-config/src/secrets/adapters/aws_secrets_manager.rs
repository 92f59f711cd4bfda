//! AWS Secrets Manager through `aws secretsmanager batch-get-secret-value` (`--profile` is the
//! account). A JSON-object secret yields one value per key (`NAME/KEY`); other values are kept
//! as text.

use indexmap::IndexMap;
use serde_json::Value;

use super::{Vault, prefixed};
use crate::secrets::error::SecretsError;

pub(super) fn fetch(
    cx: &Vault<'_>,
    account: Option<&str>,
    from: Option<&str>,
    names: &[String],
) -> Result<IndexMap<String, String>, SecretsError> {
    cx.check_installed(&["--version"])?;
    let secrets = prefixed(names, from);
    let mut args = vec!["secretsmanager".to_string(), "batch-get-secret-value".into(), "--secret-id-list".into()];
    args.extend(secrets.iter().cloned());
    if let Some(profile) = account {
        args.extend(["--profile".to_string(), profile.to_string()]);
    }
    args.extend(["--output".to_string(), "json".into()]);
    let json = cx.run_json(cx.cli(args), "aws secretsmanager batch-get-secret-value", || {
        format!("Could not read {} from AWS Secrets Manager", secrets.join(", "))
    })?;
    let errors: Vec<String> = json
        .get("Errors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|e| format!("{}: {}", text(e.get("SecretId")), text(e.get("Message"))))
        .collect();
    if !errors.is_empty() {
        return Err(SecretsError::Adapter(errors.join(" ")));
    }
    let mut results = IndexMap::new();
    for secret in json.get("SecretValues").and_then(Value::as_array).into_iter().flatten() {
        let name = text(secret.get("Name"));
        let Some(raw) = secret.get("SecretString").and_then(Value::as_str) else {
            return Err(SecretsError::Adapter(format!(
                "{name} has no SecretString in AWS Secrets Manager (binary secrets are not supported)"
            )));
        };
        match serde_json::from_str::<Value>(raw) {
            Ok(Value::Object(map)) => {
                for (key, value) in map {
                    results.insert(format!("{name}/{key}"), stringify(&value));
                }
            }
            Ok(other) => {
                results.insert(name, stringify(&other));
            }
            Err(_) => {
                results.insert(name, raw.to_string());
            }
        }
    }
    Ok(results)
}

/// Kamal's `stringify_secret_value`: strings as they are, anything else as JSON.
fn stringify(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}
