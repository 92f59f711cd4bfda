use std::time::Duration;

use tug_proxy::cli::{Commands, deploy, parse};

fn deploy_args(args: &[&str]) -> Result<tug_proxy::routing::router::DeployArgs, String> {
    let mut argv = vec!["kamal-proxy", "deploy"];
    argv.extend_from_slice(args);
    match parse(argv.into_iter().map(Into::into)).map_err(|o| o.stderr)?.command {
        Commands::Deploy(d) => deploy::build(*d),
        _ => Err("not deploy".into()),
    }
}

fn parse_error(args: &[&str]) -> String {
    let mut argv = vec!["kamal-proxy"];
    argv.extend_from_slice(args);
    parse(argv.into_iter().map(Into::into)).unwrap_err().stderr
}

#[test]
fn deploy_defaults_match_kamal_proxy() {
    let a = deploy_args(&["app", "--target=web:3000"]).unwrap();
    assert_eq!(a.deployment_options.deploy_timeout, Duration::from_secs(30));
    assert_eq!(a.deployment_options.drain_timeout, Duration::from_secs(30));
    assert_eq!(a.target_options.health_check_config.path, "/up");
    assert_eq!(a.target_options.health_check_config.interval, Duration::from_secs(1));
    assert_eq!(a.target_options.health_check_config.timeout, Duration::from_secs(5));
    assert_eq!(a.target_options.response_timeout, Duration::from_secs(30));
    assert_eq!(a.target_options.max_memory_buffer_size, 1_048_576);
    assert!(a.target_options.forward_headers, "forward headers default on without TLS");
    assert!(a.service_options.strip_prefix && a.service_options.tls_redirect);
    assert_eq!(a.service_options.hosts, vec![String::new()]);
    assert_eq!(a.service_options.path_prefixes, vec!["/".to_string()]);
}

#[test]
fn kamal_style_flags_parse() {
    let a = deploy_args(&[
        "app-web",
        "--target=172.1.0.2:80",
        "--host=example.com",
        "--host=anotherexample.com",
        "--tls",
        "--deploy-timeout=1m30s",
        "--drain-timeout=500ms",
        "--buffer-requests",
        "--buffer-responses",
        "--log-request-header=Cache-Control",
        "--log-request-header=user-agent",
        "--tls-redirect=false",
        "--strip-path-prefix=false",
        "--max-request-body=1000",
    ])
    .unwrap();
    assert_eq!(a.service_options.hosts, vec!["example.com", "anotherexample.com"]);
    assert_eq!(a.deployment_options.deploy_timeout, Duration::from_secs(90));
    assert_eq!(a.deployment_options.drain_timeout, Duration::from_millis(500));
    assert!(!a.service_options.tls_redirect && !a.service_options.strip_prefix);
    assert!(!a.target_options.forward_headers, "forward headers default off with TLS");
    assert_eq!(a.target_options.log_request_headers, vec!["Cache-Control", "User-Agent"]);
    assert_eq!(a.target_options.max_request_body_size, 1000);
}

#[test]
fn path_prefixes_are_normalised() {
    let a = deploy_args(&["app", "--target=a:1", "--path-prefix=api/", "--path-prefix=/v1/x/"]).unwrap();
    assert_eq!(a.service_options.path_prefixes, vec!["/api", "/v1/x"]);
}

#[test]
fn comma_separated_slices_split() {
    let a = deploy_args(&["app", "--target=a:1,b:2", "--host=x.test,y.test"]).unwrap();
    assert_eq!(a.target_urls, vec!["a:1", "b:2"]);
    assert_eq!(a.service_options.hosts, vec!["x.test", "y.test"]);
}

#[test]
fn validation_messages_match_kamal_proxy() {
    assert_eq!(deploy_args(&["app"]).unwrap_err(), "required flag(s) \"target\" not set");
    assert_eq!(deploy_args(&["--target=a:1"]).unwrap_err(), "accepts 1 arg(s), received 0");
    assert_eq!(
        deploy_args(&["app", "--target=a:1", "--max-request-body=10"]).unwrap_err(),
        "max-request-body can only be set when request buffering is enabled"
    );
    assert_eq!(
        deploy_args(&["app", "--target=a:1", "--max-response-body=10"]).unwrap_err(),
        "max-response-body can only be set when response buffering is enabled"
    );
    assert_eq!(deploy_args(&["app", "--target=a:1", "--tls"]).unwrap_err(), "host must be set when using TLS");
    assert_eq!(
        deploy_args(&[
            "app",
            "--target=a:1",
            "--host=example.com",
            "--host=www.example.com",
            "--canonical-host=api.example.com"
        ])
        .unwrap_err(),
        "canonical-host 'api.example.com' must be present in the hosts list: [example.com www.example.com]"
    );
    assert!(deploy_args(&["app", "--target=a:1", "--canonical-host=example.com"]).is_ok());
    assert!(
        deploy_args(&["app", "--target=a:1", "--tls-certificate-path=c"])
            .unwrap_err()
            .starts_with("if any flags in the group [tls-certificate-path tls-private-key-path]")
    );
}

#[test]
fn parse_errors_are_worded_like_cobra() {
    assert_eq!(parse_error(&["deploy", "app", "--bogus"]), "Error: unknown flag: --bogus\n");
    assert_eq!(
        parse_error(&["deploy", "app", "--target=a:1", "--deploy-timeout=soon"]),
        "Error: invalid argument \"soon\" for \"--deploy-timeout\" flag: time: invalid duration \"soon\"\n"
    );
    assert_eq!(
        parse_error(&["deploy", "app", "--target=a:1", "--tls=maybe"]),
        "Error: invalid argument \"maybe\" for \"--tls\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax\n"
    );
}

#[test]
fn binary_without_a_server_prints_error_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["tug-proxy", "kamal-proxy"] {
        let exe = dir.path().join(name);
        std::fs::copy(env!("CARGO_BIN_EXE_tug-proxy"), &exe).unwrap();
        let out = std::process::Command::new(&exe)
            .args(["remove", "app"])
            .env("KAMAL_PROXY_SOCKET", dir.path().join("none.sock"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("Error: dial unix "), "{stderr}");
        let out = std::process::Command::new(&exe).args(["rollout", "set", "app"]).output().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "Error: at least one of the flags in the group [percent list] is required\n"
        );
    }
}
