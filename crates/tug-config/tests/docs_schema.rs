//! The `docs/<section>.yml` files and the `tug init` templates: each parses as YAML, has the
//! expected root keys, and keeps the key structure recorded in `tests/snapshots/` (which
//! `scripts/check-docs-schema` compares against Kamal's own files); `lookup` accepts what
//! `kamal docs` accepts.

use granit_parser::{Event, Parser, ScalarStyle};
use tug_config::scalar::{Scalar, resolve_plain};
use tug_config::{docs, init};

/// A parsed YAML node, reduced to what the validator reads from an example: keys (duplicates
/// kept, in order), nesting, and the type of each scalar.
#[derive(Debug)]
enum Node {
    Scalar { kind: &'static str, value: String },
    Map(Vec<(String, Node)>),
    Seq(Vec<Node>),
}

impl Node {
    fn kind(&self) -> &'static str {
        match self {
            Node::Scalar { kind, .. } => kind,
            Node::Map(_) => "hash",
            Node::Seq(_) => "array",
        }
    }

    fn entries(&self) -> &[(String, Node)] {
        match self {
            Node::Map(entries) => entries,
            other => panic!("expected a mapping, found {}", other.kind()),
        }
    }

    /// The value of the last entry named `key` (Psych keeps the last of duplicate keys).
    fn get(&self, key: &str) -> Option<&Node> {
        self.entries().iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// The type name a scalar gets, as Kamal's validator sees it (symbols count as strings).
fn scalar_kind(value: &str, style: ScalarStyle, tagged: bool) -> &'static str {
    if style != ScalarStyle::Plain || tagged {
        return "string";
    }
    if value == "..." {
        return "...";
    }
    match resolve_plain(value) {
        Scalar::Null => "null",
        Scalar::Bool(_) => "boolean",
        Scalar::Int(_) => "integer",
        Scalar::Float(_) => "float",
        Scalar::Time(_) => "timestamp",
        Scalar::Symbol(_) | Scalar::Str(_) => "string",
    }
}

/// Parses a single-document YAML file into a [`Node`], failing on anchors and aliases, which
/// the documentation files do not use.
fn parse(name: &str, text: &str) -> Node {
    let mut events = Vec::new();
    for item in Parser::new_from_str(text) {
        match item {
            Ok((event, _span)) => events.push(event),
            Err(error) => panic!("{name}: invalid YAML: {error}"),
        }
    }
    let mut stream = events.into_iter().filter(|event| {
        !matches!(event, Event::StreamStart | Event::StreamEnd | Event::DocumentStart(..) | Event::DocumentEnd)
            && !matches!(event, Event::Comment(..))
    });
    let root = node(name, &mut stream).unwrap_or_else(|| panic!("{name}: empty document"));
    assert!(stream.next().is_none(), "{name}: expected exactly one YAML document");
    root
}

fn node<'a>(name: &str, events: &mut impl Iterator<Item = Event<'a>>) -> Option<Node> {
    match events.next()? {
        Event::Scalar(value, style, _, tag) => {
            Some(Node::Scalar { kind: scalar_kind(&value, style, tag.is_some()), value: value.into_owned() })
        }
        Event::MappingStart(..) => {
            let mut entries = Vec::new();
            loop {
                match node(name, events) {
                    None => break,
                    Some(Node::Scalar { value, .. }) => {
                        let child = node(name, events).unwrap_or_else(|| panic!("{name}: key `{value}` has no value"));
                        entries.push((value, child));
                    }
                    Some(other) => panic!("{name}: a {} used as a key", other.kind()),
                }
            }
            Some(Node::Map(entries))
        }
        Event::SequenceStart(..) => {
            let mut items = Vec::new();
            while let Some(item) = node(name, events) {
                items.push(item);
            }
            Some(Node::Seq(items))
        }
        Event::MappingEnd | Event::SequenceEnd => None,
        other => panic!("{name}: unexpected YAML event {other:?}"),
    }
}

/// One line per key or list item with the value's type, indented by nesting: the format
/// `scripts/check-docs-schema` also produces from Kamal's files.
fn outline(root: &Node) -> String {
    fn walk(node: &Node, depth: usize, out: &mut String) {
        let indent = "  ".repeat(depth);
        match node {
            Node::Scalar { .. } => {}
            Node::Map(entries) => {
                for (key, value) in entries {
                    out.push_str(&format!("{indent}{key}: {}\n", value.kind()));
                    walk(value, depth + 1, out);
                }
            }
            Node::Seq(items) => {
                for item in items {
                    out.push_str(&format!("{indent}- {}\n", item.kind()));
                    walk(item, depth + 1, out);
                }
            }
        }
    }
    let mut out = String::new();
    walk(root, 0, &mut out);
    out
}

