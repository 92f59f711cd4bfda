//! `Secrets`: which files are read, laziness, and Kamal's lookup errors.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use tug_config::secrets::{Secrets, print};

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn secrets(dir: &Path, destination: Option<&str>) -> Secrets {
    Secrets::new(dir, Secrets::DEFAULT_PATH, destination.map(String::from))
        .with_env(Arc::new(HashMap::from([("SECRET1".to_string(), "ABC".to_string())])))
}

fn get(s: &Secrets, key: &str) -> String {
    s.get(key).unwrap().into_inner()
}

#[test]
fn fetch_and_contains() {
    let dir = project(&[(".kamal/secrets", "SECRET=ABC\nBLANK=\" \"")]);
    let s = secrets(dir.path(), None);
    assert_eq!(get(&s, "SECRET"), "ABC");
    assert_eq!(s.get("SECRET").unwrap().to_string(), "[REDACTED]");
    assert!(s.contains("SECRET").unwrap());
    assert!(!s.contains("SECRET2").unwrap());
    assert!(!s.contains("BLANK").unwrap());
}

#[test]
fn interpolation_and_environment() {
    let dir = project(&[(".kamal/secrets", "A=$(echo ABC)\nB=${A}DEF\nC=$SECRET1\nSECRET1=DEF\nD=$SECRET1")]);
    let s = secrets(dir.path(), None);
    assert_eq!(get(&s, "A"), "ABC");
    assert_eq!(get(&s, "B"), "ABCDEF");
    assert_eq!(get(&s, "C"), "ABC");
    assert_eq!(get(&s, "D"), "DEF");
    assert_eq!(get(&s, "SECRET1"), "DEF");
}

#[test]
fn destinations_and_common_file() {
    let dir = project(&[
        (".kamal/secrets.dest", "SECRET=DEF"),
        (".kamal/secrets", "SECRET=ABC"),
        (".kamal/secrets-common", "SECRET=GHI\nSECRET2=JKL"),
    ]);
    for (dest, expected) in [(None, "ABC"), (Some("dest"), "DEF"), (Some("nodest"), "GHI")] {
        let s = secrets(dir.path(), dest);
        assert_eq!(get(&s, "SECRET"), expected, "destination {dest:?}");
        assert_eq!(get(&s, "SECRET2"), "JKL", "destination {dest:?}");
    }
    let s = secrets(dir.path(), Some("dest"));
    assert_eq!(s.filenames(), [".kamal/secrets-common", ".kamal/secrets.dest"]);
    assert_eq!(s.existing_files(), [".kamal/secrets-common", ".kamal/secrets.dest"]);
    let keys: Vec<String> = s.all().unwrap().into_keys().collect();
    assert_eq!(keys, ["SECRET", "SECRET2"]);
}

#[test]
fn lookup_errors_use_kamals_words() {
    let empty = project(&[]);
    let err = secrets(empty.path(), None).get("SECRET").unwrap_err();
    assert_eq!(
        err.to_string(),
        "Secret 'SECRET' not found, no secret files (.kamal/secrets-common, .kamal/secrets) provided"
    );
    let err = secrets(empty.path(), Some("dest")).get("SECRET").unwrap_err();
    assert_eq!(
        err.to_string(),
        "Secret 'SECRET' not found, no secret files (.kamal/secrets-common, .kamal/secrets.dest) provided"
    );
    let dir = project(&[(".kamal/secrets", "A=1"), (".kamal/secrets-common", "B=2")]);
    let err = secrets(dir.path(), None).get("SECRET").unwrap_err();
    assert_eq!(err.to_string(), "Secret 'SECRET' not found in .kamal/secrets-common, .kamal/secrets");
    let err = secrets(dir.path(), Some("x")).get("SECRET").unwrap_err();
    assert_eq!(err.to_string(), "Secret 'SECRET' not found in .kamal/secrets-common");
}

#[test]
fn custom_secrets_path() {
    let dir = project(&[
        ("custom/path/secrets", "SECRET=BASE"),
        ("custom/path/secrets.prod", "SECRET=PROD"),
        ("custom/path/secrets-common", "COMMON=SHARED\nSECRET=COMMON"),
    ]);
    let s = Secrets::new(dir.path(), "custom/path/secrets", None);
    assert_eq!(get(&s, "SECRET"), "BASE");
    assert_eq!(get(&s, "COMMON"), "SHARED");
    let s = Secrets::new(dir.path(), "custom/path/secrets", Some("prod".into()));
    assert_eq!(get(&s, "SECRET"), "PROD");
    let empty = project(&[]);
    let err = Secrets::new(empty.path(), "custom/path/secrets", None).get("SECRET").unwrap_err();
    assert_eq!(
        err.to_string(),
        "Secret 'SECRET' not found, no secret files (custom/path/secrets-common, custom/path/secrets) provided"
    );
}

#[test]
fn nothing_runs_before_the_first_lookup() {
    let dir = project(&[(".kamal/secrets", "A=$(touch marker && echo ran)")]);
    let marker = dir.path().join("marker");
    let s = secrets(dir.path(), None);
    assert_eq!(s.existing_files(), [".kamal/secrets"]);
    assert!(!s.is_loaded());
    assert!(!marker.exists(), "the command ran before any lookup");
    assert_eq!(get(&s, "A"), "ran");
    assert!(marker.exists());
    assert!(s.is_loaded());
    std::fs::remove_file(&marker).unwrap();
    assert_eq!(get(&s, "A"), "ran");
    assert!(!marker.exists(), "the command ran twice");
}

#[test]
fn an_evaluation_error_is_kept_and_repeated() {
    let dir = project(&[(".kamal/secrets", "OK=1\nBAD=$(exit 4)")]);
    let s = secrets(dir.path(), None);
    let first = s.get("OK").unwrap_err();
    assert_eq!(first.to_string(), ".kamal/secrets:2: command `exit 4` failed with exit status 4");
    assert_eq!(s.get("OK").unwrap_err(), first);
    assert_eq!(s.all().unwrap_err(), first);
}

#[test]
fn byte_order_mark_and_crlf_are_accepted() {
    let dir = project(&[(".kamal/secrets", "\u{feff}A=1\r\nB=\"x\r\ny\"\r\n")]);
    let s = secrets(dir.path(), None);
    assert_eq!(get(&s, "A"), "1");
    assert_eq!(get(&s, "B"), "x\ny");
}

#[test]
fn invalid_utf8_is_an_error_naming_the_file() {
    let dir = project(&[]);
    std::fs::create_dir_all(dir.path().join(".kamal")).unwrap();
    std::fs::write(dir.path().join(".kamal/secrets"), b"A=\xff").unwrap();
    let err = secrets(dir.path(), None).get("A").unwrap_err();
    assert_eq!(err.to_string(), "could not read `.kamal/secrets`: it is not valid UTF-8");
}

#[test]
fn print_lists_every_secret() {
    let dir = project(&[(".kamal/secrets", "SECRET1=ABC\nSECRET2=${SECRET1}DEF\n")]);
    let s = secrets(dir.path(), None);
    assert_eq!(print(&s).unwrap().expose(), "SECRET1=ABC\nSECRET2=ABCDEF\n");
}

#[test]
fn debug_shows_no_values() {
    let dir = project(&[(".kamal/secrets", "A=hunter2")]);
    let s = secrets(dir.path(), None);
    s.get("A").unwrap();
    let shown = format!("{s:?} {:?}", s.all().unwrap());
    assert!(!shown.contains("hunter2"), "{shown}");
}
