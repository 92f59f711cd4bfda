//! Passbolt through `passbolt list resources`: `passbolt verify` checks the login; secrets in
//! folders (`folder/sub/NAME`) are resolved to folder ids with `passbolt list folders` first.

use indexmap::{IndexMap, IndexSet};
use serde_json::Value;

use super::{Vault, parse_json, prefixed, value_string};
use crate::secrets::error::SecretsError;
use crate::secrets::ruby::{self, inspect, shellescape};

#[derive(Debug, Clone)]
struct Folder {
    id: String,
    name: String,
    parent: String,
}

pub(super) fn fetch(
    cx: &Vault<'_>,
    from: Option<&str>,
    names: &[String],
) -> Result<IndexMap<String, String>, SecretsError> {
    cx.check_installed(&["--version"])?;
    if !cx.run(cx.cli(["verify"]))?.success {
        return Err(SecretsError::Adapter("Failed to login to Passbolt".into()));
    }
    let secrets = prefixed(names, from);
    if secrets.is_empty() {
        return Err(SecretsError::Adapter("No secrets given to fetch".into()));
    }
    let secret_names: Vec<&str> = secrets.iter().map(|s| s.rsplit('/').next().unwrap_or_default()).collect();
    let folders = folders(cx, &secrets)?;

    let mut conditions = Vec::new();
    for secret in &secrets {
        let parts: Vec<&str> = secret.split('/').collect();
        let name = parts.last().copied().unwrap_or_default();
        if parts.len() > 1 {
            let mut current = None;
            let mut path = Vec::new();
            for folder_name in &parts[..parts.len() - 1] {
                path.push(*folder_name);
                let joined = path.join("/");
                if let Some(f) = folders.iter().find(|f| folder_path(f, &folders) == joined) {
                    current = Some(f);
                }
            }
            if let Some(folder) = current {
                conditions.push(format!(
                    "(Name == {} && FolderParentID == {})",
                    inspect(&shellescape(name)),
                    inspect(&shellescape(&folder.id))
                ));
            }
        } else {
            conditions.push(format!("Name == {}", inspect(&shellescape(name))));
        }
    }
    let mut args = vec!["list".to_string(), "resources".into()];
    if !conditions.is_empty() {
        args.extend(["--filter".to_string(), conditions.join(" || ")]);
    }
    for f in &folders {
        args.extend(["--folder".to_string(), f.id.clone()]);
    }
    args.extend(["--column", "name", "--column", "password", "--json"].map(String::from));
    let json = cx.run_json(cx.cli(args), "passbolt list resources", || {
        format!("Could not read {} from Passbolt", ruby::inspect_list(&secrets))
    })?;
    let items: Vec<&Value> = json.as_array().into_iter().flatten().collect();
    let found: IndexSet<String> = items.iter().map(|i| i.get("name").map(value_string).unwrap_or_default()).collect();
    let missing: Vec<&str> = secret_names.iter().copied().filter(|n| !found.contains(*n)).collect();
    if !missing.is_empty() {
        return Err(SecretsError::Adapter(format!(
            "Could not find the following secrets in Passbolt: {}",
            missing.join(", ")
        )));
    }
    Ok(items
        .iter()
        .map(|i| {
            (
                i.get("name").map(value_string).unwrap_or_default(),
                i.get("password").map(value_string).unwrap_or_default(),
            )
        })
        .collect())
}

fn list_folders(cx: &Vault<'_>, filter: &str) -> Result<Option<Vec<Folder>>, SecretsError> {
    let out = cx.run(cx.cli(["list", "folders", "--filter", filter, "--json"]))?;
    if !out.success {
        return Ok(None);
    }
    let json = parse_json(&out.stdout, "passbolt list folders")?;
    Ok(Some(
        json.as_array()
            .into_iter()
            .flatten()
            .map(|f| Folder {
                id: f.get("id").map(value_string).unwrap_or_default(),
                name: f.get("name").map(value_string).unwrap_or_default(),
                parent: f.get("folder_parent_id").map(value_string).unwrap_or_default(),
            })
            .collect(),
    ))
}

/// The folders named by the secrets' paths, top-level first, then each nested level.
fn folders(cx: &Vault<'_>, secrets: &[String]) -> Result<Vec<Folder>, SecretsError> {
    let paths: IndexSet<Vec<&str>> = secrets
        .iter()
        .filter(|s| s.contains('/'))
        .map(|s| {
            let parts: Vec<&str> = s.split('/').collect();
            parts[..parts.len() - 1].to_vec()
        })
        .collect();
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let parents: IndexSet<&str> = paths.iter().filter_map(|p| p.first().copied()).collect();
    let filter =
        parents.iter().map(|n| format!("Name == {}", inspect(&shellescape(n)))).collect::<Vec<_>>().join(" || ");
    let top = list_folders(cx, &filter)?
        .ok_or_else(|| SecretsError::Adapter("Could not read folders from Passbolt".into()))?;
    let mut all = top.clone();
    for path in &paths {
        if path.len() <= 1 {
            continue;
        }
        let Some(mut current) = top.iter().find(|f| f.name == path[0]).cloned() else {
            continue;
        };
        for name in &path[1..] {
            let filter = format!(
                "Name == {} && FolderParentID == {}",
                inspect(&shellescape(name)),
                inspect(&shellescape(&current.id))
            );
            let Some(nested) = list_folders(cx, &filter)? else {
                continue;
            };
            let Some(first) = nested.first().cloned() else {
                break;
            };
            all.extend(nested);
            current = first;
        }
    }
    let found: IndexSet<String> = all.iter().map(|f| folder_path(f, &all)).collect();
    let missing: Vec<String> = paths.iter().map(|p| p.join("/")).filter(|p| !found.contains(p)).collect();
    if !missing.is_empty() {
        return Err(SecretsError::Adapter(format!(
            "Could not find the following folders in Passbolt: {}",
            missing.join(", ")
        )));
    }
    Ok(all)
}

/// `parent/…/name` of a folder, following parent ids among `all` (cycles cut off).
fn folder_path(folder: &Folder, all: &[Folder]) -> String {
    let mut names = vec![folder.name.as_str()];
    let mut current = folder;
    for _ in 0..=all.len() {
        if current.parent.is_empty() {
            break;
        }
        match all.iter().find(|f| f.id == current.parent) {
            Some(parent) => {
                names.push(parent.name.as_str());
                current = parent;
            }
            None => break,
        }
    }
    names.reverse();
    names.join("/")
}
