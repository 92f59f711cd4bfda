//! The files `tug init` writes into a project: a commented `config/deploy.yml`, a
//! `.kamal/secrets` stub and sample hooks, serving the same purpose as `kamal init`'s templates.
//!
//! This module only holds the contents; creating the files (and skipping those that exist) is
//! the CLI's job.

/// One file that `tug init` creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InitFile {
    /// Where the file goes, relative to the project root, with `/` separators.
    pub path: &'static str,
    /// The file's contents.
    pub contents: &'static str,
    /// Whether the file should be made executable (the sample hooks are).
    pub executable: bool,
}

/// The configuration stub written to `config/deploy.yml`.
pub const DEPLOY_YML: &str = include_str!("init/deploy.yml");

/// The secrets stub written to `.kamal/secrets`.
pub const SECRETS: &str = include_str!("init/secrets");

/// Declares the sample hooks once: each name gives its path under `.kamal/hooks` and its
/// template under `src/init/hooks`.
macro_rules! sample_hooks {
    ($($name:literal),* $(,)?) => {
        /// The hooks `tug init` writes samples for, alphabetically.
        pub const SAMPLE_HOOKS: &[&str] = &[$($name),*];

        /// (path, contents) of each sample hook, in the order of [`SAMPLE_HOOKS`].
        const SAMPLE_HOOK_FILES: &[(&str, &str)] = &[$((
            concat!(".kamal/hooks/", $name, ".sample"),
            include_str!(concat!("init/hooks/", $name, ".sample")),
        )),*];
    };
}

sample_hooks!(
    "docker-setup",
    "post-app-boot",
    "post-deploy",
    "post-proxy-reboot",
    "pre-app-boot",
    "pre-build",
    "pre-connect",
    "pre-deploy",
    "pre-proxy-reboot",
);

/// Every file `tug init` writes, in the order Kamal creates them: the configuration, the
/// secrets stub, then the sample hooks alphabetically.
#[must_use]
pub fn files() -> Vec<InitFile> {
    let mut files = vec![
        InitFile { path: "config/deploy.yml", contents: DEPLOY_YML, executable: false },
        InitFile { path: ".kamal/secrets", contents: SECRETS, executable: false },
    ];
    files.extend(SAMPLE_HOOK_FILES.iter().map(|&(path, contents)| InitFile { path, contents, executable: true }));
    files
}
