//! The secrets file format: Ruby dotenv's parser spec plus Kamal's command substitution.

use std::collections::HashMap;
use std::io;
use std::path::Path;

use indexmap::IndexMap;
use proptest::prelude::*;
use tug_config::Sensitive;
use tug_config::secrets::dotenv::{Evaluator, normalize_newlines, scan};
use tug_config::secrets::{CommandRunner, Invocation, Output, SecretsError, SystemRunner};

fn eval_env(text: &str, env: &[(&str, &str)]) -> Result<Vec<(String, String)>, SecretsError> {
    let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let evaluator = Evaluator { dir: Path::new("."), runner: &SystemRunner, env: &env };
    let mut values = IndexMap::new();
    evaluator.evaluate(".kamal/secrets", text, &mut values)?;
    Ok(values.into_iter().map(|(k, v)| (k, v.into_inner())).collect())
}

fn eval(text: &str) -> Vec<(String, String)> {
    match eval_env(text, &[]) {
        Ok(v) => v,
        Err(e) => panic!("{text:?} failed: {e}"),
    }
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn dotenv_parser_spec() {
    let table: &[(&str, &[(&str, &str)])] = &[
        ("FOO=bar", &[("FOO", "bar")]),
        ("FOO= bar", &[("FOO", "bar")]),
        ("FOO=bar\\ bar", &[("FOO", "bar bar")]),
        ("FOO =bar", &[("FOO", "bar")]),
        ("  FOO=bar", &[("FOO", "bar")]),
        ("FOO=bar  ", &[("FOO", "bar")]),
        ("FOO=\"bar\"", &[("FOO", "bar")]),
        ("FOO=\"bar\"  ", &[("FOO", "bar")]),
        ("FOO='bar'", &[("FOO", "bar")]),
        ("FOO='bar'  ", &[("FOO", "bar")]),
        (r#"FOO="escaped\"bar""#, &[("FOO", "escaped\"bar")]),
        ("FOO=", &[("FOO", "")]),
        ("FOO=test\nBAR=$FOO", &[("FOO", "test"), ("BAR", "test")]),
        ("FOO=test\nBAR=${FOO}bar", &[("FOO", "test"), ("BAR", "testbar")]),
        ("BAR=$FOO", &[("BAR", "")]),
        ("FOO=test\nBAR=\"quote $FOO\"", &[("FOO", "test"), ("BAR", "quote test")]),
        ("BAR='quote $FOO'", &[("BAR", "quote $FOO")]),
        (r#"FOO="foo\$BAR""#, &[("FOO", "foo$BAR")]),
        (r#"FOO="foo\${BAR}""#, &[("FOO", "foo${BAR}")]),
        ("FOO=test\nBAR=\"foo\\${FOO} ${FOO}\"", &[("FOO", "test"), ("BAR", "foo${FOO} test")]),
        ("OPTION_A: 1", &[("OPTION_A", "1")]),
        ("export OPTION_A=2", &[("OPTION_A", "2")]),
        ("OPTION_A=2\nexport OPTION_A", &[("OPTION_A", "2")]),
        (r#"FOO="bar\nbaz""#, &[("FOO", "bar\\nbaz")]),
        (r#"FOO="bar\\nbaz""#, &[("FOO", "bar\\nbaz")]),
        (
            "DOTENV_LINEBREAK_MODE=legacy\nFOO=\"bar\\nbaz\\rfizz\"",
            &[("DOTENV_LINEBREAK_MODE", "legacy"), ("FOO", "bar\nbaz\rfizz")],
        ),
        ("FOO.BAR=foobar", &[("FOO.BAR", "foobar")]),
        ("foo=bar ", &[("foo", "bar")]),
        ("lol$wut", &[]),
        ("\n \t  \nfoo=bar\n \nfizz=buzz", &[("foo", "bar"), ("fizz", "buzz")]),
        ("FOO=\"a\n\nb\n\nc\"", &[("FOO", "a\n\nb\n\nc")]),
        ("foo=bar # this is foo", &[("foo", "bar")]),
        ("foo=\"bar#baz\" # comment", &[("foo", "bar#baz")]),
        ("foo= \"bar#baz\" # comment", &[("foo", "bar#baz")]),
        ("\n\n\n # HERE GOES FOO \nfoo=bar", &[("foo", "bar")]),
        ("# HELLO=world\n", &[]),
        ("# Uncomment to activate:\n", &[]),
        (
            "DATABASE_PASSWORD=\nDATABASE_USERNAME=root\nDATABASE_HOST=/tmp/mysql.sock",
            &[("DATABASE_PASSWORD", ""), ("DATABASE_USERNAME", "root"), ("DATABASE_HOST", "/tmp/mysql.sock")],
        ),
        ("foo=\"ba#r\"", &[("foo", "ba#r")]),
        ("foo='ba#r'  ", &[("foo", "ba#r")]),
        (
            "OPTION_A=first line\nexport OPTION_B='line 1\nline 2\nline 3'\nOPTION_C=\"last line\"\nOPTION_ESCAPED='line one\nthis is \\'quoted\\'\none more line'",
            &[
                ("OPTION_A", "first line"),
                ("OPTION_B", "line 1\nline 2\nline 3"),
                ("OPTION_C", "last line"),
                ("OPTION_ESCAPED", "line one\nthis is \\'quoted\\'\none more line"),
            ],
        ),
        (
            "OPTION_A=first line\nexport OPTION_B=\"line 1\nline 2\nline 3\"\nOPTION_C=\"last line\"\nOPTION_ESCAPED=\"line one\nthis is \\\"quoted\\\"\none more line\"",
            &[
                ("OPTION_A", "first line"),
                ("OPTION_B", "line 1\nline 2\nline 3"),
                ("OPTION_C", "last line"),
                ("OPTION_ESCAPED", "line one\nthis is \"quoted\"\none more line"),
            ],
        ),
        ("FOO=bar\rbaz=fbb", &[("FOO", "bar"), ("baz", "fbb")]),
        ("FOO=bar\r\nbaz=fbb", &[("FOO", "bar"), ("baz", "fbb")]),
        (r#"FOO="bar\rbaz""#, &[("FOO", "bar\\rbaz")]),
        ("FOO=\"bar\\$ \\$\\$\"", &[("FOO", "bar$ $$")]),
        ("FOO=\"bar $ \"", &[("FOO", "bar $ ")]),
        // Later lines overwrite, keeping the first position.
        ("A=1\nB=2\nA=3", &[("A", "3"), ("B", "2")]),
        // `$VAR` quirks of the pattern: an unclosed brace, `${}` and a lone `$`.
        ("A=x\nB=${A\nC=${}\nD=$", &[("A", "x"), ("B", "x"), ("C", "${}"), ("D", "$")]),
        // Not an assignment: `KEY:value` needs whitespace after the colon.
        ("FOO:bar", &[]),
        // An unclosed quote is part of an unquoted value.
        ("FOO=\"bar", &[("FOO", "\"bar")]),
        ("FOO=\"bar\"baz", &[("FOO", "\"bar\"baz")]),
    ];
    for (text, expected) in table {
        assert_eq!(eval(text), pairs(expected), "parsing {text:?}");
    }
}

#[test]
fn environment_is_the_fallback_and_the_file_wins() {
    assert_eq!(eval_env("BAR=$FOO", &[("FOO", "test")]).unwrap(), pairs(&[("BAR", "test")]));
    assert_eq!(
        eval_env("FOO=development\nBAR=${FOO}", &[("FOO", "test")]).unwrap(),
        pairs(&[("FOO", "development"), ("BAR", "development")])
    );
    assert_eq!(eval_env("SECRET1=$SECRET1", &[("SECRET1", "ABC")]).unwrap(), pairs(&[("SECRET1", "ABC")]));
    assert_eq!(
        eval_env("FOO=\"bar\\nbaz\"", &[("DOTENV_LINEBREAK_MODE", "legacy")]).unwrap(),
        pairs(&[("FOO", "bar\nbaz")])
    );
}

#[test]
fn earlier_files_are_visible_to_later_ones() {
    let env = HashMap::from([("COMMON".to_string(), "from-env".to_string())]);
    let evaluator = Evaluator { dir: Path::new("."), runner: &SystemRunner, env: &env };
    let mut values = IndexMap::new();
    evaluator.evaluate(".kamal/secrets-common", "COMMON=shared\nX=1", &mut values).unwrap();
    evaluator.evaluate(".kamal/secrets", "USE=$COMMON\nX=2", &mut values).unwrap();
    let got: Vec<(&str, &str)> = values.iter().map(|(k, v)| (k.as_str(), v.expose().as_str())).collect();
    assert_eq!(got, [("COMMON", "shared"), ("X", "2"), ("USE", "shared")]);
}

#[test]
fn export_of_an_unset_key_is_an_error() {
    let err = eval_env("OPTION_A=2\nexport OH_NO_NOT_SET", &[]).unwrap_err();
    assert_eq!(err.to_string(), r#".kamal/secrets:2: Line "export OH_NO_NOT_SET" has an unset variable"#);
}

#[test]
fn command_substitution() {
    let table: &[(&str, &[(&str, &str)])] = &[
        ("echo=$(echo hello)", &[("echo", "hello")]),
        (r#"echo=$(echo "$(echo "$(echo "$(echo hello)")")")"#, &[("echo", "hello")]),
        (r"echo=escaped-\$(echo hello)", &[("echo", "escaped-$(echo hello)")]),
        (r#"interp=$(echo "Quotes won't be a problem")"#, &[("interp", "Quotes won't be a problem")]),
        ("FOO='passwo(rd'\nBAR=$(echo '$FOO')", &[("FOO", "passwo(rd"), ("BAR", "passwo(rd")]),
        ("FOO=$(echo bar)\nBAR=$(echo $FOO)", &[("FOO", "bar"), ("BAR", "bar")]),
        ("VAR1=var1\ninterp=$(echo \"VAR1 is $VAR1\")", &[("VAR1", "var1"), ("interp", "VAR1 is var1")]),
        ("SECRET=$(echo ABC)", &[("SECRET", "ABC")]),
        // Only one trailing newline is chopped.
        ("TWO=\"$(printf 'a\\n\\n')\"", &[("TWO", "a\n")]),
        // Single quotes disable substitution; an empty `$()` is not a command.
        ("RAW='$(echo hi)'\nEMPTY=$()", &[("RAW", "$(echo hi)"), ("EMPTY", "$()")]),
        // Unbalanced parentheses are not a command either.
        ("OPEN=$(echo hi", &[("OPEN", "$(echo hi")]),
    ];
    for (text, expected) in table {
        assert_eq!(eval(text), pairs(expected), "parsing {text:?}");
    }
}

#[test]
fn a_failing_command_names_line_and_command() {
    let err = eval_env("A=1\nB=$(exit 3)", &[]).unwrap_err();
    assert_eq!(err.to_string(), ".kamal/secrets:2: command `exit 3` failed with exit status 3");
    // The command is shown as written, so expanded values do not leak.
    let err = eval_env("PASS=hunter2\nB=$(false $PASS)", &[]).unwrap_err();
    assert_eq!(err.to_string(), ".kamal/secrets:2: command `false $PASS` failed with exit status 1");
}

#[test]
fn commands_run_in_the_project_directory() {
    let dir = tempfile::tempdir().unwrap();
    let env: HashMap<String, String> = HashMap::new();
    let evaluator = Evaluator { dir: dir.path(), runner: &SystemRunner, env: &env };
    let mut values = IndexMap::new();
    evaluator.evaluate("s", "HERE=$(pwd -P)", &mut values).unwrap();
    let expected = dir.path().canonicalize().unwrap();
    assert_eq!(values["HERE"].expose(), expected.to_str().unwrap());
}

#[test]
fn kamal_secrets_commands_run_in_process() {
    let text = "SECRETS=$(kamal secrets fetch --adapter test --account acc foo bar)\n\
                FOO=$(kamal secrets extract foo $SECRETS)\n\
                BAR=$(tug secrets extract bar ${SECRETS})\n\
                VAULT=$(kamal secrets fetch -a test --account=a --from vault x)\n\
                FROM=$(kamal secrets extract x $VAULT)\n\
                P=$(kamal secrets fetch -atest --account a aLPARENbRPAREN)\n\
                PARENS=$(kamal secrets extract aLPARENbRPAREN $P)";
    assert_eq!(
        eval(text),
        pairs(&[
            ("SECRETS", r#"\{\"foo\":\"oof\",\"bar\":\"rab\"\}"#),
            ("FOO", "oof"),
            ("BAR", "rab"),
            ("VAULT", r#"\{\"vault/x\":\"x/tluav\"\}"#),
            ("FROM", "x/tluav"),
            ("P", r#"\{\"aLPARENbRPAREN\":\"\)b\(a\"\}"#),
            ("PARENS", ")b(a"),
        ])
    );
}

#[test]
fn in_process_command_errors_name_the_line() {
    let err = eval_env("A=$(kamal secrets fetch --adapter nope x)", &[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        ".kamal/secrets:1: `kamal secrets fetch --adapter nope x` failed: Unknown secrets adapter: nope"
    );
    let err = eval_env("A=$(kamal secrets fetch -a test x)", &[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        ".kamal/secrets:1: `kamal secrets fetch -a test x` failed: No value provided for required options '--account'"
    );
    let err = eval_env("A=$(kamal secrets extract nope {})", &[]).unwrap_err();
    assert_eq!(err.to_string(), ".kamal/secrets:1: `kamal secrets extract nope {}` failed: Could not find secret nope");
    let err = eval_env("A=$(kamal secrets print)", &[]).unwrap_err();
    assert!(err.to_string().contains("cannot run inside a secrets file"), "{err}");
}

#[test]
fn scan_locates_keys() {
    let text = normalize_newlines("\n# c\nA=1\r\nexport B='x\ny'\nC");
    let found = scan(&text);
    let lines: Vec<(String, usize, bool)> =
        found.iter().map(|a| (text[a.key.clone()].to_string(), a.line, a.export)).collect();
    assert_eq!(lines, [("A".into(), 3, false), ("B".into(), 4, true), ("C".into(), 6, false)]);
    assert_eq!(found[1].value.clone().map(|r| &text[r]), Some("'x\ny'"));
    assert_eq!(found[2].value, None);
}

/// Answers every command with the same output, so that arbitrary input runs nothing.
struct Canned;

impl CommandRunner for Canned {
    fn run(&self, _: &Invocation) -> io::Result<Output> {
        Ok(Output::ok("out\n"))
    }
}

proptest! {
    #[test]
    fn the_parser_never_panics(text in "(?s).{0,200}") {
        let env: HashMap<String, String> = HashMap::from([("HOME".into(), "/h".into())]);
        let evaluator = Evaluator { dir: Path::new("."), runner: &Canned, env: &env };
        let mut values: IndexMap<String, Sensitive<String>> = IndexMap::new();
        let _ = evaluator.evaluate("f", &text, &mut values);
        let _ = scan(&normalize_newlines(&text));
    }

    #[test]
    fn dotenv_like_input_never_panics(text in r#"([A-Za-z_.]{1,4}|export |[ \t]|[='"\\$(){}#:]|\n|[a-z ]{1,3}){0,40}"#) {
        let env: HashMap<String, String> = HashMap::new();
        let evaluator = Evaluator { dir: Path::new("."), runner: &Canned, env: &env };
        let mut values: IndexMap<String, Sensitive<String>> = IndexMap::new();
        let _ = evaluator.evaluate("f", &text, &mut values);
    }

    #[test]
    fn ruby_helpers_never_panic(text in "(?s).{0,100}") {
        let _ = tug_config::secrets::ruby::shellsplit(&text);
        let _ = tug_config::secrets::extract("x", &text);
        prop_assert_eq!(
            tug_config::secrets::ruby::shellsplit(&tug_config::secrets::ruby::shellescape(&text.replace('\0', ""))).unwrap(),
            vec![text.replace('\0', "")]
        );
    }
}
