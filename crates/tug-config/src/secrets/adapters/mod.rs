//! Vault adapters for `kamal secrets fetch`: each calls its vendor's CLI with the argv, login
//! checks and output parsing Kamal uses, through a [`CommandRunner`].

mod aws_secrets_manager;
mod bitwarden;
mod bitwarden_secrets_manager;
mod doppler;
mod enpass;
mod gcp_secret_manager;
mod last_pass;
mod one_password;
mod passbolt;
mod test;

use indexmap::IndexMap;

use super::error::SecretsError;
use super::ruby;
use super::runner::{CommandRunner, Environment, Invocation, Output};

/// A vault Kamal can fetch secrets from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Adapter {
    /// 1Password (`op`).
    OnePassword,
    /// Bitwarden password manager (`bw`).
    Bitwarden,
    /// Bitwarden Secrets Manager (`bws`).
    BitwardenSecretsManager,
    /// LastPass (`lpass`).
    LastPass,
    /// AWS Secrets Manager (`aws`).
    AwsSecretsManager,
    /// Google Cloud Secret Manager (`gcloud`).
    GcpSecretManager,
    /// Doppler (`doppler`).
    Doppler,
    /// Enpass (`enpass-cli`).
    Enpass,
    /// Passbolt (`passbolt`).
    Passbolt,
    /// Kamal's test adapter: each value is its name reversed.
    Test,
}

impl Adapter {
    /// Every adapter.
    pub const ALL: [Adapter; 10] = [
        Adapter::OnePassword,
        Adapter::Bitwarden,
        Adapter::BitwardenSecretsManager,
        Adapter::LastPass,
        Adapter::AwsSecretsManager,
        Adapter::GcpSecretManager,
        Adapter::Doppler,
        Adapter::Enpass,
        Adapter::Passbolt,
        Adapter::Test,
    ];

    /// Finds an adapter as Kamal does: the aliases `1password`, `lastpass`, `gcp` and
    /// `bitwarden-sm` (any case), else the name camelized (`aws_secrets_manager`,
    /// `AwsSecretsManager`). Otherwise `Unknown secrets adapter: x`.
    pub fn lookup(name: &str) -> Result<Adapter, SecretsError> {
        let name = match name.to_lowercase().as_str() {
            "1password" => "one_password",
            "lastpass" => "last_pass",
            "gcp" => "gcp_secret_manager",
            "bitwarden-sm" => "bitwarden_secrets_manager",
            _ => name,
        };
        let class = camelize(name);
        Adapter::ALL
            .into_iter()
            .find(|a| a.class_name() == class)
            .ok_or_else(|| SecretsError::UnknownAdapter(name.to_string()))
    }

