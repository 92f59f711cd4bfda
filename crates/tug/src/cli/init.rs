//! `tug init`: creates a starting configuration in the project directory.

use std::fs;
use std::io::Write;
use std::path::Path;

use clap::Args;

use crate::error::{Error, ExitStatus};
use crate::world::Environment;

/// Arguments of `tug init`.
#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// Also add Kamal to the Gemfile and create a bin/kamal binstub (for Ruby projects)
    #[arg(long)]
    pub bundle: bool,
}

/// Runs `tug init`: write `config/deploy.yml`, `.kamal/secrets` and `.kamal/hooks/*.sample`
/// where they do not exist yet.
pub fn run(args: &InitArgs, env: &mut Environment) -> Result<ExitStatus, Error> {
    for line in write_files(&env.root)? {
        let _ = writeln!(env.out, "{line}");
    }
    if args.bundle {
        let _ = writeln!(
            env.err,
            "warning: `--bundle` adds the Kamal gem to a Gemfile; Tug is a single binary and has nothing to add"
        );
    }
    Ok(ExitStatus::Success)
}

/// Writes what `kamal init` writes, skipping what exists as Kamal does, and says what it did.
pub fn write_files(root: &Path) -> Result<Vec<String>, Error> {
    let files = tug_config::init::files();
    let io = |action: String| move |source| Error::Io { action, source };
    let mut said = Vec::new();
    let deploy = root.join("config/deploy.yml");
    if deploy.exists() {
        said.push("Config file already exists in config/deploy.yml (remove first to create a new one)".to_string());
    } else if let Some(f) = files.iter().find(|f| f.path == "config/deploy.yml") {
        fs::create_dir_all(root.join("config")).map_err(io("create `config/`".into()))?;
        fs::write(&deploy, f.contents).map_err(io("write `config/deploy.yml`".into()))?;
        said.push("Created configuration file in config/deploy.yml".to_string());
    }
    let secrets = root.join(".kamal/secrets");
    if !secrets.exists()
        && let Some(f) = files.iter().find(|f| f.path == ".kamal/secrets")
    {
        fs::create_dir_all(root.join(".kamal")).map_err(io("create `.kamal/`".into()))?;
        fs::write(&secrets, f.contents).map_err(io("write `.kamal/secrets`".into()))?;
        said.push("Created .kamal/secrets file".to_string());
    }
    let hooks = root.join(".kamal/hooks");
    if !hooks.exists() {
        fs::create_dir_all(&hooks).map_err(io("create `.kamal/hooks/`".into()))?;
        for f in files.iter().filter(|f| f.path.starts_with(".kamal/hooks/")) {
            let path = root.join(f.path);
            fs::write(&path, f.contents).map_err(io(format!("write `{}`", f.path)))?;
            if f.executable {
                make_executable(&path).map_err(io(format!("make `{}` executable", f.path)))?;
            }
        }
        said.push("Created sample hooks in .kamal/hooks".to_string());
    }
    Ok(said)
}

#[cfg(unix)]
fn make_executable(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> std::io::Result<()> {
    Ok(())
}
