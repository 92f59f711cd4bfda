//! Cloud Native Buildpacks: `pack build` for the one local arch, then `docker push` of both
//! tags. Build args and secrets become `--env` (secrets redacted).

use super::{BuilderCommands, PushOptions};
use crate::args::{ArgValue, argumentize};
use crate::command::Command;
use crate::docker::docker;
use crate::setting_args::{argument_pairs, string_list};

/// The buildpack that turns `BP_IMAGE_LABELS` into image labels; always added last.
pub const IMAGE_LABELS_BUILDPACK: &str = "paketo-buildpacks/image-labels";

fn pack_setting(b: &BuilderCommands<'_>, key: &str) -> Option<String> {
    b.setting("pack").and_then(|p| p.get(key)).filter(|n| !n.is_null()).map(|n| n.to_ruby_s())
}

/// `pack builder inspect <builder>`.
pub fn info(b: &BuilderCommands<'_>) -> Command {
    Command::new([
        "pack".to_string(),
        "builder".into(),
        "inspect".into(),
        pack_setting(b, "builder").unwrap_or_default(),
    ])
    .via_env()
}

/// `pack build … && docker push <version tag> && docker push <latest tag>` (pushes only for
/// the `registry` export).
pub fn push(b: &BuilderCommands<'_>, opts: &PushOptions) -> Command {
    let arch = b.local_arches().into_iter().next().unwrap_or_default();
    let mut cmd = Command::new(["pack".to_string(), "build".into(), b.config.repository()])
        .via_env()
        .args(["--platform".to_string(), format!("linux/{arch}"), "--creation-time".into(), "now".into()])
        .args(["--builder".to_string(), pack_setting(b, "builder").unwrap_or_default()]);
    let mut buildpacks = string_list(b.setting("pack").and_then(|p| p.get("buildpacks")));
    buildpacks.push(IMAGE_LABELS_BUILDPACK.into());
    for bp in buildpacks {
        cmd = cmd.args(["--buildpack".to_string(), bp]);
    }
    cmd = cmd.args(b.build_tag_options(opts.tag_as_dirty));
    if opts.no_cache {
        cmd = cmd.arg("--clear-cache");
    }
    cmd = cmd.args(["--env".to_string(), format!("BP_IMAGE_LABELS=service={}", b.config.service)]);
    cmd = cmd.args(argumentize("--env", &argument_pairs(b.setting("args"))));
    for (name, value) in &b.inputs.secrets {
        let attr = argumentize("", &[(name.clone(), ArgValue::text(value.expose().clone()))]).pop().unwrap_or_default();
        cmd = cmd.arg("--env").secret(attr, format!("{name}=[REDACTED]"));
    }
    cmd = cmd.args(["--path".to_string(), b.build_context()]);
    if opts.export_action != "registry" {
        return cmd;
    }
    let [abs, latest] = b.build_tag_names(opts.tag_as_dirty);
    cmd.and(docker(["push", &abs])).and(docker(["push", &latest]))
}
