//! Golden strings of the audit log commands (Kamal's `test/commands/auditor_test.rb`). The
//! time and performer are passed in, so the lines are fixed.

mod kamal_fixture;

use kamal_fixture::single;
use tug_commands::auditor::Auditor;
use tug_commands::tags::Tags;

const AT: &str = "2024-05-01T12:00:00Z";
const BY: &str = "dhh@example.com";

fn tags(config: &tug_config::Config) -> Tags {
    Tags::from_config(config, Some("123"), AT, BY)
}

#[test]
fn record() {
    let f = single().load();
    let c = Auditor::new(&f.config, tags(&f.config)).record("app removed container", &[]);
    assert_eq!(
        c.to_shell(),
        r#"mkdir -p .kamal && echo "[2024-05-01T12:00:00Z] [dhh@example.com] app removed container" >> .kamal/app-audit.log"#
    );
    assert_eq!(
        c.to_remote_shell(),
        r#"/usr/bin/env mkdir -p .kamal && echo "[2024-05-01T12:00:00Z] [dhh@example.com] app removed container" >> .kamal/app-audit.log"#
    );
}

#[test]
fn record_with_destination() {
    let f = single().destination("staging").load();
    assert_eq!(
        Auditor::new(&f.config, tags(&f.config)).record("app removed container", &[]).to_shell(),
        r#"mkdir -p .kamal && echo "[2024-05-01T12:00:00Z] [dhh@example.com] [staging] app removed container" >> .kamal/app-staging-audit.log"#
    );
}

#[test]
fn record_with_command_details() {
    let f = single().load();
    let auditor = Auditor::new(&f.config, tags(&f.config).with("role", Some("web")));
    assert_eq!(
        auditor.record("app removed container", &[]).to_shell(),
        r#"mkdir -p .kamal && echo "[2024-05-01T12:00:00Z] [dhh@example.com] [web] app removed container" >> .kamal/app-audit.log"#
    );
}

#[test]
fn record_with_arg_details() {
    let f = single().load();
    assert_eq!(
        Auditor::new(&f.config, tags(&f.config)).record("app removed container", &[("detail", "value")]).to_shell(),
        r#"mkdir -p .kamal && echo "[2024-05-01T12:00:00Z] [dhh@example.com] [value] app removed container" >> .kamal/app-audit.log"#
    );
}

#[test]
fn reveal() {
    let f = single().destination("staging").load();
    let c = Auditor::new(&f.config, tags(&f.config)).reveal();
    assert_eq!(c.to_remote_shell(), "/usr/bin/env tail -n 50 .kamal/app-staging-audit.log");
}

#[test]
fn record_quotes_a_hostile_line() {
    let f = single().load();
    let line = r#"deployed "x" `id` $(id) $HOME"#;
    assert_eq!(
        Auditor::new(&f.config, tags(&f.config)).record(line, &[]).to_shell(),
        r#"mkdir -p .kamal && echo "[2024-05-01T12:00:00Z] [dhh@example.com] deployed \"x\" \`id\` \$(id) \$HOME" >> .kamal/app-audit.log"#
    );
}
