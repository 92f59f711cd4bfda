//! Bitwarden Secrets Manager through `bws`: `bws project list` checks the access token; `all`
//! (or `PROJECT/all`) lists a whole project with `bws secret list`, anything else is a secret
//! id for `bws secret get`.

use indexmap::IndexMap;
use serde_json::Value;

use super::{Vault, parse_json, prefixed, value_string};
use crate::secrets::error::SecretsError;

pub(super) fn fetch(
    cx: &Vault<'_>,
    from: Option<&str>,
    names: &[String],
) -> Result<IndexMap<String, String>, SecretsError> {
    cx.check_installed(&["--version"])?;
    if !cx.run(cx.cli(["project", "list"]))?.success {
        return Err(SecretsError::Adapter(
            "Could not authenticate to Bitwarden Secrets Manager. Did you set a valid access token?".into(),
        ));
    }
    if names.is_empty() {
        return Err(SecretsError::Adapter("You must specify what to retrieve from Bitwarden Secrets Manager".into()));
    }
    let secrets = prefixed(names, from);
    let mut results = IndexMap::new();
    let list_args: Option<Vec<&str>> = match secrets.as_slice() {
        [one] if one == "all" => Some(vec!["secret", "list"]),
        [one] if one.ends_with("/all") => {
            let project = one.split("/all").next().unwrap_or_default();
            Some(vec!["secret", "list", project])
        }
        _ => None,
    };
    match list_args {
        None => {
            for id in &secrets {
                let out = cx.run(cx.cli(["secret", "get", id.as_str()]))?;
                if !out.success {
                    return Err(SecretsError::Adapter(format!("Could not read {id} from Bitwarden Secrets Manager")));
                }
                insert(&parse_json(&out.stdout, "bws secret get")?, &mut results);
            }
        }
        Some(args) => {
            let json = cx.run_json(cx.cli(args), "bws secret list", || {
                "Could not read secrets from Bitwarden Secrets Manager".into()
            })?;
            for item in json.as_array().into_iter().flatten() {
                insert(item, &mut results);
            }
        }
    }
    Ok(results)
}

fn insert(item: &Value, results: &mut IndexMap<String, String>) {
    let key = item.get("key").map(value_string).unwrap_or_default();
    results.insert(key, item.get("value").map(value_string).unwrap_or_default());
}