    /// Kamal's name for it (`one_password`, `aws_secrets_manager`, …).
    pub fn name(self) -> &'static str {
        match self {
            Adapter::OnePassword => "one_password",
            Adapter::Bitwarden => "bitwarden",
            Adapter::BitwardenSecretsManager => "bitwarden_secrets_manager",
            Adapter::LastPass => "last_pass",
            Adapter::AwsSecretsManager => "aws_secrets_manager",
            Adapter::GcpSecretManager => "gcp_secret_manager",
            Adapter::Doppler => "doppler",
            Adapter::Enpass => "enpass",
            Adapter::Passbolt => "passbolt",
            Adapter::Test => "test",
        }
    }

    fn class_name(self) -> &'static str {
        match self {
            Adapter::OnePassword => "OnePassword",
            Adapter::Bitwarden => "Bitwarden",
            Adapter::BitwardenSecretsManager => "BitwardenSecretsManager",
            Adapter::LastPass => "LastPass",
            Adapter::AwsSecretsManager => "AwsSecretsManager",
            Adapter::GcpSecretManager => "GcpSecretManager",
            Adapter::Doppler => "Doppler",
            Adapter::Enpass => "Enpass",
            Adapter::Passbolt => "Passbolt",
            Adapter::Test => "Test",
        }
    }

    /// Whether `--account` must be given (Kamal's `requires_account?`).
    pub fn requires_account(self) -> bool {
        matches!(
            self,
            Adapter::OnePassword | Adapter::Bitwarden | Adapter::LastPass | Adapter::GcpSecretManager | Adapter::Test
        )
    }

    /// The vendor CLI it runs (`op`, `bw`, …); `None` for the test adapter.
    pub fn program(self) -> Option<&'static str> {
        match self {
            Adapter::OnePassword => Some("op"),
            Adapter::Bitwarden => Some("bw"),
            Adapter::BitwardenSecretsManager => Some("bws"),
            Adapter::LastPass => Some("lpass"),
            Adapter::AwsSecretsManager => Some("aws"),
            Adapter::GcpSecretManager => Some("gcloud"),
            Adapter::Doppler => Some("doppler"),
            Adapter::Enpass => Some("enpass-cli"),
            Adapter::Passbolt => Some("passbolt"),
            Adapter::Test => None,
        }
    }

    /// The vendor, as named in "is not installed" errors.
    pub fn vendor(self) -> &'static str {
        match self {
            Adapter::OnePassword => "1Password",
            Adapter::Bitwarden => "Bitwarden",
            Adapter::BitwardenSecretsManager => "Bitwarden Secrets Manager",
            Adapter::LastPass => "LastPass",
            Adapter::AwsSecretsManager => "AWS",
            Adapter::GcpSecretManager => "Google Cloud",
            Adapter::Doppler => "Doppler",
            Adapter::Enpass => "Enpass",
            Adapter::Passbolt => "Passbolt",
            Adapter::Test => "test",
        }
    }

    /// Fetches `names` (prefixed with `from/` where the vault does so), after Kamal's checks:
    /// account given when required, CLI installed, logged in.
    pub(crate) fn fetch(
        self,
        cx: &Cx<'_>,
        account: Option<&str>,
        from: Option<&str>,
        names: &[String],
    ) -> Result<IndexMap<String, String>, SecretsError> {
        let account = account.filter(|a| !ruby::is_blank(a));
        if self.requires_account() && account.is_none() {
            return Err(SecretsError::MissingAccount);
        }
        let cx = Vault { adapter: self, runner: cx.runner, env: cx.env };
        match self {
            Adapter::OnePassword => one_password::fetch(&cx, account.unwrap_or_default(), from, names),
            Adapter::Bitwarden => bitwarden::fetch(&cx, account.unwrap_or_default(), from, names),
            Adapter::BitwardenSecretsManager => bitwarden_secrets_manager::fetch(&cx, from, names),
            Adapter::LastPass => last_pass::fetch(&cx, account.unwrap_or_default(), from, names),
            Adapter::AwsSecretsManager => aws_secrets_manager::fetch(&cx, account, from, names),
            Adapter::GcpSecretManager => gcp_secret_manager::fetch(&cx, account.unwrap_or_default(), from, names),
            Adapter::Doppler => doppler::fetch(&cx, from, names),
            Adapter::Enpass => enpass::fetch(&cx, from, names),
            Adapter::Passbolt => passbolt::fetch(&cx, from, names),
            Adapter::Test => Ok(test::fetch(from, names)),
        }
    }
}

/// What adapters need from the outside world.
pub(crate) struct Cx<'a> {
    pub runner: &'a dyn CommandRunner,
    pub env: &'a dyn Environment,
}

/// A [`Cx`] bound to one adapter, so that a missing program is reported with its vendor.
pub(crate) struct Vault<'a> {
    adapter: Adapter,
    runner: &'a dyn CommandRunner,
    env: &'a dyn Environment,
}

impl Vault<'_> {
    fn program(&self) -> &'static str {
        self.adapter.program().unwrap_or("true")
    }

    /// Runs the vendor CLI with `args`.
    fn run(&self, inv: Invocation) -> Result<Output, SecretsError> {
        self.runner.run(&inv).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                self.not_installed()
            } else {
                SecretsError::CliSpawn { program: inv.program.clone(), reason: e.to_string() }
            }
        })
    }

    fn cli<I, S>(&self, args: I) -> Invocation
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Invocation::new(self.program(), args)
    }

    fn not_installed(&self) -> SecretsError {
        SecretsError::CliNotInstalled { program: self.program().to_string(), vendor: self.adapter.vendor().to_string() }
    }

    /// Kamal's `check_dependencies!`: `<cli> <args> 2> /dev/null` must succeed.
    fn check_installed(&self, args: &[&str]) -> Result<(), SecretsError> {
        let out = self.run(self.cli(args.iter().copied()).quiet())?;
        if out.success { Ok(()) } else { Err(self.not_installed()) }
    }

    /// Runs the CLI and parses its output as JSON (`label` names the command in parse errors);
    /// a failed exit becomes Kamal's `failure` message.
    fn run_json(
        &self,
        inv: Invocation,
        label: &str,
        failure: impl FnOnce() -> String,
    ) -> Result<serde_json::Value, SecretsError> {
        let out = self.run(inv)?;
        if !out.success {
            return Err(SecretsError::Adapter(failure()));
        }
        parse_json(ruby::strip(&out.stdout), label)
    }

    fn env(&self, name: &str) -> Option<String> {
        self.env.var(name)
    }
}

