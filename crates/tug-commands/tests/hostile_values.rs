//! Hostile config values (quotes, `$`, backticks, `;`, `&&`, `|`, `$(…)`) never escape their
//! argument in the commands of proxy deploys, builds, registry logins and accessories: each
//! produced command runs under `sh -c` with `docker` defined as a function that prints its
//! argv, and the value must arrive intact as one argument where Kamal quotes it.
//!
//! Values Kamal passes raw (and Tug must too, to stay byte-compatible) are listed in
//! `raw_fields_are_passed_as_written`.

use proptest::prelude::*;
use tug_commands::Command;
use tug_commands::accessory::AccessoryCommands;
use tug_commands::builder::{BuildInputs, BuilderCommands, PushOptions};
use tug_commands::registry::RegistryCommands;
use tug_config::{Config, Sensitive};

/// Runs `cmd` with `docker` as a function that prints each argument NUL-terminated.
fn argv(cmd: &Command) -> Vec<String> {
    let script = format!("docker() {{ for a in \"$@\"; do printf '%s\\0' \"$a\"; done; }}\n{}", cmd.to_shell());
    let out = std::process::Command::new("sh").arg("-c").arg(&script).output().expect("sh");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    text.split('\0').filter(|s| !s.is_empty()).map(str::to_string).collect()
}

fn yaml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n"))
}

fn load(yaml: &str) -> Option<(tempfile::TempDir, Config)> {
    let project = tug_test::Project::new(yaml).version(Some("123"));
    let config = project.try_load().ok()?;
    Some((project.into_dir(), config))
}

/// Hostile text that Kamal's quoting protects: no `${…}` (left for the shell on purpose), no
/// `#{`/`#$`/`#@`, no newline, tab or other control character (Ruby's `dump` rewrites those, so they arrive altered but
/// still inside their argument), no `<%` (ERB in deploy.yml).
fn hostile() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "'", "\"", "$", "`", ";", "&&", "||", "|", ">", "<", "$(id)", "`id`", "\\", " ", "a", "Z", "9", "*", "?", "!",
        "&", "(", ")", "-", "=", ":", "/", ".", "é",
    ]);
    prop::collection::vec(pieces, 1..12).prop_map(|v| v.concat()).prop_filter("non-blank", |s| !s.trim().is_empty())
}

const BASE: &str = "service: app\nimage: dhh/app\nservers:\n  - 1.1.1.1\n";

fn contains_pair(args: &[String], flag: &str, value: &str) -> bool {
    args.windows(2).any(|w| w[0] == flag && w[1] == value)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn build_arg_values_stay_one_argument(v in hostile()) {
        let yaml = format!("{BASE}registry:\n  username: u\n  password: p\nbuilder:\n  arch: amd64\n  args:\n    A: {}\n", yaml_str(&v));
        let (_d, c) = load(&yaml).expect("config");
        let b = BuilderCommands::new(&c, BuildInputs { local_arch: "amd64".into(), version: "123".into(), ..BuildInputs::default() });
        let push = b.push(&PushOptions::default());
        let args = argv(&push);
        prop_assert!(contains_pair(&args, "--build-arg", &format!("A={v}")), "{args:?}");
        prop_assert_eq!(args.last().map(String::as_str), Some("."));
        let shown_arg = format!("A={}", tug_commands::shell::escape_shell_value(&v));
        prop_assert!(!push.to_string().contains(&shown_arg), "build arg shown: {}", push);
        let classic = argv(&b.classic_push(&PushOptions { export_action: "docker".into(), ..PushOptions::default() }));
        prop_assert!(contains_pair(&classic, "--build-arg", &format!("A={v}")), "{classic:?}");
    }

    #[test]
    fn registry_credentials_stay_one_argument_and_hidden(user in hostile(), pw in hostile()) {
        let yaml = format!("{BASE}registry:\n  server: hub.example.com\n  username: u\n  password: p\nbuilder:\n  arch: amd64\n");
        let (_d, c) = load(&yaml).expect("config");
        let pw = format!("SECRET{pw}");
        let login = RegistryCommands::new(&c.registry).login(&Sensitive::new(user.clone()), &Sensitive::new(pw.clone())).expect("login");
        let args = argv(&login);
        prop_assert_eq!(args, vec!["login".to_string(), "hub.example.com".into(), "-u".into(), user, "-p".into(), pw.clone()]);
        prop_assert!(!login.to_string().contains("SECRET"));
        prop_assert_eq!(login.to_string(), "docker login hub.example.com -u [REDACTED] -p [REDACTED]");
    }

    #[test]
    fn proxy_hosts_and_paths_stay_one_argument(host in hostile(), path in hostile(), prefix in hostile()) {
        prop_assume!(!host.contains(',') && !prefix.contains(','));
        let yaml = format!(
            "{BASE}registry:\n  username: u\n  password: p\nbuilder:\n  arch: amd64\naccessories:\n  web:\n    image: nginx\n    host: 1.1.1.1\n    proxy:\n      host: {}\n      path_prefix: {}\n      healthcheck:\n        path: {}\n",
            yaml_str(&host), yaml_str(&prefix), yaml_str(&path)
        );
        let Some((_d, c)) = load(&yaml) else { return Ok(()) };
        let deploy = AccessoryCommands::new(&c, "web").expect("web").deploy("abc123", "123").expect("proxied");
        let args = argv(&deploy);
        prop_assert!(args.contains(&format!("--host={host}")), "{args:?}");
        prop_assert!(args.contains(&format!("--path-prefix={prefix}")), "{args:?}");
        prop_assert!(args.contains(&format!("--health-check-path={path}")), "{args:?}");
        prop_assert_eq!(&args[..4], &["exec".to_string(), "kamal-proxy".into(), "kamal-proxy".into(), "deploy".into()]);
    }

    #[test]
    fn accessory_env_options_labels_stay_one_argument(env in hostile(), opt in hostile(), label in hostile()) {
        let yaml = format!(
            "{BASE}registry:\n  username: u\n  password: p\nbuilder:\n  arch: amd64\naccessories:\n  db:\n    image: mysql\n    host: 1.1.1.1\n    env:\n      clear:\n        E: {}\n    options:\n      memory: {}\n    labels:\n      l: {}\n",
            yaml_str(&env), yaml_str(&opt), yaml_str(&label)
        );
        let (_d, c) = load(&yaml).expect("config");
        let a = AccessoryCommands::new(&c, "db").expect("db");
        let args = argv(&a.run(Some("1.1.1.1")));
        prop_assert!(contains_pair(&args, "--env", &format!("E={env}")), "{args:?}");
        prop_assert!(contains_pair(&args, "--memory", &opt), "{args:?}");
        prop_assert!(contains_pair(&args, "--label", &format!("l={label}")), "{args:?}");
        prop_assert_eq!(args.last().map(String::as_str), Some("mysql"));
        let exec = argv(&a.execute_in_new_container(&["true".to_string()], tug_commands::docker::Interactive::No));
        prop_assert!(contains_pair(&exec, "--env", &format!("E={env}")), "{exec:?}");
    }
}

