//! The import graph of every crate in the workspace has no circles (DESIGN §3: data flows one
//! way). A module is a source file (`a/b.rs` or `a/b/mod.rs` is `a::b`); `a -> b` when `a`'s
//! code (before its `#[cfg(test)] mod tests`) names `crate::b…` or reaches `b` through `super::`.
//! A module naming its own ancestor does not count: a parent declares its children.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn workspace_crates() -> Vec<PathBuf> {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&crates)
        .expect("crates/")
        .filter_map(|e| e.ok().map(|e| e.path().join("src")))
        .filter(|src| src.is_dir())
        .collect();
    dirs.sort();
    dirs
}

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

/// `src/a/b.rs` and `src/a/b/mod.rs` → `["a", "b"]`; `lib.rs`/`main.rs` → `[]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("file under src");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if let Some(last) = parts.last_mut() {
        *last = last.trim_end_matches(".rs").to_string();
    }
    if parts.last().is_some_and(|l| l == "mod") || parts == ["lib"] || parts == ["main"] {
        parts.pop();
    }
    parts
}

/// The code of a file without line comments and without its trailing unit-test module.
fn code_of(text: &str) -> String {
    let text = text.find("#[cfg(test)]\nmod tests").map_or(text, |i| &text[..i]);
    text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every path that starts with `crate::` or `super::`, resolved to absolute words; paths in
/// `use crate::{a, b::c}` groups count one by one.
fn referenced_paths(code: &str, here: &[String]) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts_word = i == 0 || !is_ident(chars[i - 1]);
        let rest: String = chars[i..chars.len().min(i + 7)].iter().collect();
        if !(starts_word && (rest.starts_with("crate::") || rest.starts_with("super::"))) {
            i += 1;
            continue;
        }
        // Read `word::word::…` and an optional `{…}` group.
        let mut words = Vec::new();
        let mut j = i;
        loop {
            let start = j;
            while j < chars.len() && is_ident(chars[j]) {
                j += 1;
            }
            if start == j {
                break;
            }
            words.push(chars[start..j].iter().collect::<String>());
            if chars[j..].starts_with(&[':', ':']) {
                j += 2;
            } else {
                break;
            }
        }
        let mut base: Vec<String> = here.to_vec();
        let mut words = words.into_iter().peekable();
        if words.peek().is_some_and(|w| w == "crate") {
            base.clear();
            words.next();
        }
        while words.peek().is_some_and(|w| w == "super") {
            base.pop();
            words.next();
        }
        base.extend(words);
        if j < chars.len() && chars[j] == '{' {
            let end = chars[j..].iter().position(|&c| c == '}').map_or(chars.len(), |p| j + p);
            let group: String = chars[j + 1..end].iter().collect();
            for item in group.split(',') {
                let item: Vec<String> = item.trim().split("::").map(|w| w.trim().to_string()).collect();
                if item.first().is_some_and(|w| !w.is_empty() && w != "self") {
                    found.push(base.iter().cloned().chain(item).collect());
                }
            }
            j = end;
        } else {
            found.push(base);
        }
        i = j.max(i + 1);
    }
    found
}

/// The module a path lands in: its longest prefix that is a module.
fn owning_module(path: &[String], modules: &BTreeSet<Vec<String>>) -> Option<Vec<String>> {
    (1..=path.len()).rev().map(|n| path[..n].to_vec()).find(|p| modules.contains(p))
}

type Graph = BTreeMap<Vec<String>, BTreeSet<Vec<String>>>;

fn graph_of(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_path(src, f)).collect();
    let mut graph = Graph::new();
    for file in &files {
        let here = module_path(src, file);
        let text = std::fs::read_to_string(file).expect("readable source file");
        let edges = graph.entry(here.clone()).or_default();
        for path in referenced_paths(&code_of(&text), &here) {
            if let Some(target) = owning_module(&path, &modules)
                && !target.is_empty()
                && !here.starts_with(&target)
            {
                edges.insert(target);
            }
        }
    }
    graph
}

/// Strongly connected components of more than one module (Tarjan).
fn circles(graph: &Graph) -> Vec<Vec<Vec<String>>> {
    struct State<'a> {
        graph: &'a Graph,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        found: Vec<Vec<Vec<String>>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Vec<String>) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let Some((w, _)) = s.graph.get_key_value(w) else { continue };
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if s.stack.contains(&w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                component.push(w.clone());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut s = State { graph, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), found: Vec::new() };
    for v in graph.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.found
}

#[test]
fn no_crate_has_an_import_circle() {
    let mut report = String::new();
    let crates = workspace_crates();
    assert!(crates.len() >= 6, "expected the workspace's crates, found {crates:?}");
    for src in crates {
        for circle in circles(&graph_of(&src)) {
            let names: Vec<String> = circle.iter().map(|m| m.join("::")).collect();
            report.push_str(&format!("{}: {}\n", src.display(), names.join(" <-> ")));
        }
    }
    assert!(report.is_empty(), "import circles:\n{report}");
}

#[test]
fn the_checker_sees_a_circle() {
    let temp = tempfile::tempdir().expect("temp dir");
    let dir = temp.path().to_path_buf();
    std::fs::write(dir.join("lib.rs"), "mod a;\nmod b;\n").expect("write");
    std::fs::write(dir.join("a.rs"), "use crate::b::B;\npub struct A;\n").expect("write");
    std::fs::write(dir.join("b.rs"), "pub struct B(super::a::A);\n").expect("write");
    let found = circles(&graph_of(&dir));
    assert_eq!(found, vec![vec![vec!["a".to_string()], vec!["b".to_string()]]]);
    std::fs::write(dir.join("b.rs"), "pub struct B;\n#[cfg(test)]\nmod tests { use crate::a::A; }\n").expect("write");
    assert!(circles(&graph_of(&dir)).is_empty(), "test modules and one-way imports are no circle");
}
