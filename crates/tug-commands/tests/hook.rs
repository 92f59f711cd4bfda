//! Kamal's `test/commands/hook_test.rb`, pinned against our own fixtures. The clock and the
//! performer are inputs here (Kamal freezes time and asks git).

use indexmap::IndexMap;
use tug_commands::hook::{HookCommands, HookValue};
use tug_commands::tags::Tags;
use tug_config::Config;
use tug_config::secrets::Secrets;

const BASE: &str = "service: app\nimage: dhh/app\nregistry:\n  username: dhh\n  password: secret\nservers:\n  - 1.1.1.1\nbuilder:\n  arch: amd64\n";
const RECORDED_AT: &str = "2024-01-01T00:00:00Z";
const PERFORMER: &str = "dhh@example.com";

fn load(extra: &str, secrets: Option<&str>) -> (tempfile::TempDir, Config) {
    let project = tug_test::Project::new(&format!("{BASE}{extra}")).dir(".kamal").version(Some("123"));
    match secrets {
        Some(s) => project.secrets(s).load(),
        None => project.load(),
    }
}

fn tags(c: &Config) -> Vec<(String, String)> {
    Tags::from_config(c, Some("123"), RECORDED_AT, PERFORMER).env()
}

fn shown(env: &IndexMap<String, HookValue>) -> Vec<(&str, &str)> {
    env.iter().map(|(k, v)| (k.as_str(), v.shown())).collect()
}

#[test]
fn run() {
    let (_d, c) = load("", None);
    let cmd = HookCommands::new(&c).run("foo");
    assert_eq!(cmd.to_shell(), ".kamal/hooks/foo");
    assert!(!cmd.is_env_prefixed());
}

#[test]
fn env() {
    let (_d, c) = load("", None);
    let env = HookCommands::new(&c).env(tags(&c), None);
    assert_eq!(
        shown(&env),
        [
            ("KAMAL_RECORDED_AT", RECORDED_AT),
            ("KAMAL_PERFORMER", PERFORMER),
            ("KAMAL_VERSION", "123"),
            ("KAMAL_SERVICE_VERSION", "app@123"),
            ("KAMAL_SERVICE", "app"),
        ]
    );
}

#[test]
fn run_with_custom_hooks_path() {
    let (_d, c) = load("hooks_path: custom/hooks/path\n", None);
    assert_eq!(HookCommands::new(&c).run("foo").to_shell(), "custom/hooks/path/foo");
}

#[test]
fn env_with_secrets() {
    let (d, c) = load("", Some("DB_PASSWORD=secret\n"));
    let secrets = Secrets::new(d.path(), Secrets::DEFAULT_PATH, None).all().expect("secrets");
    let env = HookCommands::new(&c).env(tags(&c), Some(&secrets));
    let exposed: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.expose())).collect();
    assert_eq!(
        exposed,
        [
            ("KAMAL_RECORDED_AT", RECORDED_AT),
            ("KAMAL_PERFORMER", PERFORMER),
            ("KAMAL_VERSION", "123"),
            ("KAMAL_SERVICE_VERSION", "app@123"),
            ("KAMAL_SERVICE", "app"),
            ("DB_PASSWORD", "secret"),
        ]
    );
    assert_eq!(env["DB_PASSWORD"].shown(), "[REDACTED]");
}