/// Kamal's `prefixed_secrets`: `from/name` when `--from` is given.
fn prefixed(names: &[String], from: Option<&str>) -> Vec<String> {
    names
        .iter()
        .map(|n| match from {
            Some(f) => format!("{f}/{n}"),
            None => n.clone(),
        })
        .collect()
}

/// Parses a CLI's JSON output; `command` names it without secret arguments.
fn parse_json(text: &str, command: &str) -> Result<serde_json::Value, SecretsError> {
    serde_json::from_str(text)
        .map_err(|e| SecretsError::BadOutput { command: command.to_string(), reason: e.to_string() })
}

fn bad_output(command: &str, reason: &str) -> SecretsError {
    SecretsError::BadOutput { command: command.to_string(), reason: reason.to_string() }
}

/// A JSON value as Kamal stores it: strings as they are, anything else as compact JSON
/// (`null` as the empty string).
fn value_string(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Ruby's `split("/")`: trailing empty fields dropped.
fn split_slash(s: &str) -> Vec<&str> {
    let mut parts: Vec<&str> = s.split('/').collect();
    while parts.last() == Some(&"") {
        parts.pop();
    }
    parts
}

/// ActiveSupport's `camelize`: `one_password` → `OnePassword`.
fn camelize(name: &str) -> String {
    let mut out = String::new();
    let lead = name.bytes().take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit()).count();
    out.push_str(&capitalize(&name[..lead]));
    let mut rest = &name[lead..];
    while !rest.is_empty() {
        let c = rest.as_bytes()[0];
        if c == b'_' || c == b'/' {
            let word_len = rest[1..].bytes().take_while(u8::is_ascii_alphanumeric).count();
            if c == b'/' {
                out.push_str("::");
            }
            out.push_str(&capitalize(&rest[1..1 + word_len]));
            rest = &rest[1 + word_len..];
        } else {
            let ch_len = rest.chars().next().map_or(1, char::len_utf8);
            out.push_str(&rest[..ch_len]);
            rest = &rest[ch_len..];
        }
    }
    out
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_follows_kamal() {
        assert_eq!(Adapter::lookup("1password"), Ok(Adapter::OnePassword));
        assert_eq!(Adapter::lookup("1Password"), Ok(Adapter::OnePassword));
        assert_eq!(Adapter::lookup("one_password"), Ok(Adapter::OnePassword));
        assert_eq!(Adapter::lookup("OnePassword"), Ok(Adapter::OnePassword));
        assert_eq!(Adapter::lookup("LastPass"), Ok(Adapter::LastPass));
        assert_eq!(Adapter::lookup("gcp"), Ok(Adapter::GcpSecretManager));
        assert_eq!(Adapter::lookup("bitwarden-sm"), Ok(Adapter::BitwardenSecretsManager));
        assert_eq!(Adapter::lookup("aws_secrets_manager"), Ok(Adapter::AwsSecretsManager));
        assert_eq!(Adapter::lookup("test"), Ok(Adapter::Test));
        for bad in ["DOPPLER", "base", "one-password", "x", ""] {
            assert_eq!(Adapter::lookup(bad).unwrap_err().to_string(), format!("Unknown secrets adapter: {bad}"));
        }
    }

    #[test]
    fn camelize_matches_activesupport() {
        assert_eq!(camelize("aws_secrets_manager"), "AwsSecretsManager");
        assert_eq!(camelize("AWS_secrets"), "AWSSecrets");
        assert_eq!(camelize("a/b_c"), "A::BC");
    }
}
