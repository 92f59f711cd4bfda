//! Kamal's tags as hook environment and audit prefixes (the `env` cases of Kamal's
//! `test/commands/hook_test.rb` and `Kamal::Tags`).

mod kamal_fixture;

use kamal_fixture::single;
use tug_commands::tags::{Tags, abbreviated_version, service_version};

const AT: &str = "2024-05-01T12:00:00Z";

fn env(tags: &Tags) -> Vec<(String, String)> {
    tags.env()
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn hook_env() {
    let f = single().load();
    assert_eq!(
        env(&Tags::from_config(&f.config, Some("123"), AT, "dhh@example.com")),
        pairs(&[
            ("KAMAL_RECORDED_AT", AT),
            ("KAMAL_PERFORMER", "dhh@example.com"),
            ("KAMAL_VERSION", "123"),
            ("KAMAL_SERVICE_VERSION", "app@123"),
            ("KAMAL_SERVICE", "app"),
        ])
    );
}

#[test]
fn hook_env_with_destination_and_details() {
    let f = single().destination("staging").load();
    let tags = Tags::from_config(&f.config, Some("75bf6fa40b975cbd8aad5c8d72f0c5b3fd12d3d1"), AT, "dhh")
        .with("hosts", Some("1.1.1.1,1.1.1.2"))
        .with("roles", None)
        .with("lock", Some("true"))
        .with("command", Some("deploy"))
        .with("subcommand", None);
    assert_eq!(
        env(&tags),
        pairs(&[
            ("KAMAL_RECORDED_AT", AT),
            ("KAMAL_PERFORMER", "dhh"),
            ("KAMAL_DESTINATION", "staging"),
            ("KAMAL_VERSION", "75bf6fa40b975cbd8aad5c8d72f0c5b3fd12d3d1"),
            ("KAMAL_SERVICE_VERSION", "app@75bf6fa"),
            ("KAMAL_SERVICE", "app"),
            ("KAMAL_HOSTS", "1.1.1.1,1.1.1.2"),
            ("KAMAL_LOCK", "true"),
            ("KAMAL_COMMAND", "deploy"),
        ])
    );
    assert_eq!(
        tags.to_string(),
        format!(
            "[{AT}] [dhh] [staging] [75bf6fa40b975cbd8aad5c8d72f0c5b3fd12d3d1] [app@75bf6fa] [app] [1.1.1.1,1.1.1.2] [true] [deploy]"
        )
    );
}

#[test]
fn abbreviation() {
    assert_eq!(abbreviated_version("75bf6fa40b975cbd"), "75bf6fa");
    assert_eq!(abbreviated_version("75bf6fa40b_uncommitted_abc"), "75bf6fa40b_uncommitted_abc");
    assert_eq!(abbreviated_version("999"), "999");
    assert_eq!(service_version("app", None), "app");
}

#[test]
fn a_detail_replaces_a_default_in_place_and_nil_removes_it() {
    let f = single().load();
    let tags = Tags::from_config(&f.config, Some("123"), AT, "dhh").with("performer", Some("ci")).with("version", None);
    assert_eq!(tags.get("performer"), Some("ci"));
    assert_eq!(tags.to_string(), format!("[{AT}] [ci] [app@123] [app]"));
    assert_eq!(tags.except(&["service_version", "service"]).to_string(), format!("[{AT}] [ci]"));
}
