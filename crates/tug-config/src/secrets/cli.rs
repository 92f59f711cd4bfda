//! What `tug secrets fetch|extract|print` do, and the in-process form of `kamal secrets …` used
//! by `$(…)` in secrets files.

use indexmap::IndexMap;
use serde_json::Value;

use super::Secrets;
use super::adapters::{Adapter, Cx};
use super::error::SecretsError;
use super::ruby;
use super::runner::{CommandRunner, Environment, ProcessEnv};
use crate::sensitive::Sensitive;

/// `kamal secrets fetch --adapter ADAPTER [--account A] [--from F] NAMES…`: asks the vault for
/// `names` and returns `name → value` (names as the vault reports them, usually `F/NAME`).
/// The process environment is read for settings such as `DOPPLER_TOKEN`.
pub fn fetch(
    adapter: &str,
    account: Option<&str>,
    from: Option<&str>,
    names: &[String],
    runner: &dyn CommandRunner,
) -> Result<IndexMap<String, Sensitive<String>>, SecretsError> {
    fetch_with_env(adapter, account, from, names, runner, &ProcessEnv)
}

/// [`fetch`] with an explicit environment.
pub fn fetch_with_env(
    adapter: &str,
    account: Option<&str>,
    from: Option<&str>,
    names: &[String],
    runner: &dyn CommandRunner,
    env: &dyn Environment,
) -> Result<IndexMap<String, Sensitive<String>>, SecretsError> {
    let adapter = Adapter::lookup(adapter)?;
    let results = adapter.fetch(&Cx { runner, env }, account, from, names)?;
    Ok(results.into_iter().map(|(k, v)| (k, Sensitive::new(v))).collect())
}

/// The results of [`fetch`] as the compact JSON object Kamal prints (`{"a":"b"}`), which is
/// what `extract` reads.
pub fn to_json(results: &IndexMap<String, Sensitive<String>>) -> Sensitive<String> {
    let map: serde_json::Map<String, Value> =
        results.iter().map(|(k, v)| (k.clone(), Value::String(v.expose().clone()))).collect();
    Sensitive::new(Value::Object(map).to_string())
}

/// The JSON of [`to_json`] shell-escaped as Ruby's `shellescape` does: what
/// `kamal secrets fetch --inline` returns inside a secrets file, so that a later
/// `$(kamal secrets extract NAME $SECRETS)` receives it as one word.
pub fn to_inline_json(results: &IndexMap<String, Sensitive<String>>) -> Sensitive<String> {
    Sensitive::new(ruby::shellescape(to_json(results).expose()))
}

/// `kamal secrets extract NAME SECRETS`: the value of key `NAME` in the JSON object `SECRETS`,
/// else of the first key ending in `/NAME`; `Could not find secret NAME` otherwise.
pub fn extract(name: &str, secrets_json: &str) -> Result<Sensitive<String>, SecretsError> {
    let parsed: Value = serde_json::from_str(secrets_json).map_err(|e| SecretsError::BadSecretsJson(e.to_string()))?;
    let Value::Object(map) = parsed else {
        return Err(SecretsError::BadSecretsJson("found another JSON value".into()));
    };
    let suffix = format!("/{name}");
    let value = map
        .get(name)
        .filter(|v| !v.is_null())
        .or_else(|| map.iter().find(|(k, _)| k.ends_with(&suffix)).map(|(_, v)| v))
        .filter(|v| !v.is_null())
        .ok_or_else(|| SecretsError::ExtractNotFound(name.to_string()))?;
    Ok(Sensitive::new(match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }))
}

/// `kamal secrets print`: every secret as a `KEY=value` line (for debugging; it reveals them).
pub fn print(secrets: &Secrets) -> Result<Sensitive<String>, SecretsError> {
    let mut out = String::new();
    for (key, value) in secrets.all()? {
        out.push_str(&key);
        out.push('=');
        out.push_str(value.expose());
        out.push('\n');
    }
    Ok(Sensitive::new(out))
}

