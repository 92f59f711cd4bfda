//! How Kamal's spellings parse: the values that reach the commands, not just acceptance.

use super::accessory::AccessoryCommand;
use super::app::AppCommand;
use super::proxy::{BootConfigAction, ProxyCommand};
use super::server::ServerCommand;
use std::path::PathBuf;

use super::*;

fn parse_line(line: &str) -> Invocation {
    let argv: Vec<String> =
        std::iter::once("tug".to_string()).chain(shell_words::split(line).expect("test argv")).collect();
    match parse(&argv) {
        Ok(invocation) => invocation,
        Err(e) => panic!("{line}: {}", crate::diagnostics::render(&e, crate::diagnostics::Style::PLAIN)),
    }
}

fn parse_err(line: &str) -> String {
    let argv: Vec<String> =
        std::iter::once("tug".to_string()).chain(shell_words::split(line).expect("test argv")).collect();
    match parse(&argv) {
        Ok(invocation) => panic!("{line} parsed: {invocation:?}"),
        Err(e) => crate::diagnostics::render(&e, crate::diagnostics::Style::PLAIN),
    }
}

fn app_exec(line: &str) -> app::ExecArgs {
    match parse_line(line).cli.command {
        Command::App(AppCommand::Exec(args)) => args,
        other => panic!("{line}: {other:?}"),
    }
}

#[test]
fn h_is_hosts() {
    let inv = parse_line("-h 1.1.1.1,1.1.1.2 app details");
    assert_eq!(inv.cli.global.hosts.as_deref(), Some("1.1.1.1,1.1.1.2"));
    assert_eq!(inv.path, ["app", "details"]);
    let inv = parse_line("app details -h 1.1.1.3");
    assert_eq!(inv.cli.global.hosts.as_deref(), Some("1.1.1.3"));
}

#[test]
fn globals_have_kamal_defaults() {
    let g = parse_line("deploy").cli.global;
    assert_eq!(g.config_file, PathBuf::from("config/deploy.yml"));
    assert_eq!((g.lock_wait, g.lock_wait_timeout, g.lock_wait_interval), (false, 900, 15));
    assert!(!g.skip_hooks && !g.primary && !g.verbose && !g.quiet);
    assert_eq!(g.app_version, None);
}

#[test]
fn version_option_is_the_app_version() {
    let inv = parse_line("app boot --version 7f3a2c1");
    assert_eq!(inv.cli.global.app_version.as_deref(), Some("7f3a2c1"));
}

