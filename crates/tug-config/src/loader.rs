//! Reads `config/deploy.yml` (or `-c FILE`) and, with `-d DEST`, `deploy.DEST.yml`: ERB first,
//! then YAML, then ActiveSupport's deep merge (hashes merge; arrays and scalars are replaced).
//! Every value keeps the file it came from, so errors in a destination file point there.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::erb::{self, ErbEnv};
use crate::error::{ConfigError, ConfigErrors, Location};
use crate::source::SourceFile;
use crate::yaml::{self, Node, Value};

/// What to load, as given on the command line.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The project directory (where `bin/kamal` would run); relative paths start here.
    pub root: PathBuf,
    /// `-c/--config-file`, default `config/deploy.yml`.
    pub config_file: PathBuf,
    /// `-d/--destination`.
    pub destination: Option<String>,
    /// `--version` (the app version to act on).
    pub version: Option<String>,
}

impl LoadOptions {
    /// Options for the project in `root` with Kamal's default config file.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LoadOptions {
            root: root.into(),
            config_file: PathBuf::from("config/deploy.yml"),
            destination: None,
            version: None,
        }
    }

    /// The files to read, in merge order (Ruby's `Pathname#sub_ext(".DEST.yml")` for the second).
    pub fn files(&self) -> Vec<PathBuf> {
        let mut files = vec![self.config_file.clone()];
        if let Some(dest) = &self.destination {
            files.push(self.config_file.with_extension(format!("{dest}.yml")));
        }
        files
    }

    /// An environment variable as ERB sees it (`KAMAL_DESTINATION` is set to `-d`).
    pub fn env_var(&self, name: &str) -> Option<String> {
        if name == "KAMAL_DESTINATION" {
            return self.destination.clone();
        }
        std::env::var(name).ok()
    }
}

/// Reads, renders, parses and merges the config files into one tree. With errors, the tree is
/// what could still be read (so that validation can find the other problems in the same run).
pub fn load_raw(opts: &LoadOptions) -> (Option<Node>, Vec<ConfigError>) {
    let mut merged: Option<Node> = None;
    let mut errors = Vec::new();
    let mut all_read = true;
    for file in opts.files() {
        let (node, mut errs) = load_file(opts, &file);
        errors.append(&mut errs);
        match node {
            Some(node) => {
                merged = Some(match merged {
                    None => node,
                    Some(base) => deep_merge(base, node),
                })
            }
            None => all_read = false,
        }
    }
    (merged.filter(|_| all_read), errors)
}

/// [`load_raw`] for callers that want the tree only when every file read cleanly.
pub fn load_tree(opts: &LoadOptions) -> Result<Node, ConfigErrors> {
    match load_raw(opts) {
        (Some(node), errors) if errors.is_empty() => Ok(node),
        (_, errors) => Err(ConfigErrors(errors)),
    }
}

fn display_path(opts: &LoadOptions, file: &Path) -> String {
    file.strip_prefix(&opts.root).unwrap_or(file).display().to_string()
}

fn load_file(opts: &LoadOptions, file: &Path) -> (Option<Node>, Vec<ConfigError>) {
    match read_file(opts, file) {
        Ok(source) => {
            let file = Arc::new(source);
            let (node, mut errors) = yaml::parse_recovering(&file);
            if let Some(n) = node.as_ref().filter(|n| n.as_map().is_none()) {
                let name = &file.name;
                let mut e =
                    ConfigError::new(format!("`{name}` should hold a hash of settings (`service: …`, `image: …`)"))
                        .kamal(format!("undefined method 'symbolize_keys' for {}", n.ruby_kind()))
                        .at(Some(n.location()));
                e.help = Some("run `tug init` for a starting point".into());
                errors.push(e);
                return (None, errors);
            }
            (node, errors)
        }
        Err(e) => (None, vec![e]),
    }
}

fn read_file(opts: &LoadOptions, file: &Path) -> Result<SourceFile, ConfigError> {
    let path = opts.root.join(file);
    let name = display_path(opts, file);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(_) => {
            let mut e = ConfigError::new(format!("configuration file not found: `{name}`"))
                .kamal(format!("Configuration file not found in {name}"));
            e.help = Some(if opts.destination.is_some() && file != opts.config_file {
                format!("create `{name}` for this destination, or drop `-d`")
            } else {
                "run `tug init` to create one, or pass `-c FILE`".to_string()
            });
            return Err(e);
        }
    };
    let mut source = SourceFile::plain(name.clone(), text.clone());
    if erb::has_erb(&text) {
        let var = |n: &str| opts.env_var(n);
        let run = |cmd: &str| run_shell(&opts.root, cmd);
        let env = ErbEnv { var: &var, run: &run };
        match erb::render(&text, &env) {
            Ok(r) => {
                source.rendered = r.text.into();
                source.line_map = r.line_map;
            }
            Err(err) => {
                let file = Arc::new(source);
                let mut e = ConfigError::new(err.message.clone()).at(Some(Location { file, span: err.span }));
                e.help = err.help;
                e.label = Some("in this ERB tag".into());
                return Err(e);
            }
        }
    }
    Ok(source)
}

/// `%x(...)` and backticks in ERB run through `sh -c` in the project directory.
fn run_shell(root: &Path, cmd: &str) -> Result<String, String> {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .current_dir(root)
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("could not run `{cmd}`: {e}"))?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// ActiveSupport `deep_merge`: hash into hash recursively; anything else is replaced. A replaced
/// key keeps its place in the base file's order.
pub fn deep_merge(base: Node, other: Node) -> Node {
    match (base.value, other.value) {
        (Value::Map(mut entries), Value::Map(others)) => {
            for (k, v) in others {
                let key = k.to_ruby_s();
                match entries.iter_mut().find(|(ek, _)| ek.to_ruby_s() == key && same_kind(ek, &k)) {
                    Some(slot) => {
                        let old = std::mem::replace(&mut slot.1, Node::synthetic(Value::Null, &v.file));
                        slot.1 = deep_merge(old, v);
                    }
                    None => entries.push((k, v)),
                }
            }
            Node { value: Value::Map(entries), span: base.span, file: base.file }
        }
        (_, other_value) => Node { value: other_value, span: other.span, file: other.file },
    }
}

fn same_kind(a: &Node, b: &Node) -> bool {
    std::mem::discriminant(&a.value) == std::mem::discriminant(&b.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, text: &str) -> Node {
        yaml::parse(&Arc::new(SourceFile::plain(name, text))).unwrap()
    }

    #[test]
    fn destination_files_replace_arrays_and_merge_hashes() {
        let base = node("deploy.yml", "servers: [a, b]\nenv:\n  clear:\n    A: 1\n    B: 2\n");
        let dest = node("deploy.s.yml", "servers: [c]\nenv:\n  clear:\n    B: 3\n");
        let m = deep_merge(base, dest);
        assert_eq!(m.get("servers").unwrap().as_seq().unwrap().len(), 1);
        let clear = m.get("env").unwrap().get("clear").unwrap();
        assert_eq!(clear.get("A").unwrap().as_int(), Some(1));
        assert_eq!(clear.get("B").unwrap().as_int(), Some(3));
        assert_eq!(clear.get("B").unwrap().file.name, "deploy.s.yml");
    }

    #[test]
    fn destination_file_name() {
        let mut o = LoadOptions::new("/p");
        o.destination = Some("staging".into());
        assert_eq!(o.files()[1], PathBuf::from("config/deploy.staging.yml"));
    }
}
