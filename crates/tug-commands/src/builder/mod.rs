//! Building and pushing the app image (Kamal's `Commands::Builder`): which builder applies
//! (local, remote, hybrid, cloud or pack), its buildx setup, the `docker buildx build` line
//! with every flag in Kamal's order, the fresh git clone the build runs in, and the image
//! check after a pull.
//!
//! **Tug's classic path** ([`BuilderCommands::classic_push`]): on a machine without the buildx
//! plugin, Tug builds with the classic `docker build` and pushes both tags with `docker
//! push`. Kamal has no such path (it requires buildx); this is a deliberate difference. The
//! classic builder cannot build for another arch, and has no cache export, build secrets,
//! SSH forwarding, provenance or SBOM: [`BuilderCommands::classic_unsupported`] names the
//! settings it would ignore, so the caller can refuse.
//!
//! Everything that needs the world arrives in [`BuildInputs`]: the local docker arch, the
//! version, and the values of the build secrets.

pub mod cloud;
pub mod hybrid;
pub mod local;
pub mod pack;
pub mod probe;
pub mod remote;

use std::path::Path;

use indexmap::IndexMap;
use thiserror::Error;
use tug_config::Config;
use tug_config::Sensitive;
use tug_config::yaml::{Node, Value};

use crate::args::{ArgValue, argumentize};
use crate::command::{Command, Wait};
use crate::docker::docker;
use crate::image::latest_tag;
use crate::setting_args::{argument_value, string_list};

/// The builder Kamal picks for a config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuilderKind {
    /// buildx on the deploying machine.
    Local,
    /// buildx on a remote docker host only.
    Remote,
    /// Local arches here, the others on the remote host.
    Hybrid,
    /// Cloud Native Buildpacks (`pack`).
    Pack,
    /// Docker Build Cloud.
    Cloud,
}

impl BuilderKind {
    /// Kamal's name for it (`local`, `remote`, …).
    pub fn name(self) -> &'static str {
        match self {
            BuilderKind::Local => "local",
            BuilderKind::Remote => "remote",
            BuilderKind::Hybrid => "hybrid",
            BuilderKind::Pack => "pack",
            BuilderKind::Cloud => "cloud",
        }
    }
}

/// What a build needs from the world.
#[derive(Debug, Clone, Default)]
pub struct BuildInputs {
    /// The deploying machine's docker arch (`docker info --format '{{.Architecture}}'`,
    /// mapped to `amd64`/`arm64`).
    pub local_arch: String,
    /// The version the image is tagged with.
    pub version: String,
    /// The values of `builder.secrets`, by name (pack passes them as `--env`).
    pub secrets: IndexMap<String, Sensitive<String>>,
}

/// How `push` builds.
#[derive(Debug, Clone)]
pub struct PushOptions {
    /// `--output=type=<action>` (`registry` to push).
    pub export_action: String,
    /// Tag as `<tag>-dirty` (uncommitted changes).
    pub tag_as_dirty: bool,
    /// `--no-cache`.
    pub no_cache: bool,
}

impl Default for PushOptions {
    fn default() -> Self {
        PushOptions { export_action: "registry".into(), tag_as_dirty: false, no_cache: false }
    }
}

/// A build problem found before running anything.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BuilderError {
    /// The Dockerfile named by `builder.dockerfile` does not exist.
    #[error("Missing {0}")]
    MissingDockerfile(String),
}

/// Where the build runs when it builds a fresh clone (Kamal's default without `context`).
#[derive(Debug, Clone)]
pub struct CloneDirs {
    /// The repository root (`git rev-parse --show-toplevel`).
    pub git_root: String,
    /// `$TMPDIR/kamal-clones/<service>-<sha256(pwd)[0..13]>`.
    pub clone_directory: String,
    /// The directory inside the clone that matches the working directory.
    pub build_directory: String,
    /// The commit to build.
    pub revision: String,
}

/// Kamal's clone directory: `<tmp>/kamal-clones/<service>-<first 13 hex of sha256(pwd)>`.
pub fn clone_directory(tmp_dir: &str, service: &str, pwd_sha256_hex: &str) -> String {
    let sha: String = pwd_sha256_hex.chars().take(13).collect();
    format!("{}/kamal-clones/{service}-{sha}", tmp_dir.trim_end_matches('/'))
}

/// The builder commands for one config.
#[derive(Debug, Clone)]
pub struct BuilderCommands<'a> {
    pub(crate) config: &'a Config,
    pub(crate) inputs: BuildInputs,
}