/// Root keys in order of first appearance (several files repeat a key to show alternatives).
fn root_keys(root: &Node) -> Vec<&str> {
    let mut keys: Vec<&str> = Vec::new();
    for (key, _) in root.entries() {
        if !keys.contains(&key.as_str()) {
            keys.push(key);
        }
    }
    keys
}

fn section_text(name: &str) -> &'static str {
    docs::section(name).unwrap_or_else(|| panic!("no section {name}"))
}

const CONFIGURATION_ROOT_KEYS: &[&str] = &[
    "service",
    "image",
    "labels",
    "volumes",
    "registry",
    "servers",
    "env",
    "asset_path",
    "hooks_path",
    "hooks_output",
    "secrets_path",
    "error_pages_path",
    "require_destination",
    "primary_role",
    "allow_empty_roles",
    "retain_containers",
    "minimum_version",
    "readiness_delay",
    "deploy_timeout",
    "drain_timeout",
    "stop_timeout",
    "run_directory",
    "ssh",
    "builder",
    "accessories",
    "proxy",
    "sshkit",
    "boot",
    "logging",
    "output",
    "aliases",
];

#[test]
fn sections_are_the_fourteen_kamal_sections_configuration_first() {
    assert_eq!(
        docs::SECTIONS.join(" "),
        "configuration accessory alias boot builder env logging output proxy registry role \
         servers ssh sshkit"
    );
    assert!(docs::section("nope").is_none());
    assert!(docs::section("Proxy").is_none(), "section() takes exact names only");
}

#[test]
fn every_section_parses_and_has_its_root_keys() {
    for &name in docs::SECTIONS {
        let text = section_text(name);
        assert!(text.starts_with("# "), "{name}: should open with a title comment");
        let root = parse(name, text);
        let expected: &[&str] = match name {
            "configuration" => CONFIGURATION_ROOT_KEYS,
            "env" => &["env", "accessories"],
            "accessory" => &["accessories"],
            "alias" => &["aliases"],
            "role" => &["servers"],
            other => &[other],
        };
        assert_eq!(root_keys(&root), expected, "{name}: root keys");
    }
}

#[test]
fn section_structure_matches_the_recorded_outline() {
    for &name in docs::SECTIONS {
        let root = parse(name, section_text(name));
        insta::assert_snapshot!(format!("outline_{name}"), outline(&root));
    }
}

/// The examples Kamal's validator indexes by name must exist under those names.
#[test]
fn examples_the_validator_reads_by_name_exist() {
    let accessory = parse("accessory", section_text("accessory"));
    let mysql = accessory.get("accessories").and_then(|a| a.get("mysql"));
    assert!(matches!(mysql, Some(Node::Map(_))), "accessories/mysql");

    let alias = parse("alias", section_text("alias"));
    let uname = alias.get("aliases").and_then(|a| a.get("uname"));
    assert_eq!(uname.map(Node::kind), Some("string"), "aliases/uname");

    let role = parse("role", section_text("role"));
    let workers = role.get("servers").and_then(|s| s.get("workers"));
    assert!(matches!(workers, Some(Node::Map(_))), "servers/workers");

    let configuration = parse("configuration", section_text("configuration"));
    for (key, value) in configuration.entries() {
        let is_section = matches!(
            key.as_str(),
            "registry"
                | "servers"
                | "env"
                | "ssh"
                | "builder"
                | "accessories"
                | "proxy"
                | "sshkit"
                | "boot"
                | "logging"
                | "output"
                | "aliases"
        );
        if is_section {
            assert_eq!(value.kind(), "...", "configuration: `{key}` should be `...`");
        }
    }
}

