//! Google Cloud Secret Manager through `gcloud secrets versions access`. Secrets are
//! `[project/]name[/version]` (project `default`, version `latest`); the account is
//! `USER[|SERVICE_ACCOUNT[,…]]`, where `default` means gcloud's active user.

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use indexmap::IndexMap;
use serde_json::Value;

use super::{Vault, parse_json, prefixed};
use crate::secrets::error::SecretsError;

pub(super) fn fetch(
    cx: &Vault<'_>,
    account: &str,
    from: Option<&str>,
    names: &[String],
) -> Result<IndexMap<String, String>, SecretsError> {
    cx.check_installed(&["--version"])?;
    if !logged_in(cx)? {
        cx.run(cx.cli(["auth", "login"]))?;
        if !logged_in(cx)? {
            return Err(SecretsError::Adapter("could not login to gcloud".into()));
        }
    }
    let (user, service_account) = match account.split_once('|') {
        Some((u, sa)) => (u, Some(sa)),
        None => (account, None),
    };
    let mut seen = IndexMap::new();
    for secret in prefixed(names, from) {
        let mut parts: Vec<&str> = super::split_slash(&secret);
        if parts.len() == 1 {
            parts.insert(0, "default");
        }
        let project = parts.first().copied().unwrap_or("default").to_string();
        let name = parts.get(1).copied().unwrap_or("").to_string();
        let version = parts.get(2).copied().unwrap_or("latest").to_string();
        seen.insert(secret.clone(), (project, name, version));
    }
    let mut results = IndexMap::new();
    for (project, name, version) in seen.into_values() {
        let item = format!("{project}/{name}");
        let mut args =
            vec!["secrets".to_string(), "versions".into(), "access".into(), version, format!("--secret={name}")];
        if project != "default" {
            args.push(format!("--project={project}"));
        }
        if user != "default" {
            args.push(format!("--account={user}"));
        }
        if let Some(sa) = service_account {
            args.push(format!("--impersonate-service-account={sa}"));
        }
        args.push("--format=json".into());
        let json = cx.run_json(cx.cli(args), "gcloud secrets versions access", || {
            format!("Could not read {item} from Google Secret Manager")
        })?;
        let data = json.pointer("/payload/data").and_then(Value::as_str).unwrap_or_default();
        results.insert(item.clone(), decode(data, &item)?);
    }
    Ok(results)
}

fn logged_in(cx: &Vault<'_>) -> Result<bool, SecretsError> {
    let out = cx.run(cx.cli(["auth", "list", "--format=json"]))?;
    let json = parse_json(out.stdout.trim(), "gcloud auth list")?;
    Ok(json.as_array().is_some_and(|a| !a.is_empty()))
}

/// Base64 as Ruby's lenient `decode64`: whitespace and padding optional; URL-safe letters
/// accepted.
fn decode(data: &str, item: &str) -> Result<String, SecretsError> {
    let cleaned: String = data
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    let engine = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let bytes = engine.decode(cleaned.as_bytes()).map_err(|e| SecretsError::BadOutput {
        command: "gcloud secrets versions access".into(),
        reason: format!("the payload of {item} is not base64: {e}"),
    })?;
    String::from_utf8(bytes).map_err(|_| SecretsError::BadOutput {
        command: "gcloud secrets versions access".into(),
        reason: format!("the payload of {item} is not UTF-8 text"),
    })
}
