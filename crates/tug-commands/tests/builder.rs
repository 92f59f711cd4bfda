//! Kamal's `test/commands/builder_test.rb`, pinned against our own fixtures. The local docker
//! arch is an input: `amd64` here, so the "remote arch" of Kamal's tests is `arm64`.

use indexmap::IndexMap;
use tug_commands::builder::{BuildInputs, BuilderCommands, BuilderError, BuilderKind, CloneDirs, PushOptions};
use tug_config::{Config, Sensitive};

const LOCAL_ARCH: &str = "amd64";
const REMOTE_ARCH: &str = "arm64";

fn load(builder: &str, registry: Option<&str>) -> (tempfile::TempDir, Config) {
    let registry = registry.unwrap_or("registry:\n  username: dhh\n  password: secret\n");
    let yaml = format!("service: app\nimage: dhh/app\n{registry}servers:\n  - 1.1.1.1\nbuilder:\n{builder}");
    tug_test::Project::new(&yaml).version(Some("123")).load()
}

fn inputs(secrets: &[(&str, &str)]) -> BuildInputs {
    let secrets: IndexMap<String, Sensitive<String>> =
        secrets.iter().map(|(k, v)| (k.to_string(), Sensitive::new(v.to_string()))).collect();
    BuildInputs { local_arch: LOCAL_ARCH.into(), version: "123".into(), secrets }
}