#[test]
fn lookup_accepts_what_kamal_docs_accepts() {
    // Each pair was checked against `kamal docs <argument>`.
    let found = [
        ("proxy", "proxy"),
        ("Proxy", "proxy"),
        ("PROXY", "proxy"),
        ("sshkit", "sshkit"),
        ("Sshkit", "sshkit"),
        ("ssh", "ssh"),
        ("accessory", "accessory"),
        ("alias", "alias"),
        ("ALIAS", "alias"),
        ("boot", "boot"),
        ("builder", "builder"),
        ("env", "env"),
        ("Env", "env"),
        ("ENV", "env"),
        ("logging", "logging"),
        ("output", "output"),
        ("registry", "registry"),
        ("role", "role"),
        ("servers", "servers"),
        ("SERVERS", "servers"),
        ("_proxy", "proxy"),
        ("__proxy", "proxy"),
        (" proxy", "proxy"),
        ("\tproxy", "proxy"),
        ("\nproxy", "proxy"),
        ("proxy_id", "proxy"),
        ("Proxy_Id", "proxy"),
        ("proxyId", "proxy"),
        ("proxy-id", "proxy"),
        ("role_ID", "role"),
        ("servers_id", "servers"),
    ];
    for (input, section) in found {
        assert_eq!(docs::lookup(input), docs::section(section), "lookup({input:?})");
    }

    let not_found = [
        "",
        "configuration",
        "Configuration",
        "SSHKit",
        "sshKit",
        "SshKit",
        "ssh-kit",
        "ss_hkit",
        "ProXy",
        "ENv",
        "pro_xy",
        "proxy ",
        "proxy_",
        "proxy_id_id",
        "role id",
        "1role",
        "proxies",
        "server",
        "accessories",
        "aliases",
        "validator",
        "validation",
        "volume",
        "string",
        "kamal",
        "env/tag",
        "Env::Tag",
        "proxy/run",
    ];
    for input in not_found {
        assert!(docs::lookup(input).is_none(), "lookup({input:?}) should find nothing");
    }
}

#[test]
fn init_writes_the_files_kamal_init_writes() {
    let files = init::files();
    let paths: Vec<&str> = files.iter().map(|f| f.path).collect();
    assert_eq!(
        init::SAMPLE_HOOKS.join(" "),
        "docker-setup post-app-boot post-deploy post-proxy-reboot pre-app-boot pre-build \
         pre-connect pre-deploy pre-proxy-reboot"
    );
    let mut expected = vec!["config/deploy.yml".to_owned(), ".kamal/secrets".to_owned()];
    expected.extend(init::SAMPLE_HOOKS.iter().map(|hook| format!(".kamal/hooks/{hook}.sample")));
    assert_eq!(paths, expected);
    for file in &files {
        let is_hook = file.path.starts_with(".kamal/hooks/");
        assert_eq!(file.executable, is_hook, "{}: executable", file.path);
        assert!(file.contents.ends_with('\n'), "{}: ends with a newline", file.path);
    }
}

#[test]
fn every_sample_hook_is_a_shell_script() {
    for file in init::files().iter().filter(|f| f.executable) {
        assert!(file.contents.starts_with("#!"), "{}: needs a shebang", file.path);
        assert!(file.contents.starts_with("#!/bin/sh\n"), "{}: POSIX sh", file.path);
        assert!(file.contents.contains("KAMAL_HOSTS"), "{}: lists the variables", file.path);
    }
    let post_deploy =
        init::files().into_iter().find(|f| f.path == ".kamal/hooks/post-deploy.sample").expect("post-deploy sample");
    assert!(post_deploy.contents.contains("KAMAL_RUNTIME"));
}

#[test]
fn init_deploy_yml_is_a_complete_config_with_placeholders() {
    assert!(!init::DEPLOY_YML.contains("<%"), "no ERB: the stub must read the same everywhere");
    let root = parse("init deploy.yml", init::DEPLOY_YML);
    assert_eq!(root_keys(&root), ["service", "image", "servers", "proxy", "registry", "builder"]);
    for key in root_keys(&root) {
        assert!(CONFIGURATION_ROOT_KEYS.contains(&key), "unknown root key {key}");
    }
    let scalar = |node: Option<&Node>| match node {
        Some(Node::Scalar { value, .. }) => value.clone(),
        other => panic!("expected a scalar, found {other:?}"),
    };
    assert_eq!(scalar(root.get("service")), "my-app");
    assert_eq!(scalar(root.get("image")), "my-user/my-app");
    let web = root.get("servers").and_then(|s| s.get("web"));
    assert!(
        matches!(web, Some(Node::Seq(hosts)) if matches!(&hosts[..], [Node::Scalar { value, .. }] if value == "192.168.0.1"))
    );
    assert_eq!(scalar(root.get("builder").and_then(|b| b.get("arch"))), "amd64");
    assert_eq!(root.get("proxy").and_then(|p| p.get("ssl")).map(Node::kind), Some("boolean"));
}

#[test]
fn init_deploy_yml_offers_the_cloudflare_sqlite_and_docker_hub_setup() {
    for needle in [
        "\"myapp_storage:/rails/storage\"",
        "KAMAL_REGISTRY_PASSWORD",
        "Flexible",
        "Full (strict)",
        "certificate_pem",
        "CF-Connecting-IP",
    ] {
        assert!(init::DEPLOY_YML.contains(needle), "deploy.yml should mention {needle}");
    }
}

#[test]
fn init_secrets_is_only_comments() {
    for line in init::SECRETS.lines() {
        assert!(line.is_empty() || line.starts_with('#'), "live secret line: {line}");
    }
}
