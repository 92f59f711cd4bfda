//! Bitwarden through `bw`: `bw status`, `bw login`/`bw unlock --raw` as needed (the session
//! goes in `BW_SESSION`), `bw sync`, then `bw get item` per item.

use indexmap::IndexMap;
use serde_json::Value;

use super::{Vault, parse_json, prefixed, value_string};
use crate::secrets::error::SecretsError;
use crate::secrets::ruby;
use crate::secrets::runner::Output;

pub(super) fn fetch(
    cx: &Vault<'_>,
    account: &str,
    from: Option<&str>,
    names: &[String],
) -> Result<IndexMap<String, String>, SecretsError> {
    cx.check_installed(&["--version"])?;
    let session = login(cx, account)?;
    let session = session.as_deref();
    let mut results = IndexMap::new();
    for (item, fields) in items_fields(&prefixed(names, from)) {
        let out = run(cx, &["get", "item", &item], session)?;
        if !out.success {
            return Err(SecretsError::Adapter(format!("Could not read {item} from Bitwarden")));
        }
        let json = parse_json(ruby::strip(&out.stdout), "bw get item")?;
        if fields.iter().any(Option::is_some) {
            from_fields(&fields, &item, &json, &mut results)?;
        } else if let Some(password) = json.pointer("/login/password").filter(|p| !p.is_null()) {
            results.insert(item.clone(), value_string(password));
        } else if let Some(all) = json.get("fields").and_then(Value::as_array).filter(|f| !f.is_empty()) {
            let names: Vec<Option<String>> =
                all.iter().map(|f| f.get("name").and_then(Value::as_str).map(str::to_string)).collect();
            from_fields(&names, &item, &json, &mut results)?;
        } else {
            return Err(SecretsError::Adapter(format!(
                "Item {item} is not a login type item and no fields were specified"
            )));
        }
    }
    Ok(results)
}

fn run(cx: &Vault<'_>, args: &[&str], session: Option<&str>) -> Result<Output, SecretsError> {
    let mut inv = cx.cli(args.iter().copied());
    if let Some(s) = session {
        inv = inv.env("BW_SESSION", s);
    }
    cx.run(inv)
}

fn status(cx: &Vault<'_>, session: Option<&str>) -> Result<String, SecretsError> {
    let out = run(cx, &["status"], session)?;
    let json = parse_json(ruby::strip(&out.stdout), "bw status")?;
    Ok(json.get("status").and_then(Value::as_str).unwrap_or_default().to_string())
}

fn login(cx: &Vault<'_>, account: &str) -> Result<Option<String>, SecretsError> {
    let mut state = status(cx, None)?;
    if state == "unauthenticated" {
        run(cx, &["login", account], None)?;
        state = status(cx, None)?;
    }
    let mut session = None;
    if state == "locked" {
        let out = run(cx, &["unlock", "--raw"], None)?;
        session = Some(ruby::strip(&out.stdout).to_string()).filter(|s| !ruby::is_blank(s));
        state = status(cx, session.as_deref())?;
    }
    if state != "unlocked" {
        return Err(SecretsError::Adapter("Failed to login to and unlock Bitwarden".into()));
    }
    if !run(cx, &["sync"], session.as_deref())?.success {
        return Err(SecretsError::Adapter("Failed to sync Bitwarden".into()));
    }
    Ok(session)
}

/// `item/field` → item → [field]; a bare `item` adds no field.
fn items_fields(secrets: &[String]) -> IndexMap<String, Vec<Option<String>>> {
    let mut items: IndexMap<String, Vec<Option<String>>> = IndexMap::new();
    for secret in secrets {
        let mut parts = secret.split('/');
        let item = parts.next().unwrap_or_default().to_string();
        let field = parts.next().filter(|f| !f.is_empty()).map(str::to_string);
        items.entry(item).or_default().push(field);
    }
    items
}

fn from_fields(
    fields: &[Option<String>],
    item: &str,
    json: &Value,
    results: &mut IndexMap<String, String>,
) -> Result<(), SecretsError> {
    let list = json.get("fields").and_then(Value::as_array);
    for field in fields {
        let field = field.as_deref().unwrap_or("");
        let found = list.and_then(|l| l.iter().find(|f| f.get("name").and_then(Value::as_str) == Some(field)));
        let Some(found) = found else {
            return Err(SecretsError::Adapter(format!("Could not find field {field} in item {item} in Bitwarden")));
        };
        results.insert(format!("{item}/{field}"), found.get("value").map(value_string).unwrap_or_default());
    }
    Ok(())
}
