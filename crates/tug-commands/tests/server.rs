//! Kamal's `test/commands/server_test.rb`, pinned against our own fixture.

use tug_commands::server::ServerCommands;

#[test]
fn ensure_run_directory() {
    let (_dir, c) = tug_test::Project::new(
        "service: app\nimage: dhh/app\nregistry:\n  username: dhh\n  password: secret\nservers:\n  - 1.1.1.1\nbuilder:\n  arch: amd64\n",
    )
    .file("config/deploy.staging.yml", "{}\n")
    .destination("staging")
    .load();
    let server = ServerCommands::new(&c);
    assert_eq!(server.ensure_run_directory().to_shell(), "mkdir -p .kamal");
    assert_eq!(server.ensure_run_directory().to_remote_shell(), "/usr/bin/env mkdir -p .kamal");
    // From test/cli/server_test.rb and cli/proxy remove.
    assert_eq!(server.remove_app_directory().to_shell(), "rm -r .kamal/apps/app-staging");
    assert_eq!(server.app_directory_count().to_shell(), "ls .kamal/apps | wc -l");
}

// Kamal's `test/commands/docker_test.rb`: the bootstrap checks `server bootstrap` makes
// (built by `tug_commands::docker::Docker`).
mod docker {
    use tug_commands::docker::Docker;

    #[test]
    fn install() {
        let cmd = Docker.install();
        assert_eq!(
            cmd.to_shell(),
            "sh -c 'curl -fsSL https://get.docker.com || wget -O - https://get.docker.com || echo \"exit 1\"' | sh"
        );
        assert_eq!(cmd.to_remote_shell(), format!("/usr/bin/env {}", cmd.to_shell()));
    }

    #[test]
    fn installed() {
        assert_eq!(Docker.installed().to_shell(), "docker -v");
    }

    #[test]
    fn running() {
        assert_eq!(Docker.running().to_shell(), "docker version");
    }

    #[test]
    fn superuser() {
        assert_eq!(Docker.superuser().to_shell(), r#"[ "${EUID:-$(id -u)}" -eq 0 ] || sudo -nl usermod >/dev/null"#);
    }

    #[test]
    fn root() {
        assert_eq!(Docker.root().to_shell(), r#"[ "${EUID:-$(id -u)}" -eq 0 ]"#);
    }

    #[test]
    fn in_docker_group() {
        assert_eq!(Docker.in_docker_group().to_shell(), r#"id -nG "${USER:-$(id -un)}" | grep -qw docker"#);
    }

    #[test]
    fn add_to_docker_group() {
        assert_eq!(Docker.add_to_docker_group().to_shell(), r#"sudo -n usermod -aG docker "${USER:-$(id -un)}""#);
    }

    #[test]
    fn refresh_session() {
        assert_eq!(Docker.refresh_session().to_shell(), "kill -HUP $PPID");
    }
}
