//! 1Password through `op`: `op account get` to check the session, `op signin --force --raw`
//! when needed, then one `op item get` per item (fields selected with `--fields label=…`).

use indexmap::IndexMap;
use serde_json::Value;

use super::{Vault, parse_json, prefixed, split_slash, value_string};
use crate::secrets::error::SecretsError;

pub(super) fn fetch(
    cx: &Vault<'_>,
    account: &str,
    from: Option<&str>,
    names: &[String],
) -> Result<IndexMap<String, String>, SecretsError> {
    cx.check_installed(&["--version"])?;
    let session = login(cx, account)?;
    let session = session.as_deref().filter(|s| !s.is_empty());
    let mut results = IndexMap::new();
    if names.is_empty() {
        let from = from.ok_or_else(|| {
            SecretsError::Adapter("1Password needs `--from vault/item` when no secrets are named".into())
        })?;
        let from = from.strip_prefix("op://").unwrap_or(from);
        let parts = split_slash(from);
        let (vault, item) = (parts.first().copied().unwrap_or(""), parts.get(1).copied().unwrap_or(""));
        let json = item_get(cx, vault, item, &[], account, session)?;
        let fields = json.get("fields").cloned().unwrap_or(Value::Null);
        fields_map(&fields, &mut results)?;
    } else {
        for (vault, items) in vaults_items_fields(&prefixed(names, from))? {
            for (item, fields) in items {
                let mut json = item_get(cx, &vault, &item, &fields, account, session)?;
                if fields.len() == 1 {
                    json = Value::Array(vec![json]);
                }
                fields_map(&json, &mut results)?;
            }
        }
    }
    Ok(results)
}

fn login(cx: &Vault<'_>, account: &str) -> Result<Option<String>, SecretsError> {
    let signed_in = cx.run(cx.cli(["account", "get", "--account", account]).quiet())?.success;
    if signed_in {
        return Ok(None);
    }
    let out = cx.run(cx.cli(["signin", "--account", account, "--force", "--raw"]))?;
    if !out.success {
        return Err(SecretsError::Adapter("Failed to login to 1Password".into()));
    }
    Ok(Some(out.stdout))
}

type Items = IndexMap<String, IndexMap<String, Vec<String>>>;

/// `op://vault/item/section/field` → vault → item → [`section.field`] (`password` by default).
fn vaults_items_fields(secrets: &[String]) -> Result<Items, SecretsError> {
    let mut vaults: Items = IndexMap::new();
    for secret in secrets {
        let path = secret.strip_prefix("op://").unwrap_or(secret);
        let parts = split_slash(path);
        let (Some(vault), Some(item)) = (parts.first(), parts.get(1)) else {
            return Err(SecretsError::Adapter(format!(
                "1Password secret `{secret}` must name a vault and an item (`vault/item[/field]`)"
            )));
        };
        let field = if parts.len() > 2 { parts[2..].join(".") } else { "password".to_string() };
        vaults.entry((*vault).to_string()).or_default().entry((*item).to_string()).or_default().push(field);
    }
    Ok(vaults)
}

fn item_get(
    cx: &Vault<'_>,
    vault: &str,
    item: &str,
    fields: &[String],
    account: &str,
    session: Option<&str>,
) -> Result<Value, SecretsError> {
    let mut args = vec!["item", "get", item, "--vault", vault, "--format", "json", "--account", account];
    if let Some(s) = session {
        args.extend(["--session", s]);
    }
    let labels = fields.iter().map(|f| format!("label={f}")).collect::<Vec<_>>().join(",");
    if !fields.is_empty() {
        args.extend(["--fields", labels.as_str()]);
    }
    let out = cx.run(cx.cli(args))?;
    if !out.success {
        let what = if fields.is_empty() { String::new() } else { format!("{} ", fields.join(", ")) };
        return Err(SecretsError::Adapter(format!("Could not read {what}from {item} in the {vault} 1Password vault")));
    }
    parse_json(&out.stdout, "op item get")
}

/// Each field's `reference` (`op://vault/item/section/field`, `/password` dropped) → value.
fn fields_map(fields: &Value, results: &mut IndexMap<String, String>) -> Result<(), SecretsError> {
    let list = fields.as_array().ok_or_else(|| super::bad_output("op item get", "expected a list of fields"))?;
    for field in list {
        let reference = field
            .get("reference")
            .and_then(Value::as_str)
            .ok_or_else(|| super::bad_output("op item get", "a field has no `reference`"))?;
        let key = reference.strip_prefix("op://").unwrap_or(reference);
        let key = key.strip_suffix("/password").unwrap_or(key);
        results.insert(key.to_string(), field.get("value").map(value_string).unwrap_or_default());
    }
    Ok(())
}
