//! Every `tug …` command line shown in a code block of README.md or docs/*.md must be accepted
//! by the command line parser (aliases expanded from the example app's `aliases:`), so the docs
//! cannot drift from the commands.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn doc_files() -> Vec<PathBuf> {
    let mut files = vec![Path::new(ROOT).join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(Path::new(ROOT).join("docs"))
        .expect("docs/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// `(file:line, command line)` for every line in a fenced code block that runs `tug`.
fn command_lines(file: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(file).expect("doc file");
    let mut out = Vec::new();
    let mut in_block = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if !in_block {
            continue;
        }
        let t = t.strip_prefix("$ ").unwrap_or(t);
        if !t.starts_with("tug ") {
            continue;
        }
        // Only the `tug` part: up to a comment, pipe or command separator.
        let end = [" #", " |", " &&", " ;", " >"].iter().filter_map(|s| t.find(s)).min().unwrap_or(t.len());
        out.push((
            format!("{}:{}", file.strip_prefix(ROOT).unwrap_or(file).display(), i + 1),
            t[..end].trim().to_string(),
        ));
    }
    out
}

fn example_aliases() -> IndexMap<String, String> {
    let opts = tug_config::LoadOptions::new(Path::new(ROOT).join("examples/zen-miner"));
    tug_config::load(&opts).map(|c| c.aliases).unwrap_or_default()
}

#[test]
fn every_documented_tug_command_parses() {
    let aliases = example_aliases();
    assert!(aliases.contains_key("console"), "the example's aliases: {aliases:?}");
    let mut seen = 0;
    let mut bad = Vec::new();
    for file in doc_files() {
        for (at, line) in command_lines(&file) {
            seen += 1;
            let mut argv = vec!["tug".to_string()];
            match shell_words::split(line.trim_start_matches("tug ")) {
                Ok(words) => argv.extend(words),
                Err(e) => {
                    bad.push(format!("{at}: `{line}`: {e}"));
                    continue;
                }
            }
            let argv = match tug::cli::aliases::resolve(&argv, &tug::cli::builtin_commands(), |_| Ok(aliases.clone())) {
                Ok(a) => a,
                Err(e) => {
                    bad.push(format!("{at}: `{line}`: {e}"));
                    continue;
                }
            };
            if let Err(e) = tug::cli::parse(&argv) {
                let help_shown = matches!(&e, tug::Error::Usage(u) if !u.use_stderr());
                if !help_shown {
                    bad.push(format!(
                        "{at}: `{line}`: {}",
                        tug::diagnostics::render(&e, tug::diagnostics::Style::PLAIN).trim()
                    ));
                }
            }
            // And `--help` after the command words is accepted (prints that command's help).
            let mut with_help = argv.clone();
            with_help.push("--help".into());
            match tug::cli::parse(&with_help) {
                Err(tug::Error::Usage(u)) if !u.use_stderr() => {}
                other => bad.push(format!(
                    "{at}: `{line} --help` did not print help ({})",
                    other.err().map(|e| e.to_string()).unwrap_or_default()
                )),
            }
        }
    }
    assert!(seen >= 30, "only {seen} documented commands found");
    assert!(bad.is_empty(), "documented commands that Tug does not accept:\n{}", bad.join("\n"));
}
