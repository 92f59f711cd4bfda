//! Golden strings of `tug doctor`'s probes (Tug only).

use tug_commands::probe;

#[test]
fn host_probes() {
    assert_eq!(probe::docker_version().to_shell(), "docker version --format '{{.Server.Version}}'");
    assert_eq!(
        probe::listeners().to_shell(),
        "docker ps --filter 'name=^kamal-proxy$' --format '{{.Names}}'; echo tug-listeners; { ss -ltnp 2>/dev/null || netstat -ltnp 2>/dev/null || echo tug-no-ss; }"
    );
    assert_eq!(probe::clock().to_shell(), "date +%s");
}

#[test]
fn disk_quotes_each_bind_path() {
    assert_eq!(
        probe::disk([]).to_shell(),
        r#"df -Pk "$(docker info --format '{{.DockerRootDir}}' 2>/dev/null || echo /var/lib/docker)" 2>/dev/null"#
    );
    assert_eq!(
        probe::disk(["/srv/data", "/srv/it's"]).to_shell(),
        r#"df -Pk "$(docker info --format '{{.DockerRootDir}}' 2>/dev/null || echo /var/lib/docker)" '/srv/data' '/srv/it'\''s' 2>/dev/null"#
    );
}

#[test]
fn registry_login_takes_the_password_on_stdin() {
    let hub = probe::registry_login(None);
    assert_eq!(
        hub.to_shell(),
        r#"printf '%s' "$TUG_DOCTOR_REGISTRY_PASSWORD" | docker login -u "$TUG_DOCTOR_REGISTRY_USER" --password-stdin"#
    );
    assert!(!hub.has_secrets());
    assert_eq!(
        probe::registry_login(Some("ghcr.io")).to_shell(),
        r#"printf '%s' "$TUG_DOCTOR_REGISTRY_PASSWORD" | docker login 'ghcr.io' -u "$TUG_DOCTOR_REGISTRY_USER" --password-stdin"#
    );
    assert_eq!(probe::REGISTRY_USER_VAR, "TUG_DOCTOR_REGISTRY_USER");
    assert_eq!(probe::REGISTRY_PASSWORD_VAR, "TUG_DOCTOR_REGISTRY_PASSWORD");
}

#[test]
fn https_status() {
    assert_eq!(
        probe::https_status("https://app.example.com/", 10).to_shell(),
        "curl -sS -o /dev/null -I --max-time 10 -w '%{http_code}' 'https://app.example.com/'"
    );
}
