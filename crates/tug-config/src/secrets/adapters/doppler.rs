//! Doppler through `doppler secrets get … --json`: the project and config come from the first
//! secret (`--from project/config`) unless `DOPPLER_TOKEN` is a service token (`dp.st…`).

use indexmap::IndexMap;

use super::{Vault, prefixed, value_string};
use crate::secrets::error::SecretsError;
use crate::secrets::ruby;

pub(super) fn fetch(
    cx: &Vault<'_>,
    from: Option<&str>,
    names: &[String],
) -> Result<IndexMap<String, String>, SecretsError> {
    cx.check_installed(&["--version"])?;
    if !cx.run(cx.cli(["me", "--json"]).quiet())?.success {
        let out = cx.run(cx.cli(["login", "-y"]))?;
        if !out.success {
            return Err(SecretsError::Adapter("Failed to login to Doppler".into()));
        }
    }
    let secrets = prefixed(names, from);
    let service_token = cx.env("DOPPLER_TOKEN").is_some_and(|t| t.starts_with("dp.st"));
    let mut flags = Vec::new();
    if !service_token {
        let first = secrets.first().map(String::as_str).unwrap_or_default();
        let mut parts = first.split('/');
        match (parts.next().filter(|p| !p.is_empty()), parts.next().filter(|c| !c.is_empty())) {
            (Some(project), Some(config)) => {
                flags = vec!["-p".to_string(), project.to_string(), "-c".into(), config.to_string()]
            }
            _ => {
                return Err(SecretsError::Adapter(
                    "Missing project or config from '--from=project/config' option".into(),
                ));
            }
        }
    }
    let mut args = vec!["secrets".to_string(), "get".into()];
    args.extend(secrets.iter().map(|s| s.rsplit('/').next().unwrap_or_default().to_string()));
    args.push("--json".into());
    args.extend(flags);
    let json = cx.run_json(cx.cli(args), "doppler secrets get", || {
        format!("Could not read {} from Doppler", ruby::inspect_list(&secrets))
    })?;
    let map = json.as_object().ok_or_else(|| super::bad_output("doppler secrets get", "expected a JSON object"))?;
    Ok(map.iter().map(|(name, v)| (name.clone(), v.get("computed").map(value_string).unwrap_or_default())).collect())
}
