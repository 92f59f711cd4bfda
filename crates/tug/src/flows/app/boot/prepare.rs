//! What a host needs before its new containers start (Kamal's `app/error_pages`,
//! `app/assets` and `app/ssl_certificates`): the error pages uploaded, the assets extracted
//! and synced with the running version's, and custom TLS certificates uploaded.

use tug_commands::app::AppCommands;
use tug_commands::layout::{error_pages_directory, tls_directory};
use tug_exec::Upload;

use super::{role, running_version};
use crate::flows::context::Context;
use crate::flows::error::{FlowError, FlowResult};
use crate::flows::step::host;

pub(super) fn error_pages(ctx: &Context, h: &str, version: &str) -> FlowResult<()> {
    let Some(path) = ctx.config.error_pages_path() else { return Ok(()) };
    let dir = ctx.config.root.join(&path);
    let mut pages: Vec<std::path::PathBuf> =
        std::fs::read_dir(&dir).map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    pages.retain(|p| {
        let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        n.len() == 8 && n.ends_with(".html") && (n.starts_with('4') || n.starts_with('5'))
    });
    pages.sort();
    if pages.is_empty() {
        return Ok(());
    }
    let role_name = ctx.selection.roles_on(h).into_iter().next().unwrap_or_default();
    let app = AppCommands::new(ctx.config, role(ctx, &role_name)?, h, version);
    ctx.execute(&host(h), &app.create_error_pages_directory())?;
    for page in pages {
        let content =
            std::fs::read(&page).map_err(|e| FlowError::msg(format!("could not read `{}`: {e}", page.display())))?;
        let name = page.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
        let remote_path = format!("{}/{version}/{name}", error_pages_directory(ctx.config));
        ctx.upload(h, &Upload { remote_path, mode: 0o700, content, sensitive: false })?;
    }
    Ok(())
}

pub(super) fn assets(ctx: &Context, app: &AppCommands) -> FlowResult<()> {
    if !app.assets() {
        return Ok(());
    }
    let h = app.host();
    ctx.execute(&host(h), &app.extract_assets())?;
    let old = running_version(ctx, app)?;
    ctx.execute(&host(h), &app.sync_asset_volumes(old.presence().as_deref()))?;
    Ok(())
}

pub(super) fn certificates(ctx: &Context, app: &AppCommands) -> FlowResult<()> {
    let r = app.role();
    let Some(proxy) = r.proxy.as_ref().filter(|p| r.running_proxy() && p.custom_ssl_certificate()) else {
        return Ok(());
    };
    let h = app.host();
    ctx.execute(&host(h), &app.create_ssl_directory())?;
    // The certificate is public; the key is readable by its owner only, and given to the
    // user the proxy runs as (a `chown` the SSH user cannot do leaves it unreadable to the
    // proxy, which is then reported rather than opened up to every user of the server).
    for (secret, file, mode) in
        [(proxy.certificate_pem(), "cert.pem", 0o644), (proxy.private_key_pem(), "key.pem", 0o600)]
    {
        let Some(name) = secret else { continue };
        let value = ctx.secret(&name)?;
        let remote_path = format!("{}/{}/{file}", tls_directory(ctx.config), r.name);
        ctx.upload(
            h,
            &Upload {
                remote_path: remote_path.clone(),
                mode,
                content: value.expose().as_bytes().to_vec(),
                sensitive: true,
            },
        )?;
        if mode == 0o600 {
            ctx.execute(&host(h), &app.give_to_proxy_user(&remote_path))?;
        }
    }
    Ok(())
}
