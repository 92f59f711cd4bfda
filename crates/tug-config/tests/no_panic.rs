//! Bad input never panics: arbitrary text through the YAML reader, and arbitrary configs made
//! of Kamal's own keys (with values of every type) through the whole loader and validator.

use std::sync::Arc;

use proptest::prelude::*;
use serde_json::{Map, Value};
use tug_config::{SourceFile, yaml};

const KEYS: &[&str] = &[
    "service",
    "image",
    "servers",
    "registry",
    "server",
    "username",
    "password",
    "builder",
    "arch",
    "remote",
    "local",
    "cache",
    "type",
    "env",
    "clear",
    "secret",
    "tags",
    "proxy",
    "host",
    "hosts",
    "ssl",
    "app_port",
    "healthcheck",
    "path",
    "run",
    "publish",
    "http_port",
    "bind_ips",
    "accessories",
    "role",
    "roles",
    "tag",
    "port",
    "files",
    "directories",
    "options",
    "restart",
    "labels",
    "volumes",
    "aliases",
    "boot",
    "limit",
    "wait",
    "ssh",
    "user",
    "proxy_command",
    "config",
    "key_data",
    "sshkit",
    "logging",
    "driver",
    "primary_role",
    "allow_empty_roles",
    "retain_containers",
    "minimum_version",
    "require_destination",
    "hooks_output",
    "web",
    "workers",
    "x-web",
    "<<",
];

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|i| Value::from(i64::from(i))),
        "[a-z0-9.:%/ -]{0,12}".prop_map(Value::String),
        "\\PC{0,8}".prop_map(Value::String),
        Just(Value::String("...".into())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..5).prop_map(|pairs| {
                let mut m = Map::new();
                for (k, v) in pairs {
                    m.insert(k.to_string(), v);
                }
                Value::Object(m)
            }),
        ]
    })
}

fn config() -> impl Strategy<Value = Value> {
    prop::collection::vec((prop::sample::select(KEYS), value()), 0..10).prop_map(|pairs| {
        let mut m = Map::new();
        for (k, v) in pairs {
            m.insert(k.to_string(), v);
        }
        Value::Object(m)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn yaml_reader_never_panics(text in "\\PC{0,200}") {
        let file = Arc::new(SourceFile::plain("deploy.yml", text));
        let _ = yaml::parse_recovering(&file);
    }

    #[test]
    fn yaml_reader_never_panics_on_yaml_like_text(text in "([a-z<:{}\\[\\]&*!|>'\"#-]|  |\n|: ){0,120}") {
        let file = Arc::new(SourceFile::plain("deploy.yml", text));
        let (_, errors) = yaml::parse_recovering(&file);
        for e in errors {
            // Every error can be located and shown.
            let _ = e.position();
        }
    }

    #[test]
    fn loader_and_validator_never_panic(cfg in config()) {
        match tug_test::Project::new(&cfg.to_string()).version(Some("v1")).try_load() {
            Ok(config) => {
                let _ = (config.all_hosts(), config.primary_host(), config.repository());
            }
            Err(errors) => {
                prop_assert!(!errors.0.is_empty());
                for e in &errors.0 {
                    prop_assert!(!e.message.is_empty());
                    let _ = e.position();
                }
            }
        }
    }
}