impl<'a> BuilderCommands<'a> {
    /// Commands for `config`, given what only the caller can find out.
    pub fn new(config: &'a Config, inputs: BuildInputs) -> BuilderCommands<'a> {
        BuilderCommands { config, inputs }
    }

    pub(crate) fn setting(&self, key: &str) -> Option<&Node> {
        self.config.builder.raw.get(key).filter(|n| !n.is_null())
    }

    fn text(&self, key: &str) -> Option<String> {
        self.setting(key).map(Node::to_ruby_s)
    }

    /// `arch`, as a list (default `amd64` and `arm64`, none with the `docker` driver).
    pub fn arches(&self) -> Vec<String> {
        self.config.builder.arches()
    }

    fn local_disabled(&self) -> bool {
        self.setting("local").and_then(Node::as_bool) == Some(false)
    }

    /// The arches built on this machine.
    pub fn local_arches(&self) -> Vec<String> {
        if self.local_disabled() {
            Vec::new()
        } else if self.remote().is_some() {
            self.arches().into_iter().filter(|a| *a == self.inputs.local_arch).collect()
        } else {
            self.arches()
        }
    }

    /// The arches built on the remote host.
    pub fn remote_arches(&self) -> Vec<String> {
        if self.remote().is_none() {
            return Vec::new();
        }
        let local = self.local_arches();
        self.arches().into_iter().filter(|a| !local.contains(a)).collect()
    }

    /// `remote`.
    pub fn remote(&self) -> Option<String> {
        self.text("remote")
    }

    /// `driver`, default `docker-container`.
    pub fn driver(&self) -> String {
        self.text("driver").unwrap_or_else(|| "docker-container".into())
    }

    fn docker_driver(&self) -> bool {
        self.driver() == "docker"
    }

    fn is_remote(&self) -> bool {
        !self.remote_arches().is_empty()
    }

    fn is_local(&self) -> bool {
        !self.local_disabled() && (self.arches().is_empty() || !self.local_arches().is_empty())
    }

    fn is_pack(&self) -> bool {
        self.setting("pack").is_some_and(|p| p.as_bool() != Some(false))
    }

    fn is_cloud(&self) -> bool {
        self.driver().starts_with("cloud")
    }

    /// Which builder applies.
    pub fn kind(&self) -> BuilderKind {
        if self.is_remote() {
            if self.is_local() { BuilderKind::Hybrid } else { BuilderKind::Remote }
        } else if self.is_pack() {
            BuilderKind::Pack
        } else if self.is_cloud() {
            BuilderKind::Cloud
        } else {
            BuilderKind::Local
        }
    }

    /// The buildx builder's name.
    pub fn builder_name(&self) -> String {
        match self.kind() {
            BuilderKind::Local | BuilderKind::Pack => local::builder_name(self),
            BuilderKind::Remote => remote::builder_name(self),
            BuilderKind::Hybrid => hybrid::builder_name(self),
            BuilderKind::Cloud => cloud::builder_name(self),
        }
    }

    /// Creates the builder (nothing for the `docker` driver or pack).
    pub fn create(&self) -> Option<Command> {
        match self.kind() {
            BuilderKind::Local => local::create(self),
            BuilderKind::Remote => Some(remote::create(self)),
            BuilderKind::Hybrid => Some(hybrid::create(self)),
            BuilderKind::Cloud => Some(cloud::create(self)),
            BuilderKind::Pack => None,
        }
    }

    /// Removes the builder.
    pub fn remove(&self) -> Option<Command> {
        match self.kind() {
            BuilderKind::Local => local::remove(self),
            BuilderKind::Remote | BuilderKind::Hybrid => Some(remote::remove(self)),
            BuilderKind::Cloud => Some(cloud::remove(self)),
            BuilderKind::Pack => None,
        }
    }

    /// Checks the builder exists and fits (fails otherwise, and the caller recreates it).
    pub fn inspect_builder(&self) -> Option<Command> {
        match self.kind() {
            BuilderKind::Remote | BuilderKind::Hybrid => Some(remote::inspect_builder(self)),
            BuilderKind::Pack => Some(pack::info(self)),
            _ if self.docker_driver() => None,
            _ => Some(docker(["buildx", "inspect"]).arg(self.builder_name())),
        }
    }

    /// `docker context ls` and `docker buildx ls` (`;` between them for remote builders).
    pub fn info(&self) -> Command {
        match self.kind() {
            BuilderKind::Remote | BuilderKind::Hybrid => docker(["context", "ls"]).then(docker(["buildx", "ls"])),
            BuilderKind::Pack => pack::info(self),
            _ => docker(["context", "ls"]).and(docker(["buildx", "ls"])),
        }
    }

    /// Builds and pushes: `docker buildx build --output=type=registry …`, or `pack build …
    /// && docker push …`.
    pub fn push(&self, opts: &PushOptions) -> Command {
        if self.kind() == BuilderKind::Pack {
            return pack::push(self, opts);
        }
        let mut cmd =
            docker(["buildx".to_string(), "build".to_string(), format!("--output=type={}", opts.export_action)])
                .args(self.platform_options(&self.arches()));
        if !self.docker_driver() {
            cmd = cmd.args(["--builder".to_string(), self.builder_name()]);
        }
        cmd = cmd.args(self.build_tag_options(opts.tag_as_dirty)).extend(self.build_options());
        if opts.no_cache {
            cmd = cmd.arg("--no-cache");
        }
        cmd.arg(self.build_context()).arg("2>&1")
    }

    /// Tug's classic path for machines without buildx: `docker build -t <image>:<version>
    /// -t <image>:latest --label service="…" [build args] --file … [--target …] <context>
    /// 2>&1`, then `docker push` of both tags. Not in Kamal (see the module docs).
    pub fn classic_push(&self, opts: &PushOptions) -> Command {
        let mut cmd = docker(["build"]).args(self.build_tag_options(opts.tag_as_dirty));
        cmd = cmd
            .args(self.build_labels())
            .extend(self.build_args())
            .args(self.build_dockerfile())
            .args(self.build_target());
        if opts.no_cache {
            cmd = cmd.arg("--no-cache");
        }
        cmd = cmd.arg(self.build_context()).arg("2>&1");
        if opts.export_action != "registry" {
            return cmd;
        }
        let [abs, latest] = self.build_tag_names(opts.tag_as_dirty);
        cmd.and(docker(["push", &abs])).and(docker(["push", &latest]))
    }

    /// The settings the classic builder cannot honour (empty when it builds exactly what
    /// buildx would).
    pub fn classic_unsupported(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.arches().len() > 1 || self.arches().iter().any(|a| *a != self.inputs.local_arch) {
            out.push("arch");
        }
        for (key, name) in [
            ("remote", "remote"),
            ("cache", "cache"),
            ("secrets", "secrets"),
            ("ssh", "ssh"),
            ("provenance", "provenance"),
            ("sbom", "sbom"),
            ("pack", "pack"),
        ] {
            if self.setting(key).is_some() {
                out.push(name);
            }
        }
        if self.is_cloud() {
            out.push("driver");
        }
        out
    }

    /// `docker pull <image>:<version>`.
    pub fn pull(&self) -> Command {
        let image = self.absolute_image();
        docker(["pull".to_string(), image.clone()]).waits_for(Wait::Pull(image))
    }

    /// `docker image rm --force <image>:<version>`.
    pub fn clean(&self) -> Command {
        docker(["image".to_string(), "rm".to_string(), "--force".to_string(), self.absolute_image()])
    }

    /// Fails unless the image carries the `service` label of this app.
    pub fn validate_image(&self) -> Command {
        let image = self.absolute_image();
        docker(["inspect".to_string(), "-f".to_string(), "'{{ .Config.Labels.service }}'".to_string(), image.clone()])
            .pipe(
                Command::new(["grep".to_string(), "-x".to_string(), self.config.service.clone()])
                    .via_env()
                    .or(Command::new([format!("(echo \"Image {image} is missing the 'service' label\" && exit 1)")])),
            )
    }

    /// The first registry mirror of the local docker.
    pub fn first_mirror(&self) -> Command {
        docker(["info", "--format '{{index .RegistryConfig.Mirrors 0}}'"])
    }

    /// Whether to `docker login` on this machine before building (remote builders push
    /// from the remote host).
    pub fn login_to_registry_locally(&self) -> bool {
        !matches!(self.kind(), BuilderKind::Remote | BuilderKind::Hybrid)
    }

    /// Environment for the build command (`BUILDKIT_NO_CLIENT_TOKEN=1` for remote builders).
    pub fn push_env(&self) -> IndexMap<String, String> {
        let mut env = IndexMap::new();
        if matches!(self.kind(), BuilderKind::Remote | BuilderKind::Hybrid) {
            env.insert("BUILDKIT_NO_CLIENT_TOKEN".into(), "1".into());
        }
        env
    }

    /// `builder.dockerfile`, default `Dockerfile`.
    pub fn dockerfile(&self) -> String {
        self.text("dockerfile").unwrap_or_else(|| "Dockerfile".into())
    }

    /// Kamal refuses to build when the Dockerfile is missing; `exists` answers for a path
    /// relative to the project directory.
    pub fn ensure_dockerfile(&self, exists: impl Fn(&Path) -> bool) -> Result<(), BuilderError> {
        let dockerfile = self.dockerfile();
        if exists(Path::new(&dockerfile)) { Ok(()) } else { Err(BuilderError::MissingDockerfile(dockerfile)) }
    }

    /// `builder.context`, default `.`.
    pub fn build_context(&self) -> String {
        self.text("context").unwrap_or_else(|| ".".into())
    }

    /// The secret names of `builder.secrets`.
    pub fn secret_names(&self) -> Vec<String> {
        string_list(self.setting("secrets"))
    }

    pub(crate) fn absolute_image(&self) -> String {
        format!("{}:{}", self.config.repository(), self.inputs.version)
    }

    pub(crate) fn build_tag_names(&self, dirty: bool) -> [String; 2] {
        let suffix = if dirty { "-dirty" } else { "" };
        [
            format!("{}{suffix}", self.absolute_image()),
            format!("{}:{}{suffix}", self.config.repository(), latest_tag(self.config)),
        ]
    }

    pub(crate) fn build_tag_options(&self, dirty: bool) -> Vec<String> {
        self.build_tag_names(dirty).into_iter().flat_map(|t| ["-t".to_string(), t]).collect()
    }

    pub(crate) fn platform_options(&self, arches: &[String]) -> Vec<String> {
        if arches.is_empty() {
            return Vec::new();
        }
        let platforms: Vec<String> = arches.iter().map(|a| format!("linux/{a}")).collect();
        vec!["--platform".into(), platforms.join(",")]
    }

    pub(crate) fn driver_options(&self) -> Vec<String> {
        if self.config.registry.is_local() { vec!["--driver-opt".into(), "network=host".into()] } else { Vec::new() }
    }

    /// Everything after the tags: cache, label, build args (redacted), secrets, dockerfile,
    /// target, ssh, provenance, sbom.
    pub fn build_options(&self) -> Command {
        Command::default()
            .args(self.build_cache())
            .args(self.build_labels())
            .extend(self.build_args())
            .args(self.build_secrets())
            .args(self.build_dockerfile())
            .args(self.build_target())
            .args(self.raw_option("ssh", "--ssh", true))
            .args(self.raw_option("provenance", "--provenance", false))
            .args(self.raw_option("sbom", "--sbom", false))
    }

    fn build_cache(&self) -> Vec<String> {
        match (self.cache_to(), self.cache_from()) {
            (Some(to), Some(from)) => vec!["--cache-to".into(), to, "--cache-from".into(), from],
            _ => Vec::new(),
        }
    }

    fn cache(&self) -> Option<(&str, Option<String>, String)> {
        let cache = self.setting("cache").filter(|c| c.as_bool() != Some(false))?;
        let kind = match cache.get("type").and_then(Node::as_str) {
            Some("gha") => "gha",
            Some("registry") => "registry",
            _ => return None,
        };
        let options = cache.get("options").filter(|o| !o.is_null()).map(Node::to_ruby_s);
        let image = cache
            .get("image")
            .filter(|i| !i.is_null())
            .map_or_else(|| format!("{}-build-cache", self.config.image), Node::to_ruby_s);
        let reference = match &self.config.registry.server {
            Some(s) => format!("{s}/{image}"),
            None => image,
        };
        Some((kind, options, reference))
    }

    /// `--cache-from` value.
    pub fn cache_from(&self) -> Option<String> {
        let (kind, options, reference) = self.cache()?;
        Some(match kind {
            "gha" => {
                let allowed = ["url=", "url_v2=", "token=", "scope=", "timeout="];
                let mut parts = vec!["type=gha".to_string()];
                parts.extend(
                    options
                        .unwrap_or_default()
                        .split(',')
                        .filter(|o| allowed.iter().any(|a| o.starts_with(a)))
                        .map(str::to_string),
                );
                parts.join(",")
            }
            _ => format!("type=registry,ref={reference}"),
        })
    }

    /// `--cache-to` value.
    pub fn cache_to(&self) -> Option<String> {
        let (kind, options, reference) = self.cache()?;
        let mut parts =
            vec![if kind == "gha" { "type=gha".to_string() } else { format!("type=registry,ref={reference}") }];
        parts.extend(options);
        Some(parts.join(","))
    }

    fn build_labels(&self) -> Vec<String> {
        argumentize("--label", &[("service".to_string(), ArgValue::text(self.config.service.clone()))])
    }

    /// `--build-arg k="v"`, each shown as `k=[REDACTED]`.
    fn build_args(&self) -> Command {
        let mut cmd = Command::default();
        for (key, node) in self.setting("args").and_then(Node::as_map).unwrap_or(&[]) {
            let key = key.to_ruby_s();
            let value = argument_value(node);
            cmd = cmd.arg("--build-arg");
            cmd = match value {
                ArgValue::Absent => cmd.arg(key),
                ArgValue::False => cmd.arg(format!("{key}=false")),
                v => {
                    let attr = argumentize("", &[(key.clone(), v)]).pop().unwrap_or_default();
                    cmd.secret(attr, format!("{key}=[REDACTED]"))
                }
            };
        }
        cmd
    }

    fn build_secrets(&self) -> Vec<String> {
        let pairs: Vec<(String, ArgValue)> =
            self.secret_names().into_iter().map(|s| ("id".to_string(), ArgValue::text(s))).collect();
        argumentize("--secret", &pairs)
    }

    fn build_dockerfile(&self) -> Vec<String> {
        vec!["--file".into(), self.dockerfile()]
    }

    fn build_target(&self) -> Vec<String> {
        self.setting("target")
            .filter(|t| t.is_present())
            .map(|t| vec!["--target".into(), t.to_ruby_s()])
            .unwrap_or_default()
    }

    /// `--<flag> <value>` as written; `present` drops blank values, otherwise only `nil`.
    fn raw_option(&self, key: &str, flag: &str, present: bool) -> Vec<String> {
        match self.setting(key) {
            Some(n) if !present || n.is_present() => match &n.value {
                Value::Seq(items) => items.iter().flat_map(|i| [flag.to_string(), i.to_ruby_s()]).collect(),
                _ => vec![flag.to_string(), n.to_ruby_s()],
            },
            _ => Vec::new(),
        }
    }

    /// `git -C <clone parent> clone <root> --recurse-submodules`, paths escaped as Ruby's
    /// `shellescape` does.
    pub fn clone(&self, dirs: &CloneDirs) -> Command {
        git(
            Some(&dirs.clone_directory),
            ["clone".to_string(), shellescape(&dirs.git_root), "--recurse-submodules".to_string()],
        )
    }

    /// Brings an existing clone to the revision: set-url, fetch, reset, clean, submodules, gc.
    pub fn clone_reset_steps(&self, dirs: &CloneDirs) -> Vec<Command> {
        let dir = Some(dirs.build_directory.as_str());
        vec![
            git(dir, ["remote".to_string(), "set-url".into(), "origin".into(), shellescape(&dirs.git_root)]),
            git(dir, ["fetch", "origin"]),
            git(dir, ["reset".to_string(), "--hard".into(), dirs.revision.clone()]),
            git(dir, ["clean", "-fdx"]),
            git(dir, ["submodule", "update", "--init"]),
            git(dir, ["gc", "--auto", "--quiet"]),
        ]
    }

    /// `git -C <build dir> status --porcelain` (must print nothing).
    pub fn clone_status(&self, dirs: &CloneDirs) -> Command {
        git(Some(&dirs.build_directory), ["status", "--porcelain"])
    }

    /// `git -C <build dir> rev-parse HEAD` (must be the revision).
    pub fn clone_revision(&self, dirs: &CloneDirs) -> Command {
        git(Some(&dirs.build_directory), ["rev-parse", "HEAD"])
    }
}

fn shellescape(s: &str) -> String {
    tug_config::secrets::ruby::shellescape(s)
}

fn git<I, S>(path: Option<&str>, args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut cmd = Command::new(["git"]).via_env();
    if let Some(p) = path {
        cmd = cmd.args(["-C".to_string(), shellescape(p)]);
    }
    cmd.args(args)
}
