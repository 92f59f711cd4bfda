//! `list` (alias `ls`): a table of services, styled with the same ANSI codes as kamal-proxy.

use std::collections::BTreeMap;

use super::{Outcome, send};
use crate::control::Command;
use crate::routing::router::ServiceDescription;

/// Arguments of `list` (none).
#[derive(Debug, clap::Args)]
pub struct ListArgs {}

/// Renders the table: italic header, bold service names, columns padded to width plus two spaces.
pub fn render(services: &BTreeMap<String, ServiceDescription>) -> String {
    let mut rows = vec![["Service", "Host", "Path", "Target", "State", "TLS"].map(String::from).to_vec()];
    for (name, s) in services {
        rows.push(vec![
            name.clone(),
            s.host.clone(),
            s.path.clone(),
            s.target.clone(),
            s.state.clone(),
            if s.tls { "yes".into() } else { "no".into() },
        ]);
    }
    let mut widths = [0usize; 6];
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.len());
        }
    }
    let mut out = String::new();
    for (r, row) in rows.iter().enumerate() {
        for (i, cell) in row.iter().enumerate() {
            let style = if r == 0 {
                "3;94"
            } else if i == 0 {
                "1;34"
            } else {
                ""
            };
            out.push_str(&format!("\x1b[{style}m{cell}\x1b[0m{}  ", " ".repeat(widths[i] - cell.len())));
        }
        out.push('\n');
    }
    out
}

/// Runs `list`.
pub async fn run() -> Outcome {
    match send(Command::List).await {
        Ok(reply) => Outcome::ok(render(&reply.services.unwrap_or_default())),
        Err(e) => Outcome::error(e),
    }
}