fn with<T>(builder: &str, f: impl FnOnce(BuilderCommands<'_>) -> T) -> T {
    let (_d, c) = load(builder, None);
    f(BuilderCommands::new(&c, inputs(&[])))
}

fn push(builder: &str) -> (BuilderKind, String) {
    with(builder, |b| (b.kind(), b.push(&PushOptions::default()).to_shell()))
}

const GHA_LOCAL: &str = "docker buildx build --output=type=registry --platform linux/amd64 --builder kamal-local-docker-container -t dhh/app:123 -t dhh/app:latest --cache-to type=gha --cache-from type=gha --label service=\"app\" --file Dockerfile . 2>&1";
const PLAIN_LOCAL: &str = "docker buildx build --output=type=registry --platform linux/amd64 --builder kamal-local-docker-container -t dhh/app:123 -t dhh/app:latest --label service=\"app\" --file Dockerfile . 2>&1";
const PACK: &str = "  arch: amd64\n  pack:\n    builder: heroku/builder:24\n    buildpacks:\n      - heroku/ruby\n      - heroku/procfile\n";

#[test]
fn target_linux_amd64_locally_by_default() {
    assert_eq!(push("  arch: amd64\n  cache:\n    type: gha\n"), (BuilderKind::Local, GHA_LOCAL.into()));
}

#[test]
fn target_specified_arch_locally_by_default() {
    assert_eq!(push("  arch:\n    - amd64\n"), (BuilderKind::Local, PLAIN_LOCAL.into()));
}

#[test]
fn build_with_caching() {
    assert_eq!(push("  arch: amd64\n  cache:\n    type: gha\n"), (BuilderKind::Local, GHA_LOCAL.into()));
}

#[test]
fn hybrid_build_if_remote_is_set_and_building_multiarch() {
    let (kind, cmd) =
        push("  arch:\n    - amd64\n    - arm64\n  remote: ssh://app@127.0.0.1\n  cache:\n    type: gha\n");
    assert_eq!(kind.name(), "hybrid");
    assert_eq!(
        cmd,
        "docker buildx build --output=type=registry --platform linux/amd64,linux/arm64 --builder kamal-hybrid-docker-container-ssh---app-127-0-0-1 -t dhh/app:123 -t dhh/app:latest --cache-to type=gha --cache-from type=gha --label service=\"app\" --file Dockerfile . 2>&1"
    );
}

#[test]
fn remote_build_if_remote_is_set_and_local_disabled() {
    let (kind, cmd) = push(
        "  arch:\n    - amd64\n    - arm64\n  remote: ssh://app@127.0.0.1\n  cache:\n    type: gha\n  local: false\n",
    );
    assert_eq!(kind.name(), "remote");
    assert_eq!(
        cmd,
        "docker buildx build --output=type=registry --platform linux/amd64,linux/arm64 --builder kamal-remote-ssh---app-127-0-0-1 -t dhh/app:123 -t dhh/app:latest --cache-to type=gha --cache-from type=gha --label service=\"app\" --file Dockerfile . 2>&1"
    );
}

#[test]
fn target_remote_when_remote_set_and_arch_is_non_local() {
    let (kind, cmd) =
        push(&format!("  arch:\n    - {REMOTE_ARCH}\n  remote: ssh://app@host\n  cache:\n    type: gha\n"));
    assert_eq!(kind, BuilderKind::Remote);
    assert_eq!(
        cmd,
        format!(
            "docker buildx build --output=type=registry --platform linux/{REMOTE_ARCH} --builder kamal-remote-ssh---app-host -t dhh/app:123 -t dhh/app:latest --cache-to type=gha --cache-from type=gha --label service=\"app\" --file Dockerfile . 2>&1"
        )
    );
}

#[test]
fn target_local_when_remote_set_and_arch_is_local() {
    let (kind, cmd) =
        push(&format!("  arch:\n    - {LOCAL_ARCH}\n  remote: ssh://app@host\n  cache:\n    type: gha\n"));
    assert_eq!(kind, BuilderKind::Local);
    assert_eq!(cmd, GHA_LOCAL);
}

const PACK_PUSH: &str = "pack build dhh/app --platform linux/amd64 --creation-time now --builder heroku/builder:24 --buildpack heroku/ruby --buildpack heroku/procfile --buildpack paketo-buildpacks/image-labels -t dhh/app:123 -t dhh/app:latest --env BP_IMAGE_LABELS=service=app";

#[test]
fn target_pack_when_pack_is_set() {
    let (kind, cmd) = push(PACK);
    assert_eq!(kind.name(), "pack");
    assert_eq!(cmd, format!("{PACK_PUSH} --path . && docker push dhh/app:123 && docker push dhh/app:latest"));
}

#[test]
fn pack_build_args_passed_as_env() {
    let (_, cmd) = push(&format!("{PACK}  args:\n    a: 1\n    b: 2\n"));
    assert_eq!(
        cmd,
        format!(
            "{PACK_PUSH} --env a=\"1\" --env b=\"2\" --path . && docker push dhh/app:123 && docker push dhh/app:latest"
        )
    );
}

#[test]
fn pack_build_with_no_cache() {
    let cmd = with(&format!("{PACK}  args:\n    a: 1\n    b: 2\n"), |b| {
        b.push(&PushOptions { no_cache: true, ..PushOptions::default() }).to_shell()
    });
    assert_eq!(
        cmd,
        "pack build dhh/app --platform linux/amd64 --creation-time now --builder heroku/builder:24 --buildpack heroku/ruby --buildpack heroku/procfile --buildpack paketo-buildpacks/image-labels -t dhh/app:123 -t dhh/app:latest --clear-cache --env BP_IMAGE_LABELS=service=app --env a=\"1\" --env b=\"2\" --path . && docker push dhh/app:123 && docker push dhh/app:latest"
    );
}

#[test]
fn pack_build_secrets_as_env() {
    let (_d, c) = load(&format!("{PACK}  secrets:\n    - token_a\n    - token_b\n"), None);
    let b = BuilderCommands::new(&c, inputs(&[("token_a", "foo"), ("token_b", "bar")]));
    let cmd = b.push(&PushOptions::default());
    assert_eq!(
        cmd.to_shell(),
        format!(
            "{PACK_PUSH} --env token_a=\"foo\" --env token_b=\"bar\" --path . && docker push dhh/app:123 && docker push dhh/app:latest"
        )
    );
    assert_eq!(
        cmd.to_string(),
        format!(
            "{PACK_PUSH} --env token_a=[REDACTED] --env token_b=[REDACTED] --path . && docker push dhh/app:123 && docker push dhh/app:latest"
        )
    );
    assert_eq!(cmd.to_remote_shell(), format!("/usr/bin/env {}", cmd.to_shell()));
}

#[test]
fn cloud_builder() {
    let (kind, cmd) = push(&format!("  arch:\n    - {LOCAL_ARCH}\n  driver: cloud docker-org-name/builder-name\n"));
    assert_eq!(kind.name(), "cloud");
    assert_eq!(
        cmd,
        format!(
            "docker buildx build --output=type=registry --platform linux/{LOCAL_ARCH} --builder cloud-docker-org-name-builder-name -t dhh/app:123 -t dhh/app:latest --label service=\"app\" --file Dockerfile . 2>&1"
        )
    );
}

#[test]
fn build_args() {
    let opts = with("  arch: amd64\n  args:\n    a: 1\n    b: 2\n", |b| b.build_options());
    assert_eq!(opts.to_shell(), "--label service=\"app\" --build-arg a=\"1\" --build-arg b=\"2\" --file Dockerfile");
    assert_eq!(
        opts.to_string(),
        "--label service=\"app\" --build-arg a=[REDACTED] --build-arg b=[REDACTED] --file Dockerfile"
    );
}

#[test]
fn build_secrets() {
    let opts = with("  arch: amd64\n  secrets:\n    - token_a\n    - token_b\n", |b| b.build_options().to_shell());
    assert_eq!(opts, "--label service=\"app\" --secret id=\"token_a\" --secret id=\"token_b\" --file Dockerfile");
}

#[test]
fn build_dockerfile() {
    let (opts, ok) = with("  arch: amd64\n  dockerfile: Dockerfile.xyz\n", |b| {
        (b.build_options().to_shell(), b.ensure_dockerfile(|_| true))
    });
    assert_eq!(opts, "--label service=\"app\" --file Dockerfile.xyz");
    assert_eq!(ok, Ok(()));
}

#[test]
fn missing_dockerfile() {
    let err = with("  arch: amd64\n  dockerfile: Dockerfile.xyz\n", |b| {
        b.ensure_dockerfile(|p| p != std::path::Path::new("Dockerfile.xyz"))
    });
    assert_eq!(err, Err(BuilderError::MissingDockerfile("Dockerfile.xyz".into())));
    assert_eq!(BuilderError::MissingDockerfile("Dockerfile.xyz".into()).to_string(), "Missing Dockerfile.xyz");
}

#[test]
fn build_target() {
    assert_eq!(
        with("  arch: amd64\n  target: prod\n", |b| b.build_options().to_shell()),
        "--label service=\"app\" --file Dockerfile --target prod"
    );
}

#[test]
fn build_context() {
    assert_eq!(
        push("  arch: amd64\n  context: \"..\"\n").1,
        PLAIN_LOCAL.replace("Dockerfile . 2>&1", "Dockerfile .. 2>&1")
    );
}

#[test]
fn push_with_build_args() {
    let cmd = with("  arch: amd64\n  args:\n    a: 1\n    b: 2\n", |b| b.push(&PushOptions::default()));
    assert_eq!(
        cmd.to_shell(),
        PLAIN_LOCAL
            .replace("--label service=\"app\"", "--label service=\"app\" --build-arg a=\"1\" --build-arg b=\"2\"")
    );
    assert_eq!(
        cmd.to_string(),
        PLAIN_LOCAL.replace(
            "--label service=\"app\"",
            "--label service=\"app\" --build-arg a=[REDACTED] --build-arg b=[REDACTED]"
        )
    );
}

#[test]
fn push_with_build_secrets() {
    assert_eq!(
        push("  arch: amd64\n  secrets:\n    - a\n    - b\n").1,
        PLAIN_LOCAL.replace("--label service=\"app\"", "--label service=\"app\" --secret id=\"a\" --secret id=\"b\"")
    );
}

#[test]
fn build_with_ssh_agent_socket() {
    assert_eq!(
        with("  arch: amd64\n  ssh: default=$SSH_AUTH_SOCK\n", |b| b.build_options().to_shell()),
        "--label service=\"app\" --file Dockerfile --ssh default=$SSH_AUTH_SOCK"
    );
}

#[test]
fn validate_image() {
    assert_eq!(
        with("  arch: amd64\n", |b| b.validate_image().to_shell()),
        "docker inspect -f '{{ .Config.Labels.service }}' dhh/app:123 | grep -x app || (echo \"Image dhh/app:123 is missing the 'service' label\" && exit 1)"
    );
}

#[test]
fn context_build() {
    assert_eq!(
        push("  arch: amd64\n  context: ./foo\n").1,
        PLAIN_LOCAL.replace("Dockerfile . 2>&1", "Dockerfile ./foo 2>&1")
    );
}

#[test]
fn push_with_provenance() {
    assert_eq!(
        push("  arch: amd64\n  provenance: mode=max\n").1,
        PLAIN_LOCAL.replace("Dockerfile .", "Dockerfile --provenance mode=max .")
    );
}

#[test]
fn push_with_provenance_false() {
    assert_eq!(
        push("  arch: amd64\n  provenance: false\n").1,
        PLAIN_LOCAL.replace("Dockerfile .", "Dockerfile --provenance false .")
    );
}

#[test]
fn push_with_sbom() {
    assert_eq!(
        push("  arch: amd64\n  sbom: true\n").1,
        PLAIN_LOCAL.replace("Dockerfile .", "Dockerfile --sbom true .")
    );
}

#[test]
fn push_with_sbom_false() {
    assert_eq!(
        push("  arch: amd64\n  sbom: false\n").1,
        PLAIN_LOCAL.replace("Dockerfile .", "Dockerfile --sbom false .")
    );
}

#[test]
fn mirror_count() {
    assert_eq!(
        with("  arch: amd64\n", |b| b.first_mirror().to_shell()),
        "docker info --format '{{index .RegistryConfig.Mirrors 0}}'"
    );
}

#[test]
fn push_with_no_cache() {
    let cmd = with("  arch: amd64\n", |b| b.push(&PushOptions { no_cache: true, ..PushOptions::default() }).to_shell());
    assert_eq!(cmd, PLAIN_LOCAL.replace("Dockerfile .", "Dockerfile --no-cache ."));
}

fn dirs(root: &str) -> CloneDirs {
    CloneDirs {
        git_root: root.into(),
        clone_directory: "/tmp/kamal-clones/app-0123456789abc".into(),
        build_directory: format!("/tmp/kamal-clones/app-0123456789abc/{}", root.rsplit('/').next().unwrap_or_default()),
        revision: "75bf6fa40b975cbd8aec05abf7164e0982f185ac".into(),
    }
}

#[test]
fn clone_path_with_spaces() {
    with("  arch: amd64\n", |b| {
        let d = dirs("/absolute/path with spaces");
        let clone = b.clone(&d).to_shell();
        assert_eq!(
            clone,
            "git -C /tmp/kamal-clones/app-0123456789abc clone /absolute/path\\ with\\ spaces --recurse-submodules"
        );
        for step in b.clone_reset_steps(&d) {
            let s = step.to_shell();
            assert!(s.contains("path\\ with\\ space"), "{s}");
            assert!(!s.contains("path with spaces"), "{s}");
            assert!(step.is_env_prefixed());
        }
    });
}

#[test]
fn clone_reset_runs_git_gc_auto_to_bound_pack_growth() {
    with("  arch: amd64\n", |b| {
        let steps: Vec<String> = b.clone_reset_steps(&dirs("/src/app")).iter().map(|c| c.to_shell()).collect();
        assert_eq!(
            steps,
            [
                "git -C /tmp/kamal-clones/app-0123456789abc/app remote set-url origin /src/app",
                "git -C /tmp/kamal-clones/app-0123456789abc/app fetch origin",
                "git -C /tmp/kamal-clones/app-0123456789abc/app reset --hard 75bf6fa40b975cbd8aec05abf7164e0982f185ac",
                "git -C /tmp/kamal-clones/app-0123456789abc/app clean -fdx",
                "git -C /tmp/kamal-clones/app-0123456789abc/app submodule update --init",
                "git -C /tmp/kamal-clones/app-0123456789abc/app gc --auto --quiet",
            ]
        );
        assert!(steps.iter().any(|s| s.ends_with(" gc --auto --quiet")));
        assert_eq!(
            b.clone_status(&dirs("/src/app")).to_shell(),
            "git -C /tmp/kamal-clones/app-0123456789abc/app status --porcelain"
        );
        assert_eq!(
            b.clone_revision(&dirs("/src/app")).to_shell(),
            "git -C /tmp/kamal-clones/app-0123456789abc/app rev-parse HEAD"
        );
    });
}

const LOCAL_REGISTRY: &str = "registry:\n  server: localhost:5000\n";

#[test]
fn local_builder_with_local_registry_includes_network_host_driver_option() {
    let (_d, c) = load("  arch: amd64\n", Some(LOCAL_REGISTRY));
    let b = BuilderCommands::new(&c, inputs(&[]));
    assert_eq!(b.kind(), BuilderKind::Local);
    assert_eq!(
        b.create().expect("create").to_shell(),
        "docker buildx create --name kamal-local-registry-docker-container --driver=docker-container --driver-opt network=host"
    );
}

#[test]
fn remote_builder_with_local_registry() {
    let (_d, c) = load(&format!("  arch: {REMOTE_ARCH}\n  remote: ssh://app@1.1.1.5\n"), Some(LOCAL_REGISTRY));
    let b = BuilderCommands::new(&c, inputs(&[]));
    assert_eq!(b.kind(), BuilderKind::Remote);
    assert_eq!(
        b.create().expect("create").to_shell(),
        "docker context create kamal-remote-ssh---app-1-1-1-5-local-registry-context --description 'kamal-remote-ssh---app-1-1-1-5-local-registry host' --docker 'host=ssh://app@1.1.1.5' ; docker buildx create --name kamal-remote-ssh---app-1-1-1-5-local-registry --driver-opt network=host kamal-remote-ssh---app-1-1-1-5-local-registry-context"
    );
}

#[test]
fn hybrid_builder_with_local_registry() {
    let (_d, c) = load("  arch:\n    - amd64\n    - arm64\n  remote: ssh://app@1.1.1.5\n", Some(LOCAL_REGISTRY));
    let b = BuilderCommands::new(&c, inputs(&[]));
    assert_eq!(b.kind(), BuilderKind::Hybrid);
    assert_eq!(
        b.create().expect("create").to_shell(),
        "docker buildx create --platform linux/amd64 --name kamal-hybrid-docker-container-ssh---app-1-1-1-5-local-registry --driver=docker-container --driver-opt network=host && docker context create kamal-hybrid-docker-container-ssh---app-1-1-1-5-local-registry-context --description 'kamal-hybrid-docker-container-ssh---app-1-1-1-5-local-registry host' --docker 'host=ssh://app@1.1.1.5' && docker buildx create --platform linux/arm64 --append --name kamal-hybrid-docker-container-ssh---app-1-1-1-5-local-registry --driver-opt network=host kamal-hybrid-docker-container-ssh---app-1-1-1-5-local-registry-context"
    );
}

// Not in Kamal's command tests, but in its sequences (reference §3.1) and builder classes.
#[test]
fn local_builder_lifecycle() {
    with("  arch: amd64\n", |b| {
        assert_eq!(
            b.inspect_builder().expect("inspect").to_shell(),
            "docker buildx inspect kamal-local-docker-container"
        );
        assert_eq!(
            b.create().expect("create").to_shell(),
            "docker buildx create --name kamal-local-docker-container --driver=docker-container"
        );
        assert_eq!(b.remove().expect("remove").to_shell(), "docker buildx rm kamal-local-docker-container");
        assert_eq!(b.info().to_shell(), "docker context ls && docker buildx ls");
        assert_eq!(b.pull().to_shell(), "docker pull dhh/app:123");
        assert_eq!(b.clean().to_shell(), "docker image rm --force dhh/app:123");
        assert!(b.login_to_registry_locally());
        assert!(b.push_env().is_empty());
    });
}

#[test]
fn remote_builder_inspect_and_env() {
    with(&format!("  arch: {REMOTE_ARCH}\n  remote: ssh://app@host\n"), |b| {
        assert_eq!(
            b.inspect_builder().expect("inspect").to_shell(),
            "docker buildx inspect kamal-remote-ssh---app-host | grep -q Endpoint:.*kamal-remote-ssh---app-host-context && docker context inspect kamal-remote-ssh---app-host-context --format '{{.Endpoints.docker.Host}}' | grep -xq ssh://app@host || (echo no compatible builder && exit 1)"
        );
        assert_eq!(
            b.remove().expect("remove").to_shell(),
            "docker context rm kamal-remote-ssh---app-host-context ; docker buildx rm kamal-remote-ssh---app-host"
        );
        assert_eq!(b.info().to_shell(), "docker context ls ; docker buildx ls");
        assert!(!b.login_to_registry_locally());
        assert_eq!(b.push_env().get("BUILDKIT_NO_CLIENT_TOKEN").map(String::as_str), Some("1"));
    });
}

#[test]
fn cache_registry() {
    let (kind, cmd) = push("  arch: amd64\n  cache:\n    type: registry\n    options: mode=max\n");
    assert_eq!(kind, BuilderKind::Local);
    assert_eq!(cmd, PLAIN_LOCAL.replace("-t dhh/app:latest", "-t dhh/app:latest --cache-to type=registry,ref=dhh/app-build-cache,mode=max --cache-from type=registry,ref=dhh/app-build-cache"));
}

// Tug's classic path (no buildx): a deliberate difference from Kamal.
#[test]
fn classic_build_and_push() {
    let cmd = with("  arch: amd64\n  args:\n    a: 1\n", |b| {
        assert!(b.classic_unsupported().is_empty());
        b.classic_push(&PushOptions::default())
    });
    assert_eq!(
        cmd.to_shell(),
        "docker build -t dhh/app:123 -t dhh/app:latest --label service=\"app\" --build-arg a=\"1\" --file Dockerfile . 2>&1 && docker push dhh/app:123 && docker push dhh/app:latest"
    );
    assert_eq!(
        cmd.to_string(),
        "docker build -t dhh/app:123 -t dhh/app:latest --label service=\"app\" --build-arg a=[REDACTED] --file Dockerfile . 2>&1 && docker push dhh/app:123 && docker push dhh/app:latest"
    );
}

#[test]
fn classic_refuses_what_it_cannot_build() {
    let missing = with("  arch:\n    - amd64\n    - arm64\n  cache:\n    type: gha\n  secrets:\n    - a\n", |b| {
        b.classic_unsupported()
    });
    assert_eq!(missing, ["arch", "cache", "secrets"]);
}
