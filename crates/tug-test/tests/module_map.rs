//! `docs/development.md` names every source file of every crate, so a newcomer finds each
//! module there with one line on what it is. A new file without its line fails here.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn development_md_lists_every_module() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let doc = std::fs::read_to_string(root.join("docs/development.md")).expect("docs/development.md");
    let mut missing = Vec::new();
    let mut seen = 0;
    let mut crates: Vec<PathBuf> =
        std::fs::read_dir(root.join("crates")).expect("crates/").flatten().map(|e| e.path()).collect();
    crates.sort();
    for krate in crates {
        let src = krate.join("src");
        if !src.is_dir() {
            continue;
        }
        let name = krate.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let section = doc
            .split(&format!("### `{name}`\n"))
            .nth(1)
            .map(|rest| rest.split("\n### ").next().unwrap_or(rest))
            .unwrap_or("");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        for file in files {
            seen += 1;
            let rel = file.strip_prefix(&src).expect("under src").to_string_lossy().replace('\\', "/");
            if !section.contains(&format!("- `{rel}`: ")) {
                missing.push(format!("{name}: {rel}"));
            }
        }
    }
    assert!(seen > 100, "found only {seen} source files");
    assert!(
        missing.is_empty(),
        "docs/development.md (section \"### `<crate>`\", a line \"- `path`: what it is\") lacks:\n{}",
        missing.join("\n")
    );
}