/// Runs `secrets fetch|extract …` (the words after `kamal`) in-process with `--inline`
/// output, as Kamal does for `$(kamal secrets …)` in a secrets file.
pub(crate) fn run_inline(
    words: &[String],
    runner: &dyn CommandRunner,
    env: &dyn Environment,
) -> Result<Sensitive<String>, SecretsError> {
    let (Some(group), Some(command)) = (words.first(), words.get(1)) else {
        return Err(SecretsError::Usage("expected `kamal secrets fetch` or `kamal secrets extract`".into()));
    };
    if group != "secrets" {
        return Err(SecretsError::Usage(format!("`{group}` is not a `kamal secrets` command")));
    }
    let args = parse_args(command, &words[2..])?;
    match command.as_str() {
        "fetch" => {
            let adapter = args
                .adapter
                .ok_or_else(|| SecretsError::Usage("No value provided for required options '--adapter'".into()))?;
            let results =
                fetch_with_env(&adapter, args.account.as_deref(), args.from.as_deref(), &args.positional, runner, env)?;
            Ok(to_inline_json(&results))
        }
        "extract" => match args.positional.as_slice() {
            [name, json] => extract(name, json),
            _ => Err(SecretsError::Usage(
                "`kamal secrets extract` takes a NAME and the SECRETS from `kamal secrets fetch`".into(),
            )),
        },
        other => Err(SecretsError::Usage(format!(
            "`kamal secrets {other}` cannot run inside a secrets file (only `fetch` and `extract` can)"
        ))),
    }
}

#[derive(Default)]
struct Args {
    adapter: Option<String>,
    account: Option<String>,
    from: Option<String>,
    positional: Vec<String>,
}

/// Thor-style options: `--name VALUE`, `--name=VALUE`, `-a VALUE`, `-aVALUE`, anywhere among
/// the arguments; `--` ends them. Kamal's global options are accepted and ignored.
fn parse_args(command: &str, words: &[String]) -> Result<Args, SecretsError> {
    const FLAGS: [&str; 10] =
        ["--inline", "--no-inline", "-v", "--verbose", "-q", "--quiet", "-p", "--primary", "-H", "--skip-hooks"];
    const IGNORED_VALUES: [&str; 9] =
        ["--version", "-h", "--hosts", "-r", "--roles", "-c", "--config-file", "-d", "--destination"];
    let mut args = Args::default();
    let mut iter = words.iter();
    while let Some(word) = iter.next() {
        if word == "--" {
            args.positional.extend(iter.by_ref().cloned());
            break;
        }
        if !word.starts_with('-') || word == "-" {
            args.positional.push(word.clone());
            continue;
        }
        if FLAGS.contains(&word.as_str()) || word == "--lock-wait" {
            continue;
        }
        let (name, inline_value) = match word.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ if !word.starts_with("--") && word.len() > 2 => (word[..2].to_string(), Some(word[2..].to_string())),
            _ => (word.clone(), None),
        };
        let slot = match name.as_str() {
            "-a" | "--adapter" if command == "fetch" => Some(&mut args.adapter),
            "--account" if command == "fetch" => Some(&mut args.account),
            "--from" if command == "fetch" => Some(&mut args.from),
            n if IGNORED_VALUES.contains(&n) || n == "--lock-wait-timeout" || n == "--lock-wait-interval" => None,
            _ => {
                return Err(SecretsError::Usage(format!("unknown option `{word}` for `kamal secrets {command}`")));
            }
        };
        let value = match inline_value {
            Some(v) => v,
            None => iter
                .next()
                .cloned()
                .ok_or_else(|| SecretsError::Usage(format!("No value provided for option '{name}'")))?,
        };
        if let Some(slot) = slot {
            *slot = Some(value);
        }
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses_thor_style_options() {
        let a = parse_args("fetch", &words("-a test x --account=acc --from f y -q -d staging")).unwrap();
        assert_eq!(a.adapter.as_deref(), Some("test"));
        assert_eq!(a.account.as_deref(), Some("acc"));
        assert_eq!(a.from.as_deref(), Some("f"));
        assert_eq!(a.positional, ["x", "y"]);
        let a = parse_args("fetch", &words("-atest -- --x")).unwrap();
        assert_eq!(a.adapter.as_deref(), Some("test"));
        assert_eq!(a.positional, ["--x"]);
        assert!(parse_args("fetch", &words("--bogus")).is_err());
        assert!(parse_args("fetch", &words("--from")).is_err());
        assert!(parse_args("extract", &words("--from x")).is_err());
    }
}