#[test]
fn capital_h_skips_hooks_and_underscores_are_accepted() {
    assert!(parse_line("-H deploy").cli.global.skip_hooks);
    assert!(parse_line("deploy --skip_hooks").cli.global.skip_hooks);
    match parse_line("deploy --skip_push").cli.command {
        Command::Deploy(args) => assert!(args.skip_push),
        other => panic!("{other:?}"),
    }
    match parse_line("app maintenance --message Hello --drain_timeout 10").cli.command {
        Command::App(AppCommand::Maintenance(m)) => {
            assert_eq!(m.drain_timeout, Some(10));
            assert_eq!(m.message.as_deref(), Some("Hello"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn exec_takes_the_rest_as_command_words() {
    let args = app_exec("app exec -i --reuse 'bin/rails console'");
    assert!(args.interactive && args.reuse);
    assert_eq!(args.cmd, ["bin/rails console"]);

    let args = app_exec("app exec ruby ' -v'");
    assert_eq!(args.cmd, ["ruby", " -v"]);
}

#[test]
fn exec_recognises_options_among_command_words_like_thor() {
    // What the `console -r workers` alias of Kamal's tests expands to.
    let inv = parse_line("app exec --reuse -p -r console bin/console -r workers");
    assert_eq!(inv.cli.global.roles.as_deref(), Some("workers"));
    assert!(inv.cli.global.primary);
    match inv.cli.command {
        Command::App(AppCommand::Exec(args)) => assert_eq!(args.cmd, ["bin/console"]),
        other => panic!("{other:?}"),
    }
    let args = app_exec("app exec --reuse -p -r console rails db:migrate:status");
    assert_eq!(args.cmd, ["rails", "db:migrate:status"]);
}

#[test]
fn exec_keeps_unknown_dash_words() {
    match parse_line("server exec date -j").cli.command {
        Command::Server(ServerCommand::Exec(args)) => assert_eq!(args.cmd, ["date", "-j"]),
        other => panic!("{other:?}"),
    }
    match parse_line("server exec date --raw").cli.command {
        Command::Server(ServerCommand::Exec(args)) => {
            assert!(args.raw);
            assert_eq!(args.cmd, ["date"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn exec_env_pairs() {
    let args = app_exec("app exec -e FOO:bar -e URL:http://x:1 --env=A:b env");
    assert_eq!(
        args.env,
        [
            ("FOO".to_string(), "bar".to_string()),
            ("URL".to_string(), "http://x:1".to_string()),
            ("A".to_string(), "b".to_string())
        ]
    );
    assert_eq!(args.cmd, ["env"]);
}

#[test]
fn exec_incompatible_options_are_rejected() {
    for line in [
        "app exec --detach --reuse 'ruby -v'",
        "app exec --interactive --detach 'ruby -v'",
        "app exec --raw -i 'ruby -v'",
        "server exec date --raw --interactive",
        "accessory exec mysql --raw -i 'mysql -v'",
    ] {
        let err = parse_err(line);
        assert!(err.contains("cannot be used with"), "{line}: {err}");
    }
    let err = parse_err("app exec");
    assert!(err.contains("required"), "{err}");
}

#[test]
fn accessory_exec_takes_name_then_command() {
    match parse_line("accessory exec mysql --reuse 'mysql -v'").cli.command {
        Command::Accessory(AccessoryCommand::Exec(args)) => {
            assert_eq!(args.name, "mysql");
            assert!(args.reuse);
            assert_eq!(args.cmd, ["mysql -v"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn logs_options() {
    match parse_line("app logs --follow --grep hey --grep-options '-C 2' -n 10 -T --container-id ID123").cli.command {
        Command::App(AppCommand::Logs(l)) => {
            assert!(l.logs.follow && l.logs.skip_timestamps);
            assert_eq!(l.logs.grep.as_deref(), Some("hey"));
            assert_eq!(l.grep.grep_options.as_deref(), Some("-C 2"));
            assert_eq!(l.logs.lines, Some(10));
            assert_eq!(l.container_id.as_deref(), Some("ID123"));
        }
        other => panic!("{other:?}"),
    }
    match parse_line("proxy logs -s 2h -f").cli.command {
        Command::Proxy(ProxyCommand::Logs(l)) => {
            assert_eq!(l.since.as_deref(), Some("2h"));
            assert!(l.follow);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn proxy_boot_config_as_in_kamal_tests() {
    let inv = parse_line(
        "proxy boot_config set --docker_options label=foo=bar add_host=thishost:thathost \
         --registry myreg --image_version 0.9.9 --metrics_port 9000 --debug true \
         --publish-host-ip 127.0.0.1 --publish-host-ip ::1 --http-port 8080",
    );
    match inv.cli.command {
        Command::Proxy(ProxyCommand::BootConfig(b)) => {
            assert_eq!(b.action, BootConfigAction::Set);
            assert_eq!(b.docker_options, ["label=foo=bar", "add_host=thishost:thathost"]);
            assert_eq!(b.registry.as_deref(), Some("myreg"));
            assert_eq!(b.image_version.as_deref(), Some("0.9.9"));
            assert_eq!(b.metrics_port, Some(9000));
            assert!(b.debug());
            assert_eq!(b.publish_host_ip, ["127.0.0.1", "::1"]);
            assert_eq!((b.http_port, b.https_port), (8080, 443));
            assert_eq!(b.log_max_size, "10m");
            assert!(b.publish());
        }
        other => panic!("{other:?}"),
    }
    match parse_line("proxy boot_config set --publish false").cli.command {
        Command::Proxy(ProxyCommand::BootConfig(b)) => assert!(!b.publish()),
        other => panic!("{other:?}"),
    }
    match parse_line("proxy boot-config get --no-publish").cli.command {
        Command::Proxy(ProxyCommand::BootConfig(b)) => {
            assert_eq!(b.action, BootConfigAction::Get);
            assert!(!b.publish());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn dashed_names_and_unique_prefixes_resolve() {
    assert_eq!(parse_line("app stale-containers --stop").path, ["app", "stale_containers"]);
    assert_eq!(parse_line("dep -P").path, ["deploy"]);
    assert_eq!(parse_line("acc boot all").path, ["accessory", "boot"]);
    let err = parse_err("d");
    assert!(err.contains("d"), "{err}");
}

#[test]
fn repeated_options_keep_the_last_value() {
    let inv = parse_line("-r web details -r workers");
    assert_eq!(inv.cli.global.roles.as_deref(), Some("workers"));
}

#[test]
fn rollback_version_is_optional() {
    match parse_line("rollback 123").cli.command {
        Command::Rollback(r) => assert_eq!(r.target_version.as_deref(), Some("123")),
        other => panic!("{other:?}"),
    }
    match parse_line("rollback").cli.command {
        Command::Rollback(r) => assert_eq!(r.target_version, None),
        other => panic!("{other:?}"),
    }
}

#[test]
fn retain_must_be_at_least_one() {
    let err = parse_err("prune containers --retain 0");
    assert!(err.contains("--retain"), "{err}");
}

#[test]
fn lock_acquire_needs_a_message() {
    let err = parse_err("lock acquire");
    assert!(err.contains("--message"), "{err}");
}

#[test]
fn secrets_fetch_as_in_kamal_tests() {
    match parse_line("secrets fetch foo bar baz --account myaccount --adapter test").cli.command {
        Command::Secrets(secrets::SecretsCommand::Fetch(f)) => {
            assert_eq!(f.secrets, ["foo", "bar", "baz"]);
            assert_eq!(f.account.as_deref(), Some("myaccount"));
            assert_eq!(f.adapter, "test");
        }
        other => panic!("{other:?}"),
    }
}
