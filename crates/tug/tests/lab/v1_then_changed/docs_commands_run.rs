//! Lab scenario: every `tug …` command shown in docs/DEPLOYMENT.md and docs/RUNBOOK.md runs
//! against the lab, in the order the documents give them, and succeeds. Placeholders are filled
//! in as a reader would: VERSION is a version deployed earlier (v1, by the lab session), FILE
//! the newest backup, the example addresses the lab's servers. The interactive ones run on a
//! terminal (`console`, `shell`, `dbc`, a confirmation), `logs` follows until interrupted.
//! (docs_commands.rs checks, without servers, that every documented command line parses; this
//! runs them.) Each line runs in the same project, one after the other: they are one reader's
//! session, and later lines use what earlier ones made (a deployed commit, its backups).

use std::path::Path;

use crate::session;
use crate::support::{Project, repo_root};

/// The `tug …` lines of the fenced code blocks of a document (up to a comment).
fn documented(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let mut in_block = false;
    let mut out = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("```") {
            in_block = !in_block;
        } else if in_block && let Some(rest) = t.strip_prefix("tug ") {
            out.push(rest.split(" #").next().unwrap_or(rest).trim().to_string());
        }
    }
    out
}

/// A command line's words as a shell splits them (double quotes group words; the documents use
/// nothing else).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                word.get_or_insert_with(String::new);
            }
            c if c.is_whitespace() && !quoted => words.extend(word.take()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// The newest backup file `tug db list` shows.
fn newest_backup(p: &Project) -> String {
    let list = p.tug(&["db", "list"]).ok();
    let mut files: Vec<String> = list
        .stdout
        .split_whitespace()
        .filter(|w| w.contains(".sqlite3"))
        .map(|w| w.trim_matches(|c: char| !(c.is_alphanumeric() || "-_.:/".contains(c))).to_string())
        .collect();
    files.sort();
    files.pop().unwrap_or_else(|| panic!("`tug db list` shows no backup:\n{}", list.all()))
}

#[test]
fn docs_commands_run() {
    let p = session::v1_serving("docs_commands_run");
    p.git_init();
    // v1 (deployed by the session) is the earlier version for the documents' VERSION; and a row
    // in the database.
    crate::support::request(&p.lab.servers[0], "POST", "/entries", "from the docs run").expect("POST");
    std::fs::create_dir_all(p.path().join("backups")).expect("backups dir");

    let commit = String::from_utf8(
        std::process::Command::new("git")
            .args(["rev-parse", "HEAD"])
            .current_dir(p.path())
            .output()
            .expect("git")
            .stdout,
    )
    .expect("utf-8")
    .trim()
    .to_string();
    let mut ran = 0;
    for doc in ["docs/DEPLOYMENT.md", "docs/RUNBOOK.md"] {
        for line in documented(&repo_root().join(doc)) {
            // The deploy a `--before-deploy` backup belongs to is the commit's; rollbacks go to v1.
            let mut line =
                line.replace("--before-deploy VERSION", &format!("--before-deploy {commit}")).replace("VERSION", "v1");
            // The documents' example addresses are the lab's servers ("a new server": the third).
            line = line
                .replace("123.45.67.89", &p.lab.servers[0])
                .replace("123.45.67.90", &p.lab.servers[2])
                .replace("NEW_HOST", &p.lab.servers[2]);
            if line.contains("FILE") {
                line = line.replace("FILE", &newest_backup(&p));
            }
            let words = shell_words(&line);
            let args: Vec<&str> = words.iter().map(String::as_str).collect();
            let shown = format!("{doc}: tug {line}");
            match args.as_slice() {
                ["console"] | ["dbc"] => {
                    let (status, out) = p.on_terminal(&line, ".tables\n.quit");
                    assert!(status == Some(0) && out.contains("entries"), "{shown}:\n{out}");
                }
                ["shell"] => {
                    let (status, out) = p.on_terminal(&line, "echo docs-$((40 + 2))\nexit");
                    assert!(status == Some(0) && out.contains("docs-42"), "{shown}:\n{out}");
                }
                ["logs"] => {
                    let out = p.follow_logs(2, || {});
                    assert!(out.contains("zen-miner"), "{shown}:\n{out}");
                }
                ["proxy", "reboot", ..] => {
                    let (status, out) = p.on_terminal(&line, "y");
                    assert_eq!(status, Some(0), "{shown}:\n{out}");
                }
                ["lock", "release"] => {
                    // The runbook releases a lock left by a deploy that died.
                    p.tug(&["lock", "acquire", "-m", "a deploy that died"]).ok();
                    p.tug(&args).ok();
                }
                _ => {
                    let run = p.tug(&args);
                    assert!(run.success(), "{shown} failed:\n{}", run.all());
                }
            }
            ran += 1;
        }
    }
    assert!(ran >= 40, "the documents show at least 40 commands; ran {ran}");
    let (status, _) = crate::support::get(&p.lab.servers[0], "/up").expect("GET /up");
    assert_eq!(status, 200, "the app serves after the whole runbook");
}