/// A newline (or `#{`) in a quoted value does not escape its argument, but arrives as Ruby's
/// `dump` wrote it (`\n` as two characters), exactly as with Kamal.
#[test]
fn newline_arrives_dumped_inside_its_argument() {
    let yaml = format!(
        "{BASE}{}",
        "registry:\n  username: u\n  password: p\nbuilder:\n  arch: amd64\n  args:\n    A: \"x\\n; touch /tmp/pwned #{y}\"\n"
    );
    let (_d, c) = load(&yaml).expect("config");
    let b = BuilderCommands::new(
        &c,
        BuildInputs { local_arch: "amd64".into(), version: "123".into(), ..BuildInputs::default() },
    );
    let args = argv(&b.push(&PushOptions::default()));
    assert!(contains_pair(&args, "--build-arg", "A=x\\n; touch /tmp/pwned \\#{y}"), "{args:?}");
}

/// Kamal writes these values into commands as they are, so Tug does too (quoting them would
/// change the commands Kamal's tests pin, or break values that rely on the shell). They are
/// the operator's own settings: paths, image names, ports, docker flags.
#[test]
fn raw_fields_are_passed_as_written() {
    let yaml = format!(
        "{BASE}registry:\n  username: u\n  password: p\nbuilder:\n  arch: amd64\n  dockerfile: \"Docker file\"\n  target: \"t;x\"\n  context: \"c d\"\n  ssh: \"default=$SSH_AUTH_SOCK\"\naccessories:\n  db:\n    image: \"my sql\"\n    host: 1.1.1.1\n    port: \"1 2\"\n    cmd: \"run; this\"\n    volumes:\n      - \"a b:/c\"\n    network: \"n m\"\n"
    );
    let (_d, c) = load(&yaml).expect("config");
    let b = BuilderCommands::new(
        &c,
        BuildInputs { local_arch: "amd64".into(), version: "123".into(), ..BuildInputs::default() },
    );
    let build = b.build_options().to_shell();
    for raw in ["--file Docker file", "--target t;x", "--ssh default=$SSH_AUTH_SOCK"] {
        assert!(build.contains(raw), "{build}");
    }
    assert!(b.push(&PushOptions::default()).to_shell().ends_with(" c d 2>&1"));
    let run = AccessoryCommands::new(&c, "db").expect("db").run(Some("1.1.1.1")).to_shell();
    for raw in ["--publish 1 2", "--volume a b:/c", "--network n m", "my sql run; this", "KAMAL_HOST=\"1.1.1.1\""] {
        assert!(run.contains(raw), "{run}");
    }
}
