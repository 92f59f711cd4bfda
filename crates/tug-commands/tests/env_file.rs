//! The env file's contents (Kamal's `test/env_file_test.rb`), and that it never shows them.

use tug_commands::env_file::EnvFile;
use tug_config::Sensitive;

fn file(vars: &[(&str, &str)]) -> EnvFile {
    EnvFile::new(vars.iter().map(|(k, v)| (*k, Sensitive::new(v.to_string()))))
}

#[test]
fn to_s() {
    assert_eq!(file(&[("foo", "bar"), ("baz", "haz")]).expose(), "foo=bar\nbaz=haz\n");
}

#[test]
fn to_s_wont_escape_hash() {
    assert_eq!(file(&[("foo", "#$foo"), ("bar", "#{bar}")]).expose(), "foo=#$foo\nbar=#{bar}\n");
}

#[test]
fn to_str_wont_escape_chinese_characters() {
    assert_eq!(
        file(&[("foo", r#"你好 means hello, "欢迎" means welcome, that's simple! 😃 {smile}"#)]).expose(),
        "foo=你好 means hello, \"欢迎\" means welcome, that's simple! 😃 {smile}\n"
    );
}

#[test]
fn to_s_wont_escape_japanese_characters() {
    assert_eq!(
        file(&[("foo", r#"こんにちは means hello, "ようこそ" means welcome, that's simple! 😃 {smile}"#)]).expose(),
        "foo=こんにちは means hello, \"ようこそ\" means welcome, that's simple! 😃 {smile}\n"
    );
}

#[test]
fn to_s_wont_escape_korean_characters() {
    assert_eq!(
        file(&[("foo", r#"안녕하세요 means hello, "어서 오십시오" means welcome, that's simple! 😃 {smile}"#)])
            .expose(),
        "foo=안녕하세요 means hello, \"어서 오십시오\" means welcome, that's simple! 😃 {smile}\n"
    );
}

#[test]
fn to_s_empty() {
    assert_eq!(file(&[]).expose(), "\n");
}

#[test]
fn to_s_escaped_newline() {
    assert_eq!(file(&[("foo", "hello\\nthere")]).expose(), "foo=hello\\\\nthere\n");
}

#[test]
fn to_s_newline() {
    assert_eq!(file(&[("foo", "hello\nthere")]).expose(), "foo=hello\\nthere\n");
}

#[test]
fn string_io_conversion() {
    let f = file(&[("foo", "bar"), ("baz", "haz")]);
    assert_eq!(f.clone().into_sensitive().expose(), "foo=bar\nbaz=haz\n");
}

#[test]
fn contents_are_redacted_when_shown() {
    let f = file(&[("RAILS_MASTER_KEY", "456")]);
    assert_eq!(f.to_string(), "[REDACTED]");
    assert_eq!(format!("{f:?}"), "EnvFile([REDACTED])");
    assert_eq!(tug_commands::env_file::ENV_FILE_MODE, 0o600);
}

#[test]
fn quotes_backslashes_and_control_characters() {
    assert_eq!(file(&[("A", "say \"hi\"\t\\ \u{7f}")]).expose(), "A=say \"hi\"\\t\\\\ \\x7F\n");
}
