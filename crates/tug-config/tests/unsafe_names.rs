//! Names that reach container names and commands (roles, accessories, hosts, the destination,
//! the version) are refused at load with a located error, never escaped.

use tug_config::error::ConfigError;

fn load(body: &str, version: Option<&str>) -> Result<tug_config::Config, Vec<ConfigError>> {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("config")).expect("mkdir");
    let text = format!(
        "service: zen_miner\nimage: me/zen_miner\nregistry:\n  username: me\n  password: [KAMAL_REGISTRY_PASSWORD]\nbuilder:\n  arch: amd64\n{body}"
    );
    std::fs::write(dir.path().join("config/deploy.yml"), text).expect("write");
    let mut opts = tug_config::LoadOptions::new(dir.path());
    opts.version = version.map(str::to_string);
    tug_config::load(&opts).map_err(|e| e.0)
}

/// Message, line and column, help.
type Found = (String, Option<(usize, usize)>, String);

fn errors(body: &str) -> Vec<Found> {
    let errs = load(body, None).expect_err("refused");
    errs.into_iter()
        .map(|e| (e.message.clone(), e.location.as_ref().map(|l| l.line_col()), e.help.clone().unwrap_or_default()))
        .collect()
}

#[test]
fn a_role_name_that_is_no_container_name_is_refused_where_it_is_written() {
    let e = errors("servers:\n  web:\n    - 1.2.3.4\n  \"jobs;touch /tmp/x\":\n    - 1.2.3.5\n");
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].0.starts_with("invalid role name \"jobs;touch /tmp/x\": `;` is not allowed"), "{e:?}");
    assert_eq!(e[0].1, Some((11, 3)), "{e:?}");
    assert!(e[0].2.contains("letters, digits, `_`, `.` and `-`"), "{e:?}");
}

#[test]
fn hosts_that_ssh_could_read_as_options_are_refused() {
    let e = errors("servers:\n  web:\n    hosts:\n      - 1.2.3.4\n      - \"-oProxyCommand=touch /tmp/x\"\n");
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].0.starts_with("invalid host \"-oProxyCommand=touch /tmp/x\": it starts with `-`"), "{e:?}");
    assert_eq!(e[0].1.map(|l| l.0), Some(12), "{e:?}");

    let e = errors("servers:\n  - 1.2.3.4\n  - \"$(id)\": [tag]\n");
    assert!(e[0].0.starts_with("invalid host \"$(id)\""), "{e:?}");
}

#[test]
fn accessory_names_and_hosts_are_checked_too() {
    let e = errors(
        "servers:\n  - 1.2.3.4\naccessories:\n  \"db`id`\":\n    image: mysql:8\n    host: 1.2.3.4\n  cache:\n    image: redis:7\n    host: \"a b\"\n  queue:\n    service: \"q;id\"\n    image: redis:7\n    host: 1.2.3.4\n",
    );
    let messages: Vec<&str> = e.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(messages.len(), 3, "{e:?}");
    assert!(messages[0].starts_with("invalid accessory name \"db`id`\""), "{e:?}");
    assert!(messages[1].starts_with("invalid host \"a b\""), "{e:?}");
    assert!(messages[2].starts_with("invalid accessory service name \"q;id\""), "{e:?}");
}

#[test]
fn an_image_with_shell_text_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("config")).expect("mkdir");
    let text = "service: zen_miner\nimage: \"me/app;touch /tmp/x\"\nservers: [1.2.3.4]\nregistry:\n  server: \"reg$(id)\"\n  username: me\n  password: [PW]\nbuilder:\n  arch: amd64\n";
    std::fs::write(dir.path().join("config/deploy.yml"), text).expect("write");
    let errs = tug_config::load(&tug_config::LoadOptions::new(dir.path())).expect_err("refused").0;
    let messages: Vec<&str> = errs.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].starts_with("invalid `image` \"me/app;touch /tmp/x\": `;` is not allowed"), "{messages:?}");
    assert!(messages[1].starts_with("invalid `registry/server` \"reg$(id)\""), "{messages:?}");
    assert_eq!(errs[0].location.as_ref().map(|l| l.line_col().0), Some(2));
}

#[test]
fn a_version_given_to_the_loader_must_be_a_docker_tag() {
    let errs = load("servers:\n  - 1.2.3.4\n", Some("v1;touch${IFS}/tmp/x")).expect_err("refused");
    assert!(errs[0].message.contains("invalid version \"v1;touch${IFS}/tmp/x\" from `--version`"), "{errs:?}");
    let ok = load("servers:\n  - 1.2.3.4\n", Some("v1.2.3")).expect("valid");
    assert_eq!(ok.version().expect("version"), "v1.2.3");
}

#[test]
fn ordinary_names_and_hosts_still_load() {
    let body = "servers:\n  web:\n    hosts:\n      - app-1.example.com\n      - 10.0.0.2: [eu]\n  job_runner.v2:\n    - \"[2001:db8::1]\"\naccessories:\n  db.primary:\n    image: mysql:8\n    host: deploy@10.0.0.3\n";
    load(body, None).unwrap_or_else(|e| panic!("{:?}", e.iter().map(|e| &e.message).collect::<Vec<_>>()));
}
