//! `proxy boot_config set|get|reset`: Kamal's deprecated per-host boot files
//! (`.kamal/proxy/{options,image,image_version,run_command}`), kept so existing servers and
//! scripts keep working. `proxy.run` in the config is the way forward.

use tug_commands::proxy::ProxyCommands;
use tug_commands::proxy::boot_config::{self, BootConfigSet};
use tug_exec::Upload;

use crate::events::Event;
use crate::flows::context::Context;
use crate::flows::error::{FlowError, FlowResult};
use crate::flows::step::host;

const DEPRECATED: &str =
    "The proxy boot_config command is deprecated - set the config in the deploy YAML at proxy/run instead";

/// `proxy boot_config set`: uploads each file whose setting differs from the default, removes
/// the others.
pub fn set(ctx: &Context, options: &BootConfigSet) -> FlowResult<()> {
    ctx.warn(None, DEPRECATED);
    let files = options.files().map_err(|e| FlowError::Invalid(format!("Invalid publish IP address: {}", e.0)))?;
    ctx.on_hosts(ctx.selection.proxy_hosts(), |h| {
        let proxy = ProxyCommands::new(ctx.config, h);
        ctx.execute(&host(h), &proxy.ensure_proxy_directory())?;
        let parts = [
            (files.options.as_ref(), boot_config::options_file(), proxy.reset_boot_options()),
            (files.image.as_ref(), boot_config::image_file(), proxy.reset_image()),
            (files.image_version.as_ref(), boot_config::image_version_file(), proxy.reset_image_version()),
            (files.run_command.as_ref(), boot_config::run_command_file(), proxy.reset_run_command()),
        ];
        for (content, path, reset) in parts {
            match content {
                Some(text) => ctx.upload(
                    h,
                    &Upload { remote_path: path, mode: 0o644, content: text.clone().into_bytes(), sensitive: false },
                )?,
                None => {
                    ctx.execute_lenient(&host(h), &reset)?;
                }
            }
        }
        Ok(())
    })?;
    Ok(())
}

/// `proxy boot_config get`: what each proxy host would boot with.
pub fn get(ctx: &Context) -> FlowResult<()> {
    ctx.warn(None, DEPRECATED);
    ctx.on_hosts(ctx.selection.proxy_hosts(), |h| {
        let fact = ctx.query(&host(h), &ProxyCommands::new(ctx.config, h).boot_config(), "boot config")?;
        if let Some(text) = fact.known() {
            ctx.emit(Event::Output { target: h.to_string(), text: format!("Host {h}: {text}") });
        }
        Ok(())
    })?;
    Ok(())
}

/// `proxy boot_config reset`: removes the boot files, so the defaults apply again.
pub fn reset(ctx: &Context) -> FlowResult<()> {
    ctx.warn(None, DEPRECATED);
    ctx.on_hosts(ctx.selection.proxy_hosts(), |h| {
        let proxy = ProxyCommands::new(ctx.config, h);
        for reset in
            [proxy.reset_boot_options(), proxy.reset_image(), proxy.reset_image_version(), proxy.reset_run_command()]
        {
            ctx.execute_lenient(&host(h), &reset)?;
        }
        Ok(())
    })?;
    Ok(())
}
