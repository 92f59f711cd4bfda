//! Enpass through `enpass-cli -json -vault VAULT show TITLE…` (`--from` is the vault path). A
//! secret is an item title (all its passwords) or `TITLE/LABEL` (one of them).

use indexmap::{IndexMap, IndexSet};
use serde_json::Value;

use super::Vault;
use crate::secrets::error::SecretsError;
use crate::secrets::ruby;

pub(super) fn fetch(
    cx: &Vault<'_>,
    from: Option<&str>,
    names: &[String],
) -> Result<IndexMap<String, String>, SecretsError> {
    cx.check_installed(&["version"])?;
    let vault = from.ok_or_else(|| SecretsError::Adapter("Enpass needs `--from` with the vault path".into()))?;
    let titles: IndexSet<&str> = names
        .iter()
        .map(|s| match s.rsplit_once('/') {
            Some((title, _)) if !title.is_empty() => title,
            Some((_, label)) => label,
            None => s.as_str(),
        })
        .collect();
    let mut args = vec!["-json", "-vault", vault, "show"];
    args.extend(titles.iter().copied());
    let json = cx.run_json(cx.cli(args), "enpass-cli show", || {
        format!("Could not read {} from Enpass", ruby::inspect_list(names))
    })?;
    let mut results = IndexMap::new();
    for item in json.as_array().into_iter().flatten() {
        let title = item.get("title").and_then(Value::as_str);
        let label = item.get("label").and_then(Value::as_str).unwrap_or("");
        let password = item.get("password").and_then(Value::as_str).unwrap_or("");
        let Some(title) = title else { continue };
        if ruby::is_blank(password) {
            continue;
        }
        let key = if label.is_empty() { title.to_string() } else { format!("{title}/{label}") };
        if names.iter().any(|n| n == title || *n == key) {
            if results.contains_key(&key) {
                return Err(SecretsError::Adapter(format!("{key} is present more than once")));
            }
            results.insert(key, password.to_string());
        }
    }
    Ok(results)
}
