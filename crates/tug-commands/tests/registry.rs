//! Kamal's `test/commands/registry_test.rb`, pinned against our own fixtures.

use tug_commands::registry::RegistryCommands;
use tug_config::registry::Registry;
use tug_config::secrets::Secrets;
use tug_config::{Config, Sensitive};

fn yaml(registry_password: &str, registry_username: &str, db_password: &str) -> String {
    format!(
        "service: app\nimage: dhh/app\nregistry:\n  username: {registry_username}\n  password: {registry_password}\n  server: hub.docker.com\nbuilder:\n  arch: amd64\nservers:\n  - 1.1.1.1\naccessories:\n  db:\n    image: mysql:8.0\n    hosts:\n      - 1.1.1.1\n    registry:\n      username: user\n      password: {db_password}\n      server: other.hub.docker.com\n"
    )
}

fn load(yaml: &str, secrets: Option<&str>) -> (tempfile::TempDir, Config, Secrets) {
    let project = tug_test::Project::new(yaml).dir(".kamal");
    let (dir, config) = match secrets {
        Some(s) => project.secrets(s).load(),
        None => project.load(),
    };
    let secrets = Secrets::new(dir.path(), Secrets::DEFAULT_PATH, None);
    (dir, config, secrets)
}

fn creds(r: &Registry, secrets: &Secrets) -> (Sensitive<String>, Sensitive<String>) {
    let get = |c: &Option<tug_config::registry::Credential>| {
        c.as_ref().expect("credential").resolve(secrets).expect("secret")
    };
    (get(&r.username), get(&r.password))
}

fn login(r: &Registry, secrets: &Secrets) -> tug_commands::Command {
    let (u, p) = creds(r, secrets);
    RegistryCommands::new(r).login(&u, &p).expect("not local")
}

fn accessory_registry(c: &Config) -> Registry {
    c.accessories[0].registry().expect("accessory registry")
}

#[test]
fn registry_login() {
    let (_d, c, s) = load(&yaml("secret", "dhh", "pw"), None);
    let cmd = login(&c.registry, &s);
    assert_eq!(cmd.to_shell(), "docker login hub.docker.com -u \"dhh\" -p \"secret\"");
    assert_eq!(cmd.to_string(), "docker login hub.docker.com -u [REDACTED] -p [REDACTED]");
}

#[test]
fn given_registry_login() {
    let (_d, c, s) = load(&yaml("secret", "dhh", "pw"), None);
    let cmd = login(&accessory_registry(&c), &s);
    assert_eq!(cmd.to_shell(), "docker login other.hub.docker.com -u \"user\" -p \"pw\"");
    assert_eq!(cmd.to_string(), "docker login other.hub.docker.com -u [REDACTED] -p [REDACTED]");
}

#[test]
fn registry_login_with_env_password() {
    let (_d, c, s) = load(
        &yaml("[KAMAL_REGISTRY_PASSWORD]", "dhh", "[KAMAL_MYSQL_REGISTRY_PASSWORD]"),
        Some("KAMAL_REGISTRY_PASSWORD=more-secret\nKAMAL_MYSQL_REGISTRY_PASSWORD=secret-pw\n"),
    );
    assert_eq!(login(&c.registry, &s).to_shell(), "docker login hub.docker.com -u \"dhh\" -p \"more-secret\"");
    let cmd = login(&accessory_registry(&c), &s);
    assert_eq!(cmd.to_shell(), "docker login other.hub.docker.com -u \"user\" -p \"secret-pw\"");
    assert_eq!(cmd.to_string(), "docker login other.hub.docker.com -u [REDACTED] -p [REDACTED]");
}

#[test]
fn registry_login_escape_password() {
    let (_d, c, s) =
        load(&yaml("[KAMAL_REGISTRY_PASSWORD]", "dhh", "pw"), Some("KAMAL_REGISTRY_PASSWORD=more-secret'\"\n"));
    let cmd = login(&c.registry, &s);
    assert_eq!(cmd.to_shell(), "docker login hub.docker.com -u \"dhh\" -p \"more-secret'\\\"\"");
    assert_eq!(cmd.to_string(), "docker login hub.docker.com -u [REDACTED] -p [REDACTED]");
}

#[test]
fn registry_login_with_env_username() {
    let (_d, c, s) =
        load(&yaml("secret", "[KAMAL_REGISTRY_USERNAME]", "pw"), Some("KAMAL_REGISTRY_USERNAME=also-secret\n"));
    assert_eq!(login(&c.registry, &s).to_shell(), "docker login hub.docker.com -u \"also-secret\" -p \"secret\"");
}

#[test]
fn registry_logout() {
    let (_d, c, _s) = load(&yaml("secret", "dhh", "pw"), None);
    assert_eq!(RegistryCommands::new(&c.registry).logout().to_shell(), "docker logout hub.docker.com");
}

#[test]
fn given_registry_logout() {
    let (_d, c, _s) = load(&yaml("secret", "dhh", "pw"), None);
    assert_eq!(
        RegistryCommands::new(&accessory_registry(&c)).logout().to_shell(),
        "docker logout other.hub.docker.com"
    );
}

#[test]
fn registry_setup() {
    let (_d, c, s) = load(
        "service: app\nimage: dhh/app\nregistry:\n  server: localhost:5000\nbuilder:\n  arch: amd64\nservers:\n  - 1.1.1.1\n",
        None,
    );
    let r = RegistryCommands::new(&c.registry);
    assert_eq!(
        r.setup().expect("local").to_shell(),
        "docker start kamal-docker-registry || docker run --detach -p 127.0.0.1:5000:5000 --name kamal-docker-registry registry:3"
    );
    // A local registry needs no login.
    let none = Sensitive::new(String::new());
    assert!(r.login(&none, &none).is_none());
    let _ = s;
}

#[test]
fn registry_remove() {
    let (_d, c, _s) = load(&yaml("secret", "dhh", "pw"), None);
    assert_eq!(
        RegistryCommands::new(&c.registry).remove().to_shell(),
        "docker stop kamal-docker-registry && docker rm kamal-docker-registry"
    );
}
