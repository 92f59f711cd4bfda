//! LastPass through `lpass`: `lpass status` must say `Logged in as ACCOUNT.` (else
//! `lpass login`), then one `lpass show … --json` for all secrets.

use indexmap::IndexMap;

use super::{Vault, prefixed, value_string};
use crate::secrets::error::SecretsError;
use crate::secrets::ruby;

pub(super) fn fetch(
    cx: &Vault<'_>,
    account: &str,
    from: Option<&str>,
    names: &[String],
) -> Result<IndexMap<String, String>, SecretsError> {
    cx.check_installed(&["--version"])?;
    let status = cx.run(cx.cli(["status", "--color", "never"]))?;
    if ruby::strip(&status.stdout) != format!("Logged in as {account}.") {
        let out = cx.run(cx.cli(["login", account]))?;
        if !out.success {
            return Err(SecretsError::Adapter("Failed to login to LastPass".into()));
        }
    }
    let secrets = prefixed(names, from);
    let mut args = vec!["show".to_string()];
    args.extend(secrets.iter().cloned());
    args.push("--json".into());
    let json = cx.run_json(cx.cli(args), "lpass show", || {
        format!("Could not read {} from LastPass", ruby::inspect_list(&secrets))
    })?;
    let mut results = IndexMap::new();
    for item in json.as_array().into_iter().flatten() {
        let name = item.get("fullname").map(value_string).unwrap_or_default();
        results.insert(name, item.get("password").map(value_string).unwrap_or_default());
    }
    let missing: Vec<&str> = secrets.iter().filter(|s| !results.contains_key(*s)).map(String::as_str).collect();
    if !missing.is_empty() {
        return Err(SecretsError::Adapter(format!("Could not find {} in LastPass", missing.join(", "))));
    }
    Ok(results)
}
